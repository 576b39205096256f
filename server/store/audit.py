"""The audit trail: an append-only record of who did what to a meeting, and when.

Pure event constructors, then small I/O functions (`record`, `record_rows` for a batch,
`for_meeting`). Rows are only ever inserted. Details are facts about the action (a format, a
snapshot number, a role), never card text or a person's name: each action lists the detail
keys it may carry, and recording refuses anything else. The trust issue adds its actions
(joins, leaves, removals, locks, the end, deletions) to `ACTIONS` and reuses the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from itertools import groupby
from typing import Any, Final

from sqlalchemy import Connection, bindparam, delete, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.store.base import StoreBase
from server.store.clock import aware, now
from server.store.schema import audit, meetings

EXPORT: Final = "export"
JOIN: Final = "join"
LEAVE: Final = "leave"
ADMIT: Final = "admit"
REJECT: Final = "reject"
REMOVE: Final = "remove"
REVOKE: Final = "revoke"
LOCK: Final = "lock"
END: Final = "end"
DELETE: Final = "delete"
WITHDRAW: Final = "withdraw"
RESTORE: Final = "restore"
AGREEMENT: Final = "agreement"

# action -> the detail keys it may carry (a whitelist, so no text slips in by accident).
ACTIONS: Final[Mapping[str, frozenset[str]]] = {
    EXPORT: frozenset({"format", "variant", "snapshot", "draft"}),
    JOIN: frozenset({"layer"}),
    LEAVE: frozenset({"layer", "code"}),
    ADMIT: frozenset({"participant"}),
    REJECT: frozenset({"participant"}),
    REMOVE: frozenset({"participant", "closed"}),
    REVOKE: frozenset({"role", "replaced", "closed"}),
    LOCK: frozenset({"locked"}),
    END: frozenset({"snapshot"}),
    DELETE: frozenset({"reason"}),
    WITHDRAW: frozenset({"card", "layer"}),
    RESTORE: frozenset({"card", "layer"}),
    # Whose agreement with the plan was recorded, and which way: never their words.
    AGREEMENT: frozenset({"participant", "agreed"}),
}


@dataclass(frozen=True, slots=True)
class Actor:
    kind: str  # facilitator | participant | cli | system
    id: str | None  # facilitator or participant id; the OS user name for the CLI
    label: str  # a role, "facilitator" or "cli": never a name


@dataclass(frozen=True, slots=True)
class Event:
    meeting_id: str
    actor: Actor
    action: str
    details: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    at: datetime
    event: Event


def facilitator(facilitator_id: str) -> Actor:
    return Actor("facilitator", facilitator_id, "facilitator")


def cli(user: str | None) -> Actor:
    return Actor("cli", user, "cli")


def participant(participant_id: str, role: str) -> Actor:
    return Actor("participant", participant_id, role)


def link(link_id: int | None, role: str) -> Actor:
    """Someone holding a link's token (a stock client, a script): the link is all we know."""
    return Actor("link", None if link_id is None else str(link_id), role)


SYSTEM: Final = Actor("system", None, "system")  # the server itself: retention, for one


def event(meeting_id: str, actor: Actor, action: str, **details: Any) -> Event:
    """Any other action, checked against its allowed detail keys when recorded."""
    return Event(meeting_id, actor, action, details)


def export(meeting_id: str, actor: Actor, *, fmt: str, family: bool, snapshot: int | None) -> Event:
    """An export of the record: which format and copy, of which snapshot (None: a draft)."""
    details = {
        "format": fmt,
        "variant": "family" if family else "full",
        "snapshot": snapshot,
        "draft": snapshot is None,
    }
    return Event(meeting_id, actor, EXPORT, details)


def _checked(event: Event) -> Event:
    allowed = ACTIONS.get(event.action)
    if allowed is None:
        raise ValueError(f"unknown audit action {event.action!r}")
    if extra := set(event.details) - allowed:
        raise ValueError(f"audit details {sorted(extra)} not allowed for {event.action!r}")
    for value in event.details.values():
        if not (value is None or isinstance(value, (bool, int)) or _short_word(value)):
            raise ValueError("audit details hold facts (numbers, short words), never text")
    return event


def _short_word(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 40 and " " not in value  # ids fit


# A row to append: the event, when it happened, and whether only while its meeting exists.
Row = tuple[Event, datetime, bool]

_COLUMNS: Final = ("meeting_id", "at", "actor_kind", "actor_id", "actor_label", "action", "details")


async def record(
    target: AsyncEngine | AsyncConnection,
    event: Event,
    *,
    at: datetime | None = None,
    if_meeting_exists: bool = False,
) -> None:
    """Append one event; inside the caller's transaction when given a connection.

    `if_meeting_exists`: record it only while the meeting is there (one statement, waiting on
    PostgreSQL for a deletion in progress), so nothing lands beside a deletion's single row.
    """
    row = (event, at or now(), if_meeting_exists)
    if isinstance(target, AsyncConnection):
        await record_rows(target, [row])
        return
    async with target.begin() as conn:
        await record_rows(conn, [row])


async def record_rows(conn: AsyncConnection, rows: Sequence[Row]) -> None:
    """Append rows in the caller's transaction (see `write_rows`)."""
    await conn.run_sync(write_rows, rows)


def write_rows(conn: Connection, rows: Sequence[Row]) -> None:
    """Append rows in the caller's transaction, in order: each run of rows of the same kind
    in one statement executed for them all (one round trip, not one a row). Sync, so that
    SQLite's single writer runs the same statements on its thread (sqlite_writer.py)."""
    for guarded, run in groupby(rows, key=lambda row: row[2]):
        values = [_values(_checked(event), at) for event, at, _ in run]
        conn.execute(_guarded(conn.dialect.name) if guarded else insert(audit), values)


def _values(event: Event, at: datetime) -> dict[str, Any]:
    return {
        "meeting_id": event.meeting_id,
        "at": at,
        "actor_kind": event.actor.kind,
        "actor_id": event.actor.id,
        "actor_label": event.actor.label,
        "action": event.action,
        "details": dict(event.details),
    }


@cache
def _guarded(dialect: str) -> Any:
    """INSERT ... SELECT the row's values WHERE its meeting exists; built once per dialect."""
    params = {c: bindparam(c, type_=audit.c[c].type) for c in _COLUMNS}
    meeting = select(meetings.c.id).where(meetings.c.id == params["meeting_id"])
    if dialect != "sqlite":
        meeting = meeting.with_for_update(key_share=True)  # waits for a deletion to finish
    present = select(*(params[c].label(c) for c in _COLUMNS)).where(exists(meeting))
    return insert(audit).from_select(list(_COLUMNS), present)


async def for_meeting(target: AsyncEngine | AsyncConnection, meeting_id: str) -> list[Entry]:
    """The meeting's trail, oldest first."""
    query = select(audit).where(audit.c.meeting_id == meeting_id).order_by(audit.c.id)
    if isinstance(target, AsyncConnection):
        rows = (await target.execute(query)).all()
    else:
        async with target.connect() as conn:
            rows = (await conn.execute(query)).all()
    return [
        Entry(
            row.id,
            aware(row.at) or now(),
            Event(
                row.meeting_id,
                Actor(row.actor_kind, row.actor_id, row.actor_label),
                row.action,
                dict(row.details),
            ),
        )
        for row in rows
    ]


async def collapse(conn: AsyncConnection, meeting_id: str, deleted: Event) -> None:
    """When a meeting is deleted its trail shrinks to one row: that it was deleted, by whom
    and when. The only time rows leave this table (in the deletion's own transaction)."""
    await conn.execute(delete(audit).where(audit.c.meeting_id == meeting_id))
    await record(conn, deleted)


class TrailStore(StoreBase):
    """The audit trail as a part of `Store`."""

    async def record_event(self, event: Event) -> None:
        """Append one event in a transaction of its own (see `record`)."""
        await record(self.engine, event)

    async def trail(self, meeting_id: str) -> list[Entry]:
        return await for_meeting(self.engine, meeting_id)

    async def write_audit(self, rows: Sequence[Row]) -> None:
        """Rows of many connections in one transaction (live/audit_writer.py): on SQLite by the
        log's own writer (sqlite_writer.py), so that they never hold the write lock across
        turns of the event loop while an append waits for it."""
        if self._sqlite:
            await self._sqlite_writer().run(write_rows, rows)
            return
        async with self.engine.begin() as conn:
            await record_rows(conn, rows)
