"""`safetymap db upgrade` says which revision it moved from and to, and runs started at once
wait for each other instead of failing (PostgreSQL advisory lock; SQLite lock file)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import alembic.command
import asyncpg
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from server.store.schema import create_engine, migrate
from tests.conftest import free_port
from tests.databases import BACKENDS, database_url
from tests.servers import command, server_env

KEY = "upgrade-test-secret-key-long-enough-0123456789"
RUNS = 3


async def upgrade_cli(env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        *command(), "db", "upgrade", env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode is not None
    return proc.returncode, out.decode().strip(), err.decode().strip()


def previous(revision: str) -> str:
    script = ScriptDirectory.from_config(migrate._config()).get_revision(revision)
    assert isinstance(script.down_revision, str)
    return script.down_revision


@pytest.mark.parametrize("backend", BACKENDS)
async def test_upgrades_at_once_all_succeed_and_say_what_they_did(
    backend: str, tmp_path: Path
) -> None:
    head = migrate.head()
    async with database_url(backend, tmp_path) as url:
        env = server_env(tmp_path / "data", 0, SAFETYMAP_DATABASE_URL=url, SAFETYMAP_SECRET_KEY=KEY)
        results = await asyncio.gather(*(upgrade_cli(env) for _ in range(RUNS)))
        assert all(code == 0 for code, _, _ in results), results
        said = sorted(out for _, out, _ in results)
        assert said == sorted(
            [f"database schema created at revision {head}"]
            + [f"database schema already at revision {head} (the latest)"] * (RUNS - 1)
        ), said
        # From one release to the next: both revisions named.
        engine = create_engine(url)
        try:
            async with engine.begin() as conn:
                await conn.run_sync(_downgrade, previous(head))
            code, out, _ = await upgrade_cli(env)
            assert code == 0
            assert out == f"database schema upgraded from revision {previous(head)} to {head}"
            assert await migrate.current(engine) == head
        finally:
            await engine.dispose()


def _downgrade(connection: Connection, revision: str) -> None:
    alembic.command.downgrade(migrate._config(connection), revision)


async def test_a_schema_ahead_or_no_database_is_one_line(tmp_path: Path) -> None:
    async with database_url("postgresql", tmp_path) as url:
        engine = create_engine(url)
        await migrate.upgrade(engine)
        await engine.dispose()
        admin = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            await admin.execute("update alembic_version set version_num = '9999_future'")
        finally:
            await admin.close()
        env = server_env(tmp_path / "data", 0, SAFETYMAP_SECRET_KEY=KEY)
        ahead, nowhere = await asyncio.gather(
            upgrade_cli({**env, "SAFETYMAP_DATABASE_URL": url}),
            upgrade_cli(
                {
                    **env,
                    "SAFETYMAP_DATABASE_URL": f"postgresql+asyncpg://u:pw@127.0.0.1:{free_port()}/x",
                    "SAFETYMAP_LOG_FORMAT": "json",
                }
            ),
        )
    code, out, err = ahead
    assert code == 2 and not out and len(err.splitlines()) == 1, ahead
    assert "9999_future" in err and "newer than this release" in err
    code, out, err = nowhere
    assert code == 2 and not out and len(err.splitlines()) == 1, nowhere
    assert '"cannot use the database' in err and ":pw@" not in err
