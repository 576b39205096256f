"""Limits on what one map holds: cards, characters per card, bytes per value or key, people per
meeting. A breach is refused whole with a clear reason, and nothing of it is kept or relayed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from pycrdt import Doc, Map, Text

from server.board.limits import Limits, MapLimits
from server.board.model import write_map
from server.sync import structs

from .conftest import running_server
from .example_meeting import load
from .webclient import Browser
from .yclient import YClient


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


async def test_breaches_are_refused_whole(tmp_path: Path) -> None:
    limits = {"SAFETYMAP_MAX_CARDS": "3", "SAFETYMAP_MAX_CARD_TEXT": "50"}
    async with running_server(tmp_path / "data", **limits) as server:
        meeting = await server.meeting()
        writer = await server.client(meeting, name="Writer")
        watcher = await server.client(meeting, "viewer", name="Screen")
        await writer.synced.wait()
        await watcher.synced.wait()
        writer.add_card("c1", "worries", "a" * 50)
        await watcher.wait_for(lambda: watcher.cards() == {"c1": "a" * 50})
        text = writer.items["c1"]["text"]
        assert isinstance(text, Text)
        text.insert(50, "one too many")
        await writer.wait_closed()
        assert writer.close_code == 4413 and "at most 50 characters" in writer.close_reason
        # A card too many, from someone else: refused too.
        other = await server.client(meeting, "family", name="Other")
        await other.synced.wait()
        assert other.cards() == {"c1": "a" * 50}  # the refused text is nowhere
        other.add_card("c2", "strengths", "two")
        other.add_card("c3", "strengths", "three")
        await watcher.wait_for(lambda: len(watcher.cards()) == 3)
        other.add_card("c4", "strengths", "four")
        await other.wait_closed()
        assert other.close_code == 4413 and "at most 3 cards" in other.close_reason
        fresh = await server.client(meeting, "viewer", name="Late")
        await fresh.synced.wait()
        assert fresh.cards() == {"c1": "a" * 50, "c2": "two", "c3": "three"}
        assert watcher.cards() == fresh.cards() and not watcher.closed.is_set()


async def test_a_full_meeting_takes_nobody_new_but_the_facilitator(tmp_path: Path) -> None:
    async with running_server(tmp_path / "data", SAFETYMAP_MAX_PARTICIPANTS="2") as server:
        meeting = await server.meeting()
        people = []
        for name in ("One", "Two"):
            person = await server.client(meeting, "family", name=name)
            await person.synced.wait()
            people.append(person)
        third = YClient(server.ws_url, meeting["id"], meeting["tokens"]["family"], name="Three")
        await third.connect()
        await third.wait_closed()
        assert third.close_code == 4503 and "full" in third.close_reason  # try again later
        # A name is nobody: the same name without One's key is someone new, and waits too.
        namesake = YClient(server.ws_url, meeting["id"], meeting["tokens"]["family"], name="One")
        await namesake.connect()
        await namesake.wait_closed()
        assert namesake.close_code == 4503 and "full" in namesake.close_reason
        # People already in come back (by their key) however full it is.
        assert people[0].key
        again = await server.client(meeting, "family", name="One", key=people[0].key)
        await again.synced.wait()
        assert await again.whoami() == await people[0].whoami()
        chair = await server.client(meeting, "facilitator", name="Sam")
        await chair.synced.wait()
        async with Browser(server) as browser:
            page = await browser.submit(
                f"/join/{meeting['tokens']['professional']}", {"name": "Four"}
            )
            assert page.status_code == 400 and "as many people as it can take" in page.text


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


async def test_a_large_string_anywhere_is_refused_whole(tmp_path: Path) -> None:
    async with running_server(tmp_path / "data") as server:
        meeting = await server.meeting()
        family = await server.client(meeting, "family", name="Family member")
        watcher = await server.client(meeting, "viewer", name="Screen")
        await family.synced.wait()
        await watcher.synced.wait()
        family.add_card("c1", "strengths", "Gran visits on Sundays")
        await watcher.wait_for(lambda: watcher.cards() == {"c1": "Gran visits on Sundays"})
        family.doc.get("meta", type=Map)["note"] = "x" * 1_000_000  # within one frame
        await family.wait_closed(10)
        assert family.close_code == 4413 and "at most 16384 bytes" in family.close_reason
        # A key as large, from someone else: refused too.
        other = await server.client(meeting, "professional", name="Other")
        await other.synced.wait()
        assert "note" not in other.doc.get("meta", type=Map)  # the refused value is nowhere
        other.items["c1"]["k" * 20_000] = "v"
        await other.wait_closed(10)
        assert other.close_code == 4413 and "at most 16384 bytes" in other.close_reason
        fresh = await server.client(meeting, "viewer", name="Late")
        await fresh.synced.wait()
        assert fresh.cards() == {"c1": "Gran visits on Sundays"}
        assert dict(fresh.doc.get("meta", type=Map)) == {}
        assert set(fresh.items["c1"].keys()) == {"section", "text", "order"}
        assert not watcher.closed.is_set()
