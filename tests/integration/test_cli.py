"""The command line: `safetymap db upgrade` and `safetymap meeting create --json`."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from server.store.schema import create_engine, migrate


async def run_cli(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "server.cli",
        *args,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_meeting_create_prints_links_and_ws_url(tmp_path: Path) -> None:
    env = {"SAFETYMAP_DATA_DIR": str(tmp_path), "SAFETYMAP_BASE_URL": "https://maps.example.org"}
    code, out, _ = await run_cli(
        "meeting", "create", "--title", "Planning for Leo", "--json", env=env
    )
    assert code == 0
    created = json.loads(out)
    assert set(created) == {"id", "title", "ws_url", "links"}
    assert created["title"] == "Planning for Leo"
    assert created["ws_url"] == "wss://maps.example.org/ws"
    assert set(created["links"]) == {"facilitator", "professional", "family", "viewer"}
    tokens = {url.rsplit("/", 1)[1] for url in created["links"].values()}
    assert len(tokens) == 4
    assert all(
        url.startswith("https://maps.example.org/join/") for url in created["links"].values()
    )
    assert all(len(token) >= 43 for token in tokens)  # >= 256 bits, base64url
    # Only hashes are stored: no token appears in the database file.
    raw = b"".join(p.read_bytes() for p in sorted(tmp_path.glob("safetymap.db*")))  # noqa: ASYNC240
    assert raw
    assert not any(token.encode() in raw for token in tokens)
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


async def test_meeting_create_refuses_a_blank_title(tmp_path: Path) -> None:
    code, out, err = await run_cli(
        "meeting", "create", "--title", "   ", env={"SAFETYMAP_DATA_DIR": str(tmp_path)}
    )
    assert code == 2 and out == ""
    assert "title" in err


async def test_db_upgrade_creates_the_schema_at_head(tmp_path: Path) -> None:
    code, out, _ = await run_cli("db", "upgrade", env={"SAFETYMAP_DATA_DIR": str(tmp_path)})
    assert code == 0, out
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'safetymap.db'}")
    try:
        assert await migrate.current(engine) == migrate.head()
    finally:
        await engine.dispose()
