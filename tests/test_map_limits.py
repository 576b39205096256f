"""Limits on what one map holds: cards, characters per card, people per meeting. A breach is
refused whole with a clear reason, and nothing of it is kept or relayed."""

from __future__ import annotations

from pathlib import Path

from pycrdt import Doc, Map, Text

from server.limits import Limits, MapLimits

from .conftest import running_server
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
        for name in ("One", "Two"):
            person = await server.client(meeting, "family", name=name)
            await person.synced.wait()
        third = YClient(server.ws_url, meeting["id"], meeting["tokens"]["family"], name="Three")
        await third.connect()
        await third.wait_closed()
        assert third.close_code == 4403 and "full" in third.close_reason
        again = await server.client(meeting, "family", name="One")  # people already in: fine
        await again.synced.wait()
        chair = await server.client(meeting, "facilitator", name="Sam")
        await chair.synced.wait()
        async with Browser(server) as browser:
            page = await browser.submit(
                f"/join/{meeting['tokens']['professional']}", {"name": "Four"}
            )
            assert page.status_code == 400 and "as many people as it can take" in page.text
