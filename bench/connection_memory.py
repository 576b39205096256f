"""What one websocket connection costs the server in memory, and where it goes.

The server runs in a child process of this script (`--serve`), exactly as `safetymap serve`
runs it (`server/ws/serve.py`: uvicorn for HTTP, the server's own websocket, the same options
and event loop), on a fresh SQLite data directory. This script, the parent, makes the
meetings through the product's own `Store` before the server starts, then connects MEETINGS x
CLIENTS stock-protocol Yjs clients (pycrdt, `tests/yclient.py`): each syncs and sets its
presence, the first client of each meeting adds 5 cards, and every client must hold all 5
before anything is measured. The child answers "measure" lines on its standard input with
one JSON line: its RSS (`VmRSS`, after `gc.collect()`) and, when it traces, a tracemalloc
snapshot compared with the idle one.

Two passes, each on its own fresh server: `rss` (no tracing, so the RSS is the real one) and
`trace` (tracemalloc on from the start; its own bookkeeping inflates RSS, so only the traced
sizes count). A number, not a test: it is not part of `pytest`.

    python bench/connection_memory.py                    # both passes, 200 x 5
    python bench/connection_memory.py --pass rss --meetings 50
    python bench/connection_memory.py --group lineno     # top 20 by line instead of by file
    python bench/connection_memory.py --group traceback --frames 6   # and who called it
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's `server`, whatever is installed

from server import logs  # noqa: E402
from server.live import meetings  # noqa: E402
from server.settings import Settings  # noqa: E402
from server.store import Store  # noqa: E402
from server.store.schema import create_engine  # noqa: E402
from server.store.schema.migrate import upgrade  # noqa: E402
from server.ws.serve import Server  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from tests.yclient import YClient  # noqa: E402

CARDS = 5  # added by each meeting's first client, as bench/speed's memory scenario does
CONNECT_AT_ONCE = 25
TOP = 20
CPUS = sorted(os.sched_getaffinity(0))


# The server (child process) ----------------------------------------------------------------


def rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise KeyError("VmRSS")


def _short(path: str) -> str:
    for marker in ("site-packages/", "lib/python3.11/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


class Measurer:
    """RSS, and what tracemalloc saw grow since the idle measurement."""

    def __init__(self, group: str) -> None:
        self.group = group
        self.baseline: tracemalloc.Snapshot | None = None

    def measure(self, label: str) -> dict[str, Any]:
        gc.collect()
        result: dict[str, Any] = {"label": label, "rss_kib": rss_kib()}
        if not tracemalloc.is_tracing():
            return result
        snapshot = tracemalloc.take_snapshot().filter_traces(
            [tracemalloc.Filter(False, tracemalloc.__file__)]
        )
        if self.baseline is None:
            self.baseline = snapshot
            return result
        stats = snapshot.compare_to(self.baseline, self.group)
        result["traced_kib"] = sum(s.size_diff for s in stats) / 1024
        result["top"] = [
            {
                "where": self.where(s.traceback),
                "kib": s.size_diff / 1024,
                "blocks": s.count_diff,
            }
            for s in sorted(stats, key=lambda s: s.size_diff, reverse=True)[:TOP]
        ]
        return result

    def where(self, traceback: tracemalloc.Traceback) -> str:
        if self.group == "filename":
            return _short(traceback[0].filename)
        # Most recent call first: the allocation, then who asked for it.
        frames = [f"{_short(f.filename)}:{f.lineno}" for f in reversed(traceback)]
        return " < ".join(frames)


def serve(port: int, group: str) -> None:
    from server.web.app import create_app

    settings = Settings.from_env().with_address("127.0.0.1", port)
    logs.configure(settings.log_level, settings.log_format)
    server = Server(create_app(settings), settings)  # as server/cli.py's _serve runs it
    # The event loop `run` would choose (uvloop when installed), as `safetymap serve`.
    with asyncio.Runner(loop_factory=server.loop_factory()) as runner:
        runner.run(_serve(server, Measurer(group)))


async def _serve(server: Server, measurer: Measurer) -> None:
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    loop = asyncio.get_running_loop()
    print(json.dumps({"label": "started", "loop": type(loop).__module__}), flush=True)
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:  # the parent is done
            break
        print(json.dumps(measurer.measure(line.strip())), flush=True)
    server.stop()
    await task


# The clients (this process) -----------------------------------------------------------------


class Child:
    def __init__(self, args: argparse.Namespace, workdir: Path, trace: bool) -> None:
        self.port = free_port()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("SAFETYMAP_")},
            "SAFETYMAP_DATA_DIR": str(workdir / "data"),
            "SAFETYMAP_BASE_URL": f"http://127.0.0.1:{self.port}",
            "SAFETYMAP_SECRET_KEY": "bench-secret",
            "SAFETYMAP_LOG_LEVEL": "WARNING",
        }
        self.log = workdir / "server.log"
        # The server on the first CPU, the clients (see `run`) on the second.
        taskset = (
            ["taskset", "-c", str(CPUS[0])] if shutil.which("taskset") and len(CPUS) > 1 else []
        )
        command = [*taskset, sys.executable]
        if trace:
            command += ["-X", f"tracemalloc={args.frames}"]
        command += [__file__, "--serve", str(self.port), "--group", args.group]
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                command, env=self.env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log
            )
        self.loop = str(self.read()["loop"])  # "started", on uvloop or asyncio

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the server exited:\n" + self.log.read_text(errors="replace"))
        answer: dict[str, Any] = json.loads(line)
        return answer

    def measure(self, label: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{label}\n".encode())
        self.proc.stdin.flush()
        return self.read()

    def stop(self) -> None:
        """End of standard input: the server stops as on SIGINT (saving every room)."""
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


async def make_meetings(env: dict[str, str], count: int) -> list[dict[str, Any]]:
    settings = Settings.from_env(env)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        store = Store(engine, settings.secret_key)
        made = []
        for n in range(count):
            meeting = await meetings.create(settings, store, f"Memory {n + 1} (fictional family)")
            meeting["token"] = meeting["links"]["professional"].rsplit("/", 1)[1]
            made.append(meeting)
        return made
    finally:
        await engine.dispose()


async def join(child: Child, meeting: dict[str, Any], clients: int) -> list[YClient]:
    ws_url = f"ws://127.0.0.1:{child.port}/ws"
    people = [YClient(ws_url, meeting["id"], meeting["token"], name=f"Person {n + 1}")
              for n in range(clients)]  # fmt: skip
    for person in people:
        await person.connect()
    for n, person in enumerate(people):
        await asyncio.wait_for(person.synced.wait(), 30)
        await person.set_presence({"user": {"name": f"Person {n + 1}"}, "color": "#1d70b8"})
    return people


async def in_batches(child: Child, chosen: list[dict[str, Any]], clients: int) -> list[YClient]:
    everyone: list[YClient] = []
    for start in range(0, len(chosen), CONNECT_AT_ONCE):
        batch = chosen[start : start + CONNECT_AT_ONCE]
        for people in await asyncio.gather(*(join(child, m, clients) for m in batch)):
            everyone += people
    return everyone


async def edit_and_settle(everyone: list[YClient], clients: int) -> None:
    for first in everyone[::clients]:
        for k in range(CARDS):
            first.add_card(f"card-{k}", "worries", f"Fictional worry {k + 1}")
    for person in everyone:
        await person.wait_for(
            lambda p=person: len(p.cards()) == CARDS and len(p.presence) >= clients, 30
        )


async def one_pass(args: argparse.Namespace, trace: bool) -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="connection-memory-"))
    try:
        env = {"SAFETYMAP_DATA_DIR": str(workdir / "data"), "SAFETYMAP_SECRET_KEY": "bench-secret"}
        made = await make_meetings(env, args.meetings + 1)
        child = Child(args, workdir, trace)
        try:
            # One meeting comes and goes first: imports and caches belong to the baseline.
            warm = await in_batches(child, made[:1], args.clients)
            await edit_and_settle(warm, args.clients)
            await asyncio.gather(*(p.disconnect() for p in warm))
            await asyncio.sleep(2)
            idle = child.measure("idle")
            started = time.monotonic()
            everyone = await in_batches(child, made[1:], args.clients)
            await edit_and_settle(everyone, args.clients)
            joined = time.monotonic() - started
            await asyncio.sleep(1)
            busy = child.measure("connected")
            await asyncio.gather(*(p.disconnect() for p in everyone))
            await asyncio.sleep(2)
            left = child.measure("left")
        finally:
            child.stop()
        return {
            "idle": idle,
            "connected": busy,
            "left": left,
            "join_seconds": joined,
            "loop": child.loop,
        }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report(args: argparse.Namespace, name: str, result: dict[str, Any]) -> None:
    meetings_, connections = args.meetings, args.meetings * args.clients
    idle, busy, left = (result[k]["rss_kib"] for k in ("idle", "connected", "left"))
    print(f"\n{name} pass: {meetings_} x {args.clients} clients, server on {result['loop']} "
          f"(connected and settled in {result['join_seconds']:.1f} s)")  # fmt: skip
    if name == "rss":
        grown = busy - idle
        print(f"  RSS idle {idle / 1024:.1f} MiB, connected {busy / 1024:.1f} MiB, "
              f"after everyone left {left / 1024:.1f} MiB")  # fmt: skip
        print(f"  RSS per meeting {grown / meetings_:.1f} KiB, "
              f"per connection {grown / connections:.1f} KiB")  # fmt: skip
        return
    traced = result["connected"]["traced_kib"]
    print(f"  traced Python heap per meeting {traced / meetings_:.1f} KiB, "
          f"per connection {traced / connections:.1f} KiB")  # fmt: skip
    print(f"  top {TOP} by {args.group} (KiB per meeting, blocks per connection):")
    for row in result["connected"]["top"]:
        print(f"    {row['kib'] / meetings_:7.1f}  {row['blocks'] / connections:6.1f}  "
              f"{row['where']}")  # fmt: skip


async def run(args: argparse.Namespace) -> None:
    if len(CPUS) > 1:
        os.sched_setaffinity(0, {CPUS[1]})
    passes = ["rss", "trace"] if args.passes == "both" else [args.passes]
    results = {name: await one_pass(args, trace=name == "trace") for name in passes}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for name, result in results.items():
        report(args, name, result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--meetings", type=int, default=200)
    parser.add_argument("--clients", type=int, default=5, help="clients per meeting")
    parser.add_argument("--pass", dest="passes", choices=["both", "rss", "trace"], default="both")
    parser.add_argument("--group", choices=["filename", "lineno", "traceback"], default="filename")
    parser.add_argument("--frames", type=int, default=1, help="tracemalloc frames kept")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # a socket per client
    if args.serve:
        serve(args.serve, args.group)
    else:
        asyncio.run(run(args))


if __name__ == "__main__":
    main()
