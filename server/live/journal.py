"""The write path of the update log: every accepted update is durable before it is relayed.

Updates that arrive while a commit is in flight ride together in the next one (batcher.py),
so the cost of a commit is shared by everyone who edited meanwhile. A failed commit is
retried, with its updates still held back from relay, until it succeeds; nothing is dropped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence

from server import metrics
from server.live.batcher import Batcher, Pending
from server.store import EditRefused, LogEntry, MeetingClosed, Refusal, Refusals
from server.sync import crdt

log = logging.getLogger(__name__)

# Returns the entries it refused, and why (store/refusals.py); everything else is committed.
Writer = Callable[[Sequence[LogEntry]], Awaitable[Refusals]]
# An update, and the loop time it was appended at (for the histogram).
Appended = tuple[LogEntry, float]

_MAX_BATCH = 2000
_RETRY_DELAYS = (0.05, 0.2, 1.0, 2.0, 5.0)


class Journal:
    def __init__(self, write: Writer) -> None:
        self._write = write
        self._batcher: Batcher[Appended] = Batcher(
            self._commit, max_batch=_MAX_BATCH, name="journal"
        )
        self.failures = 0  # commits that failed and were retried (for health checks)
        # Called with False when commits start failing, and with True once one succeeds again.
        self.on_health: Callable[[bool], None] | None = None

    def start(self) -> None:
        self._batcher.start()

    async def stop(self) -> None:
        """Commit what is pending, then stop."""
        await self._batcher.stop()

    def append(self, entry: LogEntry) -> asyncio.Future[None]:
        """Queue one update; the future resolves once it is committed."""
        if entry.data != crdt.EMPTY_UPDATE:  # a clientID binding alone is no document update
            metrics.ACCEPTED.inc()
        return self._batcher.submit((entry, asyncio.get_running_loop().time()))

    async def flush(self) -> None:
        await self._batcher.flush()

    async def _commit(self, batch: list[Pending[Appended]]) -> None:
        attempt = 0
        while True:
            try:
                refused = await self._write([entry for (entry, _), _ in batch])
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
        for i, ((entry, appended), future) in enumerate(batch):
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
