"""Review meetings: a new meeting whose map starts from the last snapshot of the one before.

Cards (with their links between worries and goals, speakers and next-step details) and scales
(question and end texts) carry over; ratings start empty, because each review asks again and
the change over time is the point. Old ratings stay in the earlier meeting's snapshots, and
`previous_id` chains the meetings. Stances start empty too: people say again where they stand.
The names of those who wrote the carried cards (or whose view they are) come along in the
board's name cache: in the review everyone has a new participant id. Pictures on the cards come
along too, copied to the review under new ids (live/meetings.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pycrdt import Doc

from server.board import model

_CARRIED = ("id", "section", "text", "order", "author", "createdAt", "speaker", "answers",
            "owner", "due", "status", "withdrawn", "pictures")  # fmt: skip
_SCALE = ("id", "question", "low", "high", "about")


def carried_pictures(rendered: Mapping[str, Any]) -> set[str]:
    """The ids of the pictures on the cards a review carries over."""
    cards = [card for section in rendered["sections"].values() for card in section]
    return {p["id"] for card in cards for p in card.get("pictures", [])}


def starting_layers(
    rendered: Mapping[str, Any], started_at: str, pictures: Mapping[str, str] | None = None
) -> dict[str, bytes]:
    """The review's two layers as updates, from the previous meeting's full rendered map.

    `pictures`: each carried picture's id in the review (its copy there: ids are signed for
    one meeting); a picture without one is left off its card."""
    renamed = pictures or {}
    layers: dict[str, bytes] = {}
    for layer in ("main", "professional"):
        cards = [
            {key: card[key] for key in _CARRIED if card.get(key) is not None}
            for section in rendered["sections"].values()
            for card in section
            if card["layer"] == layer
        ]
        for card in cards:
            if "pictures" in card:
                card["pictures"] = [
                    {**p, "id": renamed[p["id"]]} for p in card["pictures"] if p["id"] in renamed
                ]
        scales = [
            {key: scale[key] for key in _SCALE if scale.get(key) is not None}
            for scale in rendered["scales"]
            if scale["layer"] == layer
        ]
        named = {card[key] for card in cards for key in ("author", "speaker") if card.get(key)}
        people = {p["id"]: p for p in rendered["participants"] if p["id"] in named}
        data: dict[str, Any] = {
            "cards": cards,
            "scales": scales,
            "createdAt": started_at,
            "people": people,
        }
        if layer == "main":
            data |= {
                "title": rendered["meeting"]["title"],
                "labelSet": rendered["meeting"]["labelSet"],
                "optionalSections": list(rendered.get("optionalSections", [])),
            }
        doc: Doc[Any] = Doc()
        model.write_map(doc, data)
        layers[layer] = doc.get_update()
    return layers
