"""Presence is bounded (issue 15.1): one connection announces at most a few clientIDs, each
state is at most MAX_STATE_BYTES, and a room's whole table at most MAX_TABLE_BYTES, so one
family or shared-screen socket cannot grow the server's memory, flood everyone, or send every
newcomer megabytes of fake people. Through a real server and real websockets."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from server.sync import awareness, protocol
from server.sync.awareness import MAX_CLIENTS_PER_CONNECTION, MAX_STATE_BYTES, MAX_TABLE_BYTES
from tests.conftest import RunningServer, running_server
from tests.waiting import within
from tests.yclient import YClient


def frame(entries: list[awareness.Entry]) -> bytes:
    return protocol.encode(protocol.AwarenessUpdate(awareness.encode_update(entries)))


def others(client: YClient) -> dict[int, Any]:
    return {cid: s for cid, s in client.presence.items() if s is not None and cid != 0}


async def test_one_connection_announces_a_few_clients_at_most(server: RunningServer) -> None:
    meeting = await server.meeting()
    watcher = await server.client(meeting, "facilitator", name="Sam")
    screen = await server.client(meeting, "viewer", name="Screen")
    await within(screen.synced.wait(), 20, "screen synced")
    fake = [
        awareness.Entry(10_000 + i, 1, {"cursor": None})
        for i in range(MAX_CLIENTS_PER_CONNECTION + 1)
    ]
    await screen.send(frame(fake))
    await screen.wait_closed()
    assert screen.close_code == 4400 and "at most" in screen.close_reason
    # Nobody is left believing in the fake people.
    newcomer = await server.client(meeting, "family", name="Jo")
    await newcomer.whoami()
    assert not set(others(newcomer)) & {e.client_id for e in fake}
    assert watcher.close_code is None


async def test_a_presence_state_has_a_size_limit(server: RunningServer) -> None:
    meeting = await server.meeting()
    jo = await server.client(meeting, "family", name="Jo")
    await within(jo.synced.wait(), 20, "jo synced")
    await jo.set_presence({"cursor": "x" * MAX_STATE_BYTES})
    await jo.wait_closed()
    assert jo.close_code == 4400 and "presence state" in jo.close_reason


async def test_a_rooms_presence_table_is_bounded(tmp_path: Path) -> None:
    # Many connections on one link: more than its joins allow at once (test_link_limits.py).
    async with running_server(tmp_path / "data", SAFETYMAP_LINK_JOIN_LIMIT="0/1") as server:
        await _fill_the_presence_table(server)


async def _fill_the_presence_table(server: RunningServer) -> None:
    meeting = await server.meeting()
    big = {"cursor": "x" * (MAX_STATE_BYTES - 100)}
    crowd: list[YClient] = []
    # Enough honest-looking connections, each within its own limits, to fill the table.
    for i in range(MAX_TABLE_BYTES // MAX_STATE_BYTES + 8):
        client = await server.client(meeting, "family", name=f"Jo {i}")
        await within(client.synced.wait(), 20, "client synced")
        await client.set_presence(big)
        crowd.append(client)
    newcomer = await server.client(meeting, "professional", name="Alex")
    await newcomer.whoami()
    seen = others(newcomer)
    held = sum(len(str(s)) for s in seen.values())
    assert held <= MAX_TABLE_BYTES + 2 * MAX_STATE_BYTES  # stamped states differ a little
    assert len(seen) < len(crowd) + 1  # some were not kept
    assert all(c.close_code is None for c in crowd)
    # Once the crowd leaves, there is room again.
    for client in crowd:
        await client.disconnect()
    late = await server.client(meeting, "family", name="Late")
    await late.set_presence(big)
    await newcomer.wait_for(lambda: late.doc.client_id in others(newcomer), 10)
