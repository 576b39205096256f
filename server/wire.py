"""Sending one relayed message to many sockets cheaply: framed once, written directly.

The room relays every accepted update to every other client of the meeting. Through ASGI each
delivery is a queued coroutine hop, middleware, Starlette and uvicorn's framing: that cost per
recipient, not the CRDT work, was where the server's time went (bench/speed/PROFILE.md). So the
server runs uvicorn with `Protocol` below, uvicorn's own websockets protocol plus one scope
extension, "safetymap.direct": a synchronous `write` of a message already framed (server
frames are unmasked, so the same bytes serve every recipient; `frame` caches the last one).
Ordering is kept because every frame of a connection takes this path once it is available.

Under another ASGI server the extension is absent and connections fall back to their queue.
"""

from __future__ import annotations

import struct
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

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
    """uvicorn's websockets-sansio protocol, offering `Direct` to the app."""

    def handle_connect(self, event: Any) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        if scope is not None:
            scope["extensions"][EXTENSION] = Direct(self)
