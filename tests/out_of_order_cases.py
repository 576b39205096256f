"""What tests/*/test_out_of_order.py shares between its tiers (the pure checks in
tests/unit and the ones against a real server)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pycrdt import Doc, Map, Text


def offline_session() -> tuple[bytes, list[bytes], dict[str, Any]]:
    """A base map, then four edits one client made while offline, as separate updates."""
    base: Doc[Any] = Doc()
    base.get("items", type=Map)["c1"] = Map({"text": Text("Gran"), "section": "strengths"})
    client: Doc[Any] = Doc()
    client.apply_update(base.get_update())
    items = client.get("items", type=Map)
    updates: list[bytes] = []

    def edit(change: Callable[[], object]) -> None:
        before = client.get_state()
        change()
        updates.append(client.get_update(before))

    edit(lambda: items["c1"]["text"].insert(4, " helps"))
    edit(lambda: items.__setitem__("c2", Map({"text": Text("School")})))
    edit(lambda: items["c2"]["text"].insert(0, "After "))
    edit(lambda: items["c1"]["text"].insert(0, "Every day "))
    return base.get_update(), updates, items.to_py()
