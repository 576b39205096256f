"""Schema migrations with Alembic, driven from code (no alembic.ini to keep in step).

An upgrade runs under a lock (a PostgreSQL advisory lock; on SQLite a lock file beside the
database), so two at once do not both try the same migration: the second waits, then finds
nothing left to do.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import os
from collections.abc import AsyncIterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

_SCRIPTS = Path(__file__).parent / "migrations"
_LOCK_KEY = "safetymap:migrate"  # hashed to a bigint advisory lock key, as store/log.py does


class SchemaError(Exception):
    """The database's schema is not one this code can serve or upgrade; the message says why."""


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = connection
    return config


@functools.cache
def head() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def compare(revision: str | None) -> str | None:
    """None when a database at `revision` is at this code's schema; otherwise `empty` (no
    schema yet), `behind` (an older revision) or `ahead` (one this code does not know)."""
    if revision == head():
        return None
    if revision is None:
        return "empty"
    try:
        ScriptDirectory.from_config(_config()).get_revision(revision)
    except CommandError:
        return "ahead"
    return "behind"


def explain(revision: str | None) -> str:
    """One line saying what is wrong with a database at `revision`, and the fix."""
    problem = compare(revision)
    if problem == "empty":
        return "the database has no schema yet: run `safetymap db upgrade`"
    if problem == "behind":
        return (
            f"the database schema is at revision {revision}, this release needs {head()}: "
            "run `safetymap db upgrade`"
        )
    if problem == "ahead":
        return (
            f"the database schema is at revision {revision}, newer than this release knows "
            f"(its latest is {head()}): run the release that upgraded it"
        )
    return f"the database schema is at revision {revision}, as this release needs"


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

    def run(connection: Connection) -> tuple[str | None, str | None]:
        if connection.dialect.name == "postgresql":
            # Held until this transaction commits, with every migration inside it.
            connection.execute(
                text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"), {"key": _LOCK_KEY}
            )
        before = _revision(connection)
        if compare(before) == "ahead":
            raise SchemaError(explain(before))
        command.upgrade(_config(connection), revision)
        return before, _revision(connection)

    async with _file_lock(engine), engine.begin() as conn:
        return await conn.run_sync(run)


async def current(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await current_on(conn)


async def current_on(conn: AsyncConnection) -> str | None:
    return await conn.run_sync(_revision)


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


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
