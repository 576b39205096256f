"""How much one map may hold: cards, and characters per card (besides its encoded size).

Checked after an update is applied and before it is accepted, so a breach is refused whole:
the room rebuilds from its log and the sender is closed with the reason. Counting cards is one
call; measuring every card's text costs a pass over the map, so it runs only when the text an
update inserts could have taken the longest card past the limit (deleted text is ignored:
the bound only errs towards measuring).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Map, Text


@dataclass(frozen=True, slots=True)
class Limits:
    max_cards: int
    max_card_text: int  # characters (UTF-16 code units, as Yjs counts them)


class MapLimits:
    """One layer's limits, and the headroom its longest card leaves."""

    def __init__(self, limits: Limits, doc: Doc[Any]) -> None:
        self.limits = limits
        self._headroom = limits.max_card_text - _longest(doc)

    def breach(self, doc: Doc[Any], inserted_text: int) -> str | None:
        """Why the document, just changed, is over a limit (None: it is not)."""
        items = doc.get("items", type=Map)
        if len(items) > self.limits.max_cards:
            return f"a map can hold at most {self.limits.max_cards} cards; edit refused"
        self._headroom -= inserted_text
        if self._headroom < 0:
            longest = _longest(doc)
            if longest > self.limits.max_card_text:
                self._headroom += inserted_text  # refused: the document goes back
                limit = self.limits.max_card_text
                return f"a card can hold at most {limit} characters; edit refused"
            self._headroom = self.limits.max_card_text - longest
        return None


def _longest(doc: Doc[Any]) -> int:
    longest = 0
    for item in doc.get("items", type=Map).values():
        if isinstance(item, Map):
            text = item.get("text")
            if isinstance(text, Text):
                longest = max(longest, len(text))
    return longest
