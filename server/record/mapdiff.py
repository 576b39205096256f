"""What changed on the map since the previous meeting: cards added, removed, edited, moved.

Pure functions of two rendered maps (model.render_meeting). A review meeting starts from the
previous meeting's last snapshot with the same card ids (review.py), so cards are matched by
layer and id: the two layers are separate documents, and a card id on one says nothing about
the card with the same id on the other. A card can be both edited and moved. The caller
decides what each side may show: for the family copy pass maps without the
professionals-only layer (`family_view`); and whenever `after` is a family copy
(`professionalOnly` false), nothing from that layer on either side reaches the diff.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.board import model

LAYERS = frozenset({"main", "professional"})
FAMILY_LAYERS = frozenset({"main"})


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


def _cards(rendered: Mapping[str, Any], layers: frozenset[str]) -> dict[tuple[str, str], Any]:
    # In section order, then the cards' own order, so every list below reads like the map.
    return {
        (card["layer"], card["id"]): card
        for sid in model.ALL_SECTIONS
        for card in rendered["sections"].get(sid, [])
        if card["layer"] in layers
    }


def _brief(card: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": card["id"],
        "section": card["section"],
        "layer": card["layer"],
        "text": card["text"],
    }


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Changes from `before` (the previous meeting's last snapshot) to `after` (this map).
    Unless `after` includes the professionals-only layer (`professionalOnly` true), only the
    main layer is compared, whatever `before` holds."""
    layers = LAYERS if after.get("professionalOnly") is True else FAMILY_LAYERS
    old, new = _cards(before, layers), _cards(after, layers)
    edited, moved = [], []
    for key, card in new.items():
        was = old.get(key)
        if was is None:
            continue
        if was["text"] != card["text"]:
            edited.append(_brief(card) | {"before": was["text"]})
        if was["section"] != card["section"]:
            moved.append(_brief(card) | {"from": was["section"]})
    return {
        "previousMeetingId": before["meeting"]["id"],
        "added": [_brief(c) for key, c in new.items() if key not in old],
        "removed": [_brief(c) for key, c in old.items() if key not in new],
        "edited": edited,
        "moved": moved,
    }


def is_empty(changes: Mapping[str, Any]) -> bool:
    return not any(changes[k] for k in ("added", "removed", "edited", "moved"))
