"""Pictures on cards: what a card's `pictures` value may be, and where (docs/document-model.md).

A card's `pictures` is a plain JSON array, written whole, of at most six `{"id", "alt"}`: the
id of a picture uploaded to this meeting and this layer, and its description. Pictures are
added to cards in the child's voice section, or to any card once the facilitator has set
`meta.picturesEverywhere`. A card moved elsewhere keeps its pictures; the same list written
again, or a shorter one, adds nothing and is always kept.

Pure: `refusal` is given what the rules read of the room (`Place`), and answers in plain words
(reasons never carry ids or descriptions: they end up in clients' consoles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from server.board import picture_ids
from server.board.permissions import Layer

KEY = "pictures"
SECTION = "child_voice"  # where pictures always go
EVERYWHERE = "picturesEverywhere"  # meta: the facilitator allows them on every card
MAX_PICTURES = 6
MAX_ALT = 300  # characters, once trimmed

MALFORMED = "a card's pictures are a list of {id, alt}, written whole; edit refused"
TOO_MANY = f"a card holds at most {MAX_PICTURES} pictures; edit refused"
ALT = f"every picture needs a description of 1 to {MAX_ALT} characters; edit refused"
UNKNOWN = "a picture must be uploaded to this meeting's map (or notes) first; edit refused"
NOT_HERE = (
    "pictures go on cards in the child's voice section, unless the facilitator allows them "
    "on every card; edit refused"
)


class Place(Protocol):
    """What the rules read of the room the update is for."""

    def uploaded(self, picture_id: str) -> bool:
        """Was this picture uploaded to this room's meeting and layer?"""
        ...

    def allows(self, card_id: str) -> bool:
        """May this card (as it is after the update) take new pictures?"""
        ...


@dataclass(frozen=True, slots=True)
class Uploads:
    """What a room knows of its pictures: whether an id was uploaded to its meeting and layer
    (picture_ids.signed_for, bound), and whether any card of its layer may take pictures
    (the professionals-only layer: only professionals write there, and the facilitator's
    `meta` lives in the main document)."""

    uploaded: Callable[[str], bool]
    anywhere: bool = False


def uploads_for(key: str, meeting_id: str, layer: Layer) -> Uploads | None:
    """A room's `Uploads`: ids signed with the server's key for its meeting and layer."""
    if not key:
        return None
    signed = partial(picture_ids.signed_for, key, meeting_id, layer.value)
    return Uploads(signed, anywhere=layer is Layer.PROFESSIONAL)


def refusal(card_id: str, old: Any, new: Any, place: Place) -> str | None:
    """Why writing `new` over `old` as this card's pictures is refused, or None."""
    if new is None:
        return None  # taken away: a card without pictures
    if not isinstance(new, list):
        return MALFORMED
    if len(new) > MAX_PICTURES:
        return TOO_MANY
    ids: list[str] = []
    for entry in new:
        if not isinstance(entry, dict) or entry.keys() != {"id", "alt"}:
            return MALFORMED
        picture_id, alt = entry["id"], entry["alt"]
        if not isinstance(picture_id, str) or not isinstance(alt, str):
            return MALFORMED
        if not 1 <= len(alt.strip()) <= MAX_ALT:
            return ALT
        ids.append(picture_id)
    if len(set(ids)) != len(ids):
        return MALFORMED  # one picture twice on a card
    before = ids_of(old)
    added = [picture_id for picture_id in ids if picture_id not in before]
    if not added:
        return None
    if not all(place.uploaded(picture_id) for picture_id in added):
        return UNKNOWN
    return None if place.allows(card_id) else NOT_HERE


def ids_of(value: Any) -> set[str]:
    """The picture ids a `pictures` value names (any value: readers are tolerant)."""
    if not isinstance(value, list):
        return set()
    return {e["id"] for e in value if isinstance(e, dict) and isinstance(e.get("id"), str)}


# The record: what a card's pictures read as, and how a carried-over card writes them ------


def read_pictures(value: Any) -> list[dict[str, str]]:
    """A card's pictures as the record reads them, `{"id", "description"}` in order: entries
    that are not a picture with a description are skipped (readers are tolerant)."""
    found: dict[str, str] = {}  # id -> description, in order; an id twice counts once
    for entry in value if isinstance(value, list) else ():
        picture_id, alt = (
            (entry.get("id"), entry.get("alt")) if isinstance(entry, dict) else ("", "")
        )
        if isinstance(picture_id, str) and isinstance(alt, str) and alt.strip():
            found.setdefault(picture_id, alt.strip()[:MAX_ALT])
    return [{"id": i, "description": d} for i, d in found.items()][:MAX_PICTURES]


def written_pictures(pictures: Any) -> list[dict[str, str]]:
    """The document's `pictures` for a card the server writes (a review's carried cards),
    from the record's `{"id", "description"}`."""
    return [{"id": p["id"], "alt": p["description"]} for p in read_record(pictures)]


def read_record(value: Any) -> list[dict[str, str]]:
    """The record's `{"id", "description"}` entries, as `read_pictures` reads the document's."""
    entries = value if isinstance(value, list) else []
    return read_pictures(
        [{"id": e.get("id"), "alt": e.get("description")} for e in entries if isinstance(e, dict)]
    )
