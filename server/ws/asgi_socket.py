"""One websocket served to the ASGI app: websockets' sans-I/O protocol on an asyncio transport.

uvicorn serves HTTP and hands each websocket upgrade to the class given as its `ws` option
(serve.py passes one made by `protocol`). `websockets.ServerProtocol` does RFC 6455: the
handshake, frames, the size limit, the closing handshake. This class does the I/O, keepalive
pings, and calls the app with a websocket scope as any ASGI server does, so routing,
middleware and the endpoint are the same under any server. It adds one scope extension,
"safetymap.direct" (wire.py): the socket itself, written to directly by the fan-out.

A server holds thousands of these, so each keeps only what it uses: slots; what every socket
of a server shares in one `Options`; waiting messages in a list and an awaited receive in one
future; the handshake's headers dropped once the scope has them. Reading stops while the app
has a message it has not asked for yet, so a sender the app holds back (the participant byte
budget in connection.py) is pushed back by the socket instead of piling up here.
"""

from __future__ import annotations

import asyncio
import logging
import random
from contextvars import Context
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import unquote

from starlette.types import ASGIApp, Message
from websockets import Frame, InvalidState, Opcode, Request, ServerProtocol

from server.ws import wire

log = logging.getLogger(__name__)

# Seconds the client has to answer our close frame before the socket is closed anyway.
CLOSE_TIMEOUT = 10.0

# Where a socket is. Every move out of _HANDSHAKE or _OPEN tells the app once (`_leave`).
_HANDSHAKE, _OPEN, _CLOSING, _ENDED = range(4)  # _CLOSING: our close frame is out


class Disconnected(OSError):
    """The client is gone: what an ASGI `send` raises then (Starlette reads it as 1006)."""


@dataclass(slots=True, eq=False)
class Options:
    """What every websocket of one server shares, and the ones open now (for shutdown)."""

    app: ASGIApp
    max_size: int
    ping_interval: float | None
    ping_timeout: float | None
    sockets: set[Socket] = field(default_factory=set)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)


def protocol(options: Options) -> type[Socket]:
    """The protocol class for one server: `Socket`, with `options` fixed."""
    return type("Socket", (Socket,), {"__slots__": (), "options": options})


class Socket(asyncio.Protocol):
    options: Options  # set by `protocol`

    __slots__ = (
        "_conn", "_fragments", "_inbox", "_paused", "_ping", "_receiver", "_response", "_scope",
        "_state", "_timer", "_transport", "_writable",
    )  # fmt: skip

    def __init__(self, **_server: Any) -> None:
        # uvicorn passes its config and state; this socket needs only `options`.
        self._conn = ServerProtocol(max_size=self.options.max_size, logger=log)
        self._transport = cast(asyncio.Transport, None)
        self._state = _HANDSHAKE
        self._scope: dict[str, Any] | None = None
        self._response: Any = None  # the 101 until the app accepts
        self._inbox: list[Message] = []
        self._receiver: asyncio.Future[None] | None = None
        self._paused = False  # reading, while the app has not taken its message
        self._writable: asyncio.Future[None] | None = None  # while the transport is full
        self._timer: asyncio.TimerHandle | None = None  # next ping, pong deadline, or close
        self._ping: bytes | None = None  # the payload of the ping awaiting its pong
        self._fragments: list[Any] | None = None  # [opcode, data, ...] of an unfinished message

    # The direct way out (wire.Direct) ---------------------------------------------------

    def open(self) -> bool:
        return self._state == _OPEN and not self._transport.is_closing()

    def write(self, framed: bytes) -> None:
        self._transport.write(framed)

    def buffered(self) -> int:
        return int(self._transport.get_write_buffer_size())

    # asyncio calls these --------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.Transport, transport)
        self.options.sockets.add(self)

    def data_received(self, data: bytes) -> None:
        conn = self._conn
        conn.receive_data(data)
        for event in conn.events_received():
            if isinstance(event, Frame):
                self._frame(event)
            elif isinstance(event, Request):
                self._request(event)
        wrote = self._flush()  # pongs, the answer to a close, websockets' own refusals
        if self._state == _ENDED:
            return
        if conn.parser_exc is not None:  # websockets has sent a close (1002, 1007, 1009...)
            close = conn.close_sent
            self._leave(close.code if close else 1006, close.reason if close else "")
            self._transport.close()
        elif conn.handshake_exc is not None and self._scope is None:
            # No handshake websockets could read: its 414 or 431 if it sent one, else a 400.
            if not wrote:
                refusal = conn.reject(400, "Failed to open a WebSocket connection.\n")
                self._transport.write(refusal.serialize())
            self._leave(1006)
            self._transport.close()

    def eof_received(self) -> bool | None:
        return None  # the transport closes; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self._leave(1006)  # no close frame, or it is already said
        self._stop_timer()
        self.options.sockets.discard(self)
        writable, self._writable = self._writable, None
        if writable is not None and not writable.done():
            writable.set_result(None)  # a send waiting for room: it finds the socket gone

    def pause_writing(self) -> None:
        if self._writable is None:
            self._writable = asyncio.get_running_loop().create_future()

    def resume_writing(self) -> None:
        writable, self._writable = self._writable, None
        if writable is not None and not writable.done():
            writable.set_result(None)

    # The app calls these ----------------------------------------------------------------

    async def receive(self) -> Message:
        inbox = self._inbox
        if not inbox:
            receiver = asyncio.get_running_loop().create_future()
            self._receiver = receiver
            try:
                await receiver
            finally:
                if self._receiver is receiver:
                    self._receiver = None
        message = inbox.pop(0)
        if self._paused and not inbox:
            self._paused = False
            self._transport.resume_reading()
        return message

    async def send(self, message: Message) -> None:
        if self._writable is not None:
            await asyncio.shield(self._writable)
        kind = message["type"]
        if kind == "websocket.send":
            if self._state != _OPEN:
                raise Disconnected("the websocket is closed")
            data = message.get("bytes")
            try:
                if data is not None:
                    self._conn.send_binary(data)
                else:
                    self._conn.send_text(message["text"].encode())
            except InvalidState:
                raise Disconnected("the websocket is closing") from None
            self._flush()
        elif kind == "websocket.accept":
            self._accept(message)
        elif kind == "websocket.close":
            self._close(message.get("code", 1000), message.get("reason") or "")
        else:
            raise RuntimeError(f"unexpected ASGI message {kind!r} on a websocket")

    async def _run(self, scope: dict[str, Any]) -> None:
        try:
            await self.options.app(scope, self.receive, self.send)
        except Disconnected:
            pass
        except Exception:
            log.exception("Exception in ASGI application")
            self._refuse(500)
        else:
            if self._state == _HANDSHAKE:
                log.error("ASGI callable returned without completing handshake.")
                self._refuse(500)
        finally:
            if self._state != _CLOSING:  # else the client's answer, or the timer, ends it
                self._leave(1006)
                self._transport.close()

    # The server's shutdown ----------------------------------------------------------------

    def going_away(self) -> None:
        """Tell the client the server is restarting (1012), as uvicorn does for its own."""
        if self._state == _OPEN:
            self._conn.send_close(1012)
            self._flush()
            self._leave(1012)
        elif self._state == _HANDSHAKE:
            self._refuse(500)
        self._transport.close()

    # Inside -----------------------------------------------------------------------------

    def _request(self, request: Request) -> None:
        conn, transport = self._conn, self._transport
        response = conn.accept(request)
        if response.status_code != 101:  # not a valid websocket handshake: websockets says why
            conn.send_response(response)
            self._flush()
            self._leave(1006)
            transport.close()
            return
        self._response = response
        path, _, query = request.path.partition("?")
        headers = request.headers
        subprotocols = [
            name.strip()
            for value in headers.get_all("Sec-WebSocket-Protocol")
            for name in value.split(",")
        ]
        peer = transport.get_extra_info("peername")
        here = transport.get_extra_info("sockname")
        scope = self._scope = {
            "type": "websocket",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "scheme": "wss" if transport.get_extra_info("sslcontext") else "ws",
            "server": tuple(here[:2]) if isinstance(here, tuple) else None,
            "client": tuple(peer[:2]) if isinstance(peer, tuple) else None,
            "root_path": "",
            "path": unquote(path),
            "raw_path": path.encode("ascii"),
            "query_string": query.encode("ascii"),
            "headers": [
                (name.lower().encode("latin-1"), value.encode("latin-1"))
                for name, value in headers.raw_items()
            ],
            "subprotocols": subprotocols,
            "extensions": {wire.EXTENSION: self},
        }
        # websockets' parser keeps the request for the connection's life: the scope has a copy.
        headers.clear()
        self._inbox.append({"type": "websocket.connect"})
        # A fresh context, as uvicorn gives each request: no ids leak in from elsewhere.
        task = asyncio.get_running_loop().create_task(self._run(scope), context=Context())
        tasks = self.options.tasks
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    def _accept(self, message: Message) -> None:
        response, self._response = self._response, None
        if self._state != _HANDSHAKE or response is None:
            if self._state == _ENDED:
                raise Disconnected("the client left during the handshake")
            raise RuntimeError("websocket.accept after the handshake")
        for name, value in message.get("headers", ()):
            response.headers[name.decode("latin-1")] = value.decode("latin-1")
        if subprotocol := message.get("subprotocol"):
            response.headers["Sec-WebSocket-Protocol"] = subprotocol
        self._conn.send_response(response)
        self._flush()
        self._state = _OPEN
        if log.isEnabledFor(logging.INFO):
            log.info('%s - "WebSocket %s" [accepted]', *self._where())
        self._keepalive()

    def _close(self, code: int, reason: str) -> None:
        if self._state == _HANDSHAKE:  # closed before accepting: refuse the handshake
            log.info('%s - "WebSocket %s" 403', *self._where())
            self._refuse(403)
            self._transport.close()
            return
        if self._state != _OPEN:
            return  # closing or gone already: nothing more to say
        self._conn.send_close(code, reason)
        self._flush()
        self._leave(code, reason, _CLOSING)
        self._stop_timer()
        self._timer = asyncio.get_running_loop().call_later(CLOSE_TIMEOUT, self._transport.close)
        if self._paused:  # read on: the client's close frame answers ours
            self._paused = False
            self._transport.resume_reading()

    def _refuse(self, status: int) -> None:
        """An HTTP answer instead of the handshake's 101, once, while the app has not accepted."""
        if self._state == _HANDSHAKE and self._response is not None:
            self._response = None
            self._conn.send_response(self._conn.reject(status, ""))
            self._flush()
        self._leave(1006)

    def _frame(self, frame: Frame) -> None:
        opcode = frame.opcode
        if opcode is Opcode.BINARY or opcode is Opcode.TEXT:
            if frame.fin:
                self._message(opcode, frame.data)
            else:
                self._fragments = [opcode, frame.data]
        elif opcode is Opcode.CONT:
            fragments = self._fragments
            assert fragments is not None  # websockets refuses a stray continuation
            fragments.append(frame.data)
            if frame.fin:
                self._fragments = None
                self._message(fragments[0], b"".join(fragments[1:]))
        elif opcode is Opcode.PONG:
            self._pong(bytes(frame.data))
        elif opcode is Opcode.CLOSE:
            self._closed_by_client()
        # PING: websockets has queued the pong; data_received writes it

    def _message(self, opcode: Opcode, data: Any) -> None:
        if self._state > _OPEN:
            return  # after our close frame: dropped, while we read on for the client's
        if opcode is Opcode.BINARY:
            self._deliver({"type": "websocket.receive", "bytes": bytes(data)})
            return
        try:
            text = bytes(data).decode()
        except UnicodeDecodeError:
            self._conn.fail(1007, "invalid UTF-8")
            self._flush()
            self._leave(1007, "invalid UTF-8")
            self._transport.close()
            return
        self._deliver({"type": "websocket.receive", "text": text})

    def _closed_by_client(self) -> None:
        if self._state == _CLOSING:  # the answer to our close: the closing handshake is done
            self._state = _ENDED
            self._stop_timer()
            self._transport.close()
            return
        close = self._conn.close_rcvd
        self._flush()  # websockets' answering close frame
        self._leave(close.code if close else 1005, close.reason if close else "")
        self._transport.close()

    def _deliver(self, message: Message, hold: bool = True) -> None:
        self._inbox.append(message)
        receiver, self._receiver = self._receiver, None
        if receiver is not None and not receiver.done():
            receiver.set_result(None)
        elif hold and not self._paused and self._state < _CLOSING:
            self._paused = True  # the app is busy: read no more until it asks
            self._transport.pause_reading()

    def _leave(self, code: int, reason: str = "", state: int = _ENDED) -> None:
        """Move to `state`; the first move out of the handshake or open tells the app why."""
        if self._state <= _OPEN:
            message = {"type": "websocket.disconnect", "code": code, "reason": reason}
            self._deliver(message, hold=False)
        if state > self._state:
            self._state = state
        if state == _ENDED:
            self._stop_timer()

    def _flush(self) -> bool:
        """Write what websockets has for the network; whether there was anything."""
        data = self._conn.data_to_send()
        out = b"".join(data) if data else b""  # its end-of-stream marker is b"": we close
        if out:
            self._transport.write(out)
        return bool(out)

    def _where(self) -> tuple[str, str]:
        """Client address and path with query, as uvicorn's own lines name a websocket."""
        scope = self._scope or {}
        client = scope.get("client")
        query = scope.get("query_string", b"")
        path = scope.get("raw_path", b"").decode("latin-1")
        where = f"{path}?{query.decode('latin-1')}" if query else path
        return (f"{client[0]}:{client[1]}" if client else "", where)

    # Keepalive: a client that stops answering pings is gone (a phone that lost signal) --

    def _keepalive(self) -> None:
        interval = self.options.ping_interval
        if interval:
            self._timer = asyncio.get_running_loop().call_later(interval, self._send_ping)

    def _send_ping(self) -> None:
        self._timer = None
        if self._state != _OPEN or self._transport.is_closing():
            return
        self._ping = random.randbytes(4)  # tells its pong from stale or unsolicited ones
        self._conn.send_ping(self._ping)
        self._flush()
        timeout = self.options.ping_timeout
        loop = asyncio.get_running_loop()
        if timeout:
            self._timer = loop.call_later(timeout, self._ping_timed_out)
        else:
            self._ping = None
            self._keepalive()

    def _pong(self, data: bytes) -> None:
        if self._ping is None or data != self._ping:
            return
        self._ping = None
        self._stop_timer()
        self._keepalive()

    def _ping_timed_out(self) -> None:
        self._timer = None
        self._ping = None
        if self._state != _OPEN:
            return
        self._conn.fail(1011, "keepalive ping timeout")
        self._flush()
        self._leave(1006)
        self._transport.close()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._ping = None


async def close_all(options: Options, grace: float) -> None:
    """Close every websocket of a server going away (1012), and give their apps `grace`
    seconds to finish (a leave is recorded, a room saved); then cancel what is left."""
    for socket in list(options.sockets):
        socket.going_away()
    if options.tasks:
        _, pending = await asyncio.wait(set(options.tasks), timeout=grace)
        for task in pending:
            task.cancel()
