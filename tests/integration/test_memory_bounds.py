"""Memory stays bounded, measured on a real `safetymap serve` process (VmRSS from /proc).

- A client that stops reading while another writes a flood of updates is closed with 4508
  once its send queue is full, and the server's memory does not follow the flood.
- 1,000 join/leave cycles leave the server's memory flat after warm-up.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import struct
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from pycrdt import Map

from server.sync import closes
from tests.conftest import free_port
from tests.servers import cli, serve, server_env
from tests.yclient import YClient, new_key

MiB = 1024 * 1024
# These tests flood on purpose: the per-connection and per-meeting limits must not cut in.
NO_RATE_LIMITS = {
    "SAFETYMAP_MESSAGE_LIMIT": "0/1",
    "SAFETYMAP_BYTE_LIMIT": "0/1",
    "SAFETYMAP_PARTICIPANT_BYTE_LIMIT": "0/1",
    "SAFETYMAP_JOIN_LIMIT": "0/1",
    "SAFETYMAP_LINK_JOIN_LIMIT": "0/1",
}

pytestmark = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")


def rss(pid: int) -> int:
    """Resident memory of a process, in bytes."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


async def new_meeting(env: dict[str, str]) -> dict[str, Any]:
    created: dict[str, Any] = json.loads(
        await cli(
            env, "meeting", "create", "--title", "Memory (fictional)", "--json", "--no-waiting-room"
        )
    )
    created["tokens"] = {role: url.rsplit("/", 1)[1] for role, url in created["links"].items()}
    return created


class StalledClient:
    """A websocket client that completes the handshake, then never reads again.

    A small receive buffer makes the server's writes back up quickly, as a phone on a
    dead network would.
    """

    def __init__(self, port: int, path: str) -> None:
        self.port = port
        self.path = path
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def connect(self) -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.setblocking(False)
        await asyncio.get_running_loop().sock_connect(sock, ("127.0.0.1", self.port))
        self.reader, self.writer = await asyncio.open_connection(sock=sock)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {self.path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
            f"Origin: http://127.0.0.1:{self.port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        )
        self.writer.write(request.encode())
        await self.writer.drain()
        head = await asyncio.wait_for(self.reader.readuntil(b"\r\n\r\n"), 10)
        assert head.startswith(b"HTTP/1.1 101"), head[:200]

    async def close_code(self, timeout: float = 20) -> int | None:
        """Read everything the server sent; the code of its close frame, if it sent one."""
        assert self.reader is not None
        async with asyncio.timeout(timeout):
            while True:
                try:
                    head = await self.reader.readexactly(2)
                except asyncio.IncompleteReadError:
                    return None  # the server dropped the connection without a close frame
                opcode, length = head[0] & 0x0F, head[1] & 0x7F
                if length == 126:
                    length = struct.unpack("!H", await self.reader.readexactly(2))[0]
                elif length == 127:
                    length = struct.unpack("!Q", await self.reader.readexactly(8))[0]
                payload = await self.reader.readexactly(length)
                if opcode == 0x8:
                    return int(struct.unpack("!H", payload[:2])[0]) if payload else None

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.transport.abort()


async def test_a_client_that_stops_reading_is_closed_and_memory_stays_bounded(
    tmp_path: Path,
) -> None:
    port = free_port()
    # A short queue (64 frames of ~4 KiB; 256 KiB where the server writes to sockets directly)
    # so the bound is small next to the 32 MiB flood.
    # Compaction every second keeps the document's counted size (not its content) small.
    env = server_env(
        tmp_path,
        port,
        SAFETYMAP_SEND_QUEUE_FRAMES="64",
        SAFETYMAP_SEND_BUFFER_BYTES=str(256 * 1024),
        SAFETYMAP_COMPACT_INTERVAL="1",
        **NO_RATE_LIMITS,
    )
    meeting = await new_meeting(env)
    room = f"/ws/{meeting['id']}?" + urlencode({"token": meeting["tokens"]["viewer"]})
    async with serve(env, port, tmp_path / "server.log") as proc:
        ws_url = f"ws://127.0.0.1:{port}/ws"
        writer = YClient(ws_url, meeting["id"], meeting["tokens"]["facilitator"], name="Sam")
        watcher = YClient(ws_url, meeting["id"], meeting["tokens"]["viewer"], name="Wall")
        for client in (writer, watcher):
            await client.connect()
            await asyncio.wait_for(client.synced.wait(), 10)
        note = writer.doc.get("meta", type=Map)

        async def flood(count: int, tag: str) -> None:
            # Each update replaces one 4 KiB value: the frames are big, the document is not.
            for i in range(count):
                note["note"] = f"{tag}{i:06d}" + "x" * 4096
                if i % 25 == 24:  # a batch commit relays at once: stay under the queue of 64
                    assert not writer.closed.is_set(), (writer.close_code, writer.close_reason)
                    await watcher.wait_for(
                        lambda t=tag, n=i: str(  # type: ignore[misc]
                            watcher.doc.get("meta", type=Map).get("note", "")
                        ).startswith(f"{t}{n:06d}"),
                        timeout=30,
                    )

        await flood(1_000, "warm")  # warm-up: the same work, with every client reading
        before = rss(proc.pid)

        stalled = StalledClient(port, room + "&name=Stalled")
        await stalled.connect()
        await flood(8_000, "flood")  # ~32 MiB relayed while one client reads nothing
        after = rss(proc.pid)
        code = await stalled.close_code()
        stalled.abort()

        assert code == closes.TOO_SLOW, code
        grew = (after - before) / MiB
        print(f"flood of 32 MiB past a stalled client: server grew by {grew:.1f} MiB")
        assert grew < 16, f"server grew by {grew:.1f} MiB"
        assert not writer.closed.is_set() and not watcher.closed.is_set()
        for client in (writer, watcher):
            await client.disconnect()


async def test_a_thousand_joins_and_leaves_leave_memory_flat(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(tmp_path, port, **NO_RATE_LIMITS)
    meeting = await new_meeting(env)
    ws_url = f"ws://127.0.0.1:{port}/ws"
    async with serve(env, port, tmp_path / "server.log") as proc:
        lanes, roles = 10, ("facilitator", "viewer")
        keys = {(lane, role): new_key() for lane in range(lanes) for role in roles}

        async def cycles(lane: int, count: int) -> None:
            # Twenty people (a facilitator and a screen per lane) who come and go again and
            # again: each comes back by their key, as the same participant.
            for i in range(count):
                role = "facilitator" if i % 2 else "viewer"
                token, key = meeting["tokens"][role], keys[lane, role]
                client = YClient(ws_url, meeting["id"], token, name=f"P{lane}", key=key)
                await client.connect()
                await asyncio.wait_for(client.synced.wait(), 10)
                if i % 10 == 1:  # a facilitator's turn (odd i): now and then, a card
                    client.add_card(f"c{lane}-{i}", "strengths", "Gran visits on Sundays")
                    await asyncio.sleep(0)  # its update goes out first
                    await client.whoami()  # a round trip: the server has taken it
                await client.disconnect()

        await asyncio.gather(*(cycles(n, 20) for n in range(lanes)))  # warm-up: 200 cycles
        before = rss(proc.pid)
        await asyncio.gather(*(cycles(n, 100) for n in range(lanes)))  # 1,000 cycles
        after = rss(proc.pid)
        grew = (after - before) / MiB
        print(f"1,000 join/leave cycles: server grew by {grew:.1f} MiB")
        assert grew < 6, f"server grew by {grew:.1f} MiB"
        screen = YClient(ws_url, meeting["id"], meeting["tokens"]["viewer"], name="Screen")
        await screen.connect()
        # Every card written on the way is there (the warm-up's two per lane, rewritten since).
        await screen.wait_for(lambda: len(screen.cards()) == lanes * 10)
        await screen.disconnect()
