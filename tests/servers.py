"""Real server processes for tests: `safetymap serve` as deployed, and the CLI beside it."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Mapping
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

from .waiting import within

STARTUP_TIMEOUT = 20.0
SHUTDOWN_TIMEOUT = 30.0  # a graceful stop saves and compacts every room first


def command() -> list[str]:
    script = Path(sys.executable).parent / "safetymap"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-m", "server.cli"]


def server_env(data_dir: Path, port: int, **settings: str) -> dict[str, str]:
    return {
        **os.environ,
        "SAFETYMAP_DATA_DIR": str(data_dir),
        "SAFETYMAP_BASE_URL": f"http://127.0.0.1:{port}",
        "SAFETYMAP_SQLITE_SYNCHRONOUS": "FULL",
        "SAFETYMAP_LOG_LEVEL": "WARNING",
        **settings,
    }


async def cli(env: Mapping[str, str], *args: str) -> str:
    """Run `safetymap ARGS` to completion; its standard output."""
    proc = await asyncio.create_subprocess_exec(
        *command(),
        *args,
        env=dict(env),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), STARTUP_TIMEOUT)
    assert proc.returncode == 0, err.decode(errors="replace")
    return out.decode()


async def create_meeting(
    env: Mapping[str, str], title: str = "Test (fictional family)", *, waiting_room: bool = False
) -> dict[str, Any]:
    flags = [] if waiting_room else ["--no-waiting-room"]
    created: dict[str, Any] = json.loads(
        await cli(env, "meeting", "create", "--title", title, "--json", *flags)
    )
    created["tokens"] = {role: url.rsplit("/", 1)[1] for role, url in created["links"].items()}
    return created


def read_log(log: Path) -> str:
    return log.read_text(errors="replace") if log.exists() else ""


async def wait_for_port(port: int, proc: asyncio.subprocess.Process, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while True:
        if proc.returncode is not None:
            raise AssertionError(f"process exited early:\n{read_log(log)}")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"port {port} did not open in time") from None
            await asyncio.sleep(0.05)
            continue
        writer.close()
        await writer.wait_closed()
        return


@asynccontextmanager
async def running(
    argv: list[str],
    port: int,
    log: Path,
    env: Mapping[str, str] | None = None,
    *,
    stdout: Path | None = None,
    stop: signal.Signals = signal.SIGKILL,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """Run a server process until `port` accepts; always reap it afterwards.

    Its standard error goes to `log`, and so does its standard output unless `stdout` names
    another file. On the way out it is sent `stop` (SIGINT: a graceful shutdown) and awaited.
    """
    with ExitStack() as files:  # the child keeps its own copies of the descriptors
        sink = files.enter_context(log.open("ab"))
        out = sink if stdout is None else files.enter_context(stdout.open("ab"))
        proc = await asyncio.create_subprocess_exec(
            *argv, env=None if env is None else dict(env), stdout=out, stderr=sink
        )
    try:
        await wait_for_port(port, proc, log)
        yield proc
    finally:
        if proc.returncode is None:
            proc.send_signal(stop)
        try:
            await asyncio.wait_for(proc.wait(), SHUTDOWN_TIMEOUT)
        finally:
            if proc.returncode is None:  # a graceful stop that hung: never leave it behind
                proc.kill()
                await within(proc.wait(), SHUTDOWN_TIMEOUT, f"{argv[0]} exited once killed")


@asynccontextmanager
async def serve(
    env: Mapping[str, str],
    port: int,
    log: Path,
    *,
    stdout: Path | None = None,
    stop: signal.Signals = signal.SIGKILL,
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`safetymap serve` on 127.0.0.1:port (`stdout` and `stop` as for `running`)."""
    argv = [*command(), "serve", "--host", "127.0.0.1", "--port", str(port)]
    async with running(argv, port, log, env, stdout=stdout, stop=stop) as proc:
        yield proc
