"""What an update did that the audit trail keeps, written in the update's own commit: a card
withdrawn or restored, by its author (a participant id and role, the card's id: never text).

The actions and their detail keys are the audit trail's (audit.py WITHDRAW, RESTORE); they
are written here, beside the update, so the trail never misses one the log kept.
"""

from __future__ import annotations

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
