"""scripts/restore-check, run as an operator would against the real PostgreSQL: pg_dump, a
restore into a fresh database, a real server on it, and meetings, snapshots, links and
exports checked; and it fails, saying why, when given the wrong secret key."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.databases import POSTGRES_ADMIN, database_url
from tests.servers import cli, create_meeting, serve, server_env
from tests.yclient import YClient

SCRIPT = Path(__file__).parents[2] / "scripts" / "restore-check"
KEY = "restore-test-secret-key-0123456789-abcdefghijklmnop"


async def _restore_check(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(SCRIPT),
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_restore_check_passes_and_catches_a_wrong_key(tmp_path: Path) -> None:
    async with database_url("postgresql", tmp_path) as url:
        port = free_port()
        env = server_env(
            tmp_path / "data",
            port,
            SAFETYMAP_DATABASE_URL=url,
            SAFETYMAP_SECRET_KEY=KEY,
            SAFETYMAP_SINGLE_PROCESS="1",
        )
        env.pop("SAFETYMAP_REDIS_URL", None)
        await cli(env, "db", "upgrade")
        ended = await create_meeting(env, "Ended meeting (fictional family)")
        await create_meeting(env, "Open meeting (fictional family)")
        async with serve(env, port, tmp_path / "server.log"):
            ws_url, token = f"ws://127.0.0.1:{port}/ws", ended["tokens"]["facilitator"]
            writer = YClient(ws_url, ended["id"], token)
            watcher = YClient(ws_url, ended["id"], ended["tokens"]["professional"])
            for client in (writer, watcher):
                await client.connect()
                await asyncio.wait_for(client.synced.wait(), 10)
            writer.add_card("c1", "strengths", "a card to restore")
            # Relayed to the watcher only once durable: the end's snapshot holds it.
            await watcher.wait_for(lambda: watcher.cards() == {"c1": "a card to restore"})
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
                answer = await http.post(
                    f"/api/meetings/{ended['id']}/end", headers={"Authorization": f"Bearer {token}"}
                )
                assert answer.status_code == 200, answer.text
            for client in (writer, watcher):
                await client.disconnect()

        admin = POSTGRES_ADMIN  # where the copy is created (and dropped)
        right = {**os.environ, "SAFETYMAP_SECRET_KEY": KEY}
        code, out, err = await _restore_check(right, "--from", url, "--admin", admin)
        assert code == 0, err
        assert "restore check passed: 2 meetings (2 opened live, 1 cards), 1 snapshots" in out
        assert "live links matching the key, 3 exports" in out

        wrong = {**os.environ, "SAFETYMAP_SECRET_KEY": "another-key-" + "z" * 40}
        code, out, err = await _restore_check(wrong, "--from", url, "--admin", admin)
        assert code == 1
        assert "do not match the secret key" in err
