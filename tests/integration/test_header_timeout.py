"""A `safetymap serve` process reached directly closes connections that never finish a request
head (SAFETYMAP_HEADER_TIMEOUT), whatever they do meanwhile; whole requests and websockets are
not affected. uvicorn alone holds such connections for ever. Loopback only, a bounded count."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from server.sync import protocol
from tests.conftest import free_port
from tests.servers import create_meeting, serve, server_env
from tests.yclient import YClient

TIMEOUT = 1.0  # SAFETYMAP_HEADER_TIMEOUT for this test
SLOW = 60  # slow-header connections of each kind
BOUND = TIMEOUT + 5.0  # every one of them must be closed by then


async def closed(reader: asyncio.StreamReader) -> bytes:
    """Everything the server sent, once it has closed the connection (bounded by BOUND)."""
    return await asyncio.wait_for(reader.read(), BOUND)


async def partial_head(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the head never ends
    await writer.drain()
    return reader, writer


async def dripping_head(port: int, stop: asyncio.Event) -> bytes:
    """A head sent one header line at a time, never finished: still closed on time."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\n")
    try:
        n = 0
        while not reader.at_eof() and not stop.is_set():
            writer.write(b"X-Drip-%d: 1\r\n" % n)
            n += 1
            await writer.drain()
            try:
                await asyncio.wait_for(reader.read(1024), TIMEOUT / 5)
            except TimeoutError:
                continue
        return b"" if reader.at_eof() else b"still open"
    except (ConnectionError, OSError):
        return b""  # closed under us while writing
    finally:
        writer.close()


async def slow_second_head(port: int) -> bytes:
    """One whole request answered on a kept-alive connection, then a second head left
    unfinished: the second head is timed too."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), BOUND)
    assert head.startswith(b"HTTP/1.1 200")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    await asyncio.wait_for(reader.readexactly(length), BOUND)
    writer.write(b"GET /healthz HTTP/1.1\r\n")
    await writer.drain()
    try:
        return await closed(reader)
    finally:
        writer.close()


async def test_slow_request_heads_are_closed(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(tmp_path / "data", port, SAFETYMAP_HEADER_TIMEOUT=str(TIMEOUT))
    async with serve(env, port, tmp_path / "server.log"):
        meeting = await create_meeting(env)
        client = YClient(meeting["ws_url"], meeting["id"], meeting["tokens"]["facilitator"])
        await client.connect()
        await asyncio.wait_for(client.synced.wait(), BOUND)

        started = time.monotonic()
        held = [await partial_head(port) for _ in range(SLOW)]
        stop = asyncio.Event()
        drips = [asyncio.create_task(dripping_head(port, stop)) for _ in range(SLOW // 6)]
        seconds = [asyncio.create_task(slow_second_head(port)) for _ in range(SLOW // 6)]
        try:
            sent = await asyncio.gather(*(closed(reader) for reader, _ in held))
            dripped = await asyncio.wait_for(asyncio.gather(*drips), BOUND)
            after_one = await asyncio.gather(*seconds)
        finally:
            stop.set()
            for _, writer in held:
                writer.close()
            for task in (*drips, *seconds):
                task.cancel()
            await asyncio.gather(*drips, *seconds, return_exceptions=True)
        took = time.monotonic() - started
        assert sent == [b""] * SLOW  # closed, and nothing was answered
        assert dripped == [b""] * len(drips)
        assert after_one == [b""] * len(seconds)
        assert TIMEOUT * 0.9 <= took <= BOUND

        # Meanwhile a whole request is answered, and the websocket, open for longer than the
        # timeout, still syncs.
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert (await closed(reader)).startswith(b"HTTP/1.1 200")
        writer.close()
        assert not client.closed.is_set()
        before = len(client.received)
        await client.send(protocol.encode(protocol.SyncStep1(client.doc.get_state())))
        await client.wait_for(lambda: len(client.received) > before)
        await client.disconnect()
