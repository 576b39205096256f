"""server/ws/head_timeout.py around a stand-in for uvicorn's HTTP protocol: every callback is
passed on, and only an unfinished request head is timed.
(tests/integration/test_header_timeout.py runs the real thing against `safetymap serve`.)"""

from __future__ import annotations

import asyncio
from typing import Any

from server.ws.head_timeout import around

SECONDS = 0.05


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.protocol: asyncio.BaseProtocol | None = None
        self.closed = False

    def set_protocol(self, protocol: asyncio.BaseProtocol) -> None:
        self.protocol = protocol

    def get_protocol(self) -> asyncio.BaseProtocol:
        assert self.protocol is not None
        return self.protocol

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


class Http(asyncio.Protocol):
    """Records what it is given; hands the transport on at a websocket upgrade, as uvicorn."""

    def __init__(self, **server: Any) -> None:
        self.server = server
        self.calls: list[Any] = []
        self.transport: Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, Transport)
        self.transport = transport
        self.calls.append("connection_made")

    def data_received(self, data: bytes) -> None:
        self.calls.append(data)
        if b"upgrade: websocket" in data.lower():
            assert self.transport is not None
            self.transport.set_protocol(asyncio.Protocol())

    def connection_lost(self, exc: Exception | None) -> None:
        self.calls.append("connection_lost")


def connected() -> tuple[Any, Transport]:
    protocol = around(Http, SECONDS)(config="c", server_state="s")
    transport = Transport()
    transport.set_protocol(protocol)
    protocol.connection_made(transport)
    return protocol, transport


async def past_the_limit() -> None:
    await asyncio.sleep(SECONDS * 3)


async def test_everything_is_passed_on_unchanged() -> None:
    protocol, _ = connected()
    http = protocol._http
    assert http.server == {"config": "c", "server_state": "s"}
    request = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
    protocol.data_received(request)
    protocol.connection_lost(None)
    assert http.calls == ["connection_made", request, "connection_lost"]
    assert around(Http, 0) is Http  # 0: not timed


async def test_an_unfinished_head_is_closed_and_a_finished_one_is_not() -> None:
    protocol, transport = connected()
    protocol.data_received(b"GET / HTTP/1.1\r\n")
    await past_the_limit()
    assert transport.closed

    protocol, transport = connected()
    protocol.data_received(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    await past_the_limit()
    assert not transport.closed  # idle between requests: uvicorn's keep-alive timeout's
    protocol.data_received(b"GET /next HTTP/1.1\r\n")  # the next head is timed too
    await past_the_limit()
    assert transport.closed


async def test_a_body_is_not_timed() -> None:
    protocol, transport = connected()
    protocol.data_received(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
    await past_the_limit()
    assert not transport.closed


async def test_a_websocket_is_no_longer_timed_another_upgrade_is() -> None:
    protocol, transport = connected()
    protocol.data_received(
        b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    )
    assert transport.get_protocol() is not protocol
    await past_the_limit()
    assert not transport.closed

    protocol, transport = connected()  # uvicorn answers h2c as plain HTTP and keeps the socket
    protocol.data_received(
        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\nGET /drip"
    )
    await past_the_limit()
    assert transport.closed


async def test_what_the_parser_refuses_is_left_to_uvicorn() -> None:
    protocol, transport = connected()
    protocol.data_received(b"\x16\x03\x01 not http\r\n\r\n")  # uvicorn answers 400 and closes
    await past_the_limit()
    assert not transport.closed
    assert protocol._http.calls[-1] == b"\x16\x03\x01 not http\r\n\r\n"
