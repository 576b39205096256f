"""What changed since the previous meeting, as a pure function of two rendered maps."""

from __future__ import annotations

from typing import Any

from server import mapdiff, model

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
