"""Deleting a meeting with everything of it, and finding the ones past their retention."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from server.board.permissions import Status
from server.store import audit, deployment
from server.store.base import StoreBase
from server.store.schema import meetings


class DeletionStore(StoreBase):
    async def delete_meeting(self, meeting_id: str, deleted: audit.Event | None = None) -> bool:
        """Delete the meeting and everything of it (links, participants, log, snapshots: the
        foreign keys cascade) and, given the `deleted` event, shrink its audit trail to that
        one row, in the same transaction. False if not found.

        On SQLite, `secure_delete` zeroes the freed content in the database file and a
        checkpoint then empties the write-ahead log, so no copy stays readable in either file.
        """
        async with self.engine.begin() as conn:
            gone = await conn.execute(delete(meetings).where(meetings.c.id == meeting_id))
            if gone.rowcount != 1:
                return False
            if deleted is not None:
                await audit.collapse(conn, meeting_id, deleted)
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

    async def ended_meeting_ids(self) -> list[str]:
        """Every ended meeting, oldest first (for `safetymap export --all-ended`)."""
        query = (
            select(meetings.c.id)
            .where(meetings.c.status == Status.ENDED.value)
            .order_by(meetings.c.created_at, meetings.c.id)
        )
        async with self.engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

    async def deployment_identity(self) -> str:
        """This deployment's identity, as the relay's messages carry it (deployment.py)."""
        return await deployment.identity(self.engine)
