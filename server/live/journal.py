"""The write path of the update log: every accepted update is durable before it is relayed.

One task owns all appends of the process (datasette's single-writer idea): updates that
arrive while a commit is in flight ride together in the next one, so the cost of a commit
is shared by everyone who edited meanwhile. A failed commit is retried, with its updates
still held back from relay, until it succeeds; nothing is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from server import metrics
from server.store import EditRefused, LogEntry, MeetingClosed, Refusal, Refusals
from server.sync import crdt

log = logging.getLogger(__name__)

# Returns the entries it refused, and why (store/refusals.py); everything else is committed.
Writer = Callable[[Sequence[LogEntry]], Awaitable[Refusals]]
# An update waiting for its commit: the loop time it was appended at feeds the histogram.
Pending = tuple[LogEntry, asyncio.Future[None], float]

_MAX_BATCH = 2000
_RETRY_DELAYS = (0.05, 0.2, 1.0, 2.0, 5.0)


class Journal:
    def __init__(self, write: Writer) -> None:
        self._write = write
        self._pending: list[Pending] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.failures = 0  # commits that failed and were retried (for health checks)
        # Called with False when commits start failing, and with True once one succeeds again.
        self.on_health: Callable[[bool], None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="journal")

    async def stop(self) -> None:
        """Flush what is pending, then stop."""
        await self.flush()
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    def append(self, entry: LogEntry) -> asyncio.Future[None]:
        """Queue one update; the future resolves once it is committed."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._pending.append((entry, future, loop.time()))
        if entry.data != crdt.EMPTY_UPDATE:  # a clientID binding alone is no document update
            metrics.ACCEPTED.inc()
        self._wake.set()
        return future

    async def flush(self) -> None:
        if self._pending:
            await asyncio.shield(self._pending[-1][1])

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = self._pending[:_MAX_BATCH]
                del self._pending[: len(batch)]
                await self._commit(batch)

    async def _commit(self, batch: list[Pending]) -> None:
        attempt = 0
        while True:
            try:
                refused = await self._write([entry for entry, _, _ in batch])
                if attempt and self.on_health is not None:
                    self.on_health(True)
                break
            except Exception as exc:
                # Never log the update itself: it is card text about a child.
                self.failures += 1
                metrics.COMMIT_FAILURES.inc()
                delay = _RETRY_DELAYS[min(attempt, len(_RETRY_DELAYS) - 1)]
                log.error(
                    "update log append failed (%s updates, %s); retrying in %ss",
                    len(batch),
                    type(exc).__name__,
                    delay,
                )
                if not attempt and self.on_health is not None:
                    self.on_health(False)
                attempt += 1
                await asyncio.sleep(delay)
        committed = asyncio.get_running_loop().time()
        for i, (entry, future, appended) in enumerate(batch):
            metrics.APPEND_SECONDS.observe(committed - appended)
            if future.done():
                continue
            why = refused.get(i)
            if why is None:
                future.set_result(None)
            elif why is Refusal.ENDED:
                future.set_exception(MeetingClosed(entry.meeting_id))
            else:
                future.set_exception(EditRefused(why))
