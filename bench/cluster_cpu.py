#!/usr/bin/env python
"""Server CPU per edit: one process, and two behind the shipped nginx config, many meetings.

CPU seconds (utime + stime from /proc/<pid>/stat) of the server processes, summed, divided by
the edits sent: unlike throughput, this hardly moves when other work shares the machine, as a
process's CPU time counts only while it runs. Redis's and nginx's CPU are printed apart.

Setups, each on a fresh PostgreSQL database (and its own redis-server where there is one):

- `1 process`: SAFETYMAP_SINGLE_PROCESS=1, no Redis;
- `1 process + Redis`: the same, relaying to a stream nobody else reads;
- `2 + nginx, least_conn`: deploy/nginx.conf with `least_conn` in place of its `hash` line
  (the shipped config before meetings were routed): every meeting's clients spread over both;
- `2 + nginx, shipped`: deploy/nginx.conf as shipped (`hash $safetymap_meeting consistent`).

Every client connects through nginx (or straight to the one process); each meeting's clients
all write, at a fixed aggregate rate; every edit must reach every other client of its meeting
exactly once.

    python bench/cluster_cpu.py                       # 20 meetings x 5 clients, 100 edits/s, 20 s
    python bench/cluster_cpu.py --meetings 40 --rate 200 --seconds 30 --runs 3
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from cluster_numbers import (
    Client,
    ServerProcess,
    fresh_database,
    make_meetings,
    open_all,
    port_open,
    redis_server,
)
from servers import cpu_seconds, free_port  # bench/speed, on the path through cluster_numbers

CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "nginx.conf"
SECRET = "cluster-cpu-bench-secret-key-not-for-production"


@dataclass(frozen=True, slots=True)
class Setup:
    key: str
    label: str
    processes: int
    redis: bool
    balance: str  # "shipped", "least_conn", or "" (no nginx)


SETUPS = (
    Setup("one", "1 process", 1, False, ""),
    Setup("one_redis", "1 process + Redis", 1, True, ""),
    Setup("least_conn", "2 + nginx, least_conn", 2, True, "least_conn"),
    Setup("shipped", "2 + nginx, shipped (hash)", 2, True, "shipped"),
)


def log(text: str) -> None:
    print(f"[cluster-cpu] {text}", file=sys.stderr, flush=True)


def nginx_site(ports: list[int], listen: int, folder: Path, balance: str) -> str:
    """deploy/nginx.conf with these ports and logs; `least_conn` replaces the hash line."""
    site = CONFIG.read_text()
    shipped = {"8001": str(ports[0]), "8002": str(ports[1])}
    site = re.sub(r"127\.0\.0\.1:(8001|8002)\b", lambda m: f"127.0.0.1:{shipped[m[1]]}", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    site = site.replace("/var/log/nginx/safetymap.error.log", str(folder / "error.log"))
    site = site.replace("/var/log/nginx/safetymap.access.log", str(folder / "access.log"))
    if balance == "least_conn":
        site, n = re.subn(r"^\s*hash \$safetymap_meeting consistent;$", "    least_conn;", site,
                          flags=re.MULTILINE)  # fmt: skip
        assert n == 1, "deploy/nginx.conf has no hash line to replace"
    return site


def nginx_files(ports: list[int], folder: Path, balance: str) -> tuple[list[str], int]:
    """nginx's configuration in `folder`: its command line, and the port it will listen on."""
    binary = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    if binary is None:
        raise RuntimeError("nginx is not installed")
    folder.mkdir()
    listen = free_port()
    site = folder / "safetymap.conf"
    site.write_text(nginx_site(ports, listen, folder, balance))
    temp = "".join(f"    {n}_temp_path {folder / n};\n"
                   for n in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
    main = folder / "nginx.conf"
    main.write_text(
        f"worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'};\n"
        f"events {{ worker_connections 1024; }}\nhttp {{\n{temp}    include {site};\n}}\n"
    )
    return [
        binary,
        "-p",
        str(folder),
        "-c",
        str(main),
        "-g",
        "daemon off; master_process off;",
    ], listen


@contextlib.asynccontextmanager
async def nginx(ports: list[int], folder: Path, balance: str) -> AsyncIterator[tuple[int, int]]:
    argv, listen = nginx_files(ports, folder, balance)
    with (folder / "stderr.log").open("ab") as sink:
        proc = await asyncio.create_subprocess_exec(*argv, stdout=sink, stderr=sink)
    try:
        deadline = time.monotonic() + 10
        while not await port_open(listen):
            if proc.returncode is not None or time.monotonic() > deadline:
                raise RuntimeError("nginx did not start: " + (folder / "stderr.log").read_text())
            await asyncio.sleep(0.05)
        yield listen, proc.pid
    finally:
        proc.terminate()
        await proc.wait()


def ws_url(port: int, meeting: dict[str, Any], name: str) -> str:
    token = meeting["links"]["professional"].rsplit("/", 1)[1]
    return f"ws://127.0.0.1:{port}/ws/{meeting['id']}?{urlencode({'token': token, 'name': name})}"


async def connections(port: int) -> int:
    async with httpx.AsyncClient() as http:
        page = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    found = re.search(r"^safetymap_websocket_connections (\S+)$", page, re.MULTILINE)
    return int(float(found.group(1))) if found else -1


async def edits(
    rooms: list[list[Client]], rate: float, seconds: float, pids: dict[str, list[int]]
) -> dict[str, Any]:
    """Every client writes, evenly phased, `rate` edits/s in all; CPU seconds per group of pids."""
    clients = [c for room in rooms for c in room]
    room_of = {c.index: r for r, room in enumerate(rooms) for c in room}
    per_client = rate / len(clients)
    schedule = sorted(
        (k / rate + i / per_client, client)
        for k, client in enumerate(clients)
        for i in range(round(per_client * seconds))
    )
    before = {g: [cpu_seconds(p) for p in ps] for g, ps in pids.items()}
    sent: dict[int, Client] = {}
    start = time.perf_counter() + 0.2
    for n, (at, writer) in enumerate(schedule):
        delay = start + at - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        assert writer.ws is not None
        sent[n] = writer
        await writer.ws.send(writer.edit(n))
    size = len(rooms[0])
    expected = len(sent) * (size - 1)

    def delivered() -> int:
        return sum(1 for c in clients for e in c.arrivals if sent[e] is not c)

    deadline = time.perf_counter() + 10
    while delivered() < expected and time.perf_counter() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.05)
    cpu = {g: sum(cpu_seconds(p) for p in ps) - sum(before[g]) for g, ps in pids.items()}
    strays = sum(
        1 for c in clients for e in c.arrivals if room_of[sent[e].index] != room_of[c.index]
    )
    return {
        "edits": len(sent),
        "lost": expected - delivered(),
        "duplicates": sum(c.duplicates for c in clients),
        "other_meeting": strays,
        "ms_per_edit": {g: 1000 * s / max(1, len(sent)) for g, s in cpu.items()},
    }


async def idle_cpu(pids: dict[str, list[int]], seconds: float) -> dict[str, float]:
    """CPU ms per second with every client connected and nobody writing: what the processes
    spend whatever the load (the relay's reads, timers), to tell apart from the cost of edits."""
    before = {g: sum(cpu_seconds(p) for p in ps) for g, ps in pids.items()}
    await asyncio.sleep(seconds)
    return {g: 1000 * (sum(cpu_seconds(p) for p in ps) - before[g]) / seconds
            for g, ps in pids.items()}  # fmt: skip


async def one_run(setup: Setup, args: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="safetymap-cluster-cpu-") as tmp:
        folder = Path(tmp)
        async with contextlib.AsyncExitStack() as stack:
            db_url = await stack.enter_async_context(fresh_database())
            shared = {"SAFETYMAP_DATABASE_URL": db_url, "SAFETYMAP_SECRET_KEY": SECRET}
            pids: dict[str, list[int]] = {"servers": [], "redis": [], "nginx": []}
            if setup.redis:
                url, redis_pid = await stack.enter_async_context(redis_server(folder))
                shared["SAFETYMAP_REDIS_URL"] = url
                pids["redis"].append(redis_pid)
            else:
                shared["SAFETYMAP_SINGLE_PROCESS"] = "1"
            made = await make_meetings(db_url, args.meetings)
            servers = [ServerProcess(folder, i, shared, None) for i in range(setup.processes)]
            for server in servers:
                await server.start()
                stack.push_async_callback(server.stop)
            pids["servers"] = [s.pid for s in servers]
            port = servers[0].port
            if setup.balance:
                port, nginx_pid = await stack.enter_async_context(
                    nginx([s.port for s in servers], folder / "nginx", setup.balance)
                )
                pids["nginx"].append(nginx_pid)
            rooms = [
                [Client(ws_url(port, m, f"Person {k + 1}"), r * 100 + k, 0)
                 for k in range(args.clients)]
                for r, m in enumerate(made)
            ]  # fmt: skip
            await open_all([c for room in rooms for c in room])
            spread = [await connections(s.port) for s in servers]
            idle = await idle_cpu(pids, args.idle)
            result = await edits(rooms, args.rate, args.seconds, pids)
            result["idle_ms_per_second"] = idle
            await asyncio.gather(*(c.close() for room in rooms for c in room))
            result["connections"] = spread
            result["problems"] = [p for s in servers for p in s.log_problems()]
            return result


def table(results: dict[str, list[dict[str, Any]]], args: argparse.Namespace) -> str:
    def median(key: str, group: str) -> float:
        return statistics.median(r["ms_per_edit"][group] for r in results[key])

    one = median("one", "servers") if "one" in results else float("nan")
    lines = [
        f"{args.meetings} meetings x {args.clients} clients, {args.rate:g} edits/s for "
        f"{args.seconds:g} s, {args.runs} run(s), medians; load average "
        f"{os.getloadavg()[0]:.2f} (a shared machine)",
        "",
        f"{'setup':28} {'server ms/edit':>14} {'x 1 process':>11} {'Redis ms/edit':>13} "
        f"{'nginx ms/edit':>13} {'idle ms/s':>9}  websockets per process; lost/dup",
    ]
    for setup in SETUPS:
        if setup.key not in results:
            continue
        runs = results[setup.key]
        servers = median(setup.key, "servers")
        redis = median(setup.key, "redis") if setup.redis else float("nan")
        proxy = median(setup.key, "nginx") if setup.balance else float("nan")
        idle = statistics.median(r["idle_ms_per_second"]["servers"] for r in runs)
        lost = sum(r["lost"] for r in runs)
        dup = sum(r["duplicates"] + r["other_meeting"] for r in runs)
        lines.append(
            f"{setup.label:28} {servers:14.3f} {servers / one:11.2f} {redis:13.3f} "
            f"{proxy:13.3f} {idle:9.1f}  {runs[-1]['connections']}; {lost}/{dup}"
        )
    problems = [p for runs in results.values() for r in runs for p in r["problems"]]
    lines += [f"problem: {p}" for p in problems[:10]]
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> None:
    chosen = [s for s in SETUPS if s.key in args.setups]
    results: dict[str, list[dict[str, Any]]] = {s.key: [] for s in chosen}
    for n in range(args.runs):  # interleaved, so a busy minute does not fall on one setup
        for setup in chosen:
            result = await one_run(setup, args)
            log(f"run {n + 1}: {setup.label}: {result['ms_per_edit']}, {result['connections']}")
            results[setup.key].append(result)
    print(table(results, args))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=20)
    parser.add_argument("--clients", type=int, default=5, help="per meeting")
    parser.add_argument("--rate", type=float, default=100.0, help="edits/s over all meetings")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle measured")
    parser.add_argument(
        "--setups", nargs="+", choices=[s.key for s in SETUPS], default=[s.key for s in SETUPS]
    )
    asyncio.run(main_async(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
