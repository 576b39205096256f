"""Redis carries only what must cross: a meeting whose clients are all on one process puts none
of its edits on the relay's stream; once someone joins it on another process, both publish it
and everyone converges, what was typed before included; once they leave, publishing stops.
Real processes, a real Redis, real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import redis.asyncio as aioredis

from server.live.relay import STREAM, Kind, decode
from tests.cluster import cluster, converged
from tests.waiting import eventually
from tests.yclient import YClient


async def _updates(url: str, meeting_id: str) -> int:
    """Update entries with a payload (not markers) of this meeting on the stream."""
    client = aioredis.Redis.from_url(url)
    try:
        entries = await client.xrange(STREAM)
    finally:
        await client.aclose()
    messages = [decode(fields) for _, fields in entries]
    return sum(m.kind is Kind.UPDATE and m.meeting_id == meeting_id and bool(m.payload)
               for m in messages)  # fmt: skip


async def test_only_a_meeting_that_spans_processes_is_relayed(tmp_path: Path) -> None:
    async with cluster(tmp_path, 2) as (group, meeting):
        url = group.shared["SAFETYMAP_REDIS_URL"]
        alone = [await group.connect(meeting, 0, name=f"On one {k}") for k in range(2)]
        for k in range(20):
            alone[k % 2].add_card(f"alone{k}", "worries", f"typed while alone {k}")
        cards = {f"alone{k}": f"typed while alone {k}" for k in range(20)}
        await converged(alone, cards)
        assert await _updates(url, meeting["id"]) == 0  # nobody else holds it: nothing sent

        # Someone joins on the other process: it loads the log, and the two find each other.
        there = await group.connect(meeting, 1, name="On two")
        await converged([*alone, there], cards)
        for k in range(10):
            alone[0].add_card(f"one{k}", "strengths", f"typed on one {k}")
            there.add_card(f"two{k}", "safety", f"typed on two {k}")
        cards |= {f"one{k}": f"typed on one {k}" for k in range(10)}
        cards |= {f"two{k}": f"typed on two {k}" for k in range(10)}
        await converged([*alone, there], cards)
        assert await _updates(url, meeting["id"]) > 0  # now it crosses

        # The one on process two leaves; its room unloads, and process one stops publishing.
        await there.disconnect()
        group.clients.remove(there)
        await eventually(lambda: _quiet(url, meeting["id"], alone), timeout=20)


async def _quiet(url: str, meeting_id: str, clients: list[YClient]) -> bool:
    """Edits now leave no update on the stream (by the time the fifth reached the other
    client, the first four would have been published)."""
    before = await _updates(url, meeting_id)
    keys = [f"quiet{before}-{n}" for n in range(5)]
    for key in keys:
        clients[0].add_card(key, "worries", "typed after the other left")
    await clients[1].wait_for(lambda: set(keys) <= set(clients[1].cards()), 10)
    return await _updates(url, meeting_id) == before


async def test_a_newcomer_on_another_process_is_seen_at_once(tmp_path: Path) -> None:
    """The newcomer's process stamped its presence before it knew anyone else held the room
    (so published it to nobody); on learning that, it tells the others its people at once,
    not at their next renewal (15 s later, in a browser)."""
    async with cluster(tmp_path, 2) as (group, meeting):
        early = await group.connect(meeting, 0, name="Already here")
        await early.whoami()
        late = await group.connect(meeting, 1, name="Late")
        await late.whoami()

        def names(client: YClient) -> set[str]:
            return {s["user"]["name"] for s in client.presence.values() if s and "user" in s}

        await early.wait_for(lambda: "Late" in names(early), 5)
        await late.wait_for(lambda: "Already here" in names(late), 5)
