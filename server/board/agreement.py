"""Agreement with the plan: what the facilitator records, per person, when the plan is read
back before the meeting ends ("agreed the plan" or "did not agree", with their words). Pure.

Recorded only by the facilitator, changed until the meeting ends, then frozen into the
snapshot's rendered document as `agreement`, in the order of its `participants`, and only for
people who were let in (the roster).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

# The most characters of a person's words the record keeps.
WORDS_MAX = 500


class BadWords(ValueError):
    """The words are longer than the record keeps."""


def clean_words(raw: str) -> str:
    """Words as typed, minus control characters (a line break reads as a space) and runs of
    spaces. Raises BadWords past WORDS_MAX characters as sent: refused, never cut short."""
    if len(raw) > WORDS_MAX:
        raise BadWords(f"words must be {WORDS_MAX} characters or fewer")
    kept = (" " if ch.isspace() else ch for ch in raw)
    return " ".join("".join(ch for ch in kept if unicodedata.category(ch)[0] != "C").split())


def in_roster_order(
    recorded: Sequence[Mapping[str, Any]], participants: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """The snapshot's `agreement`: each recorded entry (`participantId`, `agreed`, `words`,
    `recordedAt`) of someone in `participants` (the rendered roster), in its order."""
    by_person = {entry["participantId"]: entry for entry in recorded}
    return [dict(by_person[p["id"]]) for p in participants if p["id"] in by_person]
