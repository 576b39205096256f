"""server/ws/asgi_socket.py against a transport of our own: what the app is told, what the
client is sent, and when the socket stops reading. (Real servers test the rest: keepalive in
tests/integration/test_keepalive.py, the 1009 limit in tests/integration/test_malformed.py,
shutdown in tests/system/test_durability_kill.py.)"""

from __future__ import annotations

import asyncio
import base64
import os
from typing import Any

from websockets import Frame, Opcode

from server.ws import asgi_socket, wire

PATH = "/ws/m1?token=abc"


class Transport(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.sent = bytearray()
        self.closed = False
        self.reading = True

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.sent += data

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def get_write_buffer_size(self) -> int:
        return 0

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("10.0.0.7", 5000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def frames(self) -> list[Frame]:
        """What the server sent after its handshake response, as frames."""
        head, _, rest = bytes(self.sent).partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 101"), head
        frames, data = [], rest
        while data:
            reader = _Reader(data)
            frames.append(_run(Frame.parse(reader.read, mask=False)))
            data = reader.rest
        return frames


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.rest = data

    def read(self, n: int) -> Any:
        chunk, self.rest = self.rest[:n], self.rest[n:]
        return chunk
        yield  # a generator, as Frame.parse expects


def _run(generator: Any) -> Any:
    try:
        while True:
            next(generator)
    except StopIteration as done:
        return done.value


def masked(opcode: Opcode, data: bytes, fin: bool = True) -> bytes:
    return Frame(opcode, data, fin).serialize(mask=True)


def head(path: str = PATH) -> bytes:
    """A handshake request as uvicorn hands it over (lower-case names)."""
    key = base64.b64encode(os.urandom(16)).decode()
    return (
        f"GET {path} HTTP/1.1\r\nhost: example.org\r\nupgrade: websocket\r\n"
        f"connection: Upgrade\r\nsec-websocket-key: {key}\r\nsec-websocket-version: 13\r\n\r\n"
    ).encode()


class App:
    """Accepts, then takes each message only when the test lets it."""

    def __init__(self, accept: bool = True) -> None:
        self.accept = accept
        self.scope: dict[str, Any] = {}
        self.received: list[dict[str, Any]] = []
        self.take = asyncio.Semaphore(0)
        self.send: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.scope, self.send = scope, send
        assert (await receive())["type"] == "websocket.connect"
        if not self.accept:
            await send({"type": "websocket.close", "code": 1000})
            return
        await send({"type": "websocket.accept", "headers": [(b"x-request-id", b"r1")]})
        while True:
            await self.take.acquire()
            message = await receive()
            self.received.append(message)
            if message["type"] == "websocket.disconnect":
                return


async def opened(app: App, **options: Any) -> tuple[asyncio.Protocol, Transport]:
    settings = {"max_size": 1000, "ping_interval": None, "ping_timeout": None, **options}
    socket = asgi_socket.protocol(asgi_socket.Options(app=app, **settings))()
    transport = Transport()
    socket.connection_made(transport)
    socket.data_received(head())
    for _ in range(5):
        await asyncio.sleep(0)
    return socket, transport


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_the_app_gets_a_websocket_scope_with_the_direct_extension() -> None:
    app = App()
    socket, transport = await opened(app)
    assert bytes(transport.sent).startswith(b"HTTP/1.1 101 Switching Protocols\r\n")
    assert b"x-request-id: r1\r\n" in bytes(transport.sent).lower()
    scope = app.scope
    assert scope["type"] == "websocket" and scope["path"] == "/ws/m1"
    assert scope["query_string"] == b"token=abc" and scope["client"] == ("10.0.0.7", 5000)
    assert (b"host", b"example.org") in scope["headers"]
    direct = scope["extensions"][wire.EXTENSION]
    assert direct is socket and direct.open()
    direct.write(wire.frame(b"\x00\x01"))
    assert transport.frames()[-1].data == b"\x00\x01"


async def test_reading_stops_while_the_app_holds_a_message() -> None:
    app = App()
    socket, transport = await opened(app)
    socket.data_received(masked(Opcode.BINARY, b"one"))
    socket.data_received(masked(Opcode.BINARY, b"two"))
    assert not transport.reading  # the app has not asked: the socket pushes back
    app.take.release()
    await settle()
    assert not transport.reading  # "two" still waits
    app.take.release()
    await settle()
    assert transport.reading
    assert [m["bytes"] for m in app.received] == [b"one", b"two"]
    app.take.release()  # a waiting receive takes the next message at once, reading on
    await settle()
    socket.data_received(masked(Opcode.BINARY, b"three"))
    assert transport.reading
    await settle()
    assert app.received[-1]["bytes"] == b"three"


async def test_a_cancelled_receive_leaves_the_message_for_the_next() -> None:
    app = App()
    socket, _ = await opened(app)
    receive = getattr(socket, "receive")  # noqa: B009
    waiting = asyncio.create_task(receive())
    await settle()
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    socket.data_received(masked(Opcode.BINARY, b"kept"))
    assert (await receive())["bytes"] == b"kept"


async def test_fragments_are_one_message_and_text_stays_text() -> None:
    app = App()
    socket, transport = await opened(app)
    socket.data_received(masked(Opcode.BINARY, b"ab", fin=False) + masked(Opcode.CONT, b"cd"))
    socket.data_received(masked(Opcode.TEXT, "é".encode()))
    app.take.release()
    app.take.release()
    await settle()
    assert app.received == [
        {"type": "websocket.receive", "bytes": b"abcd"},
        {"type": "websocket.receive", "text": "é"},
    ]
    socket.data_received(masked(Opcode.TEXT, b"\xff"))  # not UTF-8: 1007
    app.take.release()
    await settle()
    assert app.received[-1] == {
        "type": "websocket.disconnect",
        "code": 1007,
        "reason": "invalid UTF-8",
    }
    assert transport.frames()[-1].opcode is Opcode.CLOSE and transport.closed


async def test_too_big_is_1009_and_a_client_close_is_answered() -> None:
    app = App()
    socket, transport = await opened(app, max_size=10)
    socket.data_received(masked(Opcode.BINARY, b"x" * 11))
    app.take.release()
    await settle()
    assert app.received[-1]["code"] == 1009 and transport.closed
    assert not socket.open()  # type: ignore[attr-defined]

    app = App()
    socket, transport = await opened(app)
    socket.data_received(masked(Opcode.CLOSE, b"\x03\xe8bye"))
    app.take.release()
    await settle()
    assert app.received[-1] == {"type": "websocket.disconnect", "code": 1000, "reason": "bye"}
    assert transport.frames()[-1].opcode is Opcode.CLOSE and transport.closed


async def test_the_server_closes_and_waits_for_the_answer() -> None:
    app = App()
    socket, transport = await opened(app)
    await app.send({"type": "websocket.close", "code": 4403, "reason": "no"})
    frame = transport.frames()[-1]
    assert frame.opcode is Opcode.CLOSE and frame.data == (4403).to_bytes(2, "big") + b"no"
    assert not socket.open() and not transport.closed  # type: ignore[attr-defined]
    socket.data_received(masked(Opcode.BINARY, b"late"))  # dropped: we are closing
    socket.data_received(masked(Opcode.CLOSE, (4403).to_bytes(2, "big")))
    assert transport.closed


async def test_closed_before_accepting_is_a_403() -> None:
    app = App(accept=False)
    _, transport = await opened(app)
    assert bytes(transport.sent).startswith(b"HTTP/1.1 403 Forbidden\r\n") and transport.closed


async def test_going_away_is_1012_and_tells_the_app() -> None:
    app = App()
    socket, transport = await opened(app)
    socket.going_away()  # type: ignore[attr-defined]
    app.take.release()
    await settle()
    assert app.received[-1]["code"] == 1012
    assert transport.frames()[-1].data[:2] == (1012).to_bytes(2, "big") and transport.closed


async def test_a_lost_connection_is_1006_and_frees_a_waiting_send() -> None:
    app = App()
    socket, _ = await opened(app)
    socket.pause_writing()
    blocked = asyncio.create_task(app.send({"type": "websocket.send", "bytes": b"x"}))
    await settle()
    assert not blocked.done()
    socket.connection_lost(None)
    (outcome,) = await asyncio.gather(blocked, return_exceptions=True)
    assert isinstance(outcome, OSError)
    app.take.release()
    await settle()
    assert app.received[-1]["code"] == 1006
