"""Fuzzing the websocket message handling (Hypothesis): no frame crashes a room or harms it. Here
the checks against a real server and database; the pure checks (no server, database or process)
are in tests/unit/test_fuzz_frames.py."""

from __future__ import annotations

import asyncio
import json
import logging
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server.board.permissions import Layer
from server.sync import crdt, protocol
from server.sync.protocol import write_var_bytes, write_var_string, write_var_uint
from tests.conftest import RunningServer, running_server
from tests.fuzz_frames_cases import (
    STATE_VECTORS,
    UPDATES,
    _random_json,
    generated,
    integrated,
    sync,
)

WIRE_FRAMES = 2_000


PROBE = bytes([protocol.MESSAGE_QUERY_AWARENESS])


def wire_frame(rng: random.Random) -> bytes:
    """Mostly frames a server must accept, a third of anything: each refusal costs a
    reconnect (~20 ms), and accepted frames are what a hostile peer would really send."""
    if rng.random() < 0.35:
        return generated(rng)
    pick = rng.randrange(4)
    if pick == 0:
        return sync(protocol.SYNC_UPDATE, rng.choice(UPDATES))
    if pick == 1:
        return sync(protocol.SYNC_STEP1, rng.choice(STATE_VECTORS))
    if pick == 2:
        state = {"user": _random_json(rng), "cursor": _random_json(rng)}
        entry = write_var_uint(rng.randrange(2**32)) + write_var_uint(rng.randrange(9))
        payload = write_var_uint(1) + entry + write_var_string(json.dumps(state))
        return bytes([protocol.MESSAGE_AWARENESS]) + write_var_bytes(payload)
    return PROBE


async def fuzz_connection(
    srv: RunningServer, meeting: dict[str, Any], role: str, frames: list[bytes]
) -> list[tuple[int | None, str]]:
    """Send each frame, then a probe that answers once the frame was handled; reconnect
    whenever the server closes. Returns every close (code, reason)."""
    closes: list[tuple[int | None, str]] = []
    client = await srv.client(meeting, role, name=f"Fuzzer {role}")
    try:
        for frame in frames:
            if client.closed.is_set():
                closes.append((client.close_code, client.close_reason))
                await client.connect()
            heard = len(client.received)
            await client.send(frame)
            await client.send(PROBE)
            await client.wait_for(
                lambda c=client, n=heard: (
                    c.closed.is_set()  # type: ignore[misc]
                    or any(f[0] == protocol.MESSAGE_AWARENESS for f in c.received[n:])
                ),
                timeout=10,
            )
        if client.closed.is_set():
            closes.append((client.close_code, client.close_reason))
    finally:
        await client.disconnect()
    return closes


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    # Hundreds of reconnects and fast frames on purpose: the rate limits must not cut in.
    async with running_server(
        tmp_path,
        SAFETYMAP_MESSAGE_LIMIT="0/1",
        SAFETYMAP_JOIN_LIMIT="0/1",
        SAFETYMAP_LINK_JOIN_LIMIT="0/1",
        SAFETYMAP_PARTICIPANT_BYTE_LIMIT="0/1",
    ) as running:
        yield running


async def test_a_real_server_survives_fuzzed_frames(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    meeting = await server.meeting()
    witness = await server.client(meeting, "facilitator", name="Sam")
    await asyncio.wait_for(witness.synced.wait(), 5)
    witness.add_card("base", "strengths", "Nan visits weekly")
    rng = random.Random(2026)
    frames = [wire_frame(rng) for _ in range(WIRE_FRAMES)]
    # Four connections at once: editors and a viewer, each with its share of the frames.
    roles = ["professional", "family", "viewer", "facilitator"]
    shares = [frames[n :: len(roles)] for n in range(len(roles))]
    runs = [fuzz_connection(server, meeting, r, f) for r, f in zip(roles, shares, strict=True)]
    results = await asyncio.gather(*runs)
    closes = [close for result in results for close in result]
    assert closes, "the fuzzer never had a frame refused"
    for code, reason in closes:
        assert code is not None and 4000 <= code <= 4999, (code, reason)
        assert reason.strip()

    # The room is intact: what a newcomer syncs is what the witness saw, and what the log holds.
    assert not witness.closed.is_set()
    witness.add_card("after", "goals", "Mia sleeps at home")
    fresh = await server.client(meeting, "viewer", name="Checker")
    await asyncio.wait_for(fresh.synced.wait(), 5)
    await fresh.wait_for(lambda: "after" in fresh.cards())
    await witness.wait_for(lambda: witness.dump() == fresh.dump())
    assert {"base", "after"} <= set(fresh.cards())
    await server.services.journal.flush()
    logged_doc = crdt.doc_from_updates(await server.services.store.load(meeting["id"], Layer.MAIN))
    assert integrated(logged_doc) == integrated(fresh.doc)
    async with httpx.AsyncClient(base_url=server.address) as http:
        assert (await http.get("/healthz")).status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "server errors logged"
    for client in (witness, fresh):
        await client.disconnect()
