"""A card's `pictures`, judged without a server: its shape, its descriptions, its count, ids
signed for this meeting and layer only, and where new pictures may go; a move or the same
list again adds nothing."""

from __future__ import annotations

from typing import Any

import pytest

from server.board import picture_ids, picture_rules
from server.board.document_rules import Change, Node, Writer, violation
from server.board.permissions import Layer, Role

KEY = "unit-test-secret-key"


class Room:
    def __init__(self, layer: Layer = Layer.MAIN, sections: dict[str, str] | None = None) -> None:
        uploads = picture_rules.uploads_for(KEY, "m1", layer)
        assert uploads is not None
        self.uploads = uploads
        self.sections = sections or {}
        self.everywhere = False

    def uploaded(self, picture_id: str) -> bool:
        return self.uploads.uploaded(picture_id)

    def allows(self, card_id: str) -> bool:
        voice = self.sections.get(card_id) == picture_rules.SECTION
        return self.uploads.anywhere or self.everywhere or voice


MUM = Writer("p-mum", Role.FAMILY)
MINE = picture_ids.mint(KEY, "m1", "main")
NOTES = picture_ids.mint(KEY, "m1", "professional")
ELSEWHERE = picture_ids.mint(KEY, "m2", "main")


def pictures(*ids: str, alt: str = "Leo's drawing of his three houses") -> list[dict[str, str]]:
    return [{"id": i, "alt": alt} for i in ids]


def write(old: Any, new: Any, room: Room, card: str = "c1") -> str | None:
    change = Change("items", (card,), "pictures", "update" if old else "add", old, new)
    return violation([change], MUM, room)


def test_ids_are_signed_for_one_meeting_and_layer() -> None:
    assert picture_ids.looks_like_id(MINE) and len(MINE) == picture_ids.LENGTH
    assert picture_ids.signed_for(KEY, "m1", "main", MINE)
    assert not picture_ids.signed_for(KEY, "m1", "professional", MINE)
    assert not picture_ids.signed_for(KEY, "m2", "main", MINE)
    assert not picture_ids.signed_for("another key", "m1", "main", MINE)
    assert not picture_ids.signed_for(KEY, "m1", "main", MINE[:-1] + "A")
    assert not picture_ids.signed_for(KEY, "m1", "main", 42)


def test_the_child_voice_takes_pictures_of_this_meeting_and_layer() -> None:
    room = Room(sections={"c1": "child_voice"})
    assert write(None, pictures(MINE), room) is None
    assert write(None, pictures(NOTES), room) == picture_rules.UNKNOWN
    assert write(None, pictures(ELSEWHERE), room) == picture_rules.UNKNOWN
    assert write(None, pictures("A" * 38), room) == picture_rules.UNKNOWN
    assert write(pictures(MINE), None, room) is None  # taken away


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ({"id": MINE, "alt": "a"}, picture_rules.MALFORMED),
        ([MINE], picture_rules.MALFORMED),
        ([{"id": MINE}], picture_rules.MALFORMED),
        ([{"id": MINE, "alt": "a", "data": "iVBORw0KGgo="}], picture_rules.MALFORMED),
        ([{"id": 7, "alt": "a"}], picture_rules.MALFORMED),
        (pictures(MINE, MINE), picture_rules.MALFORMED),
        (pictures(MINE, alt=" \n "), picture_rules.ALT),
        (pictures(MINE, alt="x" * 301), picture_rules.ALT),
        (
            pictures(*(picture_ids.mint(KEY, "m1", "main") for _ in range(7))),
            picture_rules.TOO_MANY,
        ),
    ],
)
def test_a_malformed_list_is_refused(value: Any, why: str) -> None:
    assert write(None, value, Room(sections={"c1": "child_voice"})) == why


def test_other_sections_take_them_only_when_the_facilitator_allows() -> None:
    room = Room(sections={"c1": "danger"})
    assert write(None, pictures(MINE), room) == picture_rules.NOT_HERE
    # A card moved out of the child's voice keeps its pictures, and may be written again.
    assert write(pictures(MINE), pictures(MINE), room) is None
    assert write(pictures(MINE), list(reversed(pictures(MINE, alt="Houses"))), room) is None
    room.everywhere = True
    assert write(None, pictures(MINE), room) is None
    # The professionals' notes take their own pictures on any card.
    notes = Room(Layer.PROFESSIONAL, sections={"c1": "danger"})
    assert write(None, pictures(NOTES), notes) is None
    assert write(None, pictures(MINE), notes) == picture_rules.UNKNOWN


def test_a_new_card_and_edits_inside_the_list() -> None:
    room = Room(sections={"c1": "danger", "c2": "child_voice"})
    new = Node({"section": "child_voice", "author": MUM.id, "pictures": pictures(MINE)})
    assert violation([Change("items", (), "c2", "add", None, new)], MUM, room) is None
    assert violation([Change("items", (), "c1", "add", None, new)], MUM, room) is not None
    inside = Change("items", ("c2", "pictures"))
    assert violation([inside], MUM, room) == picture_rules.MALFORMED
    # Without a room to ask (no key), no card takes a new picture.
    assert violation([Change("items", (), "c2", "add", None, new)], MUM) is not None
