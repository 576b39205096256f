"""Schema migrations with Alembic, driven from code (no alembic.ini to keep in step).

An upgrade runs under a lock (a PostgreSQL advisory lock; on SQLite a lock file beside the
database), so two at once do not both try the same migration: the second waits, then finds
nothing left to do. Alembic is imported only when there is something to do: which revision a
database is at, and this code's, are revisions.py's (re-exported here), without it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from server.store.schema.revisions import compare, current, current_on, explain, head, read

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "SchemaError",
    "compare",
    "current",
    "current_on",
    "describe",
    "explain",
    "head",
    "upgrade",
]

_SCRIPTS = Path(__file__).parent / "migrations"
_LOCK_KEY = "safetymap:migrate"  # hashed to a bigint advisory lock key, as store/log.py does


class SchemaError(Exception):
    """The database's schema is not one this code can serve or upgrade; the message says why."""


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


def describe(before: str | None, after: str | None) -> str:
    """What `safetymap db upgrade` did, for a person."""
    if before == after:
        return f"database schema already at revision {after} (the latest)"
    if before is None:
        return f"database schema created at revision {after}"
    return f"database schema upgraded from revision {before} to {after}"


async def upgrade(engine: AsyncEngine, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade under the lock; the revisions before and after. Raises SchemaError for a
    database ahead of this code (never downgraded)."""
    if revision == "head":
        now = await current(engine)
        if compare(now) is None:  # nothing to do: no lock, and no Alembic loaded
            return now, now
    from alembic import command

    def run(connection: Connection) -> tuple[str | None, str | None]:
        if connection.dialect.name == "postgresql":
            # Held until this transaction commits, with every migration inside it.
            connection.execute(
                text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": _LOCK_KEY}
            )
        before = read(connection)
        if compare(before) == "ahead":
            raise SchemaError(explain(before))
        command.upgrade(_config(connection), revision)
        return before, read(connection)

    async with _file_lock(engine), engine.begin() as conn:
        return await conn.run_sync(run)


@contextlib.asynccontextmanager
async def _file_lock(engine: AsyncEngine) -> AsyncIterator[None]:
    """On SQLite, an exclusive lock on `<database>.migrate-lock` for the upgrade's length.
    (SQLite's own locks come and go with each statement Alembic runs.)"""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    fd = os.open(f"{database}.migrate-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)  # released when fd closes
        yield
    finally:
        os.close(fd)
