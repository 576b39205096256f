"""Audit rows of many connections in one commit: joins and leaves, above all in a reconnect storm.

Every join and leave adds an audit row. Written alone, each row was a transaction of its own:
on SQLite an fsync, and a turn at the single write lock, which the update journal needs too.
Here (with the journal's group commit, batcher.py) rows that arrive while a commit is in
flight share the next one. Every caller still waits until its own row is committed, so the
trail is as durable as before, and rows are committed in the order they arrived. A batch that
fails is tried again row by row, so a bad row fails only its own caller (who logs it without
the row's content). After `stop` (pending rows flushed first), a row is written on its own,
in one attempt.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from server.live.batcher import Batcher, Pending
from server.store import audit, now

_MAX_BATCH = 1000

# Commits rows in one transaction (Store.write_audit).
Write = Callable[[Sequence[audit.Row]], Awaitable[None]]


class AuditWriter:
    def __init__(self, write: Write) -> None:
        self._write = write
        self._batcher: Batcher[audit.Row] = Batcher(
            self._commit, max_batch=_MAX_BATCH, name="audit-writer"
        )
        self.commits = 0  # transactions committed (batches), for tests and benchmarks

    def start(self) -> None:
        self._batcher.start()

    async def stop(self) -> None:
        """Commit what is pending, then stop; later rows are written one at a time."""
        await self._batcher.stop()

    async def record(self, event: audit.Event, *, if_meeting_exists: bool = False) -> None:
        """Append one event (see `audit.record`); returns once it is committed."""
        await self._batcher.submit((event, now(), if_meeting_exists))

    async def _commit(self, batch: list[Pending[audit.Row]]) -> None:
        if len(batch) == 1:  # alone: one attempt, as a row written on its own always had
            await self._commit_one(*batch[0])
            return
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
