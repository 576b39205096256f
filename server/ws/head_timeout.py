"""A time limit on request heads: the server's own defence against Slowloris.

uvicorn has none: its keep-alive timeout runs only between requests and stops at the first
byte of the next one, so a client that sends a request head slowly, or never finishes it,
holds its connection (and a file descriptor) for as long as it likes. `around` wraps uvicorn's
HTTP protocol by composition, passing every asyncio callback on unchanged, and reads the same
bytes with a parser of its own only to see where each request head begins and ends: a head
must be complete within `seconds` of the connection opening, or of the first byte of the next
request; otherwise the connection is closed, with no 408, which could land in the middle of a
pipelined response. Bodies are not timed (nginx's client_body_timeout is, in front of it), nor
websockets (they are pinged): once uvicorn hands a connection to the websocket, these
callbacks stop.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

import httptools


class HeadTimeout(asyncio.Protocol):
    http: type[asyncio.Protocol]  # the protocol that serves the connection (set by `around`)
    seconds: float

    __slots__ = ("_http", "_parser", "_timer", "_transport")

    def __init__(self, **server: Any) -> None:
        self._http = self.http(**server)
        self._parser: Any = httptools.HttpRequestParser(self)
        self._timer: asyncio.TimerHandle | None = None
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)  # uvloop's are not subclasses
        self._http.connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        upgrade = self._read(data)
        self._http.data_received(data)
        transport = self._transport
        if upgrade is not None and transport is not None and transport.get_protocol() is self:
            # Not taken over by the websocket (another upgrade, answered as plain HTTP): what
            # follows is timed as request heads again.
            self._parser = httptools.HttpRequestParser(self)
            self._read(data[upgrade:])

    def eof_received(self) -> bool | None:
        return self._http.eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        self._parser = None  # it refers back to this protocol
        self._http.connection_lost(exc)

    def pause_writing(self) -> None:
        self._http.pause_writing()

    def resume_writing(self) -> None:
        self._http.resume_writing()

    # The parser's callbacks: where a head begins and ends -----------------------------------

    def on_message_begin(self) -> None:
        self._arm()  # a later request on a kept-alive connection: its head is timed too

    def on_headers_complete(self) -> None:
        self._disarm()

    def _read(self, data: bytes) -> int | None:
        """Feed the parser; where the data goes on after an upgrade request's head, if one."""
        parser = self._parser
        if parser is None:
            return None
        try:
            parser.feed_data(data)
        except httptools.HttpParserUpgrade as upgrade:
            self._parser = None
            return int(upgrade.args[0])
        except httptools.HttpParserError:
            self._parser = None  # uvicorn answers 400 and closes
            self._disarm()
        return None

    def _arm(self) -> None:
        if self._timer is None and self.seconds > 0:
            loop = asyncio.get_running_loop()
            self._timer = loop.call_later(self.seconds, self._timed_out)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _timed_out(self) -> None:
        self._timer = None
        transport = self._transport
        if transport is not None and not transport.is_closing():
            transport.close()


def around(http: type[asyncio.Protocol], seconds: float) -> type[asyncio.Protocol]:
    """`http`, with request heads timed (`seconds`; 0: not timed, `http` itself)."""
    if seconds <= 0:
        return http
    return type("HeadTimeout", (HeadTimeout,), {"__slots__": (), "http": http, "seconds": seconds})
