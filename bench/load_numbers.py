#!/usr/bin/env python
"""Load: 300 connections in one meeting, and 500 meetings of 5 people in one process (issue 6).

    python bench/load_numbers.py           # full run, about 3 minutes on 2 cores
    python bench/load_numbers.py --quick   # smoke run: 120 connections, 50 meetings of 5
    python bench/load_numbers.py --json    # the same numbers as JSON

Each scenario gets a fresh `safetymap serve` (bench/speed/servers.py: SQLite, synchronous=FULL,
meetings made with `POST /api/meetings`, no waiting room) pinned to the first CPU, and one
bench/speed/loadgen.mjs process pinned to the second. The load generator opens every client
(25 at a time), says so, then sends edits at a steady aggregate rate, every client writing in
turn, and counts every (edit, other client of its room) pair: lost, duplicates, latency. This
side reads the server's CPU time and RSS from /proc at each step. A benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent / "speed"))

import load_generator
from run import cpus
from scenarios import warm_up
from servers import SafetyMap

# The product's default SAFETYMAP_MAX_PARTICIPANTS. A participant is one (link, name), so the
# one big meeting is this many people with several connections each (tabs, devices, a screen):
# the server is measured as shipped, with no limit raised.
PEOPLE = 100


@dataclass(frozen=True, slots=True)
class Plan:
    one_clients: int = 300
    one_rate: float = 20.0  # edits/s in the one meeting: each reaches 299 others
    one_seconds: float = 20.0
    meetings: int = 500
    size: int = 5
    per_meeting_rate: float = 0.5  # edits/s per meeting (250/s in all for 500 meetings)
    many_seconds: float = 30.0
    drain_ms: int = 5000


FULL = Plan()
# 120, not fewer: past PEOPLE connections, names are shared, and the smoke run covers that too.
QUICK = Plan(one_clients=120, one_seconds=5.0, meetings=50, many_seconds=5.0, drain_ms=3000)


@dataclass(slots=True)
class Mark:
    """The server at one moment: wall clock, CPU seconds used so far, RSS."""

    at: float
    cpu: float
    rss_kib: int

    @classmethod
    def of(cls, server: SafetyMap) -> Mark:
        return cls(time.monotonic(), server.cpu_seconds(), server.rss_kib())


QUIET_SECONDS = 3.0


def drive(
    server: SafetyMap,
    rooms: list[list[str]],
    rate: float,
    seconds: float,
    plan: Plan,
    cpu: int | None,
) -> dict[str, Any]:
    """Run loadgen.mjs's `steps` mode at one rate; mark the server at start, ready and result.

    The result is marked the moment its line arrives, before the load generator exits and
    2,500 leaves start costing CPU.
    """
    config = {
        "mode": "steps",
        "rooms": rooms,
        "rates": [rate],
        "seconds": seconds,
        "p99LimitMs": 1e12,  # no latency bar: a steady rate to report, not a climb to a limit
        "pauseMs": 0,
        "refine": 0,
        "drainMs": plan.drain_ms,
        "announce": True,  # 'ready' once every client is synced, then wait for a line
    }
    marks: dict[str, Mark] = {"start": Mark.of(server)}

    def quiet_then_go() -> None:
        marks["ready"] = Mark.of(server)
        time.sleep(QUIET_SECONDS)  # everyone connected, nobody editing: the baseline
        marks["quiet"] = Mark.of(server)
        marks["go"] = Mark.of(server)  # the go-ahead is written right after

    def end() -> None:
        marks.setdefault("end", Mark.of(server))

    result = load_generator.run(config, cpu, on_ready=quiet_then_go, on_result=end)
    time.sleep(2.0)  # everyone has left: what does the server keep?
    marks["left"] = Mark.of(server)
    return summarise(result, marks, len(rooms), sum(len(r) for r in rooms))


def summarise(
    result: dict[str, Any], marks: dict[str, Mark], meetings: int, clients: int
) -> dict[str, Any]:
    [step] = result["steps"]
    start, ready, quiet = marks["start"], marks["ready"], marks["quiet"]
    go, end = marks["go"], marks["end"]
    busy = end.at - go.at
    return {
        "meetings": meetings,
        "clients": clients,
        "connectSeconds": ready.at - start.at,
        "connectServerCpuSeconds": ready.cpu - start.cpu,
        "rate": step["rate"],
        "sentRate": step["sentRate"],
        "edits": step["edits"],
        "deliveries": step["delivered"],
        "expected": step["expected"],
        "lost": step["lost"],
        "duplicates": step["duplicates"],
        "closed": step["closed"],
        "denied": result["denied"],
        "latencyMs": step["latencyMs"],
        "quietServerCpuPercent": 100 * (quiet.cpu - ready.cpu) / (quiet.at - ready.at),
        "serverCpuPercent": 100 * (end.cpu - go.cpu) / busy,
        "serverCpuMsPerEdit": 1000 * (end.cpu - go.cpu) / max(step["edits"], 1),
        "loadgenCpuPercent": 100 * step["loadgenCpu"],
        "rssIdleMiB": start.rss_kib / 1024,
        "rssConnectedMiB": ready.rss_kib / 1024,
        "rssEndMiB": end.rss_kib / 1024,
        "rssLeftMiB": marks["left"].rss_kib / 1024,
        "rssPerMeetingKiB": (ready.rss_kib - start.rss_kib) / meetings,
        "rssPerConnectionKiB": (ready.rss_kib - start.rss_kib) / clients,
        "problems": step["reasons"] + ([f"{result['denied']} refused"] if result["denied"] else []),
    }


def scenario(
    plan: Plan, meetings: int, size: int, rate: float, seconds: float, cpus_: tuple[Any, Any]
) -> dict[str, Any]:
    server_cpu, load_cpu = cpus_
    server = SafetyMap(server_cpu, people=PEOPLE)
    try:
        server.prepare()
        server.start()
        warm_up(server, load_cpu)  # lazy imports and first-use caches paid before the clock
        began = time.monotonic()
        rooms = server.rooms(meetings, size)
        made = time.monotonic() - began
        log(f"made {meetings} meeting(s) in {made:.1f} s")
        time.sleep(1.0)
        log(f"{meetings} x {size} clients, {rate:g} edits/s for {seconds:g} s")
        numbers = drive(server, rooms, rate, seconds, plan, load_cpu)
    finally:
        server.stop()
        problems = server.log_problems()
        server.cleanup()
    numbers["serverLogProblems"] = problems
    numbers["makeMeetingsSeconds"] = made
    numbers["ok"] = not (numbers["problems"] or problems)
    return numbers


def table(results: dict[str, dict[str, Any]]) -> str:
    rows: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("clients (meetings x size)", lambda r: f"{r['clients']:,} ({r['meetings']} x "
         f"{r['clients'] // r['meetings']})"),
        ("make the meetings (POST /api/meetings)", lambda r: f"{r['makeMeetingsSeconds']:.1f} s"),
        ("connect everyone", lambda r: f"{r['connectSeconds']:.1f} s"),
        ("  server CPU while connecting", lambda r: f"{r['connectServerCpuSeconds']:.1f} s"),
        ("edit rate (sent)", lambda r: f"{r['rate']:g}/s ({r['sentRate']:.0f}/s)"),
        ("edits, deliveries", lambda r: f"{r['edits']:,}, {r['deliveries']:,}"),
        ("latency p50 / p99 / max", lambda r: "{p50:.1f} / {p99:.1f} / {max:.1f} ms".format(
            **r["latencyMs"])),
        ("lost / duplicates", lambda r: f"{r['lost']} / {r['duplicates']}"),
        ("clients closed / refused", lambda r: f"{r['closed']} / {r['denied']}"),
        ("server CPU, connected and quiet", lambda r: f"{r['quietServerCpuPercent']:.0f} %"),
        ("server CPU while editing", lambda r: f"{r['serverCpuPercent']:.0f} % "
         f"({r['serverCpuMsPerEdit']:.2f} ms/edit)"),
        ("load generator CPU", lambda r: f"{r['loadgenCpuPercent']:.0f} %"),
        ("RSS idle / connected / end", lambda r: f"{r['rssIdleMiB']:.0f} / "
         f"{r['rssConnectedMiB']:.0f} / {r['rssEndMiB']:.0f} MiB"),
        ("RSS after all left", lambda r: f"{r['rssLeftMiB']:.0f} MiB"),
        ("RSS per meeting / connection", lambda r: f"{r['rssPerMeetingKiB']:.0f} / "
         f"{r['rssPerConnectionKiB']:.0f} KiB"),
        ("server log errors", lambda r: str(len(r["serverLogProblems"]))),
        ("verdict", lambda r: "ok" if r["ok"] else "FAILED: " + "; ".join(r["problems"])),
    ]  # fmt: skip
    names = list(results)
    lines = ["| | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for label, cell in rows:
        lines.append(f"| {label} | " + " | ".join(cell(results[n]) for n in names) + " |")
    return "\n".join(lines)


def raise_fd_limit() -> None:
    """2,500 websockets need more descriptors than a 1,024 soft limit (children inherit it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536 if hard == resource.RLIM_INFINITY else hard
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def log(text: str) -> None:
    print(f"[load] {text}", file=sys.stderr, flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smoke run: 120 clients, 50 meetings")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    parser.add_argument("--only", choices=["one", "many"], help="run one scenario only")
    parser.add_argument(
        "--one-rate", type=float, help=f"edits/s in the one meeting ({FULL.one_rate:g})"
    )
    parser.add_argument(
        "--per-meeting-rate",
        type=float,
        help=f"edits/s per meeting of the many ({FULL.per_meeting_rate:g})",
    )
    args = parser.parse_args()
    plan = QUICK if args.quick else FULL
    if args.one_rate:
        plan = replace(plan, one_rate=args.one_rate)
    if args.per_meeting_rate:
        plan = replace(plan, per_meeting_rate=args.per_meeting_rate)
    load_generator.ensure_installed()
    raise_fd_limit()
    server_cpu, load_cpu, pinning = cpus()
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    began = time.monotonic()
    results: dict[str, dict[str, Any]] = {}
    one = f"1 meeting x {plan.one_clients}"
    many = f"{plan.meetings} meetings x {plan.size}"
    if args.only in (None, "one"):
        results[one] = scenario(plan, 1, plan.one_clients, plan.one_rate, plan.one_seconds,
                                (server_cpu, load_cpu))  # fmt: skip
    if args.only in (None, "many"):
        rate = plan.per_meeting_rate * plan.meetings
        results[many] = scenario(plan, plan.meetings, plan.size, rate, plan.many_seconds,
                                 (server_cpu, load_cpu))  # fmt: skip
    people = min(plan.one_clients, PEOPLE)
    notes = [
        f"Pinning: {pinning}. Load average {load_before} before, "
        + " ".join(Path("/proc/loadavg").read_text().split()[:3])
        + f" after; {time.monotonic() - began:.0f} s in all.",
        f"Limits as shipped, no setting raised: the one meeting's {plan.one_clients} "
        f"connections are {people} people sharing them (SAFETYMAP_MAX_PARTICIPANTS defaults "
        f"to {PEOPLE} and a participant is one link and name: tabs, devices, a screen); "
        "SAFETYMAP_JOIN_LIMIT (300 per 10 s per meeting) lets 300 in at once.",
        "Every client writes in turn (loadgen steps mode at one rate); every edit must reach "
        "every other client of its meeting exactly once: lost = not arrived "
        f"{plan.drain_ms / 1000:g} s after the last send. Server CPU runs from the first edit "
        "to the last delivery (quiet: the "
        f"{QUIET_SECONDS:g} s before it, everyone connected); RSS per meeting is "
        "(connected - idle) / meetings.",
    ]
    if args.json:
        print(json.dumps({"plan": asdict(plan), "notes": notes, "results": results}, indent=1))
    else:
        print(table(results))
        print()
        print("\n".join(f"- {n}" for n in notes))
    return 0 if all(r["ok"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
