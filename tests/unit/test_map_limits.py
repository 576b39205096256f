"""Limits on what one map holds: cards, characters per card, bytes per value or key, people per
meeting. Here the pure checks (no server, database or process); the checks against a real
server and database are in tests/integration/test_map_limits.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pycrdt import Doc, Map, Text

from server.board.limits import Limits, MapLimits
from server.board.model import write_map
from server.sync import structs
from tests.example_meeting import load


def test_the_text_bound_measures_only_near_the_limit() -> None:
    doc: Doc = Doc()
    items = doc.get("items", type=Map)
    items["c1"] = Map({"text": Text("x" * 90)})
    limits = MapLimits(Limits(max_cards=3, max_card_text=100), doc)
    assert limits.breach(doc, inserted_text=0) is None
    items["c1"]["text"].insert(0, "y" * 10)  # 100: at the limit, allowed
    assert limits.breach(doc, inserted_text=10) is None
    items["c1"]["text"].insert(0, "z")
    assert "at most 100 characters" in (limits.breach(doc, inserted_text=1) or "")
    del items["c1"]["text"][0:1]
    items["c2"] = Map({"text": Text("")})
    items["c3"] = Map({"text": Text("")})
    assert limits.breach(doc, inserted_text=0) is None
    items["c4"] = Map({"text": Text("")})
    assert "at most 3 cards" in (limits.breach(doc, inserted_text=0) or "")


def update_of(change: Callable[[Doc[Any]], None]) -> bytes:
    doc: Doc[Any] = Doc()
    change(doc)
    return doc.get_update()


def refusal(limits: Limits, change: Callable[[Doc[Any]], None]) -> str | None:
    return MapLimits(limits, Doc()).refuse(structs.shape(update_of(change)))


def meta(key: str, value: Any) -> Callable[[Doc[Any]], None]:
    return lambda doc: doc.get("meta", type=Map).__setitem__(key, value)


def test_every_string_value_and_key_is_bounded_before_it_is_applied() -> None:
    small = Limits(max_cards=10, max_card_text=100, max_value_bytes=1000)
    # A string value is bounded by its encoded size (a count, a tag, a length: 4 bytes here).
    assert refusal(small, meta("note", "x" * 996)) is None
    assert "at most 1000 bytes" in (refusal(small, meta("note", "x" * 997)) or "")
    # So is every other kind of value, as a whole: objects, arrays, binary.
    assert refusal(small, meta("rating", {"reason": "x" * 600, "up": "y" * 600})) is not None
    assert refusal(small, meta("list", ["x" * 10] * 100)) is not None
    assert refusal(small, meta("blob", b"x" * 1000)) is not None
    # Keys of map entries, keys inside a JSON value, and names of root types.
    assert refusal(small, meta("k" * 1001, 1)) is not None
    assert refusal(small, meta("note", {"k" * 1001: 1})) is not None
    assert refusal(small, lambda doc: doc.get("r" * 1001, type=Map).__setitem__("k", 1))
    # Text: no run inserted at once may be longer than a card, in a card or anywhere else.
    card = Map({"section": "harm", "text": Text("y" * 101), "order": "V"})
    in_a_card = refusal(small, lambda doc: doc.get("items", type=Map).__setitem__("c1", card))
    assert "at most 100 characters" in (in_a_card or "")
    assert refusal(small, meta("text", Text("y" * 101))) is not None
    assert refusal(small, meta("text", Text("y" * 100))) is None


def test_legitimate_maps_fit_the_default_limits() -> None:
    defaults = Limits(max_cards=5000, max_card_text=2000)
    example = load()  # the whole example in one update, whoever would write it
    whole = example | {"createdAt": example["held"]}
    assert refusal(defaults, lambda doc: write_map(doc, whole)) is None
    # The longest things people type outside cards: a rating's reason and "what would move it
    # up", each as long as a card, in a script that takes 3 bytes a character.
    long = "\u5b89" * 2000
    scale = {
        "id": "s1",
        "question": "Where are things now? " * 20,
        "low": "x" * 500,
        "high": "y" * 500,
        "about": "",
        "ratings": [{"participant": "p1", "value": 6, "reason": long, "up": long, "at": "now"}],
    }
    assert refusal(defaults, lambda doc: write_map(doc, {"scales": [scale]})) is None
    title = "T" * 200  # the longest title the API takes
    people = {"p1": {"name": "\U0001f600" * 100, "role": "family", "relationship": "Mum" * 33}}
    assert refusal(defaults, lambda doc: write_map(doc, {"title": title, "people": people})) is None
