#!/usr/bin/env python
"""Live numbers for a real `safetymap serve`: relay latency, cold-load time, memory.

Each scenario starts the server as a subprocess on a fresh SQLite database (synchronous=FULL
unless told otherwise) and drives it from this process with plain websocket Yjs peers that
speak `server.sync.protocol`. It prints one table, or JSON with `--json`. This is not a test: it
only checks what must hold for the numbers to mean anything (every edit delivered exactly
once, every item loaded).

    python bench/live_numbers.py           # full run, under a minute on 2 cores
    python bench/live_numbers.py --quick   # smoke run
    python bench/live_numbers.py --json    # machine-readable
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import asdict, dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from pycrdt import Doc, Map, Text
from sqlalchemy import func, select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server.board.permissions import Layer
from server.live import meetings
from server.settings import Settings
from server.store import LogEntry, Store
from server.store.schema import create_engine, updates
from server.store.schema.migrate import upgrade
from server.sync import awareness, crdt, protocol

T = TypeVar("T")

# Fictional card texts; the sections are the document model's required ones.
TEXTS = (
    "Nan walks Ellie and Sam to school every weekday",
    "Dad has kept every contact visit since June",
    "Ellie told her teacher she is scared when the shouting starts",
    "Mum rings the family support worker when things get hard",
    "The neighbour, Mrs Okafor, has a spare key and checks in each evening",
    "Sam's attendance dropped to 70 percent this term",
)
SECTIONS = ("harm", "danger", "complicating", "strengths", "safety", "goals", "next_steps")
CREATED_AT = "2025-03-04T10:15:00+00:00"


@dataclass(frozen=True, slots=True)
class Plan:
    room_clients: int = 10
    edits: int = 500
    rate: float = 50.0  # edits per second
    items: int = 5000
    load_runs: int = 5
    meetings: int = 100
    clients_per_meeting: int = 2
    cards_per_meeting: int = 5


FULL = Plan()
QUICK = Plan(edits=100, items=1000, load_runs=2, meetings=20)


# Report ------------------------------------------------------------------------------------


class Report:
    """Rows for the table and the same numbers, nested, for --json."""

    def __init__(self) -> None:
        self.title = ""
        self.rows: list[tuple[str, str, str]] = []
        self.data: dict[str, Any] = {}
        self.notes: list[str] = []

    def section(self, key: str, title: str) -> None:
        self.data[key] = {}
        self.rows.append((title, "", ""))
        self._key = key

    def add(self, key: str, label: str, value: float | int | str, unit: str = "") -> None:
        self.data[self._key][key] = value
        if isinstance(value, float):
            shown = f"{value:,.2f}"
        elif isinstance(value, int):
            shown = f"{value:,}"
        else:
            shown = value
        self.rows.append(("", label, f"{shown} {unit}".rstrip()))

    def table(self) -> str:
        width = max(len(label) for _, label, _ in self.rows) + 2
        lines = [self.title]
        for title, label, value in self.rows:
            lines.append(title if title else f"  {label:<{width}}{value:>14}")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)


def ms(seconds: float) -> float:
    return seconds * 1000.0


def percentile(values: list[float], p: int) -> float:
    # statistics.quantiles with n=100 gives the 1st..99th percentile cut points.
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


# The server process ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def safetymap_command() -> list[str]:
    # The console script next to this interpreter, so a pyenv shim does not sit in between.
    beside = Path(sys.executable).parent / "safetymap"
    found = str(beside) if beside.exists() else shutil.which("safetymap")
    return [found] if found else [sys.executable, "-m", "server.cli"]


class ServerProcess:
    """`safetymap serve` on its own data directory and port, pinned to one CPU."""

    def __init__(self, data_dir: Path, synchronous: str, cpus: set[int] | None) -> None:
        data_dir.mkdir(parents=True)
        self.port = free_port()
        # Inherited SAFETYMAP_* settings (say a PostgreSQL URL) would change what is measured.
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYMAP_")}
        self.env = {
            **inherited,
            "SAFETYMAP_DATA_DIR": str(data_dir),
            "SAFETYMAP_BASE_URL": f"http://127.0.0.1:{self.port}",
            "SAFETYMAP_SQLITE_SYNCHRONOUS": synchronous,
        }
        self.settings = Settings.from_env(self.env)
        self.log_path = data_dir / "server.log"
        self.cpus = cpus
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def _spawn(self) -> None:
        command = [*safetymap_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        if self.cpus:
            # Set before the interpreter has started its threads, so they all inherit it.
            os.sched_setaffinity(self.proc.pid, self.cpus)

    async def start(self) -> None:
        self._spawn()
        deadline = time.monotonic() + 30
        while not await self._healthy():
            assert self.proc is not None
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"server did not start; see {self.log_path}:\n{self.log_tail()}")
            await asyncio.sleep(0.05)

    async def _healthy(self) -> bool:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        except OSError:
            return False
        writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        status = await reader.readline()
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return b" 200 " in status

    async def stop(self) -> None:
        """SIGINT, as an operator would: uvicorn drains and the lifespan saves every room."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            await asyncio.wait_for(asyncio.to_thread(self.proc.wait), 30)
        except TimeoutError:
            self.proc.kill()
            await asyncio.to_thread(self.proc.wait)

    def status_kib(self, field: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise KeyError(field)

    def cpu_seconds(self) -> float:
        # utime + stime of the whole process (all threads), fields 14 and 15 of stat.
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_problems(self) -> list[str]:
        text = self.log_path.read_text(errors="replace").splitlines()
        return [line for line in text if line.startswith(("ERROR", "WARNING", "Traceback"))]

    def url(self, meeting: dict[str, Any], role: str, name: str) -> str:
        token = meeting["links"][role].rsplit("/", 1)[1]
        return f"{meeting['ws_url']}/{meeting['id']}?" + urlencode({"token": token, "name": name})


async def with_store(settings: Settings, work: Callable[[Store], Awaitable[T]]) -> T:
    """Run `work` against the server's own SQLite file, through the product's Store."""
    engine = create_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    await upgrade(engine)
    try:
        return await work(Store(engine, settings.secret_key))
    finally:
        await engine.dispose()


async def create_meetings(server: ServerProcess, store: Store, count: int) -> list[dict[str, Any]]:
    return [
        await meetings.create(server.settings, store, f"Bench meeting {i + 1}")
        for i in range(count)
    ]


# A bare Yjs peer ---------------------------------------------------------------------------


def new_card(n: int, author: str) -> Map[Any]:
    return Map(
        {
            "section": SECTIONS[n % len(SECTIONS)],
            "text": Text(f"{TEXTS[n % len(TEXTS)]} ({n})"),
            "order": f"a{n:06d}V",  # fixed width: string order is creation order
            "author": author,
            "createdAt": CREATED_AT,
        }
    )


class Peer:
    """A pycrdt Doc on a websocket that notes when each frame, and each new card, arrived."""

    def __init__(self, url: str, *, track: bool = True) -> None:
        self.url = url
        self.doc: Doc[Any] = Doc()
        self.items: Map[Any] = self.doc.get("items", type=Map)
        self.ws: ClientConnection | None = None
        self.synced = asyncio.Event()
        self.marks: dict[str, float] = {}  # phase -> perf_counter
        self.arrivals: dict[str, float] = {}  # card id -> when the frame carrying it arrived
        self.update_frames = 0
        self.empty_frames = 0  # updates that brought no new card: a repeated delivery
        self.step2_bytes = 0
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self._added: list[str] = []
        if track:
            self.items.observe(lambda event: self._added.extend(event.keys))

    async def connect(self) -> None:
        self.ws = await connect(self.url, max_size=None, ping_interval=None, compression=None)
        self._reader = asyncio.create_task(self._read(self.ws))
        await self.ws.send(protocol.encode(protocol.SyncStep1(self.doc.get_state())))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader

    async def _read(self, ws: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for frame in ws:
                # Stamp before decoding: the latency is the network path, not our parsing.
                now = time.perf_counter()
                assert isinstance(frame, bytes)
                match protocol.decode(frame):
                    case protocol.SyncStep1(state_vector):
                        self.marks.setdefault("step1", now)
                        reply = protocol.SyncStep2(self.doc.get_update(state_vector))
                        await ws.send(protocol.encode(reply))
                    case protocol.SyncStep2(update):
                        self.marks["step2"] = now
                        self.step2_bytes = len(frame)
                        self._apply(update, now)
                        self.marks["applied"] = time.perf_counter()
                        self.synced.set()
                    case protocol.SyncUpdate(update):
                        self.update_frames += 1
                        if not self._apply(update, now):
                            self.empty_frames += 1
                self._changed.set()
        self._changed.set()

    def _apply(self, update: bytes, now: float) -> int:
        self._added.clear()
        self.doc.apply_update(update)
        for key in self._added:
            self.arrivals.setdefault(key, now)
        return len(self._added)

    async def wait_for(self, condition: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("condition not met in time")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_for_cards(self, cards: Collection[str], timeout: float) -> None:
        await self.wait_for(lambda: all(card in self.arrivals for card in cards), timeout)

    def add_card(self, card_id: str, n: int) -> bytes:
        """Add one card in its own transaction; return the frame that carries it."""
        before = self.doc.get_state()
        self.items[card_id] = new_card(n, author="bench")
        return protocol.encode(protocol.SyncUpdate(self.doc.get_update(before)))

    async def send(self, frame: bytes) -> None:
        assert self.ws is not None
        await self.ws.send(frame)

    async def set_presence(self, name: str) -> None:
        entry = awareness.Entry(self.doc.client_id, 1, {"user": {"name": name}, "cursor": None})
        await self.send(protocol.encode(protocol.AwarenessUpdate(awareness.encode_update([entry]))))


async def connect_all(peers: list[Peer], parallel: int = 20) -> None:
    gate = asyncio.Semaphore(parallel)

    async def one(peer: Peer) -> None:
        async with gate:
            await peer.connect()
            await asyncio.wait_for(peer.synced.wait(), 30)

    await asyncio.gather(*(one(peer) for peer in peers))


# 1. Relay latency --------------------------------------------------------------------------


async def relay(root: Path, plan: Plan, sync: str, cpus: set[int] | None, report: Report) -> None:
    server = ServerProcess(root / "relay", sync, cpus)
    [meeting] = await with_store(server.settings, lambda s: create_meetings(server, s, 1))
    await server.start()
    try:
        roles = ["facilitator"] + ["professional", "family"] * plan.room_clients
        peers = [
            Peer(server.url(meeting, roles[i], f"Person {i + 1}")) for i in range(plan.room_clients)
        ]
        await connect_all(peers)
        writer, readers = peers[0], peers[1:]
        sent: dict[str, float] = {}
        cpu_before = server.cpu_seconds()
        start = time.perf_counter()
        for seq in range(plan.edits):
            # A steady rate from a fixed schedule, so a late send does not shift the rest.
            delay = start + seq / plan.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            frame = writer.add_card(f"edit-{seq:05d}", seq)
            sent[f"edit-{seq:05d}"] = time.perf_counter()
            await writer.send(frame)
        sending = time.perf_counter() - start
        for reader in readers:
            with contextlib.suppress(TimeoutError):
                await reader.wait_for_cards(sent.keys(), 15)
        cpu = server.cpu_seconds() - cpu_before
        latencies = [
            reader.arrivals[key] - at
            for reader in readers
            for key, at in sent.items()
            if key in reader.arrivals
        ]
        expected = len(sent) * len(readers)
        await asyncio.gather(*(peer.close() for peer in peers))
    finally:
        await server.stop()
        report.notes.extend(f"relay server log: {line}" for line in server.log_problems())

    report.section(
        "relay",
        f"1. Relay: {plan.room_clients} clients in one room, 1 writer, "
        f"{plan.edits} card edits at {plan.rate:g}/s",
    )
    report.add("deliveries", "deliveries (edits x receivers)", len(latencies))
    report.add("lost", "lost", expected - len(latencies))
    report.add("repeated", "delivered more than once", sum(r.empty_frames for r in readers))
    report.add("echoed_to_writer", "echoed back to the writer", writer.update_frames)
    report.add("median_ms", "latency median", ms(statistics.median(latencies)), "ms")
    report.add("p95_ms", "latency p95", ms(percentile(latencies, 95)), "ms")
    report.add("p99_ms", "latency p99", ms(percentile(latencies, 99)), "ms")
    report.add("max_ms", "latency max", ms(max(latencies)), "ms")
    report.add("send_seconds", "time to send all edits", sending, "s")
    report.add("server_cpu_percent", "server CPU while relaying", 100 * cpu / sending, "%")


# 2. Cold load ------------------------------------------------------------------------------


def card_log(count: int) -> list[bytes]:
    """The update log one client leaves by adding `count` cards one at a time."""
    doc: Doc[Any] = Doc()
    items = doc.get("items", type=Map)
    log = []
    for n in range(count):
        before = doc.get_state()
        items[f"card-{n:05d}"] = new_card(n, author="bench")
        log.append(doc.get_update(before))
    return log


def median_time(runs: int, work: Callable[[], object]) -> float:
    """Median wall time of `work`, measured here on the load generator's CPU."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


async def cold_load(server: ServerProcess, meeting: dict[str, Any], items: int) -> dict[str, float]:
    peer = Peer(server.url(meeting, "professional", "Loader"), track=False)
    start = time.perf_counter()
    await peer.connect()
    await asyncio.wait_for(peer.synced.wait(), 120)
    loaded = len(peer.items)
    await peer.close()
    if loaded != items:
        raise RuntimeError(f"cold load saw {loaded} items, expected {items}")
    return {
        "total": peer.marks["applied"] - start,
        "room_open": peer.marks["step1"] - start,  # the server sends SyncStep1 once joined
        "step2_arrived": peer.marks["step2"] - start,
        "client_apply": peer.marks["applied"] - peer.marks["step2"],
        "step2_bytes": float(peer.step2_bytes),
    }


async def poll(check: Callable[[], Awaitable[bool]], timeout: float) -> float:
    """Seconds until `check()` holds: the server is another process, so there is no event."""
    start = time.perf_counter()
    while True:
        if await check():
            return time.perf_counter() - start
        if time.perf_counter() - start > timeout:
            raise TimeoutError("the server did not get there in time")
        await asyncio.sleep(0.02)


async def log_rows_are(store: Store, rows: int, meeting_id: str | None = None) -> bool:
    """Has the update log (of one meeting, or all) `rows` rows? Unloading compacts to one."""
    query = select(func.count()).select_from(updates)
    if meeting_id is not None:
        query = query.where(updates.c.meeting_id == meeting_id)
    async with store.engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one()) == rows


async def load(root: Path, plan: Plan, sync: str, cpus: set[int] | None, report: Report) -> None:
    server = ServerProcess(root / "load", sync, cpus)
    log = card_log(plan.items)
    merged = crdt.merge(log)

    async def prepare(store: Store) -> dict[str, list[dict[str, Any]]]:
        # A fresh meeting per run with the same content: every run meets a cold room.
        made: dict[str, list[dict[str, Any]]] = {"compacted": [], "log": []}
        made["warmup"] = await create_meetings(server, store, 1)
        for _ in range(plan.load_runs):
            for kind, rows in (("compacted", [merged]), ("log", log)):
                meeting = (await create_meetings(server, store, 1))[0]
                await store.append([LogEntry(meeting["id"], Layer.MAIN, row) for row in rows])
                made[kind].append(meeting)
        return made

    made = await with_store(server.settings, prepare)
    await server.start()
    runs: dict[str, list[dict[str, float]]] = {"compacted": [], "log": []}
    unload: list[float] = []
    rss: list[int] = []  # server RSS after the warm-up and after every run

    async def measure(store: Store) -> None:
        # The server's first websocket pays for lazy imports; keep that out of the numbers.
        await cold_load(server, made["warmup"][0], 0)
        rss.append(server.status_kib("VmRSS"))
        for run in range(plan.load_runs):
            for kind in ("compacted", "log"):
                meeting = made[kind][run]
                runs[kind].append(await cold_load(server, meeting, plan.items))
                # Let the unload (and its compaction) finish before the next cold load.
                took = await poll(partial(log_rows_are, store, 1, meeting["id"]), 120)
                if kind == "log":
                    unload.append(took)
                await asyncio.sleep(0.3)
        rss.append(server.status_kib("VmRSS"))

    try:
        await with_store(server.settings, measure)
    finally:
        await server.stop()
        report.notes.extend(f"load server log: {line}" for line in server.log_problems())

    rebuild_log = median_time(3, lambda: crdt.doc_from_updates(log))
    rebuild_merged = median_time(3, lambda: crdt.doc_from_updates([merged]))
    report.section(
        "load",
        f"2. Cold load of a {plan.items:,}-card meeting (median of {plan.load_runs} fresh rooms)",
    )
    report.add("document_bytes", "encoded document (one merged update)", len(merged), "B")
    report.add("log_bytes", f"update log as written ({len(log):,} rows)", sum(map(len, log)), "B")
    report.add("step2_bytes", "SyncStep2 frame", int(runs["compacted"][0]["step2_bytes"]), "B")
    for kind, label in (("compacted", "compacted log (1 row)"), ("log", f"{len(log):,}-row log")):
        for phase, text in (
            ("total", "connect -> all items applied"),
            ("room_open", "  connect -> server SyncStep1 (room loaded)"),
            ("step2_arrived", "  connect -> SyncStep2 arrived"),
            ("client_apply", "  client applies SyncStep2"),
        ):
            value = statistics.median(run[phase] for run in runs[kind])
            report.add(f"{kind}_{phase}_ms", f"{label}: {text}", ms(value), "ms")
    report.add("unload_ms", "close -> log compacted on unload", ms(statistics.median(unload)), "ms")
    # Every room above was left and unloaded, so the server should be back near where it began.
    growth = (rss[1] - rss[0]) / (2 * plan.load_runs) / 1024
    report.add("rss_growth_per_load_mib", "server RSS kept per load and unload", growth, "MiB")
    # The same rebuild the server does on load, timed here on the load generator's CPU.
    rows = f"{len(log):,} rows"
    report.add("rebuild_log_ms", f"doc_from_updates({rows}), in-process", ms(rebuild_log), "ms")
    report.add("rebuild_merged_ms", "doc_from_updates(1 row), in-process", ms(rebuild_merged), "ms")


# 3. Memory ---------------------------------------------------------------------------------


async def memory(root: Path, plan: Plan, sync: str, cpus: set[int] | None, report: Report) -> None:
    server = ServerProcess(root / "memory", sync, cpus)
    count = plan.meetings + 1
    made = await with_store(server.settings, lambda s: create_meetings(server, s, count))
    warmup, rooms = made[0], made[1:]
    await server.start()

    async def settle_unloaded(store: Store, rows: int) -> None:
        # Every room unloaded leaves exactly one compacted row behind.
        await poll(partial(log_rows_are, store, rows), 60)

    async def open_meeting(meeting: dict[str, Any]) -> list[Peer]:
        roles = ["facilitator", "family", "professional", "viewer"]
        peers = [
            Peer(server.url(meeting, roles[i % 4], f"Person {i + 1}"))
            for i in range(plan.clients_per_meeting)
        ]
        await connect_all(peers)
        cards = {f"card-{n}" for n in range(plan.cards_per_meeting)}
        for n in range(plan.cards_per_meeting):
            await peers[0].send(peers[0].add_card(f"card-{n}", n))
        for i, peer in enumerate(peers):
            await peer.set_presence(f"Person {i + 1}")
        for peer in peers[1:]:
            await peer.wait_for_cards(cards, 30)
        return peers

    try:
        await asyncio.sleep(1.0)
        fresh = server.status_kib("VmRSS")
        # One meeting opened and closed first, so lazy imports and first-use caches count as
        # baseline, not as the cost of the first of the hundred meetings.
        for peer in await open_meeting(warmup):
            await peer.close()
        await with_store(server.settings, lambda s: settle_unloaded(s, 1))
        await asyncio.sleep(1.0)
        idle = server.status_kib("VmRSS")
        gate = asyncio.Semaphore(10)

        async def opened(meeting: dict[str, Any]) -> list[Peer]:
            async with gate:
                return await open_meeting(meeting)

        groups = await asyncio.gather(*(opened(m) for m in rooms))
        await asyncio.sleep(1.0)
        busy = server.status_kib("VmRSS")
        await asyncio.gather(*(peer.close() for group in groups for peer in group))
        await with_store(server.settings, lambda s: settle_unloaded(s, len(made)))
        await asyncio.sleep(1.0)
        after = server.status_kib("VmRSS")
        peak = server.status_kib("VmHWM")
    finally:
        await server.stop()
        report.notes.extend(f"memory server log: {line}" for line in server.log_problems())

    connections = plan.meetings * plan.clients_per_meeting
    report.section(
        "memory",
        f"3. Server RSS: {plan.meetings} open meetings, {plan.clients_per_meeting} clients and "
        f"{plan.cards_per_meeting} cards each",
    )
    report.add("fresh_mib", "idle, just started", fresh / 1024, "MiB")
    report.add("idle_mib", "idle after one meeting came and went (baseline)", idle / 1024, "MiB")
    report.add("open_mib", f"with {plan.meetings} meetings open", busy / 1024, "MiB")
    report.add("added_mib", "added by the open meetings", (busy - idle) / 1024, "MiB")
    report.add("per_meeting_kib", "per meeting", (busy - idle) / plan.meetings, "KiB")
    report.add("per_connection_kib", "per connection", (busy - idle) / connections, "KiB")
    report.add("after_mib", "after everyone left and rooms unloaded", after / 1024, "MiB")
    report.add("peak_mib", "peak (VmHWM)", peak / 1024, "MiB")


# Main --------------------------------------------------------------------------------------


def pin() -> tuple[set[int] | None, str]:
    """Server on one CPU, this load generator on another, when there are two to use.

    Returns the server's CPUs (None: not pinned) and a description for the report.
    """
    if not hasattr(os, "sched_setaffinity"):
        return None, "not pinned (no sched_setaffinity)"
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, "not pinned (one CPU)"
    os.sched_setaffinity(0, {cpus[1]})
    return {cpus[0]}, f"server on CPU {cpus[0]}, load generator on CPU {cpus[1]}"


async def run(args: argparse.Namespace) -> Report:
    plan = QUICK if args.quick else FULL
    server_cpus, pinning = pin()
    report = Report()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="safetymap-bench-") as tmp:
        root = Path(tmp)
        await relay(root, plan, args.synchronous, server_cpus, report)
        await load(root, plan, args.synchronous, server_cpus, report)
        await memory(root, plan, args.synchronous, server_cpus, report)
    report.data["config"] = {
        **asdict(plan),
        "quick": args.quick,
        "sqlite_synchronous": args.synchronous,
        "pinning": pinning,
        "data_dir_parent": tempfile.gettempdir(),
        "wall_seconds": round(time.perf_counter() - started, 1),
    }
    report.data["notes"] = report.notes
    report.title = (
        f"Safety Map live numbers ({'quick' if args.quick else 'full'} run): SQLite "
        f"synchronous={args.synchronous} under {tempfile.gettempdir()}, {pinning}, "
        f"{report.data['config']['wall_seconds']} s"
    )
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument(
        "--synchronous",
        default="FULL",
        choices=["OFF", "NORMAL", "FULL", "EXTRA"],
        help="SAFETYMAP_SQLITE_SYNCHRONOUS for the server (default FULL, the product default)",
    )
    args = parser.parse_args()
    report = asyncio.run(run(args))
    print(json.dumps(report.data, indent=2) if args.json else report.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
