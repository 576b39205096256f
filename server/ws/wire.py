"""Sending one relayed message to many sockets cheaply: framed once, written directly.

The room relays every accepted update to every other client of the meeting. Through ASGI each
delivery is a queued coroutine hop, middleware, Starlette and uvicorn's framing: that cost per
recipient, not the CRDT work, was where the server's time went (bench/speed/PROFILE.md). So the
server runs uvicorn with `Protocol` below, uvicorn's own websockets protocol plus one scope
extension, "safetymap.direct": a synchronous `write` of a message already framed (server
frames are unmasked, so the same bytes serve every recipient; `frame` caches the last one).
Ordering is kept because every frame of a connection takes this path once it is available.

Under another ASGI server the extension is absent and connections fall back to their queue.

`Protocol` also keeps less per connection than uvicorn's (bench/connection_memory.py): slots
for its attributes, a leaner receive queue and writable event, and no handshake headers
once the handshake is done.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

from uvicorn._types import ASGISendEvent
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.http11 import Request

from server.ws.lean_sync import Flag, Inbox

EXTENSION = "safetymap.direct"

_last: tuple[bytes, bytes] = (b"", b"\x82\x00")


def frame(payload: bytes) -> bytes:
    """`payload` as one unmasked, final, binary websocket frame (RFC 6455 §5.2)."""
    global _last
    if payload is _last[0]:
        return _last[1]  # the same message, relayed to the next recipient
    size = len(payload)
    if size < 126:
        head = bytes((0x82, size))
    elif size < 1 << 16:
        head = struct.pack("!BBH", 0x82, 126, size)
    else:
        head = struct.pack("!BBQ", 0x82, 127, size)
    framed = head + payload
    _last = (payload, framed)
    return framed


class Direct:
    """One accepted websocket's transport, for writing framed messages in order."""

    __slots__ = ("_protocol",)

    def __init__(self, protocol: WebSocketsSansIOProtocol) -> None:
        self._protocol = protocol

    def open(self) -> bool:
        p = self._protocol
        return p.handshake_complete and not p.close_sent and not p.transport.is_closing()

    def write(self, framed: bytes) -> None:
        self._protocol.transport.write(framed)

    def buffered(self) -> int:
        """Bytes written but not yet taken by the network (a client that stops reading)."""
        return int(self._protocol.transport.get_write_buffer_size())


class Protocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets-sansio protocol, offering `Direct` to the app, and lighter: one
    lives as long as its connection, and the server holds thousands."""

    # Every attribute uvicorn sets, as a slot. Past 30 attributes an instance __dict__ stops
    # sharing its keys with the other instances' and costs 1.5 KiB a connection on its own;
    # one uvicorn might add later still lands in the __dict__.
    __slots__ = (
        "app", "app_state", "asgi_version", "client", "close_sent", "close_timeout",
        "close_timer", "config", "conn", "connections", "curr_msg_data_type",
        "default_headers", "disconnected", "frames", "handshake_complete",
        "handshake_initiated", "initial_response", "last_ping_rtt", "logger", "loop",
        "pending_ping_payload", "ping_interval", "ping_sent_at", "ping_timeout", "ping_timer",
        "pong_timer", "queue", "read_paused", "request", "response", "root_path", "scheme",
        "scope", "server", "tasks", "transport", "writable",
    )  # fmt: skip

    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        # The same behaviour as uvicorn's asyncio.Queue and asyncio.Event in a tenth of the
        # memory (lean_sync.py).
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Flag(True)  # type: ignore[assignment]

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        # The scope has its own copy of the headers, and websockets' parser keeps the request
        # for the life of the connection: its parsed headers are not needed again.
        event.headers.clear()
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][EXTENSION] = Direct(self)

    async def send(self, message: ASGISendEvent) -> None:
        await super().send(message)
        if message["type"] == "websocket.accept" and self.handshake_complete:
            del self.response  # sent: only the handshake reads it


class HTTPProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a timeout on reading each request head.

    uvicorn has no such timeout: its keep-alive timeout runs only between requests and stops at
    the first byte of the next one, so a client that sends a request head slowly, or never
    finishes it, holds its connection (and a file descriptor) for as long as it likes. Here the
    head of a request (request line and headers) must be complete within `header_timeout`
    seconds of the connection opening, or of the request's first byte after that; otherwise
    the server closes the connection (writing no 408, which could land in the middle of a
    pipelined response). Only the httptools parser callbacks (`on_message_begin`,
    `on_headers_complete`) and the asyncio protocol methods are used. Bodies are not timed
    (nginx's `client_body_timeout` is, in front of it), nor are websockets (they are pinged).
    """

    header_timeout: float = 10.0  # set by `http_protocol`

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._head_timer: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()  # a later request on a kept-alive connection: its head is timed too

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def _arm(self) -> None:
        if self._head_timer is None and self.header_timeout > 0:
            loop = asyncio.get_running_loop()
            self._head_timer = loop.call_later(self.header_timeout, self._timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _timed_out(self) -> None:
        self._head_timer = None
        if not self.transport.is_closing():
            self.transport.close()


def http_protocol(header_timeout: float) -> type[HTTPProtocol]:
    """The HTTP protocol class for uvicorn's `http=`, timing request heads (0: no timeout)."""
    return type("HTTPProtocol", (HTTPProtocol,), {"header_timeout": header_timeout})
