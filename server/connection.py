"""One participant's websocket: a bounded outgoing queue, a sender, and a receive loop.

The room calls `send` and `close`, which never block: a client whose queue is full is closed
as too slow (it resyncs when it reconnects) instead of stalling everyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from starlette.websockets import WebSocket, WebSocketDisconnect

from . import metrics, wire
from .closes import (
    INTERNAL_ERROR,
    MALFORMED,
    MESSAGE_TOO_BIG,
    TOO_MANY_MESSAGES,
    TOO_SLOW,
    Close,
)
from .ratelimit import Bucket, Rate
from .room import Room
from .rooms import Rooms
from .store import Participant
from .wire import Direct

log = logging.getLogger(__name__)

# Long enough for a slow-but-alive client to read what is buffered before the close frame.
_CLOSE_TIMEOUT = 30.0


class Connection:
    def __init__(
        self,
        ws: WebSocket,
        participant: Participant,
        *,
        queue_frames: int,
        max_frame: int,
        message_limit: Rate | None = None,
        send_buffer: int = 8 * 2**20,
    ):
        self.participant = participant
        self.role = participant.role
        self.link_id = participant.link_id
        self.identity: dict[str, Any] = participant.identity()
        self._ws = ws
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(queue_frames)
        # Under uvicorn with wire.Protocol: write framed messages straight to the socket.
        self._direct: Direct | None = ws.scope.get("extensions", {}).get(wire.EXTENSION)
        self._send_buffer = send_buffer
        self._max_frame = max_frame
        self._limit = Bucket(message_limit) if message_limit and not message_limit.off else None
        self._closing = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason = ""

    # Called by the room -------------------------------------------------------------------

    def send(self, frame: bytes) -> None:
        if self._closing.is_set():
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
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            self._too_slow()

    def _too_slow(self) -> None:
        metrics.TOO_SLOW.inc()
        self.close(TOO_SLOW, "too slow: fell too far behind the meeting; reconnect to resync")

    def close(self, code: int, reason: str) -> None:
        if not self._closing.is_set():
            self.close_code, self.close_reason = code, reason
            self._closing.set()

    # The connection's life ----------------------------------------------------------------

    async def run(self, rooms: Rooms, room: Room) -> None:
        """Serve until the client leaves or is closed; always leaves the room tidily."""
        receive = asyncio.create_task(self._receive(room))
        closing = asyncio.create_task(self._closing.wait())
        tasks = {receive, closing}
        if self._direct is None:
            tasks.add(asyncio.create_task(self._pump()))
        metrics.CONNECTIONS.inc()
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not closing and not task.cancelled():
                    self._outcome(task.exception())
        finally:
            metrics.CONNECTIONS.dec()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
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

    async def _pump(self) -> None:
        while True:
            frame = await self._queue.get()
            await self._ws.send_bytes(frame)
            metrics.FRAMES_SENT.inc()

    async def _receive(self, room: Room) -> None:
        while True:
            message = await self._ws.receive()
            if message["type"] == "websocket.disconnect":
                return
            metrics.FRAMES_RECEIVED.inc()
            frame = message.get("bytes")
            if frame is None:
                raise Close(MALFORMED, "malformed frame: text frames are not part of the protocol")
            if len(frame) > self._max_frame:
                raise Close(MESSAGE_TOO_BIG, "frame larger than the server accepts")
            if self._limit is not None and not self._limit.allow():
                raise Close(TOO_MANY_MESSAGES, "too many messages: slow down and reconnect")
            if not room.ready.is_set():
                await room.ready.wait()
            room.handle(self, frame)
