"""Keepalive pings close a socket whose client has gone silent (a phone that lost signal)."""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.board.permissions import Layer
from tests.conftest import RunningServer, running_server
from tests.waiting import eventually, within


@pytest.fixture
async def fast_ping_server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    overrides = {"SAFETYMAP_PING_INTERVAL": "0.2", "SAFETYMAP_PING_TIMEOUT": "0.3"}
    async with running_server(tmp_path, **overrides) as running:
        yield running


async def silent_client(port: int, path: str) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Complete a websocket handshake, then never answer anything (no pongs)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 5)
    assert b" 101 " in status
    return reader, writer


async def test_dead_socket_is_closed_by_keepalive(fast_ping_server: RunningServer) -> None:
    server = fast_ping_server
    meeting = await server.meeting()
    alive = await server.client(meeting, "facilitator")
    await within(alive.synced.wait(), 20, "alive synced")
    path = f"/ws/{meeting['id']}?token={meeting['tokens']['family']}&name=Silent"
    _reader, writer = await silent_client(server.settings.port, path)
    room = server.services.rooms.loaded(meeting["id"], Layer.MAIN)
    assert room is not None

    await eventually(lambda: len(room.peers) == 2)
    await eventually(lambda: len(room.peers) == 1)  # the silent one: dropped, no pong
    writer.close()
    # The live client, which answers pings, is still there and working.
    assert not alive.closed.is_set()
    alive.add_card("c1", "strengths", "still here")
    other = await server.client(meeting, "viewer")
    await other.wait_for(lambda: "c1" in other.cards())
