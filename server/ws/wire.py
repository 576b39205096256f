"""Sending one relayed message to many sockets cheaply: framed once, written directly.

The room relays every accepted update to every other client of the meeting. Through ASGI each
delivery is a queued coroutine hop, middleware, Starlette and the server's framing: that cost
per recipient, not the CRDT work, was where the server's time went (bench/speed/PROFILE.md). So
the server's websocket (asgi_socket.py) offers the app one scope extension, "safetymap.direct":
a synchronous `write` of a message already framed. Server frames are unmasked, so the same
bytes serve every recipient; `frame` caches the last one. Ordering is kept because every frame
of a connection takes this path once it is available.

Under another ASGI server the extension is absent and connections fall back to their queue.
"""

from __future__ import annotations

import struct
from typing import Protocol

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


class Direct(Protocol):
    """What the extension offers: one accepted websocket, written to in order."""

    def open(self) -> bool:
        """Accepted, and neither side has begun to close: a data frame may go out."""
        ...

    def write(self, framed: bytes) -> None:
        """Write frames made by `frame` (never blocks; see `buffered`)."""
        ...

    def buffered(self) -> int:
        """Bytes written but not yet taken by the network (a client that stops reading)."""
        ...
