"""What one link may cost the server: its joins and its bytes, whoever holds it (issue 15.4).

A link is shared (a family link is forwarded; a screen link is on the wall): a storm of joins
from one link is asked to retry without taking the meeting's allowance, which only people let
in on a working link spend; and a participant's connections together read no faster than
their own byte budget (slowed, never refused), which nobody else on the link pays for.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest
import websockets

from server.board.permissions import Layer
from server.store import LogEntry
from tests.conftest import running_server
from tests.waiting import within
from tests.webclient import Browser
from tests.yclient import YClient


async def test_one_link_joining_too_often_is_asked_to_retry_and_other_links_are_not(
    tmp_path: Path,
) -> None:
    async with running_server(tmp_path / "data", SAFETYMAP_LINK_JOIN_LIMIT="3/60") as server:
        meeting = await server.meeting()
        for n in range(3):
            joined = await server.client(meeting, "family", name=f"Family {n}")
            await within(joined.synced.wait(), 20, "joined synced")
        busy = YClient(server.ws_url, meeting["id"], meeting["tokens"]["family"], name="Fourth")
        await busy.connect()
        await busy.wait_closed(10)
        assert busy.close_code == 4529  # 45xx: a stock client tries again
        assert "from this link" in busy.close_reason
        # Another link of the same meeting still gets in: the meeting's own limit is not spent.
        other = await server.client(meeting, "professional", name="Social worker")
        await asyncio.wait_for(other.synced.wait(), 10)
        assert not other.closed.is_set()


async def test_the_join_form_spends_the_links_join_allowance_too(tmp_path: Path) -> None:
    """A script posting the join form under invented names adds people no faster than it
    could connect: past the link's allowance the form says to wait, and adds nobody."""
    async with running_server(tmp_path / "data", SAFETYMAP_LINK_JOIN_LIMIT="3/60") as server:
        meeting = await server.meeting()
        page = f"/join/{meeting['tokens']['family']}"
        for n in range(3):
            async with Browser(server) as someone:
                joined = await someone.submit(page, {"name": f"Invented {n}"})
                assert joined.status_code == 303, joined.text
        async with Browser(server) as script:
            refused = await script.submit(page, {"name": "Invented 3"})
            assert refused.status_code == 400
            assert "Many people are joining by this link just now" in refused.text
        names = {p.name for p in await server.services.store.people(meeting["id"])}
        assert "Invented 3" not in names and "Invented 2" in names
        # Another link of the same meeting is not held up.
        async with Browser(server) as professional:
            joined = await professional.submit(
                f"/join/{meeting['tokens']['professional']}",
                {"name": "Social worker", "agency_choice": "childrens_social_care"},
            )
            assert joined.status_code == 303, joined.text


async def test_a_participants_connections_share_one_byte_budget_and_are_slowed_not_refused(
    tmp_path: Path,
) -> None:
    rate = 40_000  # bytes a second, and as many at once
    async with running_server(
        tmp_path / "data", SAFETYMAP_PARTICIPANT_BYTE_LIMIT=f"{rate}/1"
    ) as server:
        meeting = await server.meeting()
        first = await server.client(meeting, "family", name="Jo")
        await within(first.synced.wait(), 20, "first synced")
        second = await server.client(meeting, "family", name="Jo", key=first.key)  # Jo again
        watcher = await server.client(meeting, "professional", name="Watcher")
        for client in (second, watcher):
            await within(client.synced.wait(), 20, "client synced")
        text = "x" * 1900
        cards = {f"c{w}-{n}": text for w in range(2) for n in range(30)}  # ~115 KB in all
        started = time.monotonic()
        for n in range(30):
            for w, writer in enumerate((first, second)):
                writer.add_card(f"c{w}-{n}", "safety", text)
        await watcher.wait_for(lambda: watcher.cards() == cards, 30)
        took = time.monotonic() - started
        # Two connections, one budget: everything arrives, but no faster than the
        # participant's rate after its first burst (each alone would have sent it at once).
        assert took >= (len(cards) * len(text) - rate) / rate * 0.8
        assert not first.closed.is_set() and not second.closed.is_set()


async def test_one_holder_of_a_link_spending_their_bytes_does_not_slow_another(
    tmp_path: Path,
) -> None:
    """The family link is shared (both parents): one sending junk runs up a debt of their own,
    which their next connection pays before it is read; the other parent is not slowed."""
    async with running_server(
        tmp_path / "data", SAFETYMAP_PARTICIPANT_BYTE_LIMIT="100000/10"
    ) as server:
        meeting = await server.meeting()
        chair = await server.client(meeting, "facilitator", name="Sam")
        mum = await server.client(meeting, "family", name="Mum")
        dad = await server.client(meeting, "family", name="Dad")
        for client in (chair, mum, dad):
            await within(client.synced.wait(), 20, "client synced")
        dad_id = await dad.whoami()
        await dad.send(b"\x07" + b"\x00" * 300_000)  # junk: refused, but its bytes are spent
        await dad.wait_closed(10)
        assert dad.close_code == 4400
        budget = server.services.participant_bytes
        assert budget.owed(f"participant:{dad_id}") > 10  # ~200 KB over, at 10 KB/s
        mum.add_card("m1", "safety", "We walk to school together")
        await chair.wait_for(lambda: "m1" in chair.cards(), 5)  # not held by Dad's debt
        again = await server.client(meeting, "family", name="Dad", key=dad.key)
        again.add_card("d1", "danger", "sent while in debt")
        with pytest.raises(TimeoutError):  # a new connection's first frame waits too
            await chair.wait_for(lambda: "d1" in chair.cards(), 2)


async def test_handshakes_without_a_working_credential_spend_no_meetings_allowance(
    tmp_path: Path,
) -> None:
    """The meeting's join allowance is spent only by people let in on a working link: a flood
    of handshakes with no token, or a removed person's, cannot keep the facilitator out."""
    async with running_server(tmp_path / "data", SAFETYMAP_JOIN_LIMIT="5/60") as server:
        meeting = await server.meeting()
        for _ in range(20):
            async with websockets.connect(f"{server.ws_url}/{meeting['id']}") as bare:
                with pytest.raises(websockets.ConnectionClosed):
                    await asyncio.wait_for(bare.recv(), 10)
            assert bare.close_code == 4401
        chair = await server.client(meeting, "facilitator", name="Sam")
        await asyncio.wait_for(chair.synced.wait(), 10)
        assert not chair.closed.is_set()


async def test_a_fresh_client_gets_every_change_made_after_the_last_one_joined(
    tmp_path: Path,
) -> None:
    """The answer to a sync step 1 of nothing is kept until the document changes (room.py)."""
    async with running_server(tmp_path / "data") as server:
        meeting = await server.meeting()
        first = await server.client(meeting, "facilitator", name="Facilitator")
        await within(first.synced.wait(), 20, "first synced")
        first.add_card("a", "safety", "one")
        seen = await server.client(meeting, "viewer", name="Screen")  # fills the kept answer
        await seen.wait_for(lambda: seen.cards() == {"a": "one"})
        first.add_card("b", "danger", "two")
        later = await server.client(meeting, "viewer", name="Screen 2")
        await later.wait_for(lambda: later.cards() == {"a": "one", "b": "two"})
        # A deletion changes only the delete set: it too makes the kept answer stale.
        text = first.items["a"]["text"]
        del text[0:3]
        await later.wait_for(lambda: later.cards()["a"] == "")
        last = await server.client(meeting, "viewer", name="Screen 3")
        await last.wait_for(lambda: last.cards() == {"a": "", "b": "two"})


async def test_the_logs_writer_waits_for_another_writers_lock_instead_of_failing(
    tmp_path: Path,
) -> None:
    """SQLite's single writer polls for the write lock (sqlite_writer.py): while another
    connection holds it the append waits, and once it is free the append lands."""
    async with running_server(tmp_path / "data") as server:
        meeting = await server.meeting()
        store = server.services.store
        other = sqlite3.connect(str(store.engine.url.database), isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            update = b"\x00\x00"
            append = asyncio.create_task(
                store.append([LogEntry(meeting["id"], Layer.MAIN, update)])
            )
            done, _ = await asyncio.wait({append}, timeout=0.5)
            assert not done  # waiting for the lock, not failed with "database is locked"
            other.execute("COMMIT")
            assert await asyncio.wait_for(append, 10) == {}
        finally:
            other.close()
