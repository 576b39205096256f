"""Shared fixtures: a real server on a free port (as `safetymap serve` runs it), in the test's
event loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from server.live.meetings import create
from server.services import Services
from server.settings import Settings
from server.web.app import create_app
from server.ws.serve import Server

from .yclient import YClient


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_settings(data_dir: Path, port: int, **overrides: str) -> Settings:
    env = {
        "SAFETYMAP_DATA_DIR": str(data_dir),
        "SAFETYMAP_BASE_URL": f"http://127.0.0.1:{port}",
        "SAFETYMAP_SECRET_KEY": "test-secret",
        "SAFETYMAP_SQLITE_SYNCHRONOUS": "NORMAL",
        **overrides,
    }
    return Settings.from_env(env)


class RunningServer:
    def __init__(self, settings: Settings, server: Server, services: Services) -> None:
        self.settings = settings
        self.server = server
        self.services = services
        self.base_url = settings.base_url
        self.address = f"http://127.0.0.1:{settings.port}"  # where it listens, whatever its URL
        self.ws_url = settings.ws_url

    async def meeting(self, title: str = "Test meeting") -> dict[str, Any]:
        """Create a meeting through the product's own code; adds bare tokens for convenience."""
        created = await create(self.settings, self.services.store, title)
        created["tokens"] = {role: url.rsplit("/", 1)[1] for role, url in created["links"].items()}
        return created

    async def client(
        self,
        meeting: dict[str, Any],
        role: str = "professional",
        *,
        layer: str = "",
        name: str = "",
        relationship: str = "",
        key: str | bool = True,
        agency: str = "",
    ) -> YClient:
        """A stock client on this role's link: someone new each time, unless `key` is the key
        of someone who joined before (`client.key`), who then comes back."""
        room = meeting["id"] + (f"/{layer}" if layer else "")
        client = YClient(
            self.ws_url,
            room,
            meeting["tokens"][role],
            name=name or role,
            key=key,
            relationship=relationship,
            agency=agency,
        )
        await client.connect()
        return client


async def start_server(settings: Settings) -> tuple[Server, asyncio.Task[None]]:
    app = create_app(settings)
    server = Server(app, settings, log_level="warning")  # as `safetymap serve` runs it
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    return server, task


@contextlib.asynccontextmanager
async def running_server(data_dir: Path, **overrides: str) -> AsyncIterator[RunningServer]:
    """A real server on a free port with these SAFETYMAP_* overrides, stopped afterwards."""
    port = free_port()
    settings = make_settings(data_dir, port, SAFETYMAP_PORT=str(port), **overrides)
    uv, task = await start_server(settings)
    _running.append(uv)
    try:
        yield RunningServer(settings, uv, uv.app.state.services)
    finally:
        uv.stop()
        await asyncio.wait_for(task, 40)
        _running.remove(uv)
    # Stopped means stopped: a task of the server's still running here held a database
    # connection the closed engine never got back (a ResourceWarning, some tests later).
    # Tasks are not told apart by server: checked once the test's last server has stopped.
    if not _running:
        assert not (left := server_tasks()), f"the stopped servers left tasks running: {left}"


_running: list[Server] = []  # in-process servers started and not yet stopped


_SERVER_PACKAGE = str(Path(create_app.__code__.co_filename).parents[1])


def server_tasks() -> list[asyncio.Task[Any]]:
    """The pending tasks whose coroutine is the server's own code."""

    def ours(task: asyncio.Task[Any]) -> bool:
        code = getattr(task.get_coro(), "cr_code", None)
        return code is not None and code.co_filename.startswith(_SERVER_PACKAGE)

    return [t for t in asyncio.all_tasks() if not t.done() and ours(t)]


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(tmp_path / "data") as running:
        yield running
