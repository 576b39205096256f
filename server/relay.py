"""Relaying between server processes through one Redis stream (when SAFETYMAP_REDIS_URL is set).

The database is the source of truth: an update is published only after it is durable in the
shared log, so Redis carries nothing that could not be rebuilt. Every process appends what its
own clients changed to one stream (`XADD`, trimmed to about `maxlen` entries) and reads the
stream from the last id it saw (`XREAD`), skipping its own entries.

Why a stream, and one for all meetings: a stream is read from a position, so a process whose
connection drops for a few seconds carries on from the last id it saw instead of losing what
was said meanwhile (Pub/Sub would drop it); one stream keeps every process's reads in one
blocking call and keeps the causal order of updates across processes. Whatever a stream cannot
give back (Redis restarted, the stream trimmed past our position, a publisher that could not
reach Redis) is taken from the database: after any outage the process reloads every loaded
room's log, and CRDT updates are idempotent, so replaying what was already there is harmless.

Bounded in bytes, so that no client can make every process and Redis hold what it sends:
an update larger than `max_entry` travels as a marker (an update with no payload: "reload this
room from the log", where it already is), presence that large is not shared; the stream keeps
about `maxlen` entries, so Redis holds at most `maxlen` x `max_entry` of relay. The outbox
(while Redis is away) drops updates and presence past its budget, never a meeting-wide action,
and asks the others to resync; what was read is kept for rooms that are loading, within a
budget and for a minute.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

STREAM = "safetymap:relay"
_READ_BATCH = 1000
_PUBLISH_BATCH = 500
_MAX_OUTBOX = 100_000  # messages waiting to be published
_MAX_OUTBOX_BYTES = 8 * 2**20
_MAX_ENTRY = 4096  # bytes of an update or presence payload put on the stream
_MAXLEN = 20_000  # entries the stream keeps: at most about 80 MiB of relay in Redis
_RECENT = 10_000  # messages read that are kept for rooms that are loading
_RECENT_BYTES = 4 * 2**20
_RECENT_SECONDS = 60.0  # a room loads in well under this
_MESSAGE_COST = 200  # what a message costs besides its payload (the object, its ids)
_BACKOFF = (0.1, 0.25, 0.5, 1.0, 2.0)


class Kind(StrEnum):
    # A durable document update: payload = Yjs update. An empty payload is a marker: the update
    # was too large to relay, so read the room from the log (a process of an older version
    # does the same, as it cannot apply an empty update).
    UPDATE = "u"
    AWARENESS = "a"  # presence: payload = y-protocols awareness update, server-stamped
    CONTROL = "c"  # a meeting-wide action (ended, locked, links revoked): payload = JSON
    RESYNC = "r"  # "I could not publish for a while: reload your rooms from the database"


@dataclass(frozen=True, slots=True)
class Message:
    kind: Kind
    origin: str  # the publishing process
    meeting_id: str = ""
    layer: str = ""
    payload: bytes = b""
    sent_at: float = 0.0  # wall clock at publish, for the relay-lag metric

    def control(self) -> dict[str, Any]:
        value = json.loads(self.payload)
        if not isinstance(value, dict):
            raise ValueError("control payload is not an object")
        return value

    @property
    def cost(self) -> int:
        """Roughly the bytes this message holds while it is queued or remembered."""
        return len(self.payload) + _MESSAGE_COST

    def is_marker(self, meeting_id: str, layer: str) -> bool:
        """Is this the "reload that room from the log" marker of this room?"""
        return (
            self.kind is Kind.UPDATE
            and not self.payload
            and self.meeting_id == meeting_id
            and self.layer == layer
        )


def encode(message: Message) -> dict[str, bytes | str]:
    return {
        "k": message.kind.value,
        "o": message.origin,
        "m": message.meeting_id,
        "l": message.layer,
        "d": message.payload,
        "t": repr(message.sent_at),
    }


def decode(fields: dict[bytes, bytes]) -> Message:
    """A stream entry as a message; ValueError if it is not one of ours."""
    try:
        return Message(
            Kind(fields[b"k"].decode()),
            fields[b"o"].decode(),
            fields[b"m"].decode(),
            fields[b"l"].decode(),
            bytes(fields[b"d"]),
            float(fields[b"t"]),
        )
    except (KeyError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a relay entry ({type(exc).__name__})") from None


Deliver = Callable[[Message], None]
Resync = Callable[[], Awaitable[None]]


class Relay:
    """This process's end of the stream: an outbox, a reader, and what it has recently read."""

    def __init__(
        self,
        url: str,
        *,
        maxlen: int = _MAXLEN,
        recent: int = _RECENT,
        max_entry: int = _MAX_ENTRY,
        outbox_bytes: int = _MAX_OUTBOX_BYTES,
        recent_bytes: int = _RECENT_BYTES,
    ) -> None:
        self.origin = uuid.uuid4().hex
        self._redis = aioredis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=10, health_check_interval=15
        )
        self._maxlen = maxlen
        self._max_entry = max_entry
        self._outbox: deque[Message] = deque()
        self._outbox_budget = outbox_bytes
        self._outbox_bytes = 0  # the cost of what is in the outbox
        self._droppable = 0  # messages in the outbox that are not meeting-wide actions
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()  # set while the outbox is empty
        self._idle.set()
        self._lost = False  # the outbox overflowed or publishing failed: ask for a resync
        self._last_id: bytes | None = None
        self._received = 0  # entries read from others (positions for `mark`/`since`)
        # (position, when read, message), oldest first; within `recent` messages, `recent_bytes`
        # and `_RECENT_SECONDS`.
        self._recent: deque[tuple[int, float, Message]] = deque()
        self._recent_count = recent
        self._recent_budget = recent_bytes
        self._recent_bytes = 0
        self._tasks: list[asyncio.Task[None]] = []
        self.connected = False
        self.outages = 0  # times the reader lost Redis and resynced (for tests and metrics)
        self.on_lag: Callable[[float], None] | None = None

    async def start(self, deliver: Deliver, resync: Resync) -> None:
        with contextlib.suppress(RedisError, OSError):
            self._last_id = await self._tail()
        self._tasks = [
            asyncio.create_task(self._read(deliver, resync), name="relay-read"),
            asyncio.create_task(self._publish(), name="relay-publish"),
        ]

    async def stop(self) -> None:
        """Publish what is queued (briefly), then stop."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), 2.0)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._redis.aclose()

    async def ping(self) -> bool:
        # Twice: after Redis restarts, the first try may only find a dead pooled connection.
        for _ in range(2):
            try:
                return bool(await self._redis.ping())
            except (RedisError, OSError):
                continue
        return False

    # Publishing ---------------------------------------------------------------------------

    def publish(
        self, kind: Kind, meeting_id: str = "", layer: str = "", payload: bytes = b""
    ) -> None:
        """Queue a message for the other processes; never blocks, never raises."""
        if kind is not Kind.CONTROL and len(payload) > self._max_entry:
            if kind is not Kind.UPDATE:
                return  # presence this large is not shared; its client renews it anyway
            # Too large to carry: the others read it from the log, where it already is.
            payload = b""
            if self._outbox and self._outbox[-1].is_marker(meeting_id, layer):
                return  # that room's marker is still waiting: one reload covers both
        message = Message(kind, self.origin, meeting_id, layer, payload, time.time())
        self._outbox.append(message)
        self._outbox_bytes += message.cost
        if kind is not Kind.CONTROL:
            self._droppable += 1
        if self._droppable and (
            len(self._outbox) > _MAX_OUTBOX or self._outbox_bytes > self._outbox_budget
        ):
            self._shed()
        self._idle.clear()
        self._wake.set()

    def _shed(self) -> None:
        """The outbox is over its budget (Redis has been away a while): drop every update and
        presence message waiting, never a meeting-wide action. The database has every update;
        the others reload from it once publishing works again (RESYNC)."""
        self._outbox = deque(m for m in self._outbox if m.kind is Kind.CONTROL)
        self._outbox_bytes = sum(message.cost for message in self._outbox)
        self._droppable = 0
        self._lost = True

    def _take_batch(self) -> list[Message]:
        """The next messages to publish, out of the outbox (so `_shed` cannot touch them)."""
        batch = [self._outbox.popleft() for _ in range(min(len(self._outbox), _PUBLISH_BATCH))]
        for message in batch:
            self._outbox_bytes -= message.cost
            if message.kind is not Kind.CONTROL:
                self._droppable -= 1
        return batch

    def _put_back(self, batch: list[Message]) -> None:
        """A batch that could not be published goes back to the front, budget and all."""
        self._outbox.extendleft(reversed(batch))
        for message in batch:
            self._outbox_bytes += message.cost
            if message.kind is not Kind.CONTROL:
                self._droppable += 1
        if self._droppable and self._outbox_bytes > self._outbox_budget:
            self._shed()

    async def _publish(self) -> None:
        failures = 0
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._outbox:
                batch = self._take_batch()
                try:
                    async with self._redis.pipeline(transaction=False) as pipe:
                        for message in batch:
                            pipe.xadd(STREAM, encode(message), maxlen=self._maxlen)  # type: ignore[arg-type]
                        await pipe.execute()
                except (RedisError, OSError) as exc:
                    # Sent again: a repeat is harmless to a CRDT.
                    self._put_back(batch)
                    self._lost = True
                    log.warning("relay publish failed (%s); retrying", type(exc).__name__)
                    await asyncio.sleep(_BACKOFF[min(failures, len(_BACKOFF) - 1)])
                    failures += 1
                    continue
                failures = 0
                if self._lost:
                    self._lost = False
                    self.publish(Kind.RESYNC)
            self._idle.set()

    # Reading ------------------------------------------------------------------------------

    async def _tail(self) -> bytes:
        """The id of the stream's newest entry (reading starts after it)."""
        newest: Any = await self._redis.xrevrange(STREAM, count=1)
        return bytes(newest[0][0]) if newest else b"0-0"

    async def _read(self, deliver: Deliver, resync: Resync) -> None:
        failures = 0
        behind = self._last_id is None  # Redis was down at start: resync once it is up
        while True:
            try:
                if self._last_id is None:
                    self._last_id = await self._tail()
                if behind:
                    await self._check_reachable()
                    behind = False
                    await resync()
                reply: Any = await self._redis.xread(
                    {STREAM: self._last_id}, count=_READ_BATCH, block=1000
                )
                self.connected, failures = True, 0
                self._forget_old()
                for _stream, entries in reply or ():
                    if len(entries) == _READ_BATCH and await self._trimmed_after(self._last_id):
                        behind = True  # we fell so far behind that the stream forgot some
                    for entry_id, fields in entries:
                        self._last_id = bytes(entry_id)
                        self._take(fields, deliver)
            except (RedisError, OSError) as exc:
                if self.connected:
                    log.warning("relay lost Redis (%s); will resync", type(exc).__name__)
                    self.outages += 1
                self.connected, behind = False, True
                await asyncio.sleep(_BACKOFF[min(failures, len(_BACKOFF) - 1)])
                failures += 1

    async def _check_reachable(self) -> None:
        await self._redis.ping()

    async def _trimmed_after(self, position: bytes) -> bool:
        """May the stream have dropped entries after `position`? (Asked only when we lag.)

        A stream is trimmed from its oldest end: while our last entry is still there,
        nothing after it can be gone.
        """
        if position == b"0-0":
            return False
        return not await self._redis.xrange(STREAM, position, position)

    def _take(self, fields: dict[bytes, bytes], deliver: Deliver) -> None:
        try:
            message = decode(fields)
        except ValueError as exc:
            log.warning("skipped a relay entry: %s", exc)
            return
        if message.origin == self.origin:
            return
        if message.kind is not Kind.CONTROL and len(message.payload) > self._max_entry:
            # From a process that does not bound what it publishes: keep none of it.
            if message.kind is not Kind.UPDATE:
                return
            message = replace(message, payload=b"")  # the room reloads from the log
        if self.on_lag is not None and message.sent_at:
            self.on_lag(max(0.0, time.time() - message.sent_at))
        self._received += 1
        self._remember(message)
        try:
            deliver(message)
        except Exception as exc:  # one bad message must not stop the relay
            log.error("relay delivery failed (%s)", type(exc).__name__)

    # Positions, for rooms that load while messages keep arriving ---------------------------

    def _remember(self, message: Message) -> None:
        self._recent.append((self._received, time.monotonic(), message))
        self._recent_bytes += message.cost
        while self._recent and (
            len(self._recent) > self._recent_count or self._recent_bytes > self._recent_budget
        ):
            self._recent_bytes -= self._recent.popleft()[2].cost

    def _forget_old(self) -> None:
        """Forget what was read over a minute ago (called at least every second while the
        reader runs): once everyone has left, nothing stays."""
        stale = time.monotonic() - _RECENT_SECONDS
        while self._recent and self._recent[0][1] < stale:
            self._recent_bytes -= self._recent.popleft()[2].cost

    def mark(self) -> int:
        return self._received

    def since(self, mark: int) -> list[Message] | None:
        """What was read after `mark`, or None if some of it has been forgotten already."""
        if self._received == mark:
            return []
        if not self._recent or self._recent[0][0] > mark + 1:
            return None
        return [message for n, _, message in self._recent if n > mark]
