"""The update log's append: one batch in the caller's transaction, written once for both
databases (sync SQLAlchemy Core: SQLite's single writer runs it on its own thread,
PostgreSQL through `AsyncConnection.run_sync`).

Each entry is held to the meeting's state as the batch commits (refusals.py). On PostgreSQL
the check holds a share lock on the meeting rows until commit, so an update either lands
before another process ends the meeting (and is in its snapshot) or is refused after; on
SQLite the writer holds the database's write lock from BEGIN IMMEDIATE.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, bindparam, insert, select

from server.board.permissions import Admission, Status
from server.store.clock import now
from server.store.records import LogEntry
from server.store.refusals import Refusals, authors, judge
from server.store.schema import audit, card_writers, links, meetings, participants, updates, writers

# Built once: SQLAlchemy then reuses each compiled statement (rebuilding them per batch made
# the append several times dearer, inside the write lock). Lists of ids bind as expanding
# parameters, so one statement serves any number.
_OPEN = (
    select(meetings.c.id, meetings.c.locked)
    .where(
        meetings.c.id.in_(bindparam("meeting_ids", expanding=True)),
        meetings.c.status == Status.OPEN.value,
    )
    .with_for_update(read=True)  # PostgreSQL; SQLite's writer holds the write lock already
)
_BARRED = (
    select(participants.c.id)
    .join(links, links.c.id == participants.c.link_id)
    .where(
        participants.c.id.in_(bindparam("people", expanding=True)),
        (participants.c.admission != Admission.ADMITTED.value) | links.c.revoked_at.is_not(None),
    )
)  # which of these participants may no longer write: not let in, or on a revoked link
_UPDATE = insert(updates)
_TRAIL = insert(audit)


@cache
def _insert_new(dialect: str, table: Table) -> Any:
    """INSERT that skips rows already there (a clientID bound, a card's writer known)."""
    if dialect == "sqlite":
        return insert(table).prefix_with("OR IGNORE")
    from sqlalchemy.dialects import postgresql  # 2.5 MiB a server on SQLite never needs

    return postgresql.insert(table).on_conflict_do_nothing()


def append_batch(conn: Connection, entries: Sequence[LogEntry]) -> Refusals:
    """Append the entries, and bind the writers they bring; returns the entries refused."""
    people = authors(entries)
    wanted = {"meeting_ids": sorted({e.meeting_id for e in entries})}
    open_locked = {row.id: bool(row.locked) for row in conn.execute(_OPEN, wanted)}
    barred = set(conn.execute(_BARRED, {"people": people}).scalars()) if people else set()
    refused = judge(entries, open_locked, barred)
    kept = [e for i, e in enumerate(entries) if i not in refused]
    if kept:
        conn.execute(
            _UPDATE,
            [{"meeting_id": e.meeting_id, "layer": e.layer.value, "data": e.data} for e in kept],
        )
    at = now()
    bindings = [
        {
            "meeting_id": e.meeting_id,
            "layer": e.layer.value,
            "client_id": client,
            "participant_id": participant,
            "first_seen": at,
        }
        for e in kept
        for client, participant in e.writers
    ]
    dialect = conn.dialect.name
    if bindings:
        conn.execute(_insert_new(dialect, writers), bindings)
    if wrote := card_writer_rows_of(kept, at):
        conn.execute(_insert_new(dialect, card_writers), wrote)
    if trail := trail_rows_of(kept, at):
        conn.execute(_TRAIL, trail)
    return refused


# What an update did that the audit trail keeps, written in the update's own commit: a card
# withdrawn or restored, by its author (a participant id and role, the card's id: never text).
# The actions and their detail keys are the audit trail's (audit.py WITHDRAW, RESTORE).


_MAX_ID = 40  # the trail keeps ids, short words; a longer (client-made) card id is left out


def trail_rows_of(entries: Sequence[LogEntry], at: datetime) -> list[dict[str, Any]]:
    """The audit rows of these entries (the `audit` table's columns)."""
    found = []
    for entry in entries:
        author = entry.author
        if author is None:
            continue
        for action, card in entry.trail:
            fits = len(card) <= _MAX_ID and " " not in card
            found.append(
                {
                    "meeting_id": entry.meeting_id,
                    "at": at,
                    "actor_kind": "participant",
                    "actor_id": author.participant_id,
                    "actor_label": author.role,
                    "action": action,
                    "details": {"card": card if fits else None, "layer": entry.layer.value},
                }
            )
    return found


def card_writer_rows_of(entries: Sequence[LogEntry], at: Any) -> list[dict[str, Any]]:
    """(card, author) rows for the cards each entry's author wrote in."""
    return [
        {
            "meeting_id": e.meeting_id,
            "layer": e.layer.value,
            "card_id": card,
            "participant_id": e.author.participant_id,
            "first_seen": at,
        }
        for e in entries
        if e.author is not None
        for card in e.edited
    ]
