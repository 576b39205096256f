"""Rooms load once for concurrent joins, unload (compacted) when empty, and a slow client
is dropped without holding anyone else up."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import weakref
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pycrdt import Doc, Map, Text
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server import metrics
from server.board.permissions import Layer
from server.sync import protocol
from tests.conftest import RunningServer, running_server
from tests.waiting import eventually, within


async def test_concurrent_joins_share_one_load(server: RunningServer) -> None:
    meeting = await server.meeting()
    store = server.services.store
    loads: list[tuple[str, Layer]] = []
    real_load = store.load

    async def counting_load(meeting_id: str, layer: Layer) -> list[bytes]:
        loads.append((meeting_id, layer))
        await asyncio.sleep(0.05)  # widen the window in which joins overlap
        return await real_load(meeting_id, layer)

    store.load = counting_load  # type: ignore[method-assign]
    try:
        clients = await asyncio.gather(
            *(server.client(meeting, "family", name=f"P{i}") for i in range(3))
        )
        await within(
            asyncio.gather(*(c.synced.wait() for c in clients)), 20, "all three clients synced"
        )
    finally:
        store.load = real_load  # type: ignore[method-assign]
    assert loads == [(meeting["id"], Layer.MAIN)]
    clients[0].add_card("c1", "strengths", "shared")
    for c in clients[1:]:
        await c.wait_for(lambda c=c: "c1" in c.cards())


async def test_room_unloads_compacted_after_last_client_leaves(server: RunningServer) -> None:
    meeting = await server.meeting()
    a = await server.client(meeting, "professional")
    for i in range(30):
        a.add_card(f"c{i}", "danger", f"worry {i}")
    b = await server.client(meeting, "family")
    await b.wait_for(lambda: len(b.cards()) == 30)
    store, rooms = server.services.store, server.services.rooms
    assert await store.log_length(meeting["id"], Layer.MAIN) >= 30

    async def unloaded() -> bool:
        return rooms.loaded(meeting["id"], Layer.MAIN) is None

    loaded = rooms.loaded(meeting["id"], Layer.MAIN)
    assert loaded is not None
    room, doc = weakref.ref(loaded), weakref.ref(loaded.doc)
    del loaded
    await a.disconnect()
    await b.disconnect()
    await eventually(unloaded)
    assert await store.log_length(meeting["id"], Layer.MAIN) == 1
    gc.collect()
    assert room() is None, "an unloaded room must be freed"
    assert doc() is None, "an unloaded room's document must be freed"
    again = await server.client(meeting, "viewer")
    await again.wait_for(lambda: len(again.cards()) == 30)


@pytest.fixture
async def small_queue_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    overrides = {
        "SAFETYMAP_SEND_QUEUE_FRAMES": "16",
        "SAFETYMAP_SEND_BUFFER_BYTES": str(2**20),
        "SAFETYMAP_MAX_DOCUMENT_BYTES": str(64 * 2**20),
        "SAFETYMAP_MAX_CARD_TEXT": "100000",  # big cards, to fill the slow client's socket
        "SAFETYMAP_BYTE_LIMIT": "0/1",  # the writer sends 20 MB on purpose
        "SAFETYMAP_PARTICIPANT_BYTE_LIMIT": "0/1",
    }
    async with running_server(tmp_path, **overrides) as running:
        yield running


async def test_slow_client_is_closed_and_others_keep_up(small_queue_server: RunningServer) -> None:
    server = small_queue_server
    overflows = metrics.REGISTRY.get_sample_value("safetymap_send_queue_overflows_total")
    meeting = await server.meeting()
    writer = await server.client(meeting, "professional")
    fast = await server.client(meeting, "family")
    await within(fast.synced.wait(), 20, "fast synced")
    # A client that stops reading: websockets stops pulling from the socket once its
    # one-frame queue is full, so the server's socket buffer fills and its queue overflows.
    url = f"{server.ws_url}/{meeting['id']}?token={meeting['tokens']['viewer']}&name=Slow"
    slow = await connect(url, max_queue=1, max_size=None)
    big = "x" * 100_000
    # Paced by the fast client, so only the slow one falls behind (20 MB in all: more than
    # the kernel's socket buffers can hide).
    for i in range(200):
        writer.add_card(f"c{i}", "strengths", big)
        await fast.wait_for(lambda i=i: f"c{i}" in fast.cards(), timeout=10)

    code = None
    with contextlib.suppress(ConnectionClosed):
        async with asyncio.timeout(30):
            async for _ in slow:
                pass
    code = slow.close_code
    assert code == 4508
    assert "too slow" in (slow.close_reason or "")
    after = metrics.REGISTRY.get_sample_value("safetymap_send_queue_overflows_total")
    assert after == (overflows or 0) + 1
    assert not fast.closed.is_set()

    # It resyncs when it comes back.
    late = await server.client(meeting, "viewer")
    await late.wait_for(lambda: len(late.cards()) == 200, timeout=20)


async def test_update_with_missing_dependencies_is_held_not_lost(server: RunningServer) -> None:
    meeting = await server.meeting()
    origin: Doc = Doc()
    items = origin.get("items", type=Map)
    items["c1"] = Map({"section": "goals", "text": Text("first")})
    first = origin.get_update()
    sv = origin.get_state()
    items["c1"]["text"].insert(5, " and second")
    second = origin.get_update(sv)
    a = await server.client(meeting, "professional")
    b = await server.client(meeting, "family")
    await within(a.synced.wait(), 20, "a synced")
    await within(b.synced.wait(), 20, "b synced")
    await a.send(protocol.encode(protocol.SyncUpdate(second)))  # out of order
    await a.send(protocol.encode(protocol.SyncUpdate(first)))
    await b.wait_for(lambda: b.cards().get("c1") == "first and second")
    assert not a.closed.is_set()
