"""Each misconfiguration that once started, said ready and then misbehaved now stops a real
`safetymap serve` at start with one line on stderr naming the fix, and exit code 2; a schema
moved under a running process makes `/readyz` say 503, never 200."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import asyncpg
import httpx
from alembic.script import ScriptDirectory

from server.store.schema import create_engine, migrate
from tests.conftest import free_port
from tests.databases import database_url
from tests.servers import command, read_log, serve, server_env
from tests.waiting import eventually

KEY = "startup-test-secret-key-long-enough-0123456789"
REDIS = "redis://127.0.0.1:6379/0"  # never reached: every case here stops before Redis


async def refusal(env: dict[str, str]) -> str:
    """Start `safetymap serve`; it must exit 2 with one line on stderr and nothing else."""
    proc = await asyncio.create_subprocess_exec(
        *command(), "serve", "--host", "127.0.0.1", "--port", str(free_port()), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    lines = err.decode(errors="replace").strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1 and not out, (proc.returncode, out, lines)
    return lines[0]


def previous(revision: str) -> str:
    script = ScriptDirectory.from_config(migrate._config()).get_revision(revision)
    assert isinstance(script.down_revision, str)
    return script.down_revision


async def test_settings_that_cannot_serve_refuse_in_one_line(tmp_path: Path) -> None:
    def env(**settings: str) -> dict[str, str]:
        return server_env(tmp_path / "data", 0, **settings)

    malformed = tmp_path / "jargon.txt"
    malformed.write_text("DV: Say what happened.\n: a suggestion for no word\n", encoding="utf-8")
    async with database_url("postgresql", tmp_path) as url:
        shared = {"SAFETYMAP_DATABASE_URL": url, "SAFETYMAP_REDIS_URL": REDIS}
        no_key = env(**shared)
        no_key.pop("SAFETYMAP_SECRET_KEY", None)
        no_base = env(**shared, SAFETYMAP_SECRET_KEY=KEY)
        no_base.pop("SAFETYMAP_BASE_URL")
        cases = {
            # A per-host generated key differs between processes: dead links.
            "key": (no_key, ["SAFETYMAP_SECRET_KEY is not set", "SAFETYMAP_SINGLE_PROCESS=1"]),
            # Forgeable cookies.
            "weak": (env(**shared, SAFETYMAP_SECRET_KEY="short"), ["shorter than 32"]),
            "placeholder": (
                env(**shared, SAFETYMAP_SECRET_KEY="CHANGE-ME-to-64-random-characters"),
                ["the example's placeholder"],
            ),
            # Links naming 127.0.0.1.
            "base": (no_base, ["SAFETYMAP_BASE_URL is not set", "SAFETYMAP_SINGLE_PROCESS=1"]),
            "scheme": (
                env(SAFETYMAP_BASE_URL="map.example.org"),
                ["SAFETYMAP_BASE_URL must be http(s)://host"],
            ),
            # Links under a path the app does not serve from (it redirects to /m, opens /ws).
            "path": (
                env(SAFETYMAP_BASE_URL="https://map.example.org/safetymap"),
                ["with no path", "'/safetymap'", "root of its own host name"],
            ),
            # The organisation's jargon list: missing, or a line the board could not use.
            "jargon missing": (
                env(SAFETYMAP_JARGON_FILE=str(tmp_path / "no-such-list.txt")),
                ["SAFETYMAP_JARGON_FILE", "no file at", "unset the setting"],
            ),
            "jargon malformed": (
                env(SAFETYMAP_JARGON_FILE=str(malformed)),
                ["SAFETYMAP_JARGON_FILE", "line 2: nothing before the colon", "fix the file"],
            ),
            # A typo in the level failed later, in logging, with a traceback and exit code 1.
            "log level": (env(SAFETYMAP_LOG_LEVEL="VERBOSE"), ["SAFETYMAP_LOG_LEVEL must be one"]),
            # A picture limit of 0 (or of gigabytes, read into memory) is a typo.
            "picture size": (
                env(SAFETYMAP_PICTURE_MAX_BYTES="0"),
                ["SAFETYMAP_PICTURE_MAX_BYTES must be from 65536 to 67108864", "10485760"],
            ),
            # A language without a catalogue: its people would have read English unawares.
            "language": (
                env(SAFETYMAP_LANGUAGES="en,de"),
                ["SAFETYMAP_LANGUAGES", "no catalogue for 'de'", "server/locale/de/LC_MESSAGES"],
            ),
            "pseudo": (env(SAFETYMAP_LANGUAGES="en,ar-XB"), ["SAFETYMAP_PSEUDO_LOCALES=1"]),
            # A process that lost its database URL, relaying a private SQLite into Redis.
            "sqlite+redis": (env(SAFETYMAP_REDIS_URL=REDIS), ["SAFETYMAP_DATABASE_URL"]),
            "driver": (
                env(SAFETYMAP_DATABASE_URL=url.replace("+asyncpg", "")),
                ["postgresql+asyncpg://"],
            ),
            "unreachable": (
                env(
                    SAFETYMAP_DATABASE_URL=f"postgresql+asyncpg://u:pw@127.0.0.1:{free_port()}/x",
                    SAFETYMAP_SINGLE_PROCESS="1",
                ),
                ["cannot use the database", "SAFETYMAP_DATABASE_URL"],
            ),
        }
        lines = await asyncio.gather(*(refusal(case) for case, _ in cases.values()))
    for (name, (_, needles)), line in zip(cases.items(), lines, strict=True):
        assert line.startswith("error: "), (name, line)
        for needle in needles:
            assert needle in line, (name, line)
    assert ":pw@" not in lines[list(cases).index("unreachable")]  # never the password


async def test_schema_not_at_this_release_refuses_on_postgresql(tmp_path: Path) -> None:
    async with database_url("postgresql", tmp_path) as url:
        env = server_env(
            tmp_path / "data", 0, SAFETYMAP_DATABASE_URL=url, SAFETYMAP_SINGLE_PROCESS="1"
        )
        empty = await refusal(env)  # was a 116-line traceback
        assert "no schema yet" in empty and "run `safetymap db upgrade`" in empty
        engine = create_engine(url)
        await migrate.upgrade(engine, previous(migrate.head()))
        await engine.dispose()
        behind = await refusal(env)
        assert f"at revision {previous(migrate.head())}" in behind
        assert "run `safetymap db upgrade`" in behind
        admin = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            await admin.execute("update alembic_version set version_num = '9999_future'")
        finally:
            await admin.close()
        ahead = await refusal({**env, "SAFETYMAP_LOG_FORMAT": "json"})
    entry = json.loads(ahead)  # one JSON log entry when JSON logs are on
    assert entry["level"] == "CRITICAL" and "9999_future" in entry["message"]
    assert "newer than this release" in entry["message"]


async def test_sqlite_refuses_a_schema_ahead_and_an_empty_key_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret_key").write_text("\n")  # present but empty: forgeable cookies
    empty_key = refusal(server_env(data, 0))
    future = tmp_path / "future"
    future.mkdir()
    engine = create_engine(f"sqlite+aiosqlite:///{future / 'safetymap.db'}")
    await migrate.upgrade(engine)
    await engine.dispose()
    with sqlite3.connect(future / "safetymap.db") as db:
        db.execute("update alembic_version set version_num = '9999_future'")
    ahead = refusal(server_env(future, 0, SAFETYMAP_SECRET_KEY=KEY))
    key_line, ahead_line = await asyncio.gather(empty_key, ahead)
    assert "secret_key is empty" in key_line and "delete it" in key_line
    assert "9999_future" in ahead_line and "newer than this release" in ahead_line


async def test_readyz_is_503_while_the_schema_is_not_this_releases(tmp_path: Path) -> None:
    """A release's `db upgrade` (or a restore) under a running process: not ready, and said
    once in the log; ready again once the schema is back."""
    async with database_url("postgresql", tmp_path) as url:
        engine = create_engine(url)
        await migrate.upgrade(engine)
        await engine.dispose()
        port = free_port()
        env = server_env(
            tmp_path / "data",
            port,
            SAFETYMAP_DATABASE_URL=url,
            SAFETYMAP_SINGLE_PROCESS="1",
            SAFETYMAP_BASE_URL="http://map.example.org",  # served, with a warning
        )
        log = tmp_path / "server.log"
        admin = await asyncpg.connect(url.replace("+asyncpg", ""))
        try:
            async with (
                serve(env, port, log),
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http,
            ):
                assert (await http.get("/readyz")).status_code == 200
                older = previous(migrate.head())
                await admin.execute(f"update alembic_version set version_num = '{older}'")
                for _ in range(3):
                    answer = await http.get("/readyz")
                    assert answer.status_code == 503
                    assert answer.json()["schema"] == "behind"
                    assert answer.json()["database_revision"] == older
                await eventually(lambda: "not ready: " in read_log(log), 10)
                await admin.execute(f"update alembic_version set version_num = '{migrate.head()}'")
                assert (await http.get("/readyz")).status_code == 200
        finally:
            await admin.close()
    assert read_log(log).count("not ready: ") == 1
    assert read_log(log).count("SAFETYMAP_BASE_URL starts http://") == 1
    assert "run `safetymap db upgrade`" in read_log(log)


async def test_a_process_with_another_key_than_the_databases_links_refuses(
    tmp_path: Path,
) -> None:
    """Two processes with different keys each said ready, and every link one of them showed
    was dead on the other: now the second refuses, on PostgreSQL as on SQLite (a key file lost
    and made again), until `safetymap key rotate` gives the database the new key."""
    async with database_url("postgresql", tmp_path) as url:
        engine = create_engine(url)
        await migrate.upgrade(engine)
        await engine.dispose()
        port = free_port()
        first = server_env(
            tmp_path / "one", port, SAFETYMAP_DATABASE_URL=url, SAFETYMAP_SINGLE_PROCESS="1",
            SAFETYMAP_SECRET_KEY=KEY,
        )  # fmt: skip
        async with serve(first, port, tmp_path / "one.log"):
            other = {**first, "SAFETYMAP_SECRET_KEY": KEY.upper()}
            line = await refusal(other)
        assert "is not the key this database's links were made with" in line
        assert "safetymap key rotate" in line and KEY not in line and KEY.upper() not in line
    sqlite_data = tmp_path / "sqlite"
    port = free_port()
    async with serve(server_env(sqlite_data, port), port, tmp_path / "sqlite.log"):
        pass  # the first start makes the key file, and the database keeps its check value
    (sqlite_data / "secret_key").unlink()  # lost, and made again by the next start
    assert "is not the key this database's links" in await refusal(server_env(sqlite_data, 0))


async def test_an_unknown_time_zone_refuses_in_one_line(tmp_path: Path) -> None:
    line = await refusal(server_env(tmp_path / "data", 0, SAFETYMAP_TIMEZONE="Europe/Atlantis"))
    assert "SAFETYMAP_TIMEZONE" in line and "Europe/Atlantis" in line and "Europe/London" in line


async def test_a_sqlite_schema_upgrade_that_fails_refuses_in_one_line(tmp_path: Path) -> None:
    """`serve` upgrades a SQLite schema in a child process (`safetymap db upgrade`, so that
    the server never keeps Alembic): when that fails, the server says why in one line."""
    data = tmp_path / "data"
    data.mkdir()
    engine = create_engine(f"sqlite+aiosqlite:///{data / 'safetymap.db'}")
    await migrate.upgrade(engine)
    await engine.dispose()
    with sqlite3.connect(data / "safetymap.db") as db:  # 0002's tables are there already
        db.execute("update alembic_version set version_num = '0001'")
    line = await refusal(server_env(data, 0, SAFETYMAP_SECRET_KEY=KEY))
    assert line.startswith("error: the database schema could not be upgraded (")
    assert "already exists" in line and "run `safetymap db upgrade` to see why" in line
