"""Last meeting's marks, for a review: each scale's marks as the previous meeting ended.

A review repeats the previous meeting's scales under the same ids (review.py) and asks again,
so its board shows, faintly, where each person put their mark last time ("Last meeting: Jo,
4"). People are named as the record names them: in a review everyone has a new participant
id, so last time's marks are shown by last time's names, never matched to today's people.
Pure: the previous meeting's rendered record in, plain JSON out, for the board's config.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.board.model import SCALE_MAX, SCALE_MIN


def last_marks(rendered: Mapping[str, Any], *, family: bool) -> dict[str, list[dict[str, Any]]]:
    """ "layer:scale id" -> [{"name", "value"}], by value then name. The family's board gets
    the shared map's scales only, as the family copy of the record shows them."""
    names = {str(p["id"]): str(p["name"]) for p in rendered.get("participants", [])}
    marks: dict[str, list[dict[str, Any]]] = {}
    for scale in rendered.get("scales", []):
        layer = scale.get("layer")
        if layer != "main" and (family or layer != "professional"):
            continue
        placed = [
            {"name": names.get(str(rating.get("participant")), ""), "value": rating["value"]}
            for rating in scale.get("ratings", [])
            if isinstance(rating.get("value"), int) and SCALE_MIN <= rating["value"] <= SCALE_MAX
        ]
        if placed:
            marks[f"{layer}:{scale['id']}"] = sorted(placed, key=lambda m: (m["value"], m["name"]))
    return marks
