"""What a live server on SQLite without Redis never loads until someone needs it: the packages
that made an idle process 89 MiB rather than 67 (bench/idle_memory.py has the numbers).

A real `safetymap serve` writes the names of its modules when it exits, through a wrapper
around the command (the product has no way to list them). The first start is on an empty
data directory, so its schema upgrade (in a child process) is in; the second is at this
release's schema, with a meeting's board live on it.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.servers import create_meeting, running, server_env
from tests.waiting import within
from tests.yclient import YClient

# Loaded when first used: Redis (only with SAFETYMAP_REDIS_URL), Alembic (upgrades, in a
# child), the exports (WeasyPrint, python-docx), pictures (Pillow), QR codes (segno), the
# PostgreSQL dialect on SQLite, and of Babel all but its core (which checks the languages of
# SAFETYMAP_LANGUAGES at start): catalogues, and the CLDR data that names a language or
# spells its dates (babel.dates comes with that), at the first page that shows them.
NOT_AT_IDLE = (
    "redis", "alembic", "mako", "weasyprint", "docx", "PIL", "segno",
    "sqlalchemy.dialects.postgresql", "babel.messages", "babel.dates",
)  # fmt: skip

_LISTING = """
import atexit, json, sys
out = sys.argv.pop(1)
atexit.register(lambda: open(out, "w").write(json.dumps(sorted(sys.modules))))
from server.cli import main
sys.exit(main(sys.argv[1:]))
"""


def loaded(modules: list[str]) -> list[str]:
    """Which of NOT_AT_IDLE, or modules in them, are among `modules`."""
    return [m for m in modules if any(f"{m}.".startswith(f"{name}.") for name in NOT_AT_IDLE)]


def serve_listing(
    env: dict[str, str], port: int, tmp_path: Path, name: str
) -> tuple[Path, AbstractAsyncContextManager[asyncio.subprocess.Process]]:
    """`safetymap serve`, and the file its modules' names will be in once it has stopped."""
    out = tmp_path / f"{name}.json"
    argv = [sys.executable, "-c", _LISTING, str(out), "serve", "--host", "127.0.0.1",
            "--port", str(port)]  # fmt: skip
    return out, running(argv, port, tmp_path / f"{name}.log", env, stop=signal.SIGINT)


async def test_an_idle_server_loads_none_of_what_it_does_not_use(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(tmp_path / "data", port)
    out, server = serve_listing(env, port, tmp_path, "first")
    async with server, httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
        assert (await http.get("/readyz")).status_code == 200  # upgraded to this release
    first = json.loads(out.read_text())
    assert "server.web.app" in first and "sqlalchemy" in first
    assert loaded(first) == []

    meeting = await create_meeting(env, "Idle imports (fictional)")
    out, server = serve_listing(env, port, tmp_path, "second")
    async with server:
        writer = YClient(meeting["ws_url"], meeting["id"], meeting["tokens"]["professional"],
                         name="Ada")  # fmt: skip
        reader = YClient(meeting["ws_url"], meeting["id"], meeting["tokens"]["family"],
                         name="Bo")  # fmt: skip
        for client in (writer, reader):
            await client.connect()
            await within(client.synced.wait(), 20, "synced")
        writer.add_card("c1", "harm", "A fictional worry")
        await reader.wait_for(lambda: "c1" in reader.cards(), 20)
        for client in (writer, reader):
            await client.disconnect()
    second = json.loads(out.read_text())
    assert "pycrdt" in second
    assert loaded(second) == []
