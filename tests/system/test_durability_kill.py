"""Appended before relayed: every edit another client has received survives a SIGKILL.

The server runs as its own process (`safetymap serve`), exactly as deployed. Client A sends
N separate updates, client B waits until it has all N, and the server is killed at once with
SIGKILL: no lifespan shutdown, no final compaction, nothing flushed on the way out. A server
restarted on the same data directory must hand a fresh client all N edits, because an update
is relayed only after the journal has committed it to the update log.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Text

from tests.conftest import free_port
from tests.servers import create_meeting as _create_meeting
from tests.servers import read_log as _read_log
from tests.servers import serve as _serve
from tests.servers import server_env
from tests.yclient import YClient

N = 50


def _env(data_dir: Path, port: int) -> dict[str, str]:
    return server_env(data_dir, port)


async def _connect(meeting: dict[str, Any], role: str, name: str) -> YClient:
    client = YClient(meeting["ws_url"], meeting["id"], meeting["tokens"][role], name=name)
    await client.connect()
    await asyncio.wait_for(client.synced.wait(), 10)
    return client


def _send_edit(a: YClient, i: int) -> None:
    """Edit i, in its own transaction, so it leaves A as its own update frame.

    Even edits add a card; odd edits insert text into the shared "notes" card.
    """
    if i % 2 == 0:
        a.add_card(f"c{i:02d}", "safety", f"note {i}")
    else:
        text = a.items["notes"]["text"]
        assert isinstance(text, Text)
        text.insert(len(text), f"[{i}]")


def _expected(count: int) -> dict[str, str]:
    cards = {f"c{i:02d}": f"note {i}" for i in range(0, count, 2)}
    return {"notes": "".join(f"[{i}]" for i in range(1, count, 2)), **cards}


@pytest.mark.parametrize("pace", ["burst", "one_by_one"])
async def test_relayed_edits_survive_sigkill(tmp_path: Path, pace: str) -> None:
    port = free_port()
    env = _env(tmp_path / "data", port)
    log = tmp_path / "server.log"
    meeting = await _create_meeting(env)

    async with _serve(env, port, log) as proc:
        a = await _connect(meeting, "facilitator", "Sam")
        b = await _connect(meeting, "professional", "Alex")
        a.add_card("notes", "safety", "")
        await b.wait_for(lambda: b.cards() == _expected(0))
        if pace == "burst":
            for i in range(N):
                _send_edit(a, i)
            await b.wait_for(lambda: b.cards() == _expected(N), timeout=20)
        else:
            for i in range(N):
                _send_edit(a, i)
                want = _expected(i + 1)
                await b.wait_for(lambda want=want: b.cards() == want, timeout=10)  # type: ignore[misc]
        # B holds every edit, so the server relayed every one: kill it without a word.
        proc.send_signal(signal.SIGKILL)
        await asyncio.wait_for(proc.wait(), 10)
        assert proc.returncode == -signal.SIGKILL
        await a.wait_closed()
        await b.wait_closed()
        assert a.cards() == _expected(N)  # A's own edits all went out

    async with _serve(env, port, log):
        fresh = await _connect(meeting, "viewer", "Shared screen")
        try:
            assert fresh.cards() == _expected(N), _read_log(log)
        finally:
            await fresh.disconnect()


async def test_sigterm_closes_with_1012_saves_and_exits(tmp_path: Path) -> None:
    """A deploy or scale-down: clients are told to reconnect (1012), everything accepted is
    saved and compacted, and the process exits within its bound."""
    port = free_port()
    env = _env(tmp_path / "data", port)
    log = tmp_path / "server.log"
    meeting = await _create_meeting(env)

    async with _serve(env, port, log) as proc:
        a = await _connect(meeting, "facilitator", "Sam")
        b = await _connect(meeting, "professional", "Alex")
        a.add_card("notes", "safety", "")
        for i in range(10):
            _send_edit(a, i)
        await b.wait_for(lambda: b.cards() == _expected(10))
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        await a.wait_closed(timeout=15)
        await b.wait_closed(timeout=15)
        assert a.close_code == b.close_code == 1012  # "service restart": reconnect elsewhere
        # uvicorn shuts down gracefully, then re-raises the signal, as servers conventionally do.
        assert await asyncio.wait_for(proc.wait(), 15) in (0, -signal.SIGTERM)
        assert time.monotonic() - started < 15
    with sqlite3.connect(tmp_path / "data" / "safetymap.db") as db:
        rows = db.execute("select count(*) from updates where layer = 'main'").fetchone()[0]
    assert rows == 1  # compacted on the way out

    async with _serve(env, port, log):
        fresh = await _connect(meeting, "viewer", "Shared screen")
        try:
            assert fresh.cards() == _expected(10), _read_log(log)
        finally:
            await fresh.disconnect()
