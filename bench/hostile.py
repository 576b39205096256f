#!/usr/bin/env python
"""Hostile patterns (issue 15.4): does one hostile link slow other meetings or keep memory?

One real `safetymap serve` (SQLite under $TMPDIR, synchronous=FULL, every limit as shipped;
only background compaction is moved out of the run, see SERVER_ENV) holds two meetings. In the
quiet one, a facilitator types a character every 20 ms into a card and a family member
receives them: the relay latency (the writer's send to the frame's arrival) is timed
throughout. The attacked one holds ~800 KB of cards (with deleted text, so it has a delete
set) and two people who stay connected, so its room stays loaded. Against it, one link runs
each pattern of bench/hostile_patterns.py in turn (its own process, SCHED_IDLE, on the load
generator's CPU) for `--seconds`, reconnecting whenever the server closes it, each tab with a
participant key of its own, and never faster than the join limits (300 per 10 s per meeting,
30 per 10 s per link):

1. presence flood (family link, 1 tab): claim the 4 clientIDs a connection may have with
   ~4 KB states, renew them 50 times (relayed to everyone), then 20 frames of fresh clientIDs:
   20,000 small states, or as many 4 KiB states as fit in 1 MiB, alternately;
2. held updates (family link, 1 tab): four updates just under 1 MiB that build on a struct
   that never arrives (together within what the server holds for one connection), then
   ~17-byte deletions of that client's never-sent structs, at the message limit;
3. read-only no-ops (screen/viewer link, 1 tab): ~15-byte updates that change nothing (a
   deleted range the map already holds, as update and as sync step 2; the empty update), at
   the message limit;
4. malformed frames (family link, 16 tabs): each connection sends 3 malformed frames (bad
   varints, unknown types, bad lengths, garbage updates, bad JSON, text frames...);
5. reconnect storm (screen link, 8 tabs): connect, send sync step 1 (of an empty document)
   and leave at once.

For each: the quiet meeting's p99 over the `--baseline` seconds before the attack and during
it, the server's RSS (VmRSS) just before, its peak (sampled every 50 ms) and `--after` seconds
after the attacker left. Targets: p99 during the attack within 2x the quiet p99 (and no edit
lost), RSS after within 10 % of before. The server runs pinned to the first CPU, this script
and the attacker on the second. Exits 1 if a target is missed.

    python bench/hostile.py                  # every pattern, about 2 minutes on 2 cores
    python bench/hostile.py --seconds 5      # shorter attacks
    python bench/hostile.py --only held noop
    python bench/hostile.py --tabs held=4    # more connections at once
    python bench/hostile.py --profile        # py-spy of the server during each attack
    python bench/hostile.py --json           # the same numbers as JSON
    python bench/hostile.py --warmup 0       # no untimed round first: a fresh server

This is a benchmark, not a test: it is not part of `pytest`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from pycrdt import Doc, Map, Text
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # this checkout's `server`
sys.path.insert(0, str(HERE))

from hostile_patterns import PATTERNS, new_key  # noqa: E402
from live_numbers import (  # noqa: E402
    CREATED_AT,
    SECTIONS,
    TEXTS,
    ServerProcess,
    percentile,
    pin,
    with_store,
)

from server.board.permissions import Layer  # noqa: E402
from server.live import meetings  # noqa: E402
from server.settings import Settings  # noqa: E402
from server.store import LogEntry, Store  # noqa: E402
from server.sync import protocol  # noqa: E402

ATTACKER = HERE / "hostile_patterns.py"
TYPE_INTERVAL = 0.020  # the quiet meeting's typist: one character every 20 ms
CARD_CHARACTERS = 1000  # then a new card (a card holds at most 2,000)
CONTENT_BYTES = 800_000
LATENCY_TARGET = 2.0  # p99 during an attack / quiet p99
RSS_TARGET = 0.10  # RSS after / RSS before - 1
# The background compaction pass (every 60 s as shipped) folds the quiet meeting's log (50 rows
# a second) and lands in whichever window is running then: in the default run, always the
# no-ops' attack. It is moved out of the run; `--server-env SAFETYMAP_COMPACT_INTERVAL=60`
# puts it back.
SERVER_ENV = {"SAFETYMAP_COMPACT_INTERVAL": "3600"}
APPEND_SLOW = 0.0025  # seconds: a histogram bucket bound (server/metrics.py)


# The attacked meeting's content --------------------------------------------------------------


def attacked_content(target: int) -> tuple[bytes, int]:
    """~`target` bytes of cards, each with a few characters deleted (a delete set)."""
    doc: Doc[Any] = Doc(client_id=3_141_592_653)  # a 5-byte varint, like a browser's
    items = doc.get("items", type=Map)
    n = 0
    while True:
        for _ in range(25):
            words = " ".join(TEXTS[(n + i) % len(TEXTS)] for i in range(40))[:1800]
            with doc.transaction():
                items[f"card-{n:04d}"] = Map(
                    {
                        "section": SECTIONS[n % len(SECTIONS)],
                        "text": Text(words),
                        "order": f"a{n:06d}V",
                        "createdAt": CREATED_AT,
                    }
                )
            text = items[f"card-{n:04d}"]["text"]
            del text[100:104]  # a correction: the map's delete set grows by one range
            n += 1
        update = doc.get_update()
        if len(update) >= target:
            return update, n


# The quiet meeting's clients -----------------------------------------------------------------


def ws_address(meeting: dict[str, Any], role: str, name: str, key: str) -> str:
    token = meeting["links"][role].rsplit("/", 1)[1]
    query = urlencode({"token": token, "name": name, "key": key})
    return f"{meeting['ws_url']}/{meeting['id']}?{query}"


class Client:
    """A pycrdt peer on a websocket: syncs, then notes when each update frame arrives."""

    def __init__(self, address: str, *, apply: bool = True) -> None:
        self.address = address
        self.doc: Doc[Any] = Doc()
        self.apply = apply
        self.ws: ClientConnection | None = None
        self.synced = asyncio.Event()
        self.arrived: list[float] = []  # perf_counter of each update frame, in order
        self.frames = 0
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()

    async def connect(self) -> None:
        self.ws = await connect(self.address, max_size=None, ping_interval=None, compression=None)
        self._reader = asyncio.create_task(self._read(self.ws))
        await self.ws.send(protocol.encode(protocol.SyncStep1(self.doc.get_state())))
        await asyncio.wait_for(self.synced.wait(), 60)

    async def _read(self, ws: ClientConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for frame in ws:
                now = time.perf_counter()  # stamped before decoding
                assert isinstance(frame, bytes)
                self.frames += 1
                match protocol.decode(frame):
                    case protocol.SyncStep1(state_vector):
                        reply = protocol.SyncStep2(self.doc.get_update(state_vector))
                        await ws.send(protocol.encode(reply))
                    case protocol.SyncStep2(update):
                        if self.apply:
                            self.doc.apply_update(update)
                        self.synced.set()
                    case protocol.SyncUpdate(update):
                        self.arrived.append(now)
                        if self.apply:
                            self.doc.apply_update(update)
                self._changed.set()
        self._changed.set()

    async def wait_for(self, condition: Callable[[], bool], timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("condition not met in time")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader

    def closed_with(self) -> int | None:
        return (
            None
            if self.ws is None or self._reader is None or not self._reader.done()
            else (self.ws.close_code)
        )


class Typist:
    """The quiet meeting's writer: one character every 20 ms, a new card every 1,000."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.sent: list[float] = []  # perf_counter of each update frame sent, in order
        self.stop = asyncio.Event()

    def _edit(self, n: int) -> bytes:
        doc = self.client.doc
        items = doc.get("items", type=Map)
        before = doc.get_state()
        card = f"quiet-{n // CARD_CHARACTERS:03d}"
        if n % CARD_CHARACTERS == 0:
            items[card] = Map({"section": "safety", "text": Text(""), "order": f"q{n:08d}"})
        else:
            text = items[card]["text"]
            text.insert(len(text), "abcdefghijklmnopqrstuvwxyz "[n % 27])
        return protocol.encode(protocol.SyncUpdate(doc.get_update(before)))

    async def run(self) -> None:
        assert self.client.ws is not None
        start = time.perf_counter()
        n = 0
        while not self.stop.is_set():
            delay = start + n * TYPE_INTERVAL - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            frame = self._edit(n)
            self.sent.append(time.perf_counter())
            try:
                await self.client.ws.send(frame)
            except ConnectionClosed:
                return  # the server stopped: the run is over (or failed)
            n += 1


def latencies(
    sent: list[float], arrived: list[float], start: float, end: float
) -> tuple[list[float], int]:
    """Send-to-arrival times of the edits sent in [start, end), and how many never arrived."""
    times, lost = [], 0
    for i, at in enumerate(sent):
        if start <= at < end:
            if i < len(arrived):
                times.append(arrived[i] - at)
            else:
                lost += 1
    return times, lost


# One pattern -----------------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    pattern: str
    title: str
    link: str
    quiet_p99_ms: float = 0.0
    quiet_edits: int = 0
    attack_p99_ms: float = 0.0
    attack_max_ms: float = 0.0
    attack_edits: int = 0
    lost: int = 0
    ratio: float = 0.0
    rss_before_mib: float = 0.0
    rss_peak_mib: float = 0.0
    rss_after_mib: float = 0.0
    # Share of appends (receive to durable) over APPEND_SLOW: is a slow edit the log's doing?
    slow_appends_quiet: float = 0.0
    slow_appends_attack: float = 0.0
    server_cpu_quiet: float = 0.0  # share of one core
    server_cpu_attack: float = 0.0
    attack_seconds: float = 0.0
    attacker: dict[str, Any] = field(default_factory=dict)
    latency_ok: bool = False
    memory_ok: bool = False
    profile: list[str] = field(default_factory=list)  # with --profile: the top functions


class Profiler:
    """py-spy on the server during one attack (--profile): the top functions, own and inclusive."""

    def __init__(self, pid: int, out: Path) -> None:
        found = os.environ.get("PY_SPY") or shutil.which("py-spy")
        if found is None:
            raise SystemExit("--profile needs py-spy on PATH (or PY_SPY=/path/to/py-spy)")
        self.out = out
        command = [found, "record", "--pid", str(pid), "--rate", "250", "--nonblocking"]
        command += ["--format", "raw", "--output", str(out)]
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    async def stop(self, top: int = 12) -> list[str]:
        self.proc.send_signal(signal.SIGINT)
        await asyncio.to_thread(self.proc.wait)
        own: Counter[str] = Counter()
        inclusive: Counter[str] = Counter()
        total = 0
        for line in self.out.read_text().splitlines() if self.out.exists() else ():
            stack, _, count = line.rpartition(" ")
            frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")[1:]]
            if not frames:
                continue
            total += int(count)
            own[frames[-1]] += int(count)
            for frame in set(frames):
                inclusive[frame] += int(count)
        if not total:
            return ["no samples"]
        short = lambda f: re.sub(r"\(.*/(site-packages|main)/", "(", f)  # noqa: E731
        lines = [f"{total:,} samples; own time:"]
        lines += [f"  {100 * c / total:5.1f}% {short(f)}" for f, c in own.most_common(top)]
        lines.append("inclusive time:")
        lines += [
            f"  {100 * c / total:5.1f}% {short(f)}" for f, c in inclusive.most_common(top * 2)
        ]
        return lines


class Sampler:
    """The server's VmRSS every 50 ms."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.samples: list[tuple[float, int]] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(OSError, KeyError):
                self.samples.append((time.perf_counter(), self.server.status_kib("VmRSS")))
            await asyncio.sleep(0.05)

    def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def peak(self, start: float, end: float) -> int:
        return max((kib for at, kib in self.samples if start <= at <= end), default=0)


_BUCKET = re.compile(r'^safetymap_append_seconds_bucket\{le="([^"]+)"\} (\S+)$', re.M)


def append_buckets(port: int) -> dict[float, float]:
    """The server's histogram of receive-to-durable append times (cumulative, by upper bound):
    the update log's part of a quiet edit's latency, apart from the event loop's."""
    import urllib.request

    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as answer:
        text = answer.read().decode()
    return {float(le): float(n) for le, n in _BUCKET.findall(text)}


def slow_share(before: dict[float, float], after: dict[float, float], over: float) -> float:
    """The share of the appends between two scrapes that took longer than `over` seconds."""
    total = after[float("inf")] - before[float("inf")]
    fast = after[over] - before[over]
    return (total - fast) / total if total else float("nan")


def spawn_attacker(spec: dict[str, Any], errors: Path) -> subprocess.Popen[str]:
    with errors.open("w") as log:
        return subprocess.Popen(
            [sys.executable, str(ATTACKER), json.dumps(spec)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )


def tail(path: Path) -> str:
    return path.read_text(errors="replace")[-3000:]


async def run_pattern(
    name: str,
    args: argparse.Namespace,
    server: ServerProcess,
    attacked: dict[str, Any],
    typist: Typist,
    reader: Client,
    sampler: Sampler,
    logs: Path,
) -> Outcome:
    title, role, parallel = PATTERNS[name]
    parallel = args.tabs.get(name, parallel)
    settings = server.settings
    # The attacker joins as fast as the tighter of the two join limits lets one link.
    joins = min(
        (r for r in (settings.join_limit, settings.link_join_limit) if not r.off),
        key=lambda r: r.per_second,
        default=settings.join_limit,
    )
    spec = {
        "pattern": name,
        "ws_url": attacked["ws_url"],
        "meeting_id": attacked["id"],
        "token": attacked["links"][role].rsplit("/", 1)[1],
        "seconds": args.seconds,
        "parallel": parallel,
        "join_count": joins.count,
        "join_period": joins.period,
        "message_count": settings.message_limit.count,
        "message_period": settings.message_limit.period,
        "max_frame": settings.max_frame_bytes,
        "max_held": settings.max_document_bytes // 4,
    }
    errors = logs / f"attacker-{name}.log"
    proc = spawn_attacker(spec, errors)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        ready = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), 180)
        if ready.strip() != "ready":
            raise RuntimeError(f"the {name} attacker did not start:\n{tail(errors)}")
        # This process times the quiet meeting: its own full collections (~80 ms here) must
        # not show up as the server's latency. None runs while it measures.
        gc.collect()
        gc.freeze()
        gc.disable()
        b0, cpu0 = time.perf_counter(), server.cpu_seconds()
        h0 = await asyncio.to_thread(append_buckets, server.port)
        await asyncio.sleep(args.baseline)
        b1, cpu1 = time.perf_counter(), server.cpu_seconds()
        h1 = await asyncio.to_thread(append_buckets, server.port)
        rss_before = server.status_kib("VmRSS")
        spy = Profiler(server.pid, logs / f"profile-{name}.txt") if args.profile else None
        proc.stdin.write("go\n")
        proc.stdin.flush()
        result = await asyncio.wait_for(asyncio.to_thread(proc.stdout.readline), args.seconds + 120)
        a1, cpu2 = time.perf_counter(), server.cpu_seconds()
        h2 = await asyncio.to_thread(append_buckets, server.port)
        gc.enable()
        if spy is not None:
            profile = await spy.stop()
        await asyncio.to_thread(proc.wait)
        if proc.returncode != 0 or not result.strip():
            raise RuntimeError(f"the {name} attacker failed:\n{tail(errors)}")
    finally:
        gc.enable()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    await asyncio.sleep(args.after)
    rss_after = server.status_kib("VmRSS")
    peak = max(sampler.peak(b1, time.perf_counter()), rss_before, rss_after)
    outcome = Outcome(name, title, role)
    outcome.attacker = json.loads(result)
    # Edits still travelling are counted once everything is over (see finish()).
    outcome.attacker["_windows"] = [b0, b1, a1]
    outcome.rss_before_mib = rss_before / 1024
    outcome.rss_peak_mib = peak / 1024
    outcome.rss_after_mib = rss_after / 1024
    outcome.server_cpu_quiet = (cpu1 - cpu0) / (b1 - b0)
    outcome.server_cpu_attack = (cpu2 - cpu1) / (a1 - b1)
    outcome.attack_seconds = a1 - b1
    outcome.slow_appends_quiet = slow_share(h0, h1, APPEND_SLOW)
    outcome.slow_appends_attack = slow_share(h1, h2, APPEND_SLOW)
    outcome.memory_ok = rss_after <= rss_before * (1 + RSS_TARGET)
    if spy is not None:
        outcome.profile = profile
    codes = ", ".join(f"{c} x{n}" for c, n in sorted(outcome.attacker["codes"].items()))
    print(
        f"[hostile] {name}: {outcome.attacker['connections']} connections, "
        f"{outcome.attacker['frames']:,} frames, closes {codes}",
        file=sys.stderr,
        flush=True,
    )
    return outcome


def finish(outcome: Outcome, typist: Typist, reader: Client) -> None:
    b0, b1, a1 = outcome.attacker.pop("_windows")
    quiet, lost_quiet = latencies(typist.sent, reader.arrived, b0, b1)
    attack, lost = latencies(typist.sent, reader.arrived, b1, a1)
    outcome.quiet_edits, outcome.attack_edits = len(quiet), len(attack)
    outcome.lost = lost + lost_quiet
    outcome.quiet_p99_ms = percentile(quiet, 99) * 1000 if len(quiet) > 1 else float("nan")
    outcome.attack_p99_ms = percentile(attack, 99) * 1000 if len(attack) > 1 else float("nan")
    outcome.attack_max_ms = max(attack, default=float("nan")) * 1000
    outcome.ratio = outcome.attack_p99_ms / outcome.quiet_p99_ms
    outcome.latency_ok = outcome.ratio <= LATENCY_TARGET and outcome.lost == 0


# The run -------------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    server_cpus, pinning = pin()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="safetymap-hostile-") as tmp:
        root = Path(tmp)
        server = ServerProcess(root / "server", "FULL", server_cpus)
        server.env.update({**SERVER_ENV, **args.server_env})
        server.settings = Settings.from_env(server.env)
        content, cards = attacked_content(CONTENT_BYTES)

        async def prepare(store: Store) -> tuple[dict[str, Any], dict[str, Any]]:
            quiet = await meetings.create(server.settings, store, "Quiet meeting")
            attacked = await meetings.create(server.settings, store, "Attacked meeting")
            await store.append([LogEntry(attacked["id"], Layer.MAIN, content)])
            return quiet, attacked

        quiet, attacked = await with_store(server.settings, prepare)
        await server.start()
        outcomes: list[Outcome] = []
        problems: list[str] = []
        try:
            writer = Client(ws_address(quiet, "facilitator", "Facilitator", new_key()))
            reader = Client(ws_address(quiet, "family", "Nan", new_key()))
            # Two people stay in the attacked meeting, so its room stays loaded throughout.
            bystanders = [
                Client(ws_address(attacked, role, role.title(), new_key()), apply=False)
                for role in ("facilitator", "professional")
            ]
            for client in (writer, reader, *bystanders):
                await client.connect()
            sampler = Sampler(server)
            sampler.start()
            typist = Typist(writer)
            typing = asyncio.create_task(typist.run())
            await asyncio.sleep(3.0)  # warm-up, not counted
            # A server that has run a while: each pattern once, short and not counted, so
            # that what the first attack on a fresh process allocates for good (imports,
            # compiled queries, the allocator's first arenas) is not read as kept by it.
            if args.warmup:
                short = argparse.Namespace(
                    **{**vars(args), "seconds": args.warmup, "baseline": 0.5, "after": 1.0}
                )
                for name in args.only:
                    await run_pattern(name, short, server, attacked, typist, reader, sampler, root)
            for name in args.only:
                outcomes.append(
                    await run_pattern(name, args, server, attacked, typist, reader, sampler, root)
                )
            typist.stop.set()
            await typing
            # Let the last edits arrive before anything counts as lost.
            with contextlib.suppress(TimeoutError):
                await reader.wait_for(lambda: len(reader.arrived) >= len(typist.sent), 10)
            for outcome in outcomes:
                finish(outcome, typist, reader)
            typed, received = (c.doc.get("items", type=Map).to_py() for c in (writer, reader))
            if typed != received:
                problems.append("the quiet meeting's receiver does not hold what was typed")
            for client in bystanders:
                if client.closed_with() is not None:
                    problems.append(f"a bystander was closed with {client.closed_with()}")
            await sampler.stop()
            for client in (writer, reader, *bystanders):
                await client.close()
        finally:
            await server.stop()
            problems.extend(
                line for line in server.log_problems() if not line.startswith("WARNING")
            )
        wall = time.perf_counter() - started
    return {
        "patterns": [asdict(o) for o in outcomes],
        "config": {
            "seconds": args.seconds,
            "baseline_seconds": args.baseline,
            "warmup_seconds": args.warmup,
            "after_seconds": args.after,
            "attacked_content_bytes": len(content),
            "attacked_cards": cards,
            "sqlite_synchronous": "FULL",
            "server_env": {**SERVER_ENV, **args.server_env},
            "pinning": pinning,
            "data_dir_parent": tempfile.gettempdir(),
            "wall_seconds": round(wall, 1),
        },
        "problems": problems,
    }


def size(count: int) -> str:
    if count >= 10**6:
        return f"{count / 10**6:,.1f} MB"
    return f"{count / 1000:,.1f} kB"


def table(data: dict[str, Any]) -> str:
    config = data["config"]
    lines = [
        f"Hostile patterns: one `safetymap serve` (SQLite synchronous=FULL), {config['pinning']}; "
        f"attacked map {config['attacked_content_bytes']:,} bytes "
        f"({config['attacked_cards']} cards); {config['seconds']:g} s per attack, "
        f"{config['wall_seconds']} s in all",
        "",
        "| pattern | link | quiet p99 | p99 under attack | ratio | RSS before | peak RSS "
        f"| RSS {config['after_seconds']:g} s after | server CPU quiet / attack | target |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for o in data["patterns"]:
        verdict = []
        verdict.append("latency ok" if o["latency_ok"] else "**latency missed**")
        verdict.append("memory ok" if o["memory_ok"] else "**memory missed**")
        lost = f", {o['lost']} lost" if o["lost"] else ""
        lines.append(
            f"| {o['title']} | {o['link']} | {o['quiet_p99_ms']:.1f} ms "
            f"| {o['attack_p99_ms']:.1f} ms{lost} | {o['ratio']:.2f} "
            f"| {o['rss_before_mib']:.1f} MiB | {o['rss_peak_mib']:.1f} MiB "
            f"| {o['rss_after_mib']:.1f} MiB "
            f"| {100 * o['server_cpu_quiet']:.0f} % / {100 * o['server_cpu_attack']:.0f} % "
            f"| {', '.join(verdict)} |"
        )
    lines += [
        "",
        "| pattern | connections | frames sent | sent | close codes (connections) "
        "| edits timed quiet / attack | max under attack "
        f"| appends over {APPEND_SLOW * 1000:g} ms quiet / attack |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for o in data["patterns"]:
        a = o["attacker"]
        codes = ", ".join(f"{c}: {n}" for c, n in sorted(a["codes"].items()))
        lines.append(
            f"| {o['title']} | {a['connections']} | {a['frames']:,} | {size(a['bytes'])} "
            f"| {codes} | {o['quiet_edits']} / {o['attack_edits']} | {o['attack_max_ms']:.1f} ms "
            f"| {100 * o['slow_appends_quiet']:.1f} % / {100 * o['slow_appends_attack']:.1f} % |"
        )
    lines += [
        "",
        "Close code 1000: the attacker left by itself (no-ops at the end, the storm at once).",
    ]
    for o in data["patterns"]:
        if o["profile"]:
            lines += ["", f"Server profile during {o['title']} (py-spy):", *o["profile"]]
    lines.extend(f"problem: {p}" for p in data["problems"])
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per attack (default 10)")
    parser.add_argument(
        "--warmup",
        type=float,
        default=3.0,
        help="seconds of each pattern, not counted, before the measured round (0: a fresh server)",
    )
    parser.add_argument(
        "--baseline", type=float, default=5.0, help="quiet seconds timed before each attack"
    )
    parser.add_argument(
        "--after", type=float, default=5.0, help="seconds after the attacker left to read RSS"
    )
    parser.add_argument(
        "--only", nargs="+", choices=list(PATTERNS), default=list(PATTERNS), help="patterns"
    )
    parser.add_argument(
        "--tabs",
        nargs="+",
        default=[],
        metavar="PATTERN=N",
        help="connections a pattern keeps going at once (default: "
        + ", ".join(f"{name} {tabs}" for name, (_, _, tabs) in PATTERNS.items())
        + ")",
    )
    parser.add_argument(
        "--server-env",
        nargs="+",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for the server, e.g. SAFETYMAP_COMPACT_INTERVAL=3600",
    )
    parser.add_argument(
        "--profile", action="store_true", help="py-spy the server during each attack"
    )
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    args = parser.parse_args()
    args.tabs = {name: int(n) for name, _, n in (t.partition("=") for t in args.tabs)}
    args.server_env = dict(e.partition("=")[::2] for e in args.server_env)
    data = asyncio.run(run(args))
    print(json.dumps(data, indent=2) if args.json else table(data))
    failed = [p for p in data["patterns"] if not (p["latency_ok"] and p["memory_ok"])]
    return 1 if failed or data["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
