#!/usr/bin/env python
"""Several `safetymap serve` processes through Redis beside one process, on PostgreSQL.

Every run gets a fresh PostgreSQL database (CREATE DATABASE, dropped afterwards), its own
`redis-server` on a free port, and fresh server processes sharing both. Three setups:

- `2 processes + Redis`: the production path of issue 5;
- `1 process + Redis`: the same process, publishing to a stream nobody else reads;
- `1 process, no Redis`: the single-process path, same PostgreSQL.

Two measurements in each:

1. Relay latency: 20 clients in one meeting (10 on each process when there are two), two
   writers (one per process) at 5 edits/s each. Latency runs from the writer's send to the
   frame's arrival at each other client, split into same-process and cross-process deliveries;
   every edit must reach every other client exactly once. Python clients, one clock.
2. Throughput: 100 meetings of 4 clients (2 on each process when there are two), everyone
   writes round robin, the aggregate rate raised step by step (bench/speed/loadgen.mjs, one
   Node process) until p99 passes 100 ms or deliveries fall behind; the highest rate that
   was fully delivered.

    python bench/cluster_numbers.py                 # full run: 3 runs of each setup, medians
    python bench/cluster_numbers.py --quick         # smoke run, a few minutes
    python bench/cluster_numbers.py --json out.json # and every run's numbers as JSON
    python bench/cluster_numbers.py --layout spread # one CPU per server process

This is a benchmark, not a test; it only checks what must hold for the numbers to mean
anything (nothing lost, nothing delivered twice).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
from pycrdt import Doc, Map
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server.live import meetings
from server.settings import Settings
from server.store import Store
from server.store.schema import create_engine
from server.store.schema.migrate import upgrade
from server.sync import protocol

sys.path.insert(0, str(Path(__file__).resolve().parent / "speed"))

import load_generator
from servers import cpu_seconds, free_port, pinned, safetymap_command, safetymap_env

POSTGRES_ADMIN = os.environ.get(
    "SAFETYMAP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)
SECRET = "cluster-bench-secret-key-not-for-production"


@dataclass(frozen=True, slots=True)
class Setup:
    key: str
    label: str
    processes: int
    redis: bool


SETUPS = (
    Setup("cluster", "2 processes + Redis", 2, True),
    Setup("single_redis", "1 process + Redis", 1, True),
    Setup("single", "1 process, no Redis", 1, False),
)


@dataclass(frozen=True, slots=True)
class Plan:
    runs: int = 3
    room_clients: int = 20
    writers: int = 2
    rate_per_writer: float = 5.0
    relay_seconds: float = 30.0
    meetings: int = 100
    meeting_clients: int = 4
    cost_rate: float = 100.0  # edits/s over all meetings, well below where the climb ends
    cost_seconds: float = 20.0
    # The first, light step lets 400 joins settle; then finer steps where the limit was seen.
    rates: tuple[int, ...] = (50, 100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000,
                              2500, 3000, 4000, 6000)  # fmt: skip
    step_seconds: float = 5.0
    refine: int = 2
    drain_ms: int = 5000
    p99_limit_ms: float = 100.0


FULL = Plan()
QUICK = Plan(runs=1, relay_seconds=5.0, cost_seconds=5.0, rates=(50, 100, 200, 400, 800, 1600),
             step_seconds=2.0, refine=0, drain_ms=3000)  # fmt: skip


def log(text: str) -> None:
    print(f"[cluster] {text}", file=sys.stderr, flush=True)


async def port_open(port: int) -> bool:
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


# Pinning -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Layout:
    """Which CPUs each server process and the load generators get (None: not pinned)."""

    servers: tuple[int | None, int | None]
    load: int | None
    text: str


def layout(name: str) -> Layout:
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return Layout((None, None), None, "not pinned (one CPU)")
    a, b = cpus[0], cpus[1]
    if name == "spread":
        return Layout(
            (a, b), None, f"server processes on CPU {a} and CPU {b}, load generators unpinned"
        )
    return Layout((a, a), b, f"every server process on CPU {a}, load generators on CPU {b}")


# PostgreSQL, Redis and the servers -------------------------------------------------------------


@contextlib.asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """A new PostgreSQL database for one run, dropped (even with connections left) after it."""
    name = f"safetymap_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(POSTGRES_ADMIN, timeout=5)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        host = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
        yield f"{host}/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


@contextlib.asynccontextmanager
async def redis_server(folder: Path) -> AsyncIterator[tuple[str, int]]:
    """Our own redis-server on a free port, keeping nothing on disk (as the tests' one)."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed")
    port = free_port()
    argv = [binary, "--save", "", "--appendonly", "no", "--bind", "127.0.0.1",
            "--port", str(port), "--dir", str(folder)]  # fmt: skip
    with (folder / "redis.log").open("ab") as sink:
        proc = await asyncio.create_subprocess_exec(*argv, stdout=sink, stderr=sink)
    try:
        deadline = time.monotonic() + 10
        while not await port_open(port):
            if proc.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            await asyncio.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0", proc.pid
    finally:
        proc.kill()
        await proc.wait()


class ServerProcess:
    """`safetymap serve` on its own port, pinned with taskset (threads inherit the mask)."""

    def __init__(self, folder: Path, index: int, shared: dict[str, str], cpu: int | None):
        self.port = free_port()
        self.log_path = folder / f"server{index}.log"
        self.env = safetymap_env(folder / f"data{index}", self.port, **shared)
        self.cpu = cpu
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        argv = [*pinned(self.cpu), *safetymap_command(), "serve",
                "--host", "127.0.0.1", "--port", str(self.port)]  # fmt: skip
        with self.log_path.open("ab") as sink:
            self.proc = await asyncio.create_subprocess_exec(
                *argv, env=self.env, stdout=sink, stderr=sink
            )
        deadline = time.monotonic() + 30
        while not await self._ready():
            if self.proc.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start:\n{self.log_tail()}")
            await asyncio.sleep(0.1)

    async def _ready(self) -> bool:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.write(b"GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        status = await reader.readline()
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return b" 200 " in status

    async def stop(self) -> None:
        if self.proc is None or self.proc.returncode is not None:
            return
        self.proc.send_signal(signal.SIGTERM)  # as an operator would: rooms saved, 1012 sent
        try:
            await asyncio.wait_for(self.proc.wait(), 30)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def log_tail(self, lines: int = 20) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def log_problems(self) -> list[str]:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        starts = ("ERROR", "WARNING", "Traceback", '{"level": "ERROR', '{"level": "WARNING')
        return [line[:200] for line in text.splitlines() if line.startswith(starts)]

    def url(self, meeting: dict[str, Any], name: str) -> str:
        token = meeting["links"]["professional"].rsplit("/", 1)[1]
        query = urlencode({"token": token, "name": name})
        return f"ws://127.0.0.1:{self.port}/ws/{meeting['id']}?{query}"


async def make_meetings(db_url: str, count: int) -> list[dict[str, Any]]:
    """Schema and meetings through the product's own Store, before any server starts."""
    settings = Settings.from_env({"SAFETYMAP_DATABASE_URL": db_url, "SAFETYMAP_SECRET_KEY": SECRET})
    engine = create_engine(db_url)
    try:
        await upgrade(engine)
        store = Store(engine, settings.secret_key)
        return [
            await meetings.create(settings, store, f"Bench meeting {n + 1} (fictional family)")
            for n in range(count)
        ]
    finally:
        await engine.dispose()


# 1. Relay latency with Python clients ---------------------------------------------------------

EDIT_KEY = re.compile(rb"\x0c~bk(\d{9})")  # the key's length (12) then the key itself


def edit_key(n: int) -> str:
    return f"~bk{n:09d}"  # the same shape as loadgen.mjs's edits


class Client:
    """A y-websocket client that finds edit ids in the bytes of each update it receives."""

    def __init__(self, url: str, index: int, process: int) -> None:
        self.url = url
        self.index = index
        self.process = process
        self.doc: Doc[Any] = Doc()
        self.map: Map[Any] = self.doc.get("bench", type=Map)
        self.ws: ClientConnection | None = None
        self.synced = asyncio.Event()
        self.arrivals: dict[int, float] = {}
        self.duplicates = 0
        self.closed = False
        self._reader: asyncio.Task[None] | None = None

    async def open(self) -> None:
        self.ws = await connect(self.url, max_size=None, ping_interval=None, compression=None)
        self._reader = asyncio.create_task(self._read(self.ws))
        await self.ws.send(protocol.encode(protocol.SyncStep1(self.doc.get_state())))
        await asyncio.wait_for(self.synced.wait(), 30)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader

    def edit(self, n: int) -> bytes:
        before = self.doc.get_state()
        self.map[edit_key(n)] = self.index
        return protocol.encode(protocol.SyncUpdate(self.doc.get_update(before)))

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for frame in ws:
                now = time.perf_counter()  # before any parsing
                assert isinstance(frame, bytes)
                match protocol.decode(frame):
                    case protocol.SyncStep1(state_vector):
                        await ws.send(
                            protocol.encode(protocol.SyncStep2(self.doc.get_update(state_vector)))
                        )
                    case protocol.SyncStep2(_):
                        self.synced.set()
                    case protocol.SyncUpdate(update):
                        for found in EDIT_KEY.finditer(update):
                            n = int(found.group(1))
                            if n in self.arrivals:
                                self.duplicates += 1
                            else:
                                self.arrivals[n] = now
        except ConnectionClosed:
            pass
        self.closed = True


def summary(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0, "p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, -(-99 * len(ordered) // 100) - 1))  # nearest rank
    return {
        "n": len(ordered),
        "p50": statistics.median(ordered),
        "p99": ordered[rank],
        "max": ordered[-1],
    }


async def open_all(clients: list[Client], parallel: int = 25) -> None:
    for first in range(0, len(clients), parallel):
        await asyncio.gather(*(c.open() for c in clients[first : first + parallel]))


async def scheduled_edits(
    servers: list[ServerProcess],
    rooms: list[dict[str, Any]],
    per_room: int,
    writers_per_room: int,
    rate_per_writer: float,
    seconds: float,
    drain_ms: int,
    extra_pids: tuple[int, ...] = (),
) -> dict[str, Any]:
    """Edits on a fixed schedule in every room; latency and exactly-once delivery checked.

    A room's clients are split into contiguous halves over the processes (10/10 of 20);
    its writers are spread evenly over its clients, so with two processes there is a writer
    on each. Also the CPU time the servers (and `extra_pids`: Redis) spent meanwhile.
    """
    clients: list[Client] = []
    members: list[list[Client]] = []
    for room in rooms:
        group = []
        for i in range(per_room):
            process = i * len(servers) // per_room
            url = servers[process].url(room, f"Person {i + 1}")
            group.append(Client(url, len(clients) + i, process))
        clients += group
        members.append(group)
    await open_all(clients)
    schedule: list[tuple[float, Client, int, bytes]] = []
    writer_count = len(rooms) * writers_per_room
    n = 0
    for r, group in enumerate(members):
        for k in range(writers_per_room):
            writer = group[k * per_room // writers_per_room]
            # Evenly phased over all writers, so the aggregate rate is steady.
            phase = (r * writers_per_room + k) / writer_count / rate_per_writer
            for i in range(round(rate_per_writer * seconds)):
                schedule.append((phase + i / rate_per_writer, writer, n, writer.edit(n)))
                n += 1
    schedule.sort(key=lambda item: item[0])
    room_of = {c.index: r for r, group in enumerate(members) for c in group}
    sent: dict[int, tuple[float, Client]] = {}
    pids = [s.pid for s in servers] + list(extra_pids)
    cpu_before = [cpu_seconds(pid) for pid in pids]
    start = time.perf_counter() + 0.2
    for at, writer, edit, frame in schedule:
        delay = start + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)  # a fixed schedule: a late send does not shift the rest
        assert writer.ws is not None
        sent[edit] = (time.perf_counter(), writer)
        await writer.ws.send(frame)
    sending = time.perf_counter() - start
    expected = len(sent) * (per_room - 1)

    def delivered() -> int:
        return sum(1 for c in clients for e in c.arrivals if sent[e][1] is not c)

    deadline = time.perf_counter() + drain_ms / 1000
    # Polling: arrivals are counted by every client's reader task, with no event to wait on.
    while delivered() < expected and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    busy = time.perf_counter() - start
    cpu = [cpu_seconds(pid) - b for pid, b in zip(pids, cpu_before, strict=True)]
    same: list[float] = []
    cross: list[float] = []
    echoes = strays = 0
    for client in clients:
        for edit, arrived in client.arrivals.items():
            at, writer = sent[edit]
            if writer is client:
                echoes += 1
            elif room_of[writer.index] != room_of[client.index]:
                strays += 1  # an edit of another meeting: must never happen
            else:
                (same if writer.process == client.process else cross).append(1000 * (arrived - at))
    closed = sum(c.closed for c in clients)
    await asyncio.gather(*(c.close() for c in clients))
    return {
        "edits": len(sent),
        "expected": expected,
        "delivered": len(same) + len(cross),
        "lost": expected - len(same) - len(cross),
        "duplicates": sum(c.duplicates for c in clients),
        "echoes": echoes,
        "other_meeting": strays,
        "closed": closed,
        "all": summary(same + cross),
        "same": summary(same),
        "cross": summary(cross),
        "send_seconds": sending,
        "server_cpu_percent": [100 * c / busy for c in cpu[: len(servers)]],
        "server_cpu_ms_per_edit": 1000 * sum(cpu[: len(servers)]) / max(1, len(sent)),
        "redis_cpu_ms_per_edit": 1000 * sum(cpu[len(servers) :]) / max(1, len(sent)),
    }


async def relay_latency(
    servers: list[ServerProcess], meeting: dict[str, Any], plan: Plan
) -> dict[str, Any]:
    return await scheduled_edits(
        servers, [meeting], plan.room_clients, plan.writers, plan.rate_per_writer,
        plan.relay_seconds, plan.drain_ms,
    )  # fmt: skip


async def cpu_cost(
    servers: list[ServerProcess], rooms: list[dict[str, Any]], plan: Plan, redis_pid: int | None
) -> dict[str, Any]:
    """A fixed, moderate aggregate rate over every meeting: server CPU time per edit.

    Unlike the climb, this hardly depends on what else the machine runs: CPU time is
    counted only while our processes run.
    """
    return await scheduled_edits(
        servers, rooms, plan.meeting_clients, plan.meeting_clients,
        plan.cost_rate / len(rooms) / plan.meeting_clients, plan.cost_seconds, plan.drain_ms,
        () if redis_pid is None else (redis_pid,),
    )  # fmt: skip


# 2. Throughput with bench/speed/loadgen.mjs --------------------------------------------------


async def throughput(
    servers: list[ServerProcess], rooms: list[dict[str, Any]], plan: Plan, cpu: int | None
) -> dict[str, Any]:
    # Clients alternate between the processes, so every meeting spans all of them.
    urls = [
        [servers[k % len(servers)].url(m, f"Person {k + 1}") for k in range(plan.meeting_clients)]
        for m in rooms
    ]
    result = await asyncio.to_thread(
        load_generator.run,
        {
            "mode": "steps",
            "rooms": urls,
            "rates": list(plan.rates),
            "seconds": plan.step_seconds,
            "p99LimitMs": plan.p99_limit_ms,
            "pauseMs": 1000,
            "refine": plan.refine,
            "drainMs": plan.drain_ms,
        },
        cpu,
    )
    steps = [
        {
            "rate": s["rate"],
            "pass": s["pass"],
            "reasons": s["reasons"],
            "p50": s["latencyMs"]["p50"],
            "p99": s["latencyMs"]["p99"],
            "lost": s["lost"],
            "duplicates": s["duplicates"],
            "deliveries": s["delivered"],
        }
        for s in result["steps"]
    ]
    passed = [s for s in steps if s["pass"]]
    best = max(passed, key=lambda s: s["rate"]) if passed else None
    return {
        "best": result["best"],
        "deliveries_per_second": best["deliveries"] / plan.step_seconds if best else 0.0,
        "p99_at_best": best["p99"] if best else float("nan"),
        "lost_in_passing_steps": sum(s["lost"] for s in passed),
        "duplicates_in_passing_steps": sum(s["duplicates"] for s in passed),
        "steps": steps,
    }


# One run of one setup --------------------------------------------------------------------------


async def warm_up(servers: list[ServerProcess], meeting: dict[str, Any]) -> None:
    """One client per process, a few edits each way: imports and first-use caches paid here."""
    clients = [Client(s.url(meeting, f"Warm {i}"), i, i) for i, s in enumerate(servers)]
    for client in clients:
        await client.open()
    for n, client in enumerate(clients * 5):
        assert client.ws is not None
        await client.ws.send(client.edit(n))
    deadline = time.perf_counter() + 10
    while any(len(c.arrivals) < 5 * (len(clients) - 1) for c in clients):
        if time.perf_counter() > deadline:
            raise RuntimeError("warm-up edits were not relayed")
        await asyncio.sleep(0.02)
    await asyncio.gather(*(c.close() for c in clients))


async def one_run(setup: Setup, plan: Plan, where: Layout) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="safetymap-cluster-bench-") as tmp:
        folder = Path(tmp)
        async with contextlib.AsyncExitStack() as stack:
            db_url = await stack.enter_async_context(fresh_database())
            shared = {"SAFETYMAP_DATABASE_URL": db_url, "SAFETYMAP_SECRET_KEY": SECRET}
            redis_pid = None
            if setup.redis:
                url, redis_pid = await stack.enter_async_context(redis_server(folder))
                shared["SAFETYMAP_REDIS_URL"] = url
            else:
                shared["SAFETYMAP_SINGLE_PROCESS"] = "1"  # one process on PostgreSQL: no relay
            made = await make_meetings(db_url, 2 + plan.meetings)
            warm, room, many = made[0], made[1], made[2:]
            servers = [
                ServerProcess(folder, i, shared, where.servers[i % 2])
                for i in range(setup.processes)
            ]
            problems: list[str] = []
            try:
                await asyncio.gather(*(s.start() for s in servers))
                await warm_up(servers, warm)
                latency = await relay_latency(servers, room, plan)
                cost = await cpu_cost(servers, many, plan, redis_pid)
                rate = await throughput(servers, many, plan, where.load)
            finally:
                await asyncio.gather(*(s.stop() for s in servers))
                for i, server in enumerate(servers):
                    problems += [f"server {i}: {line}" for line in server.log_problems()]
                if problems:  # keep the whole logs: the temporary folder goes away
                    kept = Path(tempfile.mkdtemp(prefix=f"safetymap-cluster-logs-{setup.key}-"))
                    for server in servers:
                        shutil.copy(server.log_path, kept)
                    problems.insert(0, f"server logs kept in {kept}")
        return {
            "latency": latency,
            "cost": cost,
            "throughput": rate,
            "problems": problems,
            "load": loadavg(),
        }


# Report ----------------------------------------------------------------------------------------


def median(values: list[float]) -> float:
    finite = [v for v in values if v == v]
    return statistics.median(finite) if finite else float("nan")


def combine(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over runs of each number; totals of what must be zero."""
    lat = [r["latency"] for r in runs]
    out: dict[str, Any] = {"runs": len(runs)}
    for part in ("all", "same", "cross"):
        out[part] = {k: median([x[part][k] for x in lat]) for k in ("p50", "p99", "max")}
        out[part]["n"] = sum(x[part]["n"] for x in lat)
    out["lost"] = sum(x["lost"] for x in lat)
    out["duplicates"] = sum(x["duplicates"] for x in lat)
    out["closed"] = sum(x["closed"] for x in lat)
    out["expected"] = sum(x["expected"] for x in lat)
    out["relay_cpu_percent"] = median([sum(x["server_cpu_percent"]) for x in lat])
    cost = [r["cost"] for r in runs]
    out["cost"] = {
        "rate": statistics.mean(x["edits"] / x["send_seconds"] for x in cost),
        "server_ms_per_edit": median([x["server_cpu_ms_per_edit"] for x in cost]),
        "redis_ms_per_edit": median([x["redis_cpu_ms_per_edit"] for x in cost]),
        "p50": median([x["all"]["p50"] for x in cost]),
        "p99": median([x["all"]["p99"] for x in cost]),
        "cross_p99": median([x["cross"]["p99"] for x in cost]),
        "lost": sum(x["lost"] for x in cost),
        "duplicates": sum(x["duplicates"] for x in cost),
        "other_meeting": sum(x["other_meeting"] for x in cost),
        "deliveries": sum(x["expected"] for x in cost),
    }
    tp = [r["throughput"] for r in runs]
    out["best_rates"] = [x["best"] for x in tp]
    out["best"] = median([x["best"] for x in tp])
    out["deliveries_per_second"] = median([x["deliveries_per_second"] for x in tp])
    out["p99_at_best"] = median([x["p99_at_best"] for x in tp])
    out["tp_lost"] = sum(x["lost_in_passing_steps"] for x in tp)
    out["tp_duplicates"] = sum(x["duplicates_in_passing_steps"] for x in tp)
    return out


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:,.{digits}f}"


def table(results: dict[str, dict[str, Any]], meta: dict[str, Any]) -> str:
    labels = {s.key: s.label for s in SETUPS if s.key in results}
    keys = list(labels)
    rows: list[tuple[str, ...]] = [("", *(labels[k] for k in keys))]

    def row(name: str, get: Any) -> None:
        rows.append((name, *(get(results[k]) for k in keys)))

    for part, title in (("all", "all"), ("same", "same process"), ("cross", "cross process")):
        for stat in ("p50", "p99", "max"):
            row(f"relay {title} {stat} (ms)", lambda r, p=part, s=stat: fmt(r[p][s]))
    row("relay deliveries checked", lambda r: f"{r['all']['n'] + r['lost']:,}")
    row("relay lost / duplicates", lambda r: f"{r['lost']} / {r['duplicates']}")
    row("server CPU while relaying (%)", lambda r: fmt(r["relay_cpu_percent"], 0))
    rate = meta["plan"]["cost_rate"]
    row(f"{rate:g} edits/s over 100 meetings: p50 (ms)", lambda r: fmt(r["cost"]["p50"]))
    row("  p99 (ms)", lambda r: fmt(r["cost"]["p99"]))
    row("  cross-process p99 (ms)", lambda r: fmt(r["cost"]["cross_p99"]))
    row(
        "  server CPU per edit, all processes (ms)",
        lambda r: fmt(r["cost"]["server_ms_per_edit"], 2),
    )
    row("  Redis CPU per edit (ms)", lambda r: fmt(r["cost"]["redis_ms_per_edit"], 2))
    row("  deliveries checked; lost / dup", lambda r: f"{r['cost']['deliveries']:,}; "
        f"{r['cost']['lost']} / {r['cost']['duplicates']}")  # fmt: skip
    row("throughput climb (edits/s, median)", lambda r: fmt(r["best"], 0))
    row("  each run", lambda r: ", ".join(str(x) for x in r["best_rates"]))
    row("  deliveries/s at that rate", lambda r: fmt(r["deliveries_per_second"], 0))
    row("  p99 at that rate (ms)", lambda r: fmt(r["p99_at_best"]))
    row("  lost / duplicates (passing steps)", lambda r: f"{r['tp_lost']} / {r['tp_duplicates']}")
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        f"Safety Map cluster numbers ({meta['mode']} run, {meta['runs']} run(s) per setup, "
        f"medians), PostgreSQL + Redis, {meta['layout']}; {meta['wall_minutes']:.1f} min",
        f"load average {meta['load_before']} before, {meta['load_after']} after "
        "(a shared machine: other engineers' work ran meanwhile)",
        "",
    ]
    for r in rows:
        cells = [c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)]
        lines.append("  ".join([r[0].ljust(widths[0]), *cells]))
    lines += [f"problem: {p}" for p in meta["problems"][:20]]
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    plan = QUICK if args.quick else FULL
    if args.runs:
        plan = Plan(**{**asdict(plan), "runs": args.runs})
    load_generator.ensure_installed()  # before any run, not in the middle of one
    where = layout(args.layout)
    if where.load is not None:
        os.sched_setaffinity(0, {where.load})  # the Python clients share the Node one's CPU
    chosen = [s for s in SETUPS if s.key in args.setups]
    started = time.monotonic()
    load_before = loadavg()
    runs: dict[str, list[dict[str, Any]]] = {s.key: [] for s in chosen}
    problems: list[str] = []
    # Interleaved (setup A, B, C, then A, B, C again) so a busy minute on the shared machine
    # does not fall on one setup's runs only.
    for n in range(plan.runs):
        for setup in chosen:
            log(f"run {n + 1}/{plan.runs}: {setup.label}")
            result = await one_run(setup, plan, where)
            lat, tp = result["latency"], result["throughput"]
            log(
                f"  relay p50 {lat['all']['p50']:.1f} p99 {lat['all']['p99']:.1f} "
                f"(cross p99 {lat['cross']['p99']:.1f}) ms, lost {lat['lost']}, dup "
                f"{lat['duplicates']}; throughput {tp['best']} edits/s; load {result['load']}"
            )
            runs[setup.key].append(result)
            problems += [f"{setup.key} run {n + 1}: {p}" for p in result["problems"]]
    results = {key: combine(value) for key, value in runs.items()}
    meta: dict[str, Any] = {
        "mode": "quick" if args.quick else "full",
        "runs": plan.runs,
        "plan": asdict(plan),
        "layout": where.text,
        "cpus": os.cpu_count(),
        "wall_minutes": (time.monotonic() - started) / 60,
        "load_before": load_before,
        "load_after": loadavg(),
        "problems": problems,
        "raw": runs,
    }
    return results, meta


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run, a few minutes")
    parser.add_argument("--runs", type=int, help="runs of each setup (default 3, quick 1)")
    parser.add_argument("--json", type=Path, help="also write every number (each run) to this file")
    parser.add_argument(
        "--layout",
        choices=["packed", "spread"],
        default="packed",
        help="packed: all servers on the first CPU, load generators on the second (default); "
        "spread: one CPU per server process, load generators unpinned",
    )
    parser.add_argument(
        "--setups", nargs="+", choices=[s.key for s in SETUPS], default=[s.key for s in SETUPS]
    )
    args = parser.parse_args()
    results, meta = asyncio.run(run(args))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "meta": meta}, indent=1))
    print(table(results, meta))
    return 0


if __name__ == "__main__":
    sys.exit(main())
