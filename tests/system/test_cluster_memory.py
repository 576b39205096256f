"""One link flooding large strings through two processes (PostgreSQL and Redis): the sender is
closed, the other process's memory and Redis do not follow the flood, and the map is intact.

Before the fix (issue 13, point 3) all 60 updates of 1 MB here were accepted, the other
process grew by 95 MiB and Redis by 60 MiB, and everyone else was closed as too slow (4508).
Now one large string is refused at once (4413), and many strings within the limit are cut off
by the byte rate (4429) after 16 MiB, which crosses the relay as small "reload" markers.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis
from pycrdt import Doc, Map

from server.sync import protocol
from tests.cluster import Cluster, cluster, converged
from tests.integration.test_memory_bounds import MiB, rss
from tests.waiting import eventually
from tests.yclient import YClient

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")

FLOOD = 60  # updates of about 1 MB each: 60 MB if nothing stopped them
KEPT = {"kept": "Gran collects the children from school on Fridays"}
SCALES = 125  # the chair's scales, on each of which the sender may place their own mark


def mark(scratch: Doc[Any], scale: int, me: str, reason: str) -> None:
    ratings = scratch.get("scales", type=Map)[f"s{scale}"]["ratings"]
    ratings[me] = {"value": 5, "reason": reason}


def one_string(scratch: Doc[Any], i: int, me: str) -> None:
    """1 MB in one value (the sender's own mark): refused by the string limit."""
    mark(scratch, 0, me, f"{i:06d}" + "x" * 1_000_000)


def many_strings(scratch: Doc[Any], i: int, me: str) -> None:
    """1 MB as 125 values of 8 KB (the sender's own marks), each within the string limit:
    everything the sender may write, stopped by the byte rate."""
    with scratch.transaction():
        for k in range(SCALES):
            mark(scratch, k, me, f"{i:06d}" + "x" * 8_000)


async def redis_bytes(url: str) -> int:
    client = aioredis.Redis.from_url(url)
    try:
        info: dict[str, Any] = await client.info("memory")
        return int(info["used_memory"])
    finally:
        await client.aclose()


async def metric(port: int, name: str) -> float:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        text = (await http.get("/metrics")).text
    found = re.search(rf"^{name} (\S+)$", text, flags=re.M)
    return float(found.group(1)) if found else -1.0


async def participant_id(port: int, meeting: dict[str, Any], name: str) -> str:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        response = await http.get(
            f"/api/meetings/{meeting['id']}/participants",
            headers={"Authorization": f"Bearer {meeting['tokens']['facilitator']}"},
        )
    [found] = [p["id"] for p in response.json()["participants"] if p["name"] == name]
    return str(found)


async def flood(sender: YClient, me: str, edit: Any) -> int:
    """Send up to FLOOD updates from a document of the sender's own (a copy of what they
    have, with a clientID of its own); how many went out."""
    scratch: Doc = Doc()
    scratch.apply_update(sender.doc.get_update())
    updates: list[bytes] = []
    scratch.observe(lambda event: updates.append(event.update))
    sent = 0
    for i in range(FLOOD):
        if sender.closed.is_set():
            break
        edit(scratch, i, me)
        for update in updates:
            await sender.send(protocol.encode(protocol.SyncUpdate(update)))
        updates.clear()
        sent += 1
    return sent


@pytest.mark.parametrize(
    ("edit", "code", "words"),
    [
        (one_string, 4413, "at most"),
        (many_strings, 4429, "too much data"),
    ],
    ids=["one-large-string", "many-strings"],
)
async def test_a_link_flooding_large_strings_is_closed_and_no_process_keeps_it(
    tmp_path: Path, edit: Any, code: int, words: str
) -> None:
    # The connection's own byte limit closes the flood (4429); the participant's budget,
    # which would rather slow it (tests/integration/test_link_limits.py), is off here.
    unthrottled = {"SAFETYMAP_PARTICIPANT_BYTE_LIMIT": "0/1"}
    async with cluster(tmp_path, 2, **unthrottled) as (group, meeting):
        await _flood_and_check(group, meeting, edit, code, words)


async def _flood_and_check(
    group: Cluster, meeting: dict[str, Any], edit: Any, code: int, words: str
) -> None:
    # Everyone else is on the other process: what they get of the flood crosses the relay.
    chair = await group.connect(meeting, 1, role="facilitator", name="Chair")
    wall = await group.connect(meeting, 1, role="viewer", name="Wall")
    chair.add_card("kept", "safety", KEPT["kept"])
    scales = chair.doc.get("scales", type=Map)
    with chair.doc.transaction():
        for k in range(SCALES):
            scales[f"s{k}"] = Map({"question": f"Question {k}", "ratings": Map()})
    await converged([chair, wall], KEPT)
    await wall.wait_for(lambda: len(wall.doc.get("scales", type=Map)) == SCALES, 20)
    redis_url = group.shared["SAFETYMAP_REDIS_URL"]
    other = group.procs[1].pid
    before, redis_before = rss(other), await redis_bytes(redis_url)
    accepted = "safetymap_updates_accepted_total"
    accepted_before = await metric(group.ports[0], accepted)

    sender = await group.connect(meeting, 0, role="family", name="Sender")
    await sender.wait_for(lambda: len(sender.doc.get("scales", type=Map)) == SCALES, 20)
    # Who the sender is, as the chair's list says (not by appearing in presence, which binds
    # a clientID through the log: an accepted entry with nothing to relay).
    me = await participant_id(group.ports[1], meeting, "Sender")
    sent = await asyncio.wait_for(flood(sender, me, edit), 60)
    with contextlib.suppress(TimeoutError):
        await sender.wait_closed(20)
    let_in = await metric(group.ports[0], accepted) - accepted_before

    async def relayed_all() -> bool:  # the flood's process has made durable and relayed it
        relayed = await metric(group.ports[0], "safetymap_updates_relayed_total")
        return relayed == await metric(group.ports[0], accepted)

    await eventually(relayed_all, timeout=30, interval=0.1)
    # The map is intact. A card added on the flood's process after it reaches the other
    # process after all of the flood (one stream, in order): by then it has handled it all.
    minutes = await group.connect(meeting, 0, role="professional", name="Minute taker")
    minutes.add_card("after", "strengths", "Dad takes them swimming")
    expected = KEPT | {"after": "Dad takes them swimming"}
    intact = True
    try:
        await converged([minutes, chair, wall], expected, timeout=30)
    except TimeoutError:
        intact = False
    grew = (rss(other) - before) / MiB
    redis_grew = (await redis_bytes(redis_url) - redis_before) / MiB
    print(
        f"{sent} updates sent, {let_in:.0f} accepted; other process +{grew:.1f} MiB; "
        f"Redis +{redis_grew:.1f} MiB"
    )
    assert sender.closed.is_set(), f"the sender was never closed ({sent} sent)"
    assert sender.close_code == code and words in sender.close_reason, (
        sender.close_code,
        sender.close_reason,
    )
    assert let_in <= 20, f"{let_in:.0f} updates of 1 MB were accepted"  # 16 MiB, and refills
    closed = [(c.close_code, c.close_reason) for c in (chair, wall, minutes) if c.closed.is_set()]
    assert intact and not closed, f"{closed}\n{group.logs()}"
    assert redis_grew < 8, f"Redis grew by {redis_grew:.1f} MiB"
    assert grew < 16, f"the other process grew by {grew:.1f} MiB"

    # Everyone leaves: the rooms unload and the other process is back near where it was.
    for client in (chair, wall, minutes):
        await client.disconnect()
    group.clients.clear()
    await eventually(lambda: _unloaded(group), timeout=30, interval=0.2)
    left = (rss(other) - before) / MiB
    print(f"after everyone left: other process +{left:.1f} MiB")
    assert left < 12, f"the other process kept {left:.1f} MiB after everyone left"
    for i in (0, 1):
        fresh = await group.connect(meeting, i, role="viewer", name=f"Late {i}")
        assert fresh.cards() == expected


async def _unloaded(group: Cluster) -> bool:
    loaded = [await metric(port, "safetymap_rooms_loaded") for port in group.ports]
    return loaded == [0.0] * len(group.ports)
