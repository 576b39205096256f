"""Websocket rate limits: messages per connection, new connections per meeting."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import running_server
from tests.waiting import within
from tests.yclient import YClient


async def test_a_flooding_connection_is_closed_and_the_meeting_carries_on(tmp_path: Path) -> None:
    async with running_server(tmp_path / "data", SAFETYMAP_MESSAGE_LIMIT="40/10") as server:
        meeting = await server.meeting()
        calm = await server.client(meeting, name="Calm")
        flood = await server.client(meeting, name="Flood")
        await within(calm.synced.wait(), 20, "calm synced")
        await within(flood.synced.wait(), 20, "flood synced")
        flood.add_card("kept", "safety", "said once")
        await calm.wait_for(lambda: calm.cards() == {"kept": "said once"})
        for clock in range(2, 200):
            await flood.set_presence({"cursor": clock}, clock=clock)
        await flood.wait_closed(10)
        assert flood.close_code == 4429 and "too many messages" in flood.close_reason
        # Everyone else, and the map, are untouched.
        calm.add_card("after", "safety", "still here")
        fresh = await server.client(meeting, "viewer", name="Screen")
        await within(fresh.synced.wait(), 20, "fresh synced")
        await fresh.wait_for(lambda: fresh.cards() == {"kept": "said once", "after": "still here"})
        assert not calm.closed.is_set()


async def test_too_many_joining_one_meeting_at_once_are_asked_to_retry(tmp_path: Path) -> None:
    async with running_server(tmp_path / "data", SAFETYMAP_JOIN_LIMIT="3/60") as server:
        meeting, other = await server.meeting(), await server.meeting()
        for n in range(3):
            joined = await server.client(meeting, name=f"Person {n}")
            await within(joined.synced.wait(), 20, "joined synced")
        busy = YClient(server.ws_url, meeting["id"], meeting["tokens"]["family"], name="Fourth")
        await busy.connect()
        await busy.wait_closed(10)
        assert busy.close_code == 4529  # 45xx: a stock client tries again
        # The limit is per meeting: another meeting is not affected.
        elsewhere = await server.client(other, name="Elsewhere")
        await within(elsewhere.synced.wait(), 20, "elsewhere synced")
