"""The document model: write a map, sync it, read it back tolerantly and render the record."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text, XmlFragment

from server.board.model import (
    ALL_SECTIONS,
    DEFAULT_SCALE_QUESTION,
    LABEL_SETS,
    ORDER_DIGITS,
    PROMPTS,
    is_order_key,
    order_between,
    read_layer,
    render_meeting,
    write_map,
)

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "tests" / "data" / "example-meeting.json"
MAP_SCHEMA = json.loads((REPO / "schemas" / "map.schema.json").read_text())
DOC_SCHEMA = json.loads((REPO / "schemas" / "document.schema.json").read_text())
PROFESSIONAL_ONLY_TEXT = "Police shared that officers attended"


def example() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return data


def meeting(**overrides: Any) -> dict[str, Any]:
    record = {
        "id": "m-example",
        "title": example()["title"],
        "labelSet": "child_protection",
        "status": "ended",
        "createdAt": "2026-05-12T09:55:00+01:00",
        "endedAt": "2026-05-12T11:30:00+01:00",
    }
    return record | overrides


def synced(doc: Doc[Any]) -> Doc[Any]:
    """A fresh doc holding only what the update carries, as a remote peer would see it."""
    fresh: Doc[Any] = Doc()
    fresh.apply_update(doc.get_update())
    return fresh


def example_docs() -> tuple[Doc[Any], Doc[Any]]:
    data = example()
    main: Doc[Any] = Doc()
    professional: Doc[Any] = Doc()
    write_map(main, data | {"createdAt": data["held"]})
    write_map(professional, {"cards": data["professionalOnly"], "createdAt": data["held"]})
    return synced(main), synced(professional)


def render(main: Doc[Any], professional: Doc[Any] | None, **overrides: Any) -> dict[str, Any]:
    out = render_meeting(main, professional, meeting(**overrides), example()["participants"])
    jsonschema.Draft202012Validator(MAP_SCHEMA).validate(out)
    return out


def cards(out: dict[str, Any], section: str) -> dict[str, dict[str, Any]]:
    return {card["id"]: card for card in out["sections"][section]}


def test_schemas_are_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(MAP_SCHEMA)
    jsonschema.Draft202012Validator.check_schema(DOC_SCHEMA)


def test_every_label_set_and_prompt_covers_every_section() -> None:
    for labels in LABEL_SETS.values():
        assert set(labels) == set(ALL_SECTIONS)
    assert set(PROMPTS) == set(ALL_SECTIONS)
    assert LABEL_SETS["early_help"]["danger"] == "Worries"
    assert LABEL_SETS["early_help"]["goals"] == "Wellbeing goals"
    assert LABEL_SETS["children_in_care"]["goals"] == "Success goals"
    assert LABEL_SETS["children_in_care"]["danger"] == "Worries for the future"


def test_example_round_trips_into_a_valid_record() -> None:
    out = render(*example_docs())
    data = example()

    assert out["professionalOnly"] is True
    assert out["meeting"] == meeting()
    assert out["labels"]["danger"] == "Worries for the future"
    counts = {section: len(out["sections"][section]) for section in ALL_SECTIONS}
    assert counts == {
        "harm": 2, "danger": 2, "complicating": 4, "strengths": 4, "safety": 3, "goals": 2,
        "next_steps": 5, "unknowns": 0, "child_voice": 0, "safety_network": 0, "safety_plan": 0,
    }  # fmt: skip
    rendered = {card["id"]: card for section in out["sections"].values() for card in section}
    for source in data["cards"] + data["professionalOnly"]:
        assert rendered[source["id"]]["text"] == source["text"]
        assert rendered[source["id"]]["section"] == source["section"]
        assert rendered[source["id"]]["author"] == source["author"]
    assert cards(out, "complicating")["x1"]["layer"] == "professional"
    assert cards(out, "complicating")["c5"]["layer"] == "main"

    danger = cards(out, "danger")["c3"]
    assert danger["speaker"] == "p5"
    assert danger["stances"] == [
        {"participant": "p2", "stance": "agree"},
        {"participant": "p3", "stance": "dispute"},
        {"participant": "p4", "stance": "agree"},
        {"participant": "p6", "stance": "agree"},
    ]
    assert cards(out, "goals")["c15"]["answers"] == "c3"
    step = cards(out, "next_steps")["c17"]
    assert (step["owner"], step["due"]) == ("Chris Example", "2026-07-01")
    assert step["status"] == "in_progress"
    assert cards(out, "next_steps")["c18"]["status"] == "not_started"
    assert cards(out, "next_steps")["c21"]["status"] == "in_progress"  # "booked"

    overall, first_worry = out["scales"]
    assert (overall["id"], overall["about"], first_worry["about"]) == ("s1", None, "c3")
    assert overall["question"] == data["scales"][0]["question"]
    assert [r["participant"] for r in overall["ratings"]] == ["p2", "p3", "p4", "p5", "p6", "p7"]
    social_worker = overall["ratings"][3]
    assert social_worker["value"] == 4 and type(social_worker["value"]) is int
    assert social_worker["at"] == data["held"]
    assert [p["role"] for p in out["participants"]][:2] == ["facilitator", "professional"]


def test_cards_keep_their_order_within_a_section() -> None:
    out = render(*example_docs())
    assert [card["id"] for card in out["sections"]["harm"]] == ["c1", "c2"]
    assert [card["id"] for card in out["sections"]["next_steps"]] == [
        "c17", "c18", "c19", "c20", "c21",
    ]  # fmt: skip


def test_moving_a_card_changes_only_its_order() -> None:
    main, professional = example_docs()
    items = main.get("items", type=Map)
    first = items["c1"]["order"]
    items["c2"]["order"] = order_between(None, first)
    out = render(synced(main), professional)
    assert [card["id"] for card in out["sections"]["harm"]] == ["c2", "c1"]
    assert sum(len(section) for section in out["sections"].values()) == 22


def test_family_copy_has_no_professional_only_content() -> None:
    main, _ = example_docs()
    out = render(main, None)
    text = json.dumps(out)
    assert out["professionalOnly"] is False
    assert PROFESSIONAL_ONLY_TEXT not in text
    assert '"x1"' not in text
    assert {card["layer"] for s in out["sections"].values() for card in s} == {"main"}
    assert PROFESSIONAL_ONLY_TEXT in json.dumps(render(*example_docs()))


def test_rendering_is_deterministic() -> None:
    first = json.dumps(render(*example_docs()))
    assert json.dumps(render(*example_docs())) == first
    main, professional = example_docs()
    roster = example()["participants"]
    random.Random(4).shuffle(roster)
    shuffled = render_meeting(main, professional, meeting(), roster)
    assert json.dumps(shuffled) == first


def test_a_rendered_map_can_be_written_again() -> None:
    """Review meetings start from the last record, so render -> write -> render is stable."""
    first = render(example_docs()[0], None)
    copy: Doc[Any] = Doc()
    write_map(copy, first | {"createdAt": "2026-08-11T10:00:00+01:00"})
    again = render(synced(copy), None)
    assert again["sections"] == first["sections"]
    assert again["scales"] == first["scales"]


def test_written_layers_match_the_document_schema() -> None:
    for doc in example_docs():
        plain = {root: doc.get(root, type=Map).to_py() for root in ("meta", "items", "scales")}
        jsonschema.Draft202012Validator(DOC_SCHEMA).validate(plain)
    main, _ = example_docs()
    assert isinstance(main.get("items", type=Map)["c1"]["text"], Text)


def stock_client_garbage(doc: Doc[Any]) -> None:
    """What an arbitrary Yjs client could write: wrong types, bad ratings, unknown sections."""
    meta = doc.get("meta", type=Map)
    items = doc.get("items", type=Map)
    scales = doc.get("scales", type=Map)
    with doc.transaction():
        meta["title"] = 12
        meta["labelSet"] = "bogus"
        meta["optionalSections"] = ["child_voice", 5, "bogus", "child_voice"]
        items["g1"] = "just a string"
        items["g2"] = Map({"section": "nonsense", "text": Text("lost")})
        items["g3"] = Map({
            "section": "unknowns", "text": "We don't know who else lives there", "order": 3.0,
            "author": 7, "createdAt": None, "speaker": 5, "due": "next week", "status": "whenever",
            "stance": Map({"p2": "maybe", "p3": "dispute", "p4": 1}), "answers": ["c3"],
        })  # fmt: skip
        items["g4"] = Array([1, 2])
        items["g5"] = Map({"section": "harm", "text": XmlFragment(), "order": "zz", "stance": 3})
        scales["s9"] = Map({
            "question": 42, "low": None, "about": 17, "revealed": "yes",
            "ratings": Map({
                "p1": "ten", "p2": {"value": 11}, "p3": {"value": -1}, "p4": {"value": 7.5},
                "p5": {"value": "7"}, "p6": {"value": True}, "p7": {"value": 3.0, "reason": 9},
                "p8": Map({"value": 5, "reason": "written as a Y.Map", "up": ""}),
            }),
        })  # fmt: skip
        scales["s10"] = "not a scale"


def with_stock_client_garbage(doc: Doc[Any]) -> Doc[Any]:
    # The stranger edits on top of what it synced, so its writes win like a later edit would.
    stranger = synced(doc)
    stock_client_garbage(stranger)
    return synced(stranger)


def test_stock_client_garbage_is_skipped_or_coerced() -> None:
    main, professional = (with_stock_client_garbage(doc) for doc in example_docs())

    layer = read_layer(main)
    assert layer["meta"] == {"title": "", "labelSet": None, "optionalSections": ["child_voice"]}
    assert {"g1", "g2", "g4"}.isdisjoint(layer["items"])

    out = render(main, professional)
    unknown = cards(out, "unknowns")
    assert set(unknown) == {"g3"}
    assert unknown["g3"]["text"] == "We don't know who else lives there"
    odd = {k: unknown["g3"][k] for k in ("order", "author", "createdAt", "speaker", "due")}
    assert odd == {"order": "", "author": "", "createdAt": None, "speaker": None, "due": None}
    assert unknown["g3"]["status"] is None and unknown["g3"]["answers"] is None
    assert unknown["g3"]["stances"] == [{"participant": "p3", "stance": "dispute"}]
    assert [c["layer"] for c in out["sections"]["unknowns"]] == ["main", "professional"]
    assert cards(out, "harm")["g5"]["text"] == ""
    assert [c["id"] for c in out["sections"]["harm"] if c["layer"] == "main"] == ["c1", "c2", "g5"]

    scale = next(s for s in out["scales"] if s["id"] == "s9" and s["layer"] == "main")
    assert scale["question"] == DEFAULT_SCALE_QUESTION
    assert (scale["about"], scale["revealed"]) == (None, True)
    assert scale["ratings"] == [
        {"participant": "p7", "value": 3, "reason": "", "up": None, "at": None},
        {"participant": "p8", "value": 5, "reason": "written as a Y.Map", "up": None, "at": None},
    ]
    assert "s10" not in {s["id"] for s in out["scales"]}
    assert render(main, professional, labelSet=None)["meeting"]["labelSet"] == "child_protection"


def test_document_schema_rejects_what_readers_skip() -> None:
    garbage = with_stock_client_garbage(example_docs()[0])
    with pytest.raises(ValueError, match="XmlFragment"):  # why read_layer does not use to_py
        garbage.get("items", type=Map).to_py()
    del garbage.get("items", type=Map)["g5"]
    plain = {root: garbage.get(root, type=Map).to_py() for root in ("items", "scales")}
    errors = list(jsonschema.Draft202012Validator(DOC_SCHEMA).iter_errors(plain))
    assert {tuple(e.absolute_path)[:2] for e in errors} >= {("items", "g1"), ("scales", "s9")}


def test_reading_changes_nothing() -> None:
    main, _ = example_docs()
    before = main.get_state()
    read_layer(main)
    assert main.get_state() == before


def test_render_uses_the_meeting_label_set() -> None:
    out = render(*example_docs(), labelSet="early_help")
    assert (out["labels"]["danger"], out["labels"]["goals"]) == ("Worries", "Wellbeing goals")


def test_render_rejects_a_bad_roster() -> None:
    main, _ = example_docs()
    with pytest.raises(ValueError, match="role"):
        render_meeting(main, None, meeting(), [{"id": "p9", "name": "A", "role": "boss"}])


@pytest.mark.parametrize(
    ("card", "error"),
    [
        ({"section": "gossip"}, "section"),
        ({"section": "danger", "stance": {"p2": "maybe"}}, "stance"),
        ({"section": "next_steps", "status": "whenever"}, "status"),
        ({"section": "next_steps", "due": "next week"}, "ISO date"),
        ({"section": "harm", "author": None}, "author"),
        ({"section": "harm", "createdAt": 5}, "createdAt"),
        ({"section": "harm", "id": "c0"}, "duplicate"),
    ],
)
def test_write_map_rejects_invalid_cards(card: dict[str, Any], error: str) -> None:
    good = {"id": "c0", "author": "p1", "section": "harm", "text": "fine"}
    card = {"id": "c1", "author": "p1"} | card
    data = {"createdAt": "2026-05-12T10:00:00+01:00", "title": "T", "cards": [good, card]}
    doc: Doc[Any] = Doc()
    with pytest.raises(ValueError, match=error):
        write_map(doc, data)
    assert read_layer(doc)["items"] == {} and read_layer(doc)["meta"]["title"] == ""


@pytest.mark.parametrize("value", [11, -1, 7.5, True, "7"])
def test_write_map_rejects_invalid_ratings(value: object) -> None:
    scale = {"id": "s1", "ratings": [{"participant": "p2", "value": value, "reason": "x"}]}
    with pytest.raises(ValueError, match="rating"):
        write_map(Doc(), {"createdAt": "2026-05-12T10:00:00+01:00", "scales": [scale]})


keys = st.text(alphabet=ORDER_DIGITS, min_size=1, max_size=8).filter(lambda k: k[-1] != "0")


@given(keys, keys)
def test_order_between_two_keys_lies_strictly_between(a: str, b: str) -> None:
    assume(a != b)
    low, high = sorted((a, b))
    middle = order_between(low, high)
    assert low < middle < high
    assert is_order_key(middle)


@given(keys)
def test_order_before_and_after_a_key(key: str) -> None:
    before, after = order_between(None, key), order_between(key, None)
    assert before < key < after
    assert is_order_key(before) and is_order_key(after)


@given(st.lists(st.integers(min_value=0, max_value=1000), max_size=80))
def test_repeated_inserts_stay_sorted_and_distinct(positions: list[int]) -> None:
    order: list[str] = []
    for position in positions:
        at = position % (len(order) + 1)
        a = order[at - 1] if at > 0 else None
        b = order[at] if at < len(order) else None
        order.insert(at, order_between(a, b))
    assert order == sorted(order)
    assert len(set(order)) == len(order)
    assert all(is_order_key(key) for key in order)


def test_appending_keeps_keys_short() -> None:
    key = order_between(None, None)
    for _ in range(100):
        key = order_between(key, None)
    assert len(key) <= 3


@pytest.mark.parametrize(
    ("a", "b"), [("b", "a"), ("a", "a"), ("a0", None), ("", None), (None, "a-"), (None, "0")]
)
def test_order_between_rejects_bad_keys(a: str | None, b: str | None) -> None:
    with pytest.raises(ValueError):
        order_between(a, b)


def test_added_by_is_kept_per_layer_and_old_records_still_render() -> None:
    from server.board.attribution import added_by_of

    main: Doc[Any] = Doc()
    professional: Doc[Any] = Doc()
    at = "2026-05-12T10:00:00+01:00"
    card = {"id": "same", "author": "p1", "createdAt": at}
    write_map(main, {"cards": [card | {"section": "strengths", "text": "Gran helps"}]})
    write_map(professional, {"cards": [card | {"section": "harm", "text": "Referral"}]})
    main, professional = synced(main), synced(professional)
    jo = {"id": "p3", "name": "Jo Example", "role": "family"}
    alex = {"id": "p2", "name": "Alex Example", "role": "professional"}

    def writers(out: dict[str, Any]) -> dict[str, Any]:
        jsonschema.Draft202012Validator(MAP_SCHEMA).validate(out)
        return {c["layer"]: c.get("addedBy") for s in out["sections"].values() for c in s}

    def family_copy(full: dict[str, Any]) -> dict[str, Any]:
        return render_meeting(
            main, None, full["meeting"], example()["participants"], added_by=added_by_of(full)
        )

    full = render_meeting(
        main,
        professional,
        meeting(),
        example()["participants"],
        added_by={"main": {"same": jo}, "professional": {"same": alex}},
    )
    assert writers(full) == {"main": jo, "professional": alex}
    assert writers(family_copy(full)) == {"main": jo}

    # A record stored before attribution was kept per layer gave both cards one writer: the
    # family copy cannot tell whose the main card is, so it names nobody rather than Alex.
    old = json.loads(json.dumps(full))
    old["sections"]["strengths"][0]["addedBy"] = dict(alex)
    assert writers(family_copy(old)) == {"main": None}
    # A family member never writes the professionals-only layer: theirs is the main card.
    old["sections"]["strengths"][0]["addedBy"] = dict(jo)
    old["sections"]["harm"][0]["addedBy"] = dict(jo)
    assert writers(family_copy(old)) == {"main": jo}
