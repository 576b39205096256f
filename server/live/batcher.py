"""Group commit: what arrives while a commit is in flight rides together in the next one.

One task per batcher owns every commit of its kind in the process (datasette's single-writer
idea), so the cost of a commit (on SQLite an fsync and a turn at the one write lock) is shared
by everyone who arrived meanwhile. Each caller holds a future that its batch settles: how a
batch is committed, and what a failure means for each item, is the owner's (`Settle`): the
update log retries until the batch is in (journal.py), the audit trail falls back to one row
at a time (audit_writer.py).

Items submitted before `start` wait for it; after `stop` (what was pending is settled first)
an item is settled alone, at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")

# An item waiting for its commit, and the future its caller awaits.
Pending = tuple[T, "asyncio.Future[None]"]
# Commits a batch and settles each item's future (result or exception); must not raise.
Settle = Callable[[list[Pending[T]]], Awaitable[None]]


class Batcher(Generic[T]):
    def __init__(self, settle: Settle[T], *, max_batch: int, name: str) -> None:
        self._settle = settle
        self._max_batch = max_batch
        self._name = name
        self._pending: list[Pending[T]] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()  # nothing pending, no batch in flight
        self._idle.set()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self._alone: set[asyncio.Task[None]] = set()  # items settled after stop, held

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=self._name)

    async def stop(self) -> None:
        """Settle what is pending, then stop; later items are settled one at a time. A caller
        cancelled meanwhile is cancelled (the commit in flight still completes)."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await asyncio.wait([self._task])
            self._task = None
        if self._alone:
            await asyncio.wait(self._alone)

    def submit(self, item: T) -> asyncio.Future[None]:
        """Queue one item; the future settles once its batch is committed. Its caller may be
        cancelled: the item is committed all the same, and `flush` still waits for it."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        if self._stopping:
            alone = asyncio.ensure_future(self._settle([(item, future)]))
            self._alone.add(alone)
            alone.add_done_callback(self._alone.discard)
            return future
        self._pending.append((item, future))
        self._idle.clear()
        self._wake.set()
        return future

    async def flush(self) -> None:
        """Wait until everything submitted so far is settled."""
        await self._idle.wait()
        if self._alone:
            await asyncio.wait(self._alone)

    async def _run(self) -> None:
        while not (self._stopping and not self._pending):
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = self._pending[: self._max_batch]
                del self._pending[: len(batch)]
                await self._settle(batch)
            self._idle.set()
