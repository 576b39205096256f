"""What an update did that the audit trail keeps, written in the update's own commit: a card
withdrawn or restored, by its author (a participant id and role, the card's id: never text).

The actions and their detail keys are the audit trail's (audit.py WITHDRAW, RESTORE); they
are written here, beside the update, so the trail never misses one the log kept.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from server.store.records import LogEntry

_MAX_ID = 40  # the trail keeps ids, short words; a longer (client-made) card id is left out


def rows(entries: Sequence[LogEntry], at: datetime) -> list[dict[str, Any]]:
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


SQLITE_INSERT = (
    "INSERT INTO audit (meeting_id, at, actor_kind, actor_id, actor_label, action, details)"
    " VALUES (:meeting_id, :at, :actor_kind, :actor_id, :actor_label, :action, :details)"
)


# The same, kept only while the row's meeting exists (a leave after a deletion: audit.py).
SQLITE_INSERT_IF_MEETING = (
    "INSERT INTO audit (meeting_id, at, actor_kind, actor_id, actor_label, action, details)"
    " SELECT :meeting_id, :at, :actor_kind, :actor_id, :actor_label, :action, :details"
    " WHERE EXISTS (SELECT 1 FROM meetings WHERE id = :meeting_id)"
)


def stored_time(moment: datetime) -> str:
    """A time as SQLAlchemy stores it on SQLite (UTC, no zone)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def sqlite_rows(found: list[dict[str, Any]], at: str | None = None) -> list[dict[str, Any]]:
    """The same rows as sqlite3 takes them: the time (`at`, or each row's own) as SQLAlchemy
    stores it, JSON as text."""
    return [
        row | {"at": at or stored_time(row["at"]), "details": json.dumps(row["details"])}
        for row in found
    ]


def card_writers(entries: Sequence[LogEntry], at: Any) -> list[dict[str, Any]]:
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
