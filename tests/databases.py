"""Real databases for the storage contract: a fresh SQLite file, or a fresh PostgreSQL
database created for the test and dropped after it.

PostgreSQL is 127.0.0.1:5432 (trust auth, database `test`) on developer machines and in CI.
In CI (`CI` set) a PostgreSQL that cannot be reached fails the test; elsewhere it is skipped
with the reason, so the SQLite half still runs on a laptop without PostgreSQL.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest

from server.store import Store
from server.store.schema import create_engine
from server.store.schema.migrate import upgrade

POSTGRES_ADMIN = os.environ.get(
    "SAFETYMAP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]


@contextlib.asynccontextmanager
async def database_url(backend: str, tmp_path: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'contract.db'}"
        return
    name = f"safetymap_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(POSTGRES_ADMIN, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        message = f"PostgreSQL at {POSTGRES_ADMIN} is not reachable: {exc}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        host = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        yield f"{host}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@contextlib.asynccontextmanager
async def migrated_postgresql(tmp_path: Path) -> AsyncIterator[tuple[str, asyncpg.Connection]]:
    """A fresh PostgreSQL database at the current schema, and a direct connection to it:
    the outage tests rename a table behind the server's back through it."""
    async with database_url("postgresql", tmp_path) as url:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()
        admin = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:
            yield url, admin
        finally:
            await admin.close()


@contextlib.asynccontextmanager
async def migrated_store(backend: str, tmp_path: Path) -> AsyncIterator[Store]:
    """A store on a fresh database of `backend` at the current schema; closed afterwards
    (its engine, and SQLite's writer thread with its connection)."""
    async with database_url(backend, tmp_path) as url:
        engine = create_engine(url)
        await upgrade(engine)
        store = Store(engine, "test-secret")
        try:
            yield store
        finally:
            await store.close()
