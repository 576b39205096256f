"""Audit rows of many connections in one commit: joins and leaves, above all in a reconnect storm.

Every join and leave adds an audit row. Written alone, each row was a transaction of its own:
on SQLite an fsync, and a turn at the single write lock, which the update journal needs too.
Here (as in `journal.py` for updates) rows that arrive while a commit is in flight share the
next one. Every caller still waits until its own row is committed, so the trail is as durable
as before, and rows are committed in the order they arrived. A batch that fails is tried again
row by row, so a bad row fails only its own caller (who logs it without the row's content).
After `stop` (pending rows flushed first), a row is written on its own, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence

from server.store import audit, now

_MAX_BATCH = 1000

# A row waiting for its commit, and the future its caller awaits.
Pending = tuple[audit.Row, asyncio.Future[None]]


# Commits rows in one transaction (Store.write_audit).
Write = Callable[[Sequence[audit.Row]], Awaitable[None]]


class AuditWriter:
    def __init__(self, write: Write) -> None:
        self._write = write
        self._pending: list[Pending] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False
        self.commits = 0  # transactions committed (batches), for tests and benchmarks

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="audit-writer")

    async def stop(self) -> None:
        """Commit what is pending, then stop; later rows are written one at a time."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def record(self, event: audit.Event, *, if_meeting_exists: bool = False) -> None:
        """Append one event (see `audit.record`); returns once it is committed."""
        row = (event, now(), if_meeting_exists)
        if self._task is None or self._stopping:
            await self._write([row])
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row, future))
        self._wake.set()
        await future

    async def _run(self) -> None:
        while not (self._stopping and not self._pending):
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                batch = self._pending[:_MAX_BATCH]
                del self._pending[: len(batch)]
                await self._commit(batch)

    async def _commit(self, batch: list[Pending]) -> None:
        try:
            await self._write([row for row, _ in batch])
            self.commits += 1
        except Exception:
            for row, future in batch:  # one at a time: only a bad row fails
                await self._commit_one(row, future)
            return
        for _, future in batch:
            if not future.done():  # a caller that was cancelled meanwhile: its row is in
                future.set_result(None)

    async def _commit_one(self, row: audit.Row, future: asyncio.Future[None]) -> None:
        try:
            await self._write([row])
            self.commits += 1
        except Exception as exc:
            if not future.done():
                future.set_exception(exc)
            return
        if not future.done():
            future.set_result(None)
