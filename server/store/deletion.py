"""Deleting a meeting with everything of it, and finding the ones past their retention."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.board.permissions import Status
from server.store.base import StoreBase
from server.store.schema import meetings


class DeletionStore(StoreBase):
    async def delete_meeting(
        self, meeting_id: str, also: Callable[[AsyncConnection], Awaitable[None]] | None = None
    ) -> bool:
        """Delete the meeting and everything of it (links, participants, log, snapshots: the
        foreign keys cascade), running `also` in the same transaction. False if not found.

        On SQLite, `secure_delete` zeroes the freed content in the database file and a
        checkpoint then empties the write-ahead log, so no copy stays readable in either file.
        """
        async with self.engine.begin() as conn:
            gone = await conn.execute(delete(meetings).where(meetings.c.id == meeting_id))
            if gone.rowcount != 1:
                return False
            if also is not None:
                await also(conn)
        if self._sqlite:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return True

    async def ended_before(self, cutoff: datetime) -> list[str]:
        """Meetings that ended before `cutoff` (past their retention period)."""
        query = select(meetings.c.id).where(
            meetings.c.status == Status.ENDED.value, meetings.c.ended_at < cutoff
        )
        async with self.engine.connect() as conn:
            return list((await conn.execute(query)).scalars())
