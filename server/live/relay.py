"""Relaying between server processes through one Redis stream (when SAFETYMAP_REDIS_URL is set).

The database is the source of truth: an update is published only after it is durable in the
shared log, so Redis carries nothing that could not be rebuilt. Every process appends what its
own clients changed to one stream (`XADD`, trimmed to about `maxlen` entries) and reads the
stream from the last id it saw (`XREAD`), skipping its own entries. What one commit made
durable in a room goes as one merged update, or as few as fit `max_entry` (broadcast.py); a
room's updates and presence are published only while another process holds the room too
(sharing.py decides).

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

Bounded in time, as card text in Redis is card text kept outside the database: entries older
than `retention` seconds (SAFETYMAP_REDIS_RETENTION) are trimmed (`XTRIM MINID`, by Redis's
clock) every few seconds, whether or not anyone publishes. When a meeting is deleted (the
"deleted" action), its updates and presence are removed from the stream (`XDEL`), again for a
little while after (for what other processes sent before they heard), and dropped from every
process's outbox and memory; the action itself, which holds no content, stays until trimmed.

The stream's entries are relay_message.py's; reaching Redis (a password, TLS), relay_stream.py's.

One deployment: every message carries this deployment's identity (deployment.py) and a
process ignores, counts and logs once any message with another, so a restored copy pointed
at the production Redis exchanges nothing with production. One stream is shared rather than
one per deployment so that such a mistake shows (`safetymap_relay_foreign_messages`, the
log) instead of passing unnoticed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from redis.exceptions import RedisError

from server.live.relay_message import Kind, Message, decode, encode
from server.live.relay_stream import STREAM, client, refused, scrub
from server.settings import SettingsError
from server.sync import crdt

__all__ = ["STREAM", "Kind", "Message", "Relay", "decode", "encode"]  # the entries' too

log = logging.getLogger(__name__)

_READ_BATCH = 1000
_PUBLISH_BATCH = 500
_MAX_OUTBOX = 100_000  # messages waiting to be published
_MAX_OUTBOX_BYTES = 8 * 2**20
_MAX_ENTRY = 4096  # bytes of an update or presence payload put on the stream
_MAXLEN = 20_000  # entries the stream keeps: at most about 80 MiB of relay in Redis
_RECENT = 10_000  # messages read that are kept for rooms that are loading
_RECENT_BYTES = 4 * 2**20
_RECENT_SECONDS = 60.0  # a room loads in well under this
_BACKOFF = (0.1, 0.25, 0.5, 1.0, 2.0)
_RETENTION = 300.0  # seconds an entry stays on the stream (SAFETYMAP_REDIS_RETENTION)
_TIDY_EVERY = 5.0  # seconds between trims (at most; less for a short retention)
_SCRUB_FOR = 30.0  # seconds a deleted meeting's entries are looked for again


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
        deployment: str = "",
        retention: float = _RETENTION,
    ) -> None:
        if retention <= 0:
            raise SettingsError("SAFETYMAP_REDIS_RETENTION must be more than 0 seconds")
        self.origin = uuid.uuid4().hex
        self.deployment = deployment
        # The URL as given (a password, `rediss://` and its `ssl_*` options included); it is
        # never logged, as it may hold the password.
        self._redis = client(url)
        self._retention = retention
        self._scrubbing: dict[str, tuple[float, bytes]] = {}  # deleted: (until, read up to)
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
        self._tidy_now = asyncio.Event()
        self._told_refusal = False
        self.connected = False
        # For metrics.py (read at each scrape) and tests:
        self.outages = 0  # times the reader lost Redis and resynced
        self.reconnects = 0  # times it found Redis again after losing it
        self.publish_failures = 0  # batches that could not be published (sent again)
        self.foreign = 0  # messages from another deployment, ignored
        self.on_lag: Callable[[float], None] | None = None

    @property
    def waiting(self) -> int:
        """Messages in the outbox (it grows while Redis is away)."""
        return len(self._outbox)

    async def start(self, deliver: Deliver, resync: Resync) -> None:
        """Start relaying. SettingsError if Redis refuses us (a wrong password, an ACL that
        does not allow the stream, a certificate that does not verify): that never mends by
        itself. A Redis that cannot be reached is waited for, then resynced from."""
        try:
            self._last_id = await self._tail()
        except (RedisError, OSError) as exc:
            refusal = refused(exc)
            if refusal:
                await self._redis.aclose()
                raise SettingsError(refusal) from None
            log.warning("relay: Redis not reachable at start (%s); will retry", type(exc).__name__)
        self._tasks = [
            asyncio.create_task(self._read(deliver, resync), name="relay-read"),
            asyncio.create_task(self._publish(), name="relay-publish"),
            asyncio.create_task(self._tidy(), name="relay-tidy"),
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
        message = Message(
            kind, self.origin, meeting_id, layer, payload, time.time(), self.deployment
        )
        if message.is_deletion:
            self.forget(meeting_id, scrub=True)
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

    def publish_updates(self, meeting_id: str, layer: str, updates: list[bytes]) -> None:
        """Queue one room's durable updates: merged into as few messages as carry them whole."""
        for update in crdt.packed(updates, self._max_entry):
            self.publish(Kind.UPDATE, meeting_id, layer, update)

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
                    self.publish_failures += 1
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
                if not self.connected and self.outages:
                    self.reconnects += 1
                self.connected, failures, self._told_refusal = True, 0, False
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
                elif not self._told_refusal and (refusal := refused(exc)):
                    self._told_refusal = True  # Redis came up refusing us: say why, once
                    log.error("relay: %s", refusal)
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
        if message.deployment != self.deployment:
            self.foreign += 1
            if self.foreign == 1:  # once: the metric counts them all; never their content
                log.warning(
                    "relay: ignoring messages from another deployment on this Redis (a copy "
                    "of this database, or another installation?): give each its own Redis "
                    "or Redis database number"
                )
            return
        if message.is_deletion:
            self.forget(message.meeting_id)
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

    # Keeping Redis clean: trimmed by age, and nothing of a deleted meeting ----------------

    def forget(self, meeting_id: str, *, scrub: bool = False) -> None:
        """The meeting is deleted: drop its updates and presence from the outbox and from what
        was read; with `scrub` (the deleting process), remove them from the stream, now and
        for `_SCRUB_FOR` seconds (what others published before they heard)."""
        if any(m.meeting_id == meeting_id and m.kind is not Kind.CONTROL for m in self._outbox):
            kept = deque(
                m for m in self._outbox if m.meeting_id != meeting_id or m.kind is Kind.CONTROL
            )
            self._outbox = kept
            self._outbox_bytes = sum(m.cost for m in kept)
            self._droppable = sum(m.kind is not Kind.CONTROL for m in kept)
        recent = deque(item for item in self._recent if item[2].meeting_id != meeting_id)
        if len(recent) != len(self._recent):
            self._recent = recent
            self._recent_bytes = sum(item[2].cost for item in recent)
        if scrub:
            self._scrubbing[meeting_id] = (time.monotonic() + _SCRUB_FOR, b"-")
            self._tidy_now.set()

    async def _tidy(self) -> None:
        every = min(_TIDY_EVERY, self._retention / 2)
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._tidy_now.wait(), every)
            self._tidy_now.clear()
            try:
                await self._trim()
                await self._scrub()
            except (RedisError, OSError) as exc:  # the reader reports outages
                log.debug("relay tidy failed (%s)", type(exc).__name__)

    async def _trim(self) -> None:
        """Drop entries older than the retention, by Redis's clock (ours may differ)."""
        clock: Any = await self._redis.time()  # (seconds, microseconds)
        cutoff = int((clock[0] + clock[1] / 1e6 - self._retention) * 1000)
        await self._redis.xtrim(STREAM, minid=f"{max(cutoff, 0)}-0", approximate=False)

    async def _scrub(self) -> None:
        for meeting_id, (until, start) in list(self._scrubbing.items()):
            end = await scrub(self._redis, self.deployment, meeting_id, start)
            if time.monotonic() > until:
                del self._scrubbing[meeting_id]
            elif meeting_id in self._scrubbing:
                self._scrubbing[meeting_id] = (until, end)

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
