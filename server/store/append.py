"""The update log's append on SQLite: one batch in the writer's transaction, on SQLite's own
driver, on its single writer's thread (sqlite_writer.py). PostgreSQL's path (pg_writer.py)
writes the same rows, built by the same functions below.

Each entry is held to the meeting's state as the batch commits (refusals.py): the writer holds
the database's write lock from BEGIN IMMEDIATE, so an update either lands before the meeting
ends (and is in its snapshot) or is refused after.

The statements go to `sqlite3` directly, as pg_writer.py's go to asyncpg. Through SQLAlchemy
Core a one-edit batch spent about 0.2 ms of the writer's thread (holding the GIL the event
loop needs) in statement execution around four short statements; each edit waits for its
commit before it is relayed, so that was on every edit's way to the others
(bench/speed/PROFILE.md). Timestamps and JSON are bound by the writer's engine's own
processors, so rows are stored as the engine stores them everywhere else (a contract test
reads them back raw). The statements name the tables of schema/__init__.py; the storage
contract tests run them.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, DateTime, Dialect

from server.board.permissions import Admission, Status
from server.store.clock import now
from server.store.records import LogEntry
from server.store.refusals import Refusals, authors, judge, meetings
from server.store.schema import card_writers


@functools.lru_cache(maxsize=8)  # one writer engine per store
def _binds(dialect: Dialect) -> tuple[Callable[[Any], Any], Callable[[Any], Any]]:
    """How the writer's engine stores a timestamp and a JSON value: its own bind processors,
    so the rows are the engine's, whatever it is configured with."""

    def bind(kind: Any) -> Callable[[Any], Any]:
        process = kind.dialect_impl(dialect).bind_processor(dialect)
        return process if process is not None else (lambda value: value)

    return bind(DateTime(timezone=True)), bind(JSON())


# No FOR SHARE: the writer holds the write lock already.
_OPEN = "SELECT id, locked FROM meetings WHERE id IN ({}) AND status = ?"
# Which of these participants may no longer write: not let in, or on a revoked link.
_BARRED = (
    "SELECT p.id FROM participants p JOIN links l ON l.id = p.link_id"
    " WHERE p.id IN ({}) AND (p.admission != ? OR l.revoked_at IS NOT NULL)"
)
_UPDATE = "INSERT INTO updates (meeting_id, layer, data) VALUES (?, ?, ?)"
# Rows already there (a clientID bound, a card's writer known) are skipped.
_BIND = (
    "INSERT OR IGNORE INTO writers (meeting_id, layer, client_id, participant_id, first_seen)"
    " VALUES (?, ?, ?, ?, ?)"
)
_EDITED = (
    "INSERT OR IGNORE INTO card_writers (meeting_id, layer, card_id, participant_id, first_seen)"
    " VALUES (?, ?, ?, ?, ?)"
)
_TRAIL = (
    "INSERT INTO audit (meeting_id, at, actor_kind, actor_id, actor_label, action, details)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
)

# Ids asked per query: an SQLite before 3.32 binds at most 999 parameters, and a batch (up to
# the journal's 2,000 entries) that failed for it would be retried for ever, holding back
# every meeting's edits.
_SLICE = 500


def _rows_for(raw: sqlite3.Connection, statement: str, ids: Sequence[str], *more: Any) -> list[Any]:
    """`statement`'s rows for every id, asked a slice of ids at a time."""
    rows: list[Any] = []
    for start in range(0, len(ids), _SLICE):
        part = ids[start : start + _SLICE]
        rows += raw.execute(statement.format(", ".join("?" * len(part))), (*part, *more))
    return rows


def append_batch(conn: Connection, entries: Sequence[LogEntry]) -> Refusals:
    """Append the entries, and bind the writers they bring; returns the entries refused.
    `conn`: the writer's connection, in its transaction (sqlite_writer.py)."""
    raw: sqlite3.Connection = conn.connection.driver_connection  # type: ignore[assignment]
    timestamp, as_json = _binds(conn.dialect)
    rows = _rows_for(raw, _OPEN, meetings(entries), Status.OPEN.value)
    open_locked = {meeting: bool(locked) for meeting, locked in rows}
    rows = _rows_for(raw, _BARRED, authors(entries), Admission.ADMITTED.value)
    barred = {participant for (participant,) in rows}
    refused = judge(entries, open_locked, barred)
    kept = [e for i, e in enumerate(entries) if i not in refused]
    if kept:
        raw.executemany(_UPDATE, [(e.meeting_id, e.layer.value, e.data) for e in kept])
    at = now()
    stamp = timestamp(at)
    bindings = [
        (e.meeting_id, e.layer.value, client, participant, stamp)
        for e in kept
        for client, participant in e.writers
    ]
    if bindings:
        raw.executemany(_BIND, bindings)
    if wrote := card_writer_rows_of(kept, at):
        raw.executemany(
            _EDITED,
            [
                (row["meeting_id"], row["layer"], row["card_id"], row["participant_id"], stamp)
                for row in wrote
            ],
        )
    if trail := trail_rows_of(kept, at):
        raw.executemany(_TRAIL, [_trail_values(row, stamp, as_json) for row in trail])
    return refused


def _trail_values(
    row: dict[str, Any], stamp: Any, as_json: Callable[[Any], Any]
) -> tuple[Any, ...]:
    return (
        row["meeting_id"],
        stamp,
        row["actor_kind"],
        row["actor_id"],
        row["actor_label"],
        row["action"],
        as_json(row["details"]),
    )


# What an update did that the audit trail keeps, written in the update's own commit: a card
# withdrawn or restored, by its author (a participant id and role, the card's id: never text).
# The actions and their detail keys are the audit trail's (audit.py WITHDRAW, RESTORE).


_MAX_ID = 40  # the trail keeps ids, short words; a longer (client-made) card id is left out


_CARD_ID = card_writers.c.card_id.type.length  # type: ignore[attr-defined]


def _storable(card: str) -> bool:
    """Can the card_writers column hold this (client-made) card id? PostgreSQL's refuses a NUL
    and an id past the column's length (the board's rules keep to it, document_rules.py): the
    commit would fail, and be retried for ever, holding back every meeting's edits."""
    return "\x00" not in card and len(card) <= _CARD_ID


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
