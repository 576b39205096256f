"""How much one map may hold: cards, characters per card, and bytes per value (besides its
encoded size).

Cards and card text are checked after an update is applied and before it is accepted, so a
breach is refused whole: the room rebuilds from its log and the sender is closed with the
reason. Counting cards is one call; measuring every card's text costs a pass over the map, so
it runs only when the text an update inserts could have taken the longest card past the limit
(deleted text is ignored: the bound only errs towards measuring).

Every other string is bounded before the update is applied, from what `structs.shape` read of
it: no value (a string, a JSON value such as a rating, binary), map key or root type name may
take more than `max_value_bytes` encoded, and no run of text one struct inserts may be longer
than a card may hold. Without this, one link could send a 1 MB `meta` string in every update:
an overwritten value is garbage-collected, so the document never reached its size limit, while
every process and Redis carried each megabyte. (A Y.Text outside the cards, which the document
model does not have, is bounded per insertion like this and in total by the document's size.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Map, Text

from server.sync.structs import UpdateShape


@dataclass(frozen=True, slots=True)
class Limits:
    max_cards: int
    max_card_text: int  # characters (UTF-16 code units, as Yjs counts them)
    # Any other value, map key or root name, encoded. The model's longest are a rating's
    # reason and "what would move it up", typed like a card (2000 characters, at most 6 KB
    # in UTF-8, each): 16 KiB holds both.
    max_value_bytes: int = 16 * 1024


class MapLimits:
    """One layer's limits, and the headroom its longest card leaves."""

    def __init__(self, limits: Limits, doc: Doc[Any]) -> None:
        self.limits = limits
        self._headroom = limits.max_card_text - _longest(doc)

    def refuse(self, found: UpdateShape) -> str | None:
        """Why an update is refused before it is applied (None: it may be applied)."""
        if found.largest > self.limits.max_value_bytes:
            limit = self.limits.max_value_bytes
            return f"a value or key in the map can take at most {limit} bytes; edit refused"
        if found.longest_text > self.limits.max_card_text:
            limit = self.limits.max_card_text
            return f"a card can hold at most {limit} characters; edit refused"
        return None

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
