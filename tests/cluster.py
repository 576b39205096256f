"""Several real `safetymap serve` processes sharing one PostgreSQL database and one Redis.

The Redis is a `redis-server` of the test's own, on a free port, so a test can kill and
restart it without touching anything else on the machine. Like PostgreSQL, a missing Redis
fails the test when `CI` is set and skips it elsewhere.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import redis.asyncio as aioredis

from .conftest import free_port
from .databases import database_url
from .servers import cli, create_meeting, running, serve, server_env
from .waiting import within
from .yclient import YClient


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(what)
    pytest.skip(what)


class RedisServer:
    """A real redis-server on a free port, with no persistence (as the machine's own)."""

    def __init__(self, folder: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            _missing("redis-server is not installed")
        self.argv = [str(binary), "--save", "", "--appendonly", "no", "--bind", "127.0.0.1"]
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = folder / "redis.log"
        self._stack: AsyncExitStack | None = None

    async def start(self) -> None:
        self._stack = AsyncExitStack()
        argv = [*self.argv, "--port", str(self.port), "--dir", str(self.log.parent)]
        await self._stack.enter_async_context(running(argv, self.port, self.log))

    async def kill(self) -> None:
        """Gone at once, and everything it held with it (it keeps nothing on disk)."""
        assert self._stack is not None
        await self._stack.aclose()
        self._stack = None

    async def length(self) -> int:
        client = aioredis.Redis.from_url(self.url)
        try:
            return int(await client.xlen("safetymap:relay"))
        finally:
            await client.aclose()


class Cluster:
    """N server processes on one database and one Redis; process i listens on ports[i]."""

    def __init__(self, folder: Path, db_url: str, redis_url: str, size: int) -> None:
        self.folder = folder
        self.ports = [free_port() for _ in range(size)]
        self.shared = {
            "SAFETYMAP_DATABASE_URL": db_url,
            "SAFETYMAP_REDIS_URL": redis_url,
            "SAFETYMAP_SECRET_KEY": "cluster-test-secret-key-not-for-production",
        }
        self.procs: dict[int, asyncio.subprocess.Process] = {}
        self._stacks: dict[int, AsyncExitStack] = {}
        self.clients: list[YClient] = []
        self.exited: dict[int, int] = {}  # process -> exit status, of those that exited unasked

    def env(self, i: int) -> dict[str, str]:
        port = self.ports[i]
        return server_env(self.folder / f"data{i}", port, **self.shared)

    def log(self, i: int) -> Path:
        return self.folder / f"server{i}.log"

    def ws_url(self, i: int) -> str:
        return f"ws://127.0.0.1:{self.ports[i]}/ws"

    async def start(self, i: int) -> None:
        stack = AsyncExitStack()
        self.procs[i] = await stack.enter_async_context(
            serve(self.env(i), self.ports[i], self.log(i))
        )
        self._stacks[i] = stack

    async def kill(self, i: int, sig: int = signal.SIGKILL) -> None:
        """Signal process i and reap it. One that already exited by itself is a failure of the
        test, named with its exit status and log (signalling it would raise ProcessLookupError
        and hide why)."""
        proc = self.procs.pop(i)
        if proc.returncode is None:
            proc.send_signal(sig)
        else:
            self.exited[i] = proc.returncode
        await within(proc.wait(), 20, f"server {i} exited once signalled")
        await self._stacks.pop(i).aclose()

    async def stop(self) -> None:
        for client in self.clients:
            await client.disconnect()
        for i in list(self.procs):
            await self.kill(i, signal.SIGTERM)
        if self.exited:
            status = ", ".join(f"server {i}: {code}" for i, code in self.exited.items())
            raise AssertionError(f"exited before the test ended ({status})\n{self.logs()}")

    async def connect(
        self, meeting: dict[str, Any], i: int, role: str = "professional", name: str = ""
    ) -> YClient:
        client = YClient(self.ws_url(i), meeting["id"], meeting["tokens"][role], name=name)
        await client.connect()
        await asyncio.wait_for(client.synced.wait(), 10)
        self.clients.append(client)
        return client

    async def reconnect(self, client: YClient, i: int) -> None:
        """What a y-websocket client does after its server went away, to another process."""
        await client.disconnect()
        client.url = client.url.replace(
            client.url.split("/ws/")[0], self.ws_url(i).removesuffix("/ws")
        )
        await client.connect()
        await asyncio.wait_for(client.synced.wait(), 10)

    def logs(self) -> str:
        return "\n".join(f"--- server {i} ---\n{self.log(i).read_text(errors='replace')}"
                         for i in range(len(self.ports)) if self.log(i).exists())  # fmt: skip


@asynccontextmanager
async def cluster(
    folder: Path, size: int, redis: RedisServer | None = None, **settings: str
) -> AsyncIterator[tuple[Cluster, dict[str, Any]]]:
    """`size` processes on a fresh PostgreSQL database, and one meeting to share; `settings`
    are SAFETYMAP_* variables every process gets."""
    async with AsyncExitStack() as stack:
        db_url = await stack.enter_async_context(database_url("postgresql", folder))
        if redis is None:
            redis = RedisServer(folder)
            await redis.start()
            stack.push_async_callback(redis.kill)
        group = Cluster(folder, db_url, redis.url, size)
        group.shared.update(settings)
        await cli(group.env(0), "db", "upgrade")
        meeting = await create_meeting(group.env(0), "Cluster test (fictional family)")
        stack.push_async_callback(group.stop)
        await asyncio.gather(*(group.start(i) for i in range(size)))
        yield group, meeting


async def converged(clients: list[YClient], expected: dict[str, str], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    for client in clients:
        await client.wait_for(
            lambda c=client: c.cards() == expected, timeout=max(0.1, deadline - time.monotonic())
        )  # type: ignore[misc]
