"""Limits on what one map holds: cards, characters per card, bytes per value or key, people per
meeting. A breach is refused whole with a clear reason, and nothing of it is kept or relayed."""

from __future__ import annotations

from pathlib import Path

from pycrdt import Map, Text

from tests.conftest import running_server
from tests.waiting import within
from tests.webclient import Browser
from tests.yclient import YClient


async def test_breaches_are_refused_whole(tmp_path: Path) -> None:
    limits = {"SAFETYMAP_MAX_CARDS": "3", "SAFETYMAP_MAX_CARD_TEXT": "50"}
    async with running_server(tmp_path / "data", **limits) as server:
        meeting = await server.meeting()
        writer = await server.client(meeting, name="Writer")
        watcher = await server.client(meeting, "viewer", name="Screen")
        await within(writer.synced.wait(), 20, "writer synced")
        await within(watcher.synced.wait(), 20, "watcher synced")
        writer.add_card("c1", "worries", "a" * 50)
        await watcher.wait_for(lambda: watcher.cards() == {"c1": "a" * 50})
        text = writer.items["c1"]["text"]
        assert isinstance(text, Text)
        text.insert(50, "one too many")
        await writer.wait_closed()
        assert writer.close_code == 4413 and "at most 50 characters" in writer.close_reason
        # A card too many, from someone else: refused too.
        other = await server.client(meeting, "family", name="Other")
        await within(other.synced.wait(), 20, "other synced")
        assert other.cards() == {"c1": "a" * 50}  # the refused text is nowhere
        other.add_card("c2", "strengths", "two")
        other.add_card("c3", "strengths", "three")
        await watcher.wait_for(lambda: len(watcher.cards()) == 3)
        other.add_card("c4", "strengths", "four")
        await other.wait_closed()
        assert other.close_code == 4413 and "at most 3 cards" in other.close_reason
        fresh = await server.client(meeting, "viewer", name="Late")
        await within(fresh.synced.wait(), 20, "fresh synced")
        assert fresh.cards() == {"c1": "a" * 50, "c2": "two", "c3": "three"}
        assert watcher.cards() == fresh.cards() and not watcher.closed.is_set()


async def test_a_full_meeting_takes_nobody_new_but_the_facilitator(tmp_path: Path) -> None:
    async with running_server(tmp_path / "data", SAFETYMAP_MAX_PARTICIPANTS="2") as server:
        meeting = await server.meeting()
        people = []
        for name in ("One", "Two"):
            person = await server.client(meeting, "family", name=name)
            await within(person.synced.wait(), 20, "person synced")
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
        await within(again.synced.wait(), 20, "again synced")
        assert await again.whoami() == await people[0].whoami()
        chair = await server.client(meeting, "facilitator", name="Sam")
        await within(chair.synced.wait(), 20, "chair synced")
        async with Browser(server) as browser:
            page = await browser.submit(
                f"/join/{meeting['tokens']['professional']}",
                {"name": "Four", "agency_choice": "school"},
            )
            assert page.status_code == 400 and "as many people as it can take" in page.text


async def test_a_large_string_anywhere_is_refused_whole(tmp_path: Path) -> None:
    async with running_server(tmp_path / "data") as server:
        meeting = await server.meeting()
        family = await server.client(meeting, "family", name="Family member")
        watcher = await server.client(meeting, "viewer", name="Screen")
        await within(family.synced.wait(), 20, "family synced")
        await within(watcher.synced.wait(), 20, "watcher synced")
        family.add_card("c1", "strengths", "Gran visits on Sundays")
        await watcher.wait_for(lambda: watcher.cards() == {"c1": "Gran visits on Sundays"})
        family.doc.get("meta", type=Map)["note"] = "x" * 1_000_000  # within one frame
        await family.wait_closed(10)
        assert family.close_code == 4413 and "at most 16384 bytes" in family.close_reason
        # A key as large, from someone else: refused too.
        other = await server.client(meeting, "professional", name="Other")
        await within(other.synced.wait(), 20, "other synced")
        assert "note" not in other.doc.get("meta", type=Map)  # the refused value is nowhere
        other.items["c1"]["k" * 20_000] = "v"
        await other.wait_closed(10)
        assert other.close_code == 4413 and "at most 16384 bytes" in other.close_reason
        fresh = await server.client(meeting, "viewer", name="Late")
        await within(fresh.synced.wait(), 20, "fresh synced")
        assert fresh.cards() == {"c1": "Gran visits on Sundays"}
        assert dict(fresh.doc.get("meta", type=Map)) == {}
        assert set(fresh.items["c1"].keys()) == {"section", "text", "order"}
        assert not watcher.closed.is_set()
