"""The audit trail: an append-only record of who did what to a meeting, and when.

Pure event constructors, then two small I/O functions (`record`, `for_meeting`). Rows are only
ever inserted. Details are facts about the action (a format, a snapshot number, a role), never
card text or a person's name: each action lists the detail keys it may carry, and `record`
refuses anything else. The trust issue adds its actions (joins, leaves, removals, locks, the
end, deletions) to `ACTIONS` and reuses the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, exists, insert, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .db import audit, meetings
from .store import aware, now

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
    _checked(event)
    values = {
        "meeting_id": event.meeting_id,
        "at": at or now(),
        "actor_kind": event.actor.kind,
        "actor_id": event.actor.id,
        "actor_label": event.actor.label,
        "action": event.action,
        "details": dict(event.details),
    }
    statement: Any = insert(audit).values(**values)
    if if_meeting_exists:
        columns = list(values)
        present = select(*(literal(values[c], audit.c[c].type).label(c) for c in columns)).where(
            exists(_meeting_row(target, event.meeting_id))
        )
        statement = insert(audit).from_select(columns, present)
    if isinstance(target, AsyncConnection):
        await target.execute(statement)
        return
    async with target.begin() as conn:
        await conn.execute(statement)


def _meeting_row(target: AsyncEngine | AsyncConnection, meeting_id: str) -> Any:
    query = select(meetings.c.id).where(meetings.c.id == meeting_id)
    if target.dialect.name != "sqlite":
        query = query.with_for_update(key_share=True)  # waits for a deletion to finish
    return query


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
