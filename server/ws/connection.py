"""One participant's websocket: a receive loop, and a bounded way out.

The room calls `send` and `close`, which never block: a client that falls too far behind is
closed as too slow (it resyncs when it reconnects) instead of stalling everyone else. Under
`safetymap serve` frames go straight to the socket (wire.py, asgi_socket.py), bounded by the
bytes waiting there; under another ASGI server, through a bounded queue and a sender task.

A server holds thousands of these, so each keeps only what it uses: no queue when it writes
directly, and `close` cancels the receive loop instead of waking an Event watched by a task.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from server import metrics
from server.live.room import Room
from server.live.rooms import Rooms
from server.ratelimit import Bucket, Limiter, Rate
from server.store import Participant
from server.sync.closes import (
    INTERNAL_ERROR,
    MALFORMED,
    MESSAGE_TOO_BIG,
    TOO_MANY_MESSAGES,
    TOO_SLOW,
    Close,
)
from server.ws import wire
from server.ws.wire import Direct

log = logging.getLogger(__name__)

# Long enough for a slow-but-alive client to read what is buffered before the close frame.
_CLOSE_TIMEOUT = 30.0


class Connection:
    __slots__ = (
        "_budget", "_budget_key", "_bytes", "_direct", "_limit", "_max_frame", "_queue",
        "_send_buffer", "_tasks", "_ws", "client_code", "close_code", "close_reason",
        "identity", "link_id", "participant", "role",
    )  # fmt: skip

    def __init__(
        self,
        ws: WebSocket,
        participant: Participant,
        *,
        queue_frames: int,
        max_frame: int,
        message_limit: Rate | None = None,
        send_buffer: int = 8 * 2**20,
        byte_limit: Rate | None = None,
        participant_bytes: Limiter | None = None,
    ):
        self.participant = participant
        self.role = participant.role
        self.link_id = participant.link_id
        self.identity: dict[str, Any] = participant.identity()
        self._ws = ws
        # Under `safetymap serve` (asgi_socket.py): framed messages straight to the socket.
        self._direct: Direct | None = ws.scope.get("extensions", {}).get(wire.EXTENSION)
        # Otherwise through this queue, which `_pump` empties into the websocket.
        self._queue: asyncio.Queue[bytes] | None = (
            asyncio.Queue(queue_frames) if self._direct is None else None
        )
        self._send_buffer = send_buffer
        self._max_frame = max_frame
        self._limit = Bucket(message_limit) if message_limit and not message_limit.off else None
        # Bytes of incoming frames: what one connection may make every process hold and relay.
        self._bytes = Bucket(byte_limit) if byte_limit and not byte_limit.off else None
        # ... and of all the connections of its participant together (see `_receive`).
        on = participant_bytes is not None and not participant_bytes.rate.off
        self._budget = participant_bytes if on else None
        self._budget_key = f"participant:{participant.id}"
        self._tasks: tuple[asyncio.Task[None], ...] = ()  # the receive loop (and the pump)
        self.close_code: int | None = None  # set once: the connection is closing
        self.close_reason = ""
        self.client_code: int | None = None  # the code the client closed with, if it did

    # Called by the room -------------------------------------------------------------------

    def send(self, frame: bytes) -> None:
        if self.close_code is not None:
            return
        direct = self._direct
        if direct is not None:
            if not direct.open():
                return  # going away: the receive loop is about to see it
            if direct.buffered() > self._send_buffer:
                self._too_slow()
                return
            direct.write(wire.frame(frame))
            metrics.FRAMES_SENT.inc()
            return
        assert self._queue is not None
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._too_slow()

    def _too_slow(self) -> None:
        metrics.TOO_SLOW.inc()
        self.close(TOO_SLOW, "too slow: fell too far behind the meeting; reconnect to resync")

    def close(self, code: int, reason: str) -> None:
        if self.close_code is None:
            self.close_code, self.close_reason = code, reason
            # `run` sees its tasks end and closes the websocket with this code. (Called from
            # the receive loop itself, the cancellation lands at its next wait.)
            for task in self._tasks:
                task.cancel()

    # The connection's life ----------------------------------------------------------------

    async def run(self, rooms: Rooms, room: Room) -> None:
        """Serve until the client leaves or is closed; always leaves the room tidily."""
        if self.close_code is None:  # not already closed while joining the room
            tasks = [asyncio.create_task(self._receive(room))]
            if self._queue is not None:
                tasks.append(asyncio.create_task(self._pump(self._queue)))
            self._tasks = tuple(tasks)
        metrics.CONNECTIONS.inc()
        try:
            if self._tasks:
                done, _ = await asyncio.wait(self._tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    if not task.cancelled():  # cancelled: by `close`
                        self._outcome(task.exception())
        finally:
            metrics.CONNECTIONS.dec()
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            # A finished task keeps its exception, whose traceback keeps the frames that raised
            # it and all they held (a frame's presence entries, held updates) in a cycle with
            # this connection: only a rare full collection would free them. Break it now.
            self._tasks = ()
            rooms.leave(room, self)
        if self.close_code is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self._ws.close(self.close_code, self.close_reason), _CLOSE_TIMEOUT
                )

    def _outcome(self, exc: BaseException | None) -> None:
        if exc is None or isinstance(exc, WebSocketDisconnect | OSError):
            return
        if isinstance(exc, Close):
            metrics.refused(exc.code)
            self.close(exc.code, exc.reason)
            return
        log.error("connection failed (%s)", type(exc).__name__)
        self.close(INTERNAL_ERROR, "internal error")

    async def _pump(self, queue: asyncio.Queue[bytes]) -> None:
        while True:
            frame = await queue.get()
            await self._ws.send_bytes(frame)
            metrics.FRAMES_SENT.inc()

    async def _receive(self, room: Room) -> None:
        while True:
            # A participant's connections share a budget of bytes: in debt, their next frame
            # is read only once it is paid, a new connection's first one too. Unread, the
            # socket pushes back on the sender (the server reads on only when asked): nothing
            # piles up here, opening more connections gains nothing, and nobody else on the
            # link (the other parent on the family link) pays for it. (Held long enough, the
            # keepalive's unread pong closes the connection: only a sender far over budget.)
            if self._budget is not None and (wait := self._budget.owed(self._budget_key)):
                metrics.BYTE_WAITS.inc()
                await asyncio.sleep(wait)
            message = await self._ws.receive()
            if message["type"] == "websocket.disconnect":
                self.client_code = message.get("code", 1005)
                return
            metrics.FRAMES_RECEIVED.inc()
            frame = message.get("bytes")
            if frame is None:
                raise Close(MALFORMED, "malformed frame: text frames are not part of the protocol")
            if len(frame) > self._max_frame:
                raise Close(MESSAGE_TOO_BIG, "frame larger than the server accepts")
            if self._limit is not None and not self._limit.allow():
                raise Close(TOO_MANY_MESSAGES, "too many messages: slow down and reconnect")
            if self._bytes is not None and not self._bytes.allow(len(frame)):
                raise Close(TOO_MANY_MESSAGES, "too much data: slow down and reconnect")
            if self._budget is not None:
                self._budget.spend(self._budget_key, len(frame))  # refused frames too
            if not room.ready.is_set():
                await room.ready.wait()
            room.handle(self, frame)
