"""The contract with the server library, pinned (server/ws/serve.py says what it is).

`safetymap serve` uses uvicorn's `Config` and `Server` and gives its `http` and `ws` options
classes of its own; nothing imports uvicorn's private modules or subclasses its protocols. What
that still takes on trust from uvicorn is checked here, each in its own test, so a uvicorn
release that changes it fails the suite with a sentence naming the contract, not somewhere
in a websocket.
"""

from __future__ import annotations

import asyncio
import base64
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket
from websockets.asyncio.client import connect

from server.ws import asgi_socket, head_timeout, serve, wire
from tests.conftest import free_port, make_settings
from tests.waiting import within


def upgrade_request(port: int, path: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()


class Probe(asyncio.Protocol):
    """A `ws` class that records what uvicorn does with it."""

    seen: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.seen.append(("init", args, sorted(kwargs)))
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.seen.append(("connection_made",))

    def data_received(self, data: bytes) -> None:
        self.seen.append(("data_received", data))
        asyncio.get_running_loop().call_soon(self._handed_over)

    def _handed_over(self) -> None:
        assert self.transport is not None
        self.seen.append(("protocol is the probe", self.transport.get_protocol() is self))
        self.transport.close()


async def _no_app(_scope: Any, _receive: Any, _send: Any) -> None:
    raise AssertionError("uvicorn called the app for a websocket it handed to the `ws` class")


@asynccontextmanager
async def uvicorn_with(ws: type[asyncio.Protocol]) -> AsyncIterator[int]:
    """Stock uvicorn as serve.py configures it (the same `http` class), `ws` as given."""
    port = free_port()
    config = uvicorn.Config(
        _no_app,
        port=port,
        http=head_timeout.around(serve._uvicorn_http(), 10),
        ws=ws,
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)


async def test_uvicorn_hands_a_websocket_upgrade_to_the_ws_class() -> None:
    """asgi_socket.Socket is built with keyword arguments only (it ignores them all), gets the
    transport, then the request head, and then the transport is its own."""
    Probe.seen = []
    async with uvicorn_with(Probe) as port:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(upgrade_request(port, "/ws/probe?token=t"))
        await asyncio.wait_for(reader.read(), 5)  # the probe closes it
        writer.close()
    init, made, received, handed = Probe.seen
    assert init[0] == "init" and init[1] == (), (
        f"uvicorn now builds its `ws` protocol with positional arguments {init[1]!r}: "
        "asgi_socket.Socket takes keyword arguments only"
    )
    assert made == ("connection_made",), "uvicorn no longer calls connection_made first"
    head = received[1]
    assert received[0] == "data_received" and head.startswith(b"GET /ws/probe?token=t HTTP/1.1"), (
        "uvicorn no longer hands the websocket the request head through data_received"
    )
    assert head.endswith(b"\r\n\r\n") and b"sec-websocket-key:" in head.lower()
    assert handed == ("protocol is the probe", True), (
        "uvicorn no longer hands the transport to the `ws` protocol after an upgrade"
    )


def test_uvicorn_names_the_class_it_serves_http_with() -> None:
    """head_timeout wraps the class `Config(http="httptools").load()` names."""
    http = serve._uvicorn_http()
    assert isinstance(http, type) and issubclass(http, asyncio.Protocol), (
        "uvicorn's Config no longer names its HTTP protocol class in `http_protocol_class`"
    )


def echo_app() -> Starlette:
    async def who(request: Request) -> PlainTextResponse:
        assert request.client is not None
        return PlainTextResponse(request.client.host)

    async def socket(ws: WebSocket) -> None:
        await ws.accept()
        assert ws.client is not None
        direct = ws.scope["extensions"].get(wire.EXTENSION)
        await ws.send_text(f"{ws.client.host} {type(direct).__name__}")
        await ws.receive()  # until the client, or the server going away, ends it

    return Starlette(routes=[Route("/who", who), WebSocketRoute("/ws", socket)])


@asynccontextmanager
async def served(tmp_path: Path) -> AsyncIterator[tuple[serve.Server, int]]:
    port = free_port()
    settings = make_settings(tmp_path, port, SAFETYMAP_PORT=str(port))
    server = serve.Server(echo_app(), settings, log_level="warning")
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield server, port
    finally:
        server.stop()
        await asyncio.wait_for(task, 15)


async def test_a_proxy_s_forwarded_address_reaches_http_and_websockets_alike(
    tmp_path: Path,
) -> None:
    """uvicorn.middleware.proxy_headers.ProxyHeadersMiddleware, which serve.py puts in front of
    the websocket, believes X-Forwarded-For from 127.0.0.1 (FORWARDED_ALLOW_IPS) as uvicorn
    does for HTTP: the guessing limits count a websocket's real client."""
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    async with served(tmp_path) as (_, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            b"GET /who HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 203.0.113.9\r\n"
            b"Connection: close\r\n\r\n"
        )
        assert (await asyncio.wait_for(reader.read(), 5)).endswith(b"\r\n\r\n203.0.113.9")
        writer.close()
        async with connect(f"ws://127.0.0.1:{port}/ws", additional_headers=forwarded) as ws:
            said = await within(ws.recv(), 5, "the websocket said who it served")
            assert said == "203.0.113.9 Socket"  # and the socket is ours


async def test_stopping_closes_websockets_with_1012(tmp_path: Path) -> None:
    """A graceful stop (SIGTERM, or `stop`) runs the lifespan shutdown, which first closes every
    websocket as "service restart"."""
    async with served(tmp_path) as (server, port):
        ws = await connect(f"ws://127.0.0.1:{port}/ws")
        await within(ws.recv(), 5, "the websocket opened")
        assert server.websockets.sockets and all(
            isinstance(s, asgi_socket.Socket) for s in server.websockets.sockets
        )
        server.stop()
        await asyncio.wait_for(ws.wait_closed(), 10)
        assert ws.close_code == 1012
