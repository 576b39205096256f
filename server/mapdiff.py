"""What changed on the map since the previous meeting: cards added, removed, edited, moved.

Pure functions of two rendered maps (model.render_meeting). A review meeting starts from the
previous meeting's last snapshot with the same card ids (review.py), so cards are matched by
id. A card can be both edited and moved. The caller decides what each side may show: for the
family copy pass maps without the professionals-only layer (`family_view`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import model


def family_view(rendered: Mapping[str, Any]) -> dict[str, Any]:
    """The map without anything from the professionals-only layer."""
    return {
        **rendered,
        "sections": {
            sid: [c for c in cards if c["layer"] == "main"]
            for sid, cards in rendered["sections"].items()
        },
        "scales": [s for s in rendered["scales"] if s["layer"] == "main"],
        "professionalOnly": False,
    }


def _cards(rendered: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    # In section order, then the cards' own order, so every list below reads like the map.
    return {
        card["id"]: card for sid in model.ALL_SECTIONS for card in rendered["sections"].get(sid, [])
    }


def _brief(card: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": card["id"],
        "section": card["section"],
        "layer": card["layer"],
        "text": card["text"],
    }


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Changes from `before` (the previous meeting's last snapshot) to `after` (this map)."""
    old, new = _cards(before), _cards(after)
    edited, moved = [], []
    for card_id, card in new.items():
        was = old.get(card_id)
        if was is None:
            continue
        if was["text"] != card["text"]:
            edited.append(_brief(card) | {"before": was["text"]})
        if was["section"] != card["section"]:
            moved.append(_brief(card) | {"from": was["section"]})
    return {
        "previousMeetingId": before["meeting"]["id"],
        "added": [_brief(c) for card_id, c in new.items() if card_id not in old],
        "removed": [_brief(c) for card_id, c in old.items() if card_id not in new],
        "edited": edited,
        "moved": moved,
    }


def is_empty(changes: Mapping[str, Any]) -> bool:
    return not any(changes[k] for k in ("added", "removed", "edited", "moved"))
