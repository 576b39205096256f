"""What every part of the store shares: the engine, its settings, and what a working link is."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, or_
from sqlalchemy.ext.asyncio import AsyncEngine

from server.board.permissions import Role, Status
from server.store.clock import now
from server.store.pg_writer import PgWriter
from server.store.schema import links, meetings, revisions
from server.store.sqlite_writer import SqliteWriter


class StoreBase:
    def __init__(
        self,
        engine: AsyncEngine,
        link_key: str,
        *,
        link_lifetime: timedelta | None = None,
        max_participants: int = 0,
        sqlite_synchronous: str = "FULL",
    ) -> None:
        self._sqlite = engine.dialect.name == "sqlite"
        self.engine = engine
        self._link_key = link_key  # the secret key: link tokens are derived from it
        self._link_lifetime = link_lifetime  # None: links last as long as their meeting
        self._max_participants = max_participants  # 0: no limit
        self._sqlite_synchronous = sqlite_synchronous
        self._writer: SqliteWriter | None = None  # the journal's appends on SQLite
        # and on PostgreSQL: made now, so that once closed it stays closed (a late append
        # then takes a connection of its own, released after)
        self._pg = None if self._sqlite else PgWriter(engine)

    def _sqlite_writer(self) -> SqliteWriter:
        if self._writer is None:
            path = str(self.engine.url.database)
            self._writer = SqliteWriter(path, self._sqlite_synchronous)
        return self._writer

    def _pg_writer(self) -> PgWriter:
        assert self._pg is not None, "PostgreSQL's writer on SQLite"
        return self._pg

    async def schema_revision(self) -> str | None:
        """The database's schema revision (readiness): raises if it does not answer."""
        async with self.engine.connect() as conn:
            return await revisions.current_on(conn)

    async def close(self) -> None:
        if self._writer is not None:
            await self._writer.close()
            self._writer = None
        if self._pg is not None:
            await self._pg.close()
        await self.engine.dispose()

    def _link_works(self) -> ColumnElement[bool]:
        """A link works until revoked; all but the facilitator's also stop when the meeting
        ends, and once they are older than the configured lifetime."""
        guest = meetings.c.status == Status.OPEN.value
        if self._link_lifetime is not None:
            guest = guest & (links.c.created_at > now() - self._link_lifetime)
        return links.c.revoked_at.is_(None) & or_(links.c.role == Role.FACILITATOR.value, guest)
