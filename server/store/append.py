"""The update log's append on SQLite: one batch in the caller's transaction (sync SQLAlchemy
Core, run by SQLite's single writer on its own thread, sqlite_writer.py). PostgreSQL's path
(pg_writer.py) writes the same rows, built by the same functions below.

Each entry is held to the meeting's state as the batch commits (refusals.py): the writer holds
the database's write lock from BEGIN IMMEDIATE, so an update either lands before the meeting
ends (and is in its snapshot) or is refused after.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select

from server.board.permissions import Admission, Status
from server.store.clock import now
from server.store.records import LogEntry
from server.store.refusals import Refusals, authors, judge
from server.store.schema import audit, card_writers, links, meetings, participants, updates, writers

# Built once: SQLAlchemy then reuses each compiled statement (rebuilding them per batch made
# the append several times dearer, inside the write lock). Lists of ids bind as expanding
# parameters, so one statement serves any number.
_OPEN = select(meetings.c.id, meetings.c.locked).where(
    meetings.c.id.in_(bindparam("meeting_ids", expanding=True)),
    meetings.c.status == Status.OPEN.value,
)  # no FOR SHARE: SQLite's writer holds the write lock already
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
# INSERTs that skip rows already there (a clientID bound, a card's writer known).
_BIND = insert(writers).prefix_with("OR IGNORE")
_EDITED = insert(card_writers).prefix_with("OR IGNORE")


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
    if bindings:
        conn.execute(_BIND, bindings)
    if wrote := card_writer_rows_of(kept, at):
        conn.execute(_EDITED, wrote)
    if trail := trail_rows_of(kept, at):
        conn.execute(_TRAIL, trail)
    return refused


# What an update did that the audit trail keeps, written in the update's own commit: a card
# withdrawn or restored, by its author (a participant id and role, the card's id: never text).
# The actions and their detail keys are the audit trail's (audit.py WITHDRAW, RESTORE).


_MAX_ID = 40  # the trail keeps ids, short words; a longer (client-made) card id is left out


def _storable(card: str) -> bool:
    """Can a text column hold this (client-made) card id? PostgreSQL's cannot hold a NUL: the
    commit would fail, and be retried for ever, holding back every meeting's edits."""
    return "\x00" not in card


def trail_rows_of(entries: Sequence[LogEntry], at: datetime) -> list[dict[str, Any]]:
    """The audit rows of these entries (the `audit` table's columns)."""
    found = []
    for entry in entries:
        author = entry.author
        if author is None:
            continue
        for action, card in entry.trail:
            fits = len(card) <= _MAX_ID and " " not in card and _storable(card)
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
        if _storable(card)
    ]
