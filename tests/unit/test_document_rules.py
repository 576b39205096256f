"""Who may write what in a meeting's document (server/board/document_rules.py), without a server:
the pure rules on hand-made changes, then the tracker reading changes off real documents."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pycrdt import Array, Doc, Map, Text

from server.board import document_rules as rules
from server.board.document_rules import Change, Node, Tracker, Writer, violation
from server.board.permissions import Role

SAM = Writer("p-sam", Role.FACILITATOR, {"id": "p-sam", "name": "Sam", "role": "facilitator"})
ALEX = Writer("p-alex", Role.PROFESSIONAL, {"id": "p-alex", "name": "Alex", "role": "professional"})
JO = Writer(
    "p-jo", Role.FAMILY, {"id": "p-jo", "name": "Jo", "role": "family", "relationship": "Mum"}
)
EVERYONE = (SAM, ALEX, JO)
NOT_SAM = (ALEX, JO)


def card(author: Any = None, **more: Any) -> Node:
    values = {"section": "strengths", "text": rules.OTHER, "order": "V", **more}
    if author is not None:
        values["author"] = author
    return Node(values)


def keys(*who: str) -> Node:
    return Node(dict.fromkeys(who, "agree"))


# The rules, on changes as the tracker would report them ------------------------------------


@pytest.mark.parametrize("writer", EVERYONE)
def test_a_new_card_names_its_writer_or_nobody(writer: Writer) -> None:
    def new(value: Any) -> list[Change]:
        return [Change("items", (), "c1", "add", None, value)]

    assert violation(new(card(writer.id)), writer) is None
    assert violation(new(card()), writer) is None  # names nobody: nobody is impersonated
    for other in EVERYONE:
        if other is not writer:
            assert violation(new(card(other.id)), writer) == rules.AUTHOR_NEW
    assert violation(new(card(rules.OTHER)), writer) == rules.AUTHOR_NEW  # a text is nobody's id
    # ...and no stance in someone else's name comes with it.
    assert violation(new(card(writer.id, stance=keys(writer.id))), writer) is None
    assert violation(new(card(writer.id, stance=keys("p-x"))), writer) == rules.STANCE


@pytest.mark.parametrize("writer", EVERYONE)
@pytest.mark.parametrize("field", ["author", "createdAt"])
@pytest.mark.parametrize("action", ["add", "update", "delete"])
def test_author_and_created_at_never_change(writer: Writer, field: str, action: str) -> None:
    change = Change("items", ("c1",), field, action, writer.id, writer.id)
    assert violation([change], writer) == rules.AUTHOR_SET
    assert violation([Change("items", ("c1", field))], writer) == rules.AUTHOR_SET


@pytest.mark.parametrize("writer", EVERYONE)
def test_other_card_fields_are_anyones_to_edit(writer: Writer) -> None:
    changes = [
        Change("items", ("c1",), "order", "update", "V", "W"),
        Change("items", ("c1",), "section", "update", "harm", "strengths"),
        Change("items", ("c1",), "speaker", "add", None, "p-x"),
        Change("items", ("c1", "text")),
    ]
    assert violation(changes, writer) is None


def test_only_the_facilitator_deletes_someone_elses_card() -> None:
    gone = [Change("items", (), "c1", "delete", card(JO.id), None)]
    replaced = [Change("items", (), "c1", "update", card(JO.id), card())]
    assert violation(gone, JO) is None  # one's own
    assert violation(gone, SAM) is None
    assert violation(gone, ALEX) == rules.DELETE
    assert violation(replaced, ALEX) == rules.DELETE
    # A card that names nobody is nobody's: the facilitator's to remove (anyone may withdraw
    # it); a value that was never a card is anyone's.
    assert violation([Change("items", (), "c1", "delete", card(), None)], ALEX) == rules.DELETE
    assert violation([Change("items", (), "c1", "delete", card(), None)], SAM) is None
    assert violation([Change("items", (), "c1", "delete", "junk", None)], ALEX) is None


@pytest.mark.parametrize("writer", EVERYONE)
def test_a_card_is_withdrawn_once_in_ones_own_name_and_restored_by_the_facilitator(
    writer: Writer,
) -> None:
    mine = {"by": writer.id, "at": "2026-05-12T09:30:00Z"}
    theirs = {"by": "p-other", "at": "2026-05-12T09:30:00Z"}
    withdraw = Change("items", ("c1",), "withdrawn", "add", None, mine)
    assert violation([withdraw], writer) is None
    assert violation([Change("items", ("c1",), "withdrawn", "add", None, theirs)], writer) == (
        rules.WITHDRAW
    )
    for bad in ({"by": writer.id}, {**mine, "note": "x"}, keys("by", "at"), "yes"):
        assert violation([Change("items", ("c1",), "withdrawn", "add", None, bad)], writer) == (
            rules.WITHDRAW
        )
    restore = Change("items", ("c1",), "withdrawn", "delete", mine, None)
    rewrite = Change("items", ("c1",), "withdrawn", "update", theirs, mine)
    expected = None if writer.facilitator else rules.RESTORE
    assert violation([restore], writer) == expected
    assert violation([rewrite], writer) == expected
    # A new card that comes withdrawn is held to the same rule.
    own = card(writer.id, withdrawn=mine)
    other = card(writer.id, withdrawn=theirs)
    assert violation([Change("items", (), "c9", "add", None, own)], writer) is None
    assert violation([Change("items", (), "c9", "add", None, other)], writer) == rules.WITHDRAW


@pytest.mark.parametrize("writer", EVERYONE)
def test_a_stance_is_written_by_its_owner_alone(writer: Writer) -> None:
    for action in ("add", "update", "delete"):
        mine = Change("items", ("c1", "stance"), writer.id, action, "agree", "dispute")
        theirs = Change("items", ("c1", "stance"), "p-other", action, "agree", "dispute")
        assert violation([mine], writer) is None
        assert violation([theirs], writer) == rules.STANCE
    # Creating the stance map with one's own stance in it; not replacing someone else's.
    create = Change("items", ("c1",), "stance", "add", None, keys(writer.id))
    assert violation([create], writer) is None
    replace = Change("items", ("c1",), "stance", "update", keys("p-other"), keys(writer.id))
    assert violation([replace], writer) == rules.STANCE
    assert violation([Change("items", ("c1", "stance", "p-other"))], writer) == rules.STANCE


@pytest.mark.parametrize("writer", EVERYONE)
def test_a_mark_is_placed_moved_and_removed_by_its_owner_alone(writer: Writer) -> None:
    mark = {"value": 7, "reason": "", "at": "2026-05-12T09:30:00Z"}
    for action in ("add", "update", "delete"):
        mine = Change("scales", ("s1", "ratings"), writer.id, action, mark, mark)
        theirs = Change("scales", ("s1", "ratings"), "p-other", action, mark, mark)
        assert violation([mine], writer) is None
        assert violation([theirs], writer) == rules.MARK
    # Nor by replacing the ratings map, or bringing a scale with someone else's mark in it.
    ratings = Change("scales", ("s1",), "ratings", "update", keys("p-other"), keys())
    assert violation([ratings], writer) == rules.MARK
    scale = Node({"question": "How safe?", "ratings": Node({"p-other": mark})})
    assert violation([Change("scales", (), "s2", "add", None, scale)], writer) == rules.MARK
    own = Node({"question": "How safe?", "ratings": Node({writer.id: mark})})
    assert violation([Change("scales", (), "s2", "add", None, own)], writer) is None


def test_a_scale_is_removed_or_replaced_by_the_facilitator_only() -> None:
    """Even one holding only the writer's own mark, or none: put back reworded (in the same
    update or the next), it would be a rewording of what people were asked."""
    for held in (Node({"ratings": keys(JO.id)}), Node({"ratings": keys()}), Node()):
        gone = [Change("scales", (), "s1", "delete", held, None)]
        assert violation(gone, SAM) is None
        assert violation(gone, JO) == rules.SCALE
        assert violation(gone, ALEX) == rules.SCALE
        new = Node({"question": "Reworded?", "ratings": keys()})
        replaced = [Change("scales", (), "s1", "update", held, new)]
        assert violation(replaced, SAM) is None
        assert violation(replaced, JO) == rules.SCALE


@pytest.mark.parametrize("key", ["question", "low", "high", "about"])
def test_a_scales_wording_is_the_facilitators(key: str) -> None:
    """The record shows what people were asked: nobody else rewords it under their marks."""
    for action, old, new in (("update", "a", "b"), ("add", None, "b"), ("delete", "a", None)):
        change = [Change("scales", ("s1",), key, action, old, new)]
        assert violation(change, SAM) is None
        for writer in (ALEX, JO):
            assert violation(change, writer) == rules.WORDING, (key, action, writer)
    # A new scale comes with its wording; that is not a change of it.
    new = Node({"question": "How safe?", "low": "", "high": "", "about": "", "ratings": keys()})
    assert violation([Change("scales", (), "s2", "add", None, new)], JO) is None


@pytest.mark.parametrize(
    "key", ["title", "labelSet", "status", "locked", "endedAt", "optionalSections", "other"]
)
def test_meta_is_the_facilitators(key: str) -> None:
    for action in ("add", "update", "delete"):
        change = Change("meta", (), key, action, "before", "after")
        assert violation([change], SAM) is None
        for writer in NOT_SAM:
            assert violation([change], writer) == rules.META
    for writer in NOT_SAM:
        assert violation([Change("meta", (key,))], writer) == rules.META  # e.g. a Y.Text title
        assert violation([Change("meta", ())], writer) == rules.META  # keyless content


@pytest.mark.parametrize("writer", NOT_SAM)
def test_people_write_only_their_own_entry_as_the_server_knows_them(writer: Writer) -> None:
    me = {k: v for k, v in writer.person.items() if k != "id"}
    name_role = {"name": me["name"], "role": me["role"]}

    def entry(pid: str, value: Any, action: str = "add") -> list[Change]:
        return [Change("meta", ("people",), pid, action, None, value)]

    assert violation(entry(writer.id, me), writer) is None
    assert violation(entry(writer.id, name_role), writer) is None
    assert violation(entry(writer.id, me, "update"), writer) is None
    refused = [
        entry("p-sam", me),  # someone else's entry
        entry(writer.id, {**me, "name": "Sam"}),  # another name
        entry(writer.id, {**me, "role": "facilitator"}),  # another role
        entry(writer.id, {**me, "relationship": "Judge"}),
        entry(writer.id, {**me, "extra": 1}),
        entry(writer.id, {"name": me["name"]}),  # no role
        entry(writer.id, "Sam"),
        entry(writer.id, Node(me)),  # a map, not a plain entry
        entry(writer.id, None, "delete"),  # names survive people leaving
        [Change("meta", ("people", writer.id), "name", "update", "a", "b")],
    ]
    for changes in refused:
        assert violation(changes, writer) == rules.PEOPLE, changes
    # The first client to write itself creates the list; nobody replaces a list naming others.
    create = Change("meta", (), "people", "add", None, Node({writer.id: me}))
    assert violation([create], writer) is None
    replace = Change("meta", (), "people", "update", Node({"p-sam": None}), Node({writer.id: me}))
    assert violation([replace], writer) == rules.PEOPLE
    sneak = Change("meta", (), "people", "add", None, Node({writer.id: me, "p-sam": me}))
    assert violation([sneak], writer) == rules.PEOPLE
    gone = Change("meta", (), "people", "delete", Node({writer.id: None}), None)
    assert violation([gone], writer) == rules.PEOPLE
    # The facilitator may write anyone's.
    assert violation(entry("p-jo", {"name": "Jo", "role": "family"}), SAM) is None


def test_other_roots_and_the_first_violation() -> None:
    assert violation([Change("steps", (), "x", "add", None, 1)], JO) is None
    changes = [
        Change("items", ("c1", "text")),
        Change("scales", ("s1", "ratings"), "p-other", "add", None, {}),
        Change("meta", (), "title", "update", "a", "b"),
    ]
    assert violation(changes, JO) == rules.MARK


# The tracker: changes read off a real document, and what removed maps held ---------------


def tracked(seed: Callable[[Doc[Any]], None], edit: Callable[[Doc[Any]], None]) -> list[Change]:
    """Changes the tracker reports on a room document when a client makes `edit`."""
    client: Doc[Any] = Doc()
    seed(client)
    room: Doc[Any] = Doc()
    room.apply_update(client.get_update())
    tracker = Tracker(room)
    try:
        before = client.get_state()
        edit(client)
        tracker.recording = True
        room.apply_update(client.get_update(before))
        return list(tracker.changes)
    finally:
        tracker.close()


def items(doc: Doc[Any]) -> Map[Any]:
    return doc.get("items", type=Map)


def scales(doc: Doc[Any]) -> Map[Any]:
    return doc.get("scales", type=Map)


def seeded(doc: Doc[Any]) -> None:
    with doc.transaction():
        items(doc)["c1"] = Map(
            {
                "section": "strengths",
                "text": Text("Gran collects the children"),
                "order": "V",
                "author": JO.id,
                "stance": Map({JO.id: "agree"}),
            }
        )
        scales(doc)["s1"] = Map({"question": "How safe?", "ratings": Map({JO.id: {"value": 6}})})
        people = Map({JO.id: {"name": "Jo", "role": "family"}})
        doc.get("meta", type=Map)["people"] = people


def test_typing_reports_nothing() -> None:
    changes = tracked(seeded, lambda doc: items(doc)["c1"]["text"].insert(4, "ma"))
    assert changes == []


def test_a_deleted_card_is_reported_with_its_author() -> None:
    [change] = tracked(seeded, lambda doc: items(doc).pop("c1"))
    assert (change.root, change.path, change.key, change.action) == ("items", (), "c1", "delete")
    assert change.old.values["author"] == JO.id
    assert change.old.values["stance"].keys() == {JO.id}
    assert violation([change], ALEX) == rules.DELETE
    assert violation([change], JO) is None


def test_a_new_card_is_reported_with_what_it_holds() -> None:
    def add(doc: Doc[Any]) -> None:
        card = Map({"text": Text("x"), "author": SAM.id, "stance": Map({"p-x": "agree"})})
        items(doc)["c2"] = card

    [change] = tracked(seeded, add)
    assert change.action == "add" and change.new.values["author"] == SAM.id
    assert change.new.values["text"] is rules.OTHER
    assert change.new.values["stance"].keys() == {"p-x"}
    assert violation([change], JO) == rules.AUTHOR_NEW


def test_replaced_maps_are_reported_with_their_old_keys() -> None:
    def replace(doc: Doc[Any]) -> None:
        items(doc)["c1"]["stance"] = Map()
        scales(doc)["s1"]["ratings"] = Map()
        doc.get("meta", type=Map)["people"] = Map()

    changes = {(c.root, c.key): c for c in tracked(seeded, replace)}
    assert changes["items", "stance"].old.keys() == {JO.id}
    assert changes["scales", "ratings"].old.keys() == {JO.id}
    assert changes["meta", "people"].old.keys() == {JO.id}
    assert violation(changes.values(), JO) is None  # only Jo's own were in them
    assert violation([changes["scales", "ratings"]], ALEX) == rules.MARK


def test_rewording_a_scale_is_reported() -> None:
    [change] = tracked(seeded, lambda doc: scales(doc)["s1"].__setitem__("question", "Safe?"))
    assert (change.root, change.path, change.key) == ("scales", ("s1",), "question")
    assert violation([change], JO) == rules.WORDING
    assert violation([change], SAM) is None


def test_the_summary_follows_later_changes() -> None:
    """What the tracker knows of a map is what its document holds after each transaction,
    whoever made it (here: a mark added while not recording, then the scale removed)."""
    client: Doc[Any] = Doc()
    seeded(client)
    room: Doc[Any] = Doc()
    room.apply_update(client.get_update())
    tracker = Tracker(room)
    try:
        before = client.get_state()
        scales(client)["s1"]["ratings"][ALEX.id] = {"value": 3}
        room.apply_update(client.get_update(before))
        assert tracker.changes == []  # not recording
        before = client.get_state()
        scales(client).pop("s1")
        tracker.recording = True
        room.apply_update(client.get_update(before))
        [change] = tracker.changes
        assert change.old.values["ratings"].keys() == {JO.id, ALEX.id}
        assert violation([change], JO) == rules.SCALE
        assert violation([change], SAM) is None
    finally:
        tracker.close()


def test_keyless_content_and_nested_paths() -> None:
    def edit(doc: Doc[Any]) -> None:
        doc.get("meta", type=Map)["title"] = Text("Meeting")
        items(doc)["c1"]["stance"][ALEX.id] = "agree"
        doc.get("steps", type=Array).append("x")  # not a root the rules know

    changes = tracked(seeded, edit)
    assert {(c.root, c.path, c.key) for c in changes} == {
        ("meta", (), "title"),
        ("items", ("c1", "stance"), ALEX.id),
    }
    assert violation(changes, ALEX) == rules.META
    assert violation(changes, SAM) == rules.STANCE  # the facilitator is no exception
