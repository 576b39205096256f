"""What changed since the previous meeting, as a pure function of two rendered maps."""

from __future__ import annotations

from typing import Any

from server.board import model
from server.record import mapdiff

AT = "2026-05-12T10:00:00+01:00"


def rendered(meeting_id: str, main: list[dict[str, Any]], pro: list[dict[str, Any]]) -> Any:
    from pycrdt import Doc

    docs: list[Doc[Any]] = [Doc(), Doc()]
    for doc, cards in zip(docs, (main, pro), strict=True):
        model.write_map(doc, {"createdAt": AT, "cards": cards})
    meeting = {"id": meeting_id, "title": "T", "status": "ended", "createdAt": AT, "endedAt": AT}
    return model.render_meeting(docs[0], docs[1], meeting, [])


def card(card_id: str, section: str, text: str) -> dict[str, Any]:
    return {"id": card_id, "section": section, "text": text, "author": "p1"}


BEFORE = rendered(
    "m1",
    [card("a", "harm", "Same"), card("b", "danger", "Old words"), card("c", "strengths", "Gone")],
    [card("p", "complicating", "Secret before")],
)
AFTER = rendered(
    "m2",
    [card("a", "harm", "Same"), card("b", "goals", "New words"), card("d", "harm", "Fresh")],
    [card("p", "complicating", "Secret after"), card("q", "danger", "Secret new")],
)


def test_added_removed_edited_moved_in_map_order() -> None:
    changes = mapdiff.diff(BEFORE, AFTER)
    assert changes["previousMeetingId"] == "m1"
    assert [(c["id"], c["layer"]) for c in changes["added"]] == [
        ("d", "main"),
        ("q", "professional"),
    ]
    assert [c["id"] for c in changes["removed"]] == ["c"]
    assert [(c["id"], c["before"], c["text"]) for c in changes["edited"]] == [
        ("p", "Secret before", "Secret after"),
        ("b", "Old words", "New words"),
    ]  # worries column first: complicating comes before goals
    assert [(c["id"], c["from"], c["section"]) for c in changes["moved"]] == [
        ("b", "danger", "goals")
    ]
    assert not mapdiff.is_empty(changes)
    assert mapdiff.is_empty(mapdiff.diff(BEFORE, BEFORE))


def test_family_view_leaves_out_every_professional_card() -> None:
    changes = mapdiff.diff(mapdiff.family_view(BEFORE), mapdiff.family_view(AFTER))
    assert "Secret" not in repr(changes)
    assert [c["id"] for c in changes["edited"]] == ["b"]
    assert [c["id"] for c in changes["added"]] == ["d"]


# Review meetings: the two layers are separate documents, so the same card id can name one
# card on the main map and another on the professionals-only layer.
SHARED_BEFORE = rendered(
    "m1",
    [card("x", "harm", "Gran helps at bedtime"), card("y", "strengths", "Walks to school")],
    [card("x", "danger", "Secret police note"), card("y", "complicating", "Secret referral")],
)
SHARED_AFTER = rendered(
    "m2",
    [card("y", "strengths", "Walks to school")],
    [card("x", "danger", "Secret police note"), card("y", "goals", "Secret referral, updated")],
)


def test_a_card_id_on_both_layers_names_two_cards() -> None:
    changes = mapdiff.diff(SHARED_BEFORE, SHARED_AFTER)
    assert changes["added"] == []
    assert [(c["layer"], c["id"], c["text"]) for c in changes["removed"]] == [
        ("main", "x", "Gran helps at bedtime")
    ]
    assert [(c["layer"], c["id"], c["before"], c["text"]) for c in changes["edited"]] == [
        ("professional", "y", "Secret referral", "Secret referral, updated")
    ]
    assert [(c["layer"], c["id"], c["from"], c["section"]) for c in changes["moved"]] == [
        ("professional", "y", "complicating", "goals")
    ]


def test_the_record_with_changes_is_valid_in_both_copies() -> None:
    import json
    from pathlib import Path

    import jsonschema

    from server.record import view

    schema = json.loads((Path(__file__).parents[2] / "schemas" / "map.schema.json").read_text())
    snapshot = {"meetingId": "m2", "n": 1, "createdAt": AT, "endedBy": "p1"}
    for family in (False, True):
        after = mapdiff.family_view(SHARED_AFTER) if family else SHARED_AFTER
        document = view.with_export_facts(after, snapshot, family=family, generated_at=AT)
        chained = view.with_chain(document, [SHARED_BEFORE], family=family)
        jsonschema.validate(chained, schema)
        layers = {c["layer"] for kind in ("added", "removed", "edited", "moved")
                  for c in chained["changes"][kind]}  # fmt: skip
        assert layers == ({"main"} if family else {"main", "professional"})


def test_the_family_copy_of_the_diff_never_shows_the_professionals_only_layer() -> None:
    """Whatever the earlier map holds: the family copy compares the main map alone."""
    for before, after in ((BEFORE, AFTER), (SHARED_BEFORE, SHARED_AFTER)):
        changes = mapdiff.diff(before, mapdiff.family_view(after))
        assert "Secret" not in repr(changes)
        assert all(
            c["layer"] == "main"
            for kind in ("added", "removed", "edited", "moved")
            for c in changes[kind]
        )
    changes = mapdiff.diff(SHARED_BEFORE, mapdiff.family_view(SHARED_AFTER))
    assert [(c["id"], c["text"]) for c in changes["removed"]] == [("x", "Gran helps at bedtime")]
    assert changes["added"] == changes["edited"] == changes["moved"] == []
