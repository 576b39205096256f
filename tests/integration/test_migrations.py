"""The Alembic migrations produce exactly the schema the code declares."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
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


@pytest.mark.parametrize("backend", BACKENDS)
async def test_people_who_joined_before_agencies_have_none(backend: str, tmp_path: Path) -> None:
    """0012, 0013 and 0015 upgrade a database with meetings in it: everyone who joined before
    has the empty agency and reads English, and no agreement is recorded for anyone."""
    async with database_url(backend, tmp_path) as url:
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine, "0011")
            async with engine.begin() as conn:
                await conn.execute(
                    text(
                        "insert into meetings (id, title, label_set, status, created_at)"
                        " values ('m1', 'Before (fictional)', 'child_protection', 'open', :at)"
                    ),
                    {"at": datetime(2026, 5, 12, tzinfo=UTC)},
                )
                await conn.execute(
                    text(
                        "insert into links (id, meeting_id, role, token_hash, created_at)"
                        " values (1, 'm1', 'professional', :hash, :at)"
                    ),
                    {"hash": "0" * 64, "at": datetime(2026, 5, 12, tzinfo=UTC)},
                )
                await conn.execute(
                    text(
                        "insert into participants (id, meeting_id, link_id, role, name,"
                        " created_at) values ('p1', 'm1', 1, 'professional', 'Ana', :at)"
                    ),
                    {"at": datetime(2026, 5, 12, tzinfo=UTC)},
                )
            await migrate.upgrade(engine)
            async with engine.connect() as conn:
                said = text("select agency, language from participants")
                agency, language = (await conn.execute(said)).one()
                agreed = (await conn.execute(text("select count(*) from agreements"))).scalar()
            assert (agency, language, agreed) == ("", "en", 0)
        finally:
            await engine.dispose()
