"""The Alembic migrations produce exactly the schema the code declares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection

from server.store.schema import create_engine, metadata, migrate
from tests.databases import BACKENDS, database_url


@pytest.mark.parametrize("backend", BACKENDS)
async def test_migrated_schema_matches_metadata(backend: str, tmp_path: Path) -> None:
    async with database_url(backend, tmp_path) as url:
        await check_migrations(url)


async def check_migrations(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)

        def diff(connection: Connection) -> list[Any]:
            return list(compare_metadata(MigrationContext.configure(connection), metadata))

        async with engine.connect() as conn:
            assert await conn.run_sync(diff) == []
        assert await migrate.current(engine) == migrate.head()
    finally:
        await engine.dispose()
