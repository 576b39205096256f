#!/usr/bin/env python
"""Join storm: every client of every meeting connects at once, as after a server restart.

    python bench/join_storm.py                        # 200 meetings x 5 clients
    python bench/join_storm.py --meetings 500 --size 5
    python bench/join_storm.py --profile              # py-spy of the server during each storm
    python bench/join_storm.py --json                 # the same numbers as JSON

One fresh `safetymap serve` (bench/speed/servers.py: SQLite, synchronous=FULL, meetings made with
`POST /api/meetings`, no waiting room, clients on the professional link, a name each) pinned to
the first CPU; bench/join_storm.mjs, one Node process, on the second. Three storms: the first
join (every participant new), a reconnect to the same server (everyone returning, every room
loaded again), and a reconnect after a restart (SIGINT, then `serve` again on the same data).
Each storm opens every client at the same moment and waits for its sync step 2; then every
client leaves. Server CPU time (utime + stime, every thread, from /proc) runs from the storm's
start until the server is quiet again, so work that trails the last sync (audit rows, room
unloads after the leaves) is counted. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent / "speed"))

import load_generator
import peers
from load_numbers import raise_fd_limit
from profile_server import analyse
from run import cpus
from scenarios import warm_up
from servers import SafetyMap, cpu_seconds, pinned

STORM_CLIENTS = Path(__file__).resolve().parent / "join_storm.mjs"
PROFILES = peers.PEERS / "profile"


class Storm:
    """join_storm.mjs: one command, one JSON answer."""

    def __init__(self, urls: list[str], cpu: int | None, timeout_ms: int = 60000) -> None:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump({"modules": str(peers.NODE_DIR), "urls": urls, "timeoutMs": timeout_ms}, file)
        self._config = Path(file.name)
        self._proc = subprocess.Popen(
            [*pinned(cpu), "node", str(STORM_CLIENTS), file.name],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, command: str) -> dict[str, Any]:
        assert self._proc.stdin is not None and self._proc.stdout is not None
        self._proc.stdin.write(command + "\n")
        self._proc.stdin.flush()
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError(f"join_storm.mjs exited with {self._proc.wait()}")
        return dict(json.loads(line))

    def close(self) -> None:
        if self._proc.poll() is None:
            assert self._proc.stdin is not None
            self._proc.stdin.write("quit\n")
            self._proc.stdin.close()
            self._proc.wait(30)
        self._config.unlink(missing_ok=True)


def quiet(server: SafetyMap, limit: float = 20.0) -> tuple[float, float]:
    """Wait until the server uses under 2 % of a core for half a second; then its CPU seconds,
    all threads and the main (event loop) thread alone (the rest: the database's threads)."""
    deadline = time.monotonic() + limit
    before = server.cpu_seconds()
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = server.cpu_seconds()
        if now - before < 0.01:
            break
        before = now
    # /proc/PID/task/PID/stat: the same fields, for the main thread alone.
    main_thread: Any = f"{server.pid}/task/{server.pid}"
    return server.cpu_seconds(), cpu_seconds(main_thread)


class Profiler:
    """py-spy (bench/.peers/venv) on the server while one storm runs (`--profile`)."""

    def __init__(self, server: SafetyMap, name: str) -> None:
        PROFILES.mkdir(parents=True, exist_ok=True)
        self.out = PROFILES / f"join_storm-{name.replace(' ', '-')}.txt"
        command = [
            str(peers.VENV / "bin" / "py-spy"), "record", "--pid", str(server.pid),
            "--rate", "250", "--threads", "--nonblocking", "--format", "raw",
            "--output", str(self.out),
        ]  # fmt: skip
        self._proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(1.0)  # attached before the storm starts

    def report(self) -> str:
        self._proc.send_signal(signal.SIGINT)  # py-spy writes what it has, and exits
        self._proc.wait(60)
        return analyse(self.out, top=25) if self.out.exists() else "no profile written"


def storm(server: SafetyMap, clients: Storm, name: str, profile: bool) -> dict[str, Any]:
    spy = Profiler(server, name) if profile else None
    start = quiet(server)
    joined = clients.ask("join")
    joined_cpu = quiet(server)
    left = clients.ask("leave")
    left_cpu = quiet(server)
    count = joined["ok"] + joined["failed"]

    def ms_each(since: tuple[float, float], until: tuple[float, float], main: bool) -> float:
        return 1000 * (until[main] - since[main]) / count  # [0]: all threads, [1]: main

    numbers = {
        "storm": name,
        "clients": count,
        "synced": joined["ok"],
        "failed": joined["codes"],
        "wallSeconds": joined["wallMs"] / 1000,
        "joinsPerSecond": joined["ok"] / (joined["wallMs"] / 1000),
        "syncedMs": joined["syncedMs"],
        "cpuMsPerJoin": ms_each(start, joined_cpu, main=False),
        "mainThreadCpuMsPerJoin": ms_each(start, joined_cpu, main=True),
        "cpuMsPerLeave": ms_each(joined_cpu, left_cpu, main=False),
        "leaveSeconds": left["wallMs"] / 1000,
    }
    if spy is not None:
        numbers["profile"] = spy.report()
        numbers["profileFile"] = str(spy.out)
    log(
        f"{name}: {joined['ok']}/{count} synced in {joined['wallMs'] / 1000:.1f} s, "
        f"{numbers['cpuMsPerJoin']:.1f} ms CPU per join"
    )
    return numbers


def run(meetings: int, size: int, profile: bool) -> list[dict[str, Any]]:
    server_cpu, load_cpu, _ = cpus()
    server = SafetyMap(server_cpu)
    clients: Storm | None = None
    try:
        server.prepare()
        server.start()
        warm_up(server, load_cpu)
        log(f"making {meetings} meetings")
        urls = [url for room in server.rooms(meetings, size) for url in room]
        clients = Storm(urls, load_cpu)
        results = [
            storm(server, clients, "first join", profile),
            storm(server, clients, "reconnect", profile),
        ]
        server.stop()
        server.start()
        results.append(storm(server, clients, "after restart", profile))
    finally:
        if clients is not None:
            clients.close()
        server.stop()
        problems = server.log_problems()
        server.cleanup()
    for numbers in results:
        numbers["serverLogProblems"] = problems
    return results


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| storm | clients synced | wall | joins/s | synced p50 / p99 / max "
        "| CPU per join (main thread) | CPU per leave |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ms = r["syncedMs"]
        failed = f" ({r['failed']})" if r["failed"] else ""
        lines.append(
            f"| {r['storm']} | {r['synced']}/{r['clients']}{failed} | {r['wallSeconds']:.2f} s "
            f"| {r['joinsPerSecond']:.0f} | {ms['p50']:.0f} / {ms['p99']:.0f} / {ms['max']:.0f} ms "
            f"| {r['cpuMsPerJoin']:.1f} ms ({r['mainThreadCpuMsPerJoin']:.1f} ms) "
            f"| {r['cpuMsPerLeave']:.1f} ms |"
        )
    return "\n".join(lines)


def log(text: str) -> None:
    print(f"[join-storm] {text}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meetings", type=int, default=200)
    parser.add_argument("--size", type=int, default=5, help="clients per meeting")
    parser.add_argument("--profile", action="store_true", help="py-spy the server in each storm")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args()
    load_generator.ensure_installed()
    raise_fd_limit()
    results = run(args.meetings, args.size, args.profile)
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        print(table(results))
        for r in results:
            if "profile" in r:
                print(f"\n## {r['storm']} ({r['profileFile']})\n{r['profile']}")
        problems = results[0]["serverLogProblems"]
        print(f"\nserver log errors: {len(problems)}", *problems[:5], sep="\n")
    return 0 if all(not r["failed"] and not r["serverLogProblems"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
