#!/usr/bin/env python
"""Safety Map's CPU time per edit at fixed offered loads, and the frames it writes per edit.

    python bench/speed/cpu_per_edit.py [--rates 500 2000 4000] [--seconds 20]

Starts `safetymap serve` as the throughput scenario does (a fresh SQLite directory,
synchronous=FULL, pinned to the first CPU; the load generator on the second) and, for each
rate, runs one step of loadgen.mjs: every client of 50 meetings x 10 writes in turn, at that
aggregate rate, for `--seconds`. From the moment every client is connected to the load
generator's result (every delivery counted), it reads the server's CPU time (utime + stime,
all threads) and its `safetymap_websocket_frames_sent_total`. CPU time rather than wall-clock
throughput: on a shared machine a busy neighbour slows a run, but hardly changes the CPU the
server spends per edit.

To compare with another commit, copy this file into a checkout of it (`git worktree add`) and
run it there with this venv's python and PYTHONPATH set to that checkout.
"""

from __future__ import annotations

import argparse
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load_generator
from run import cpus
from scenarios import warm_up
from servers import SafetyMap


def frames_sent(server: SafetyMap) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=5) as page:
        for line in page.read().decode().splitlines():
            if line.startswith("safetymap_websocket_frames_sent_total "):
                return float(line.split()[1])
    return 0.0


def measure(
    server: SafetyMap, rate: int, seconds: float, shape: tuple[int, int], cpu: int | None
) -> dict[str, Any]:
    marks: list[tuple[float, float]] = []

    def mark() -> None:
        marks.append((server.cpu_seconds(), frames_sent(server)))

    config = {
        "mode": "steps", "rooms": server.rooms(*shape), "rates": [rate], "seconds": seconds,
        "p99LimitMs": 100, "pauseMs": 0, "refine": 0, "drainMs": 5000, "announce": True,
    }  # fmt: skip
    result = load_generator.run(config, cpu, on_ready=mark, on_result=mark)
    step = result["steps"][0]
    (cpu0, frames0), (cpu1, frames1) = marks
    edits = step["edits"]
    return {
        "rate": rate,
        "edits": edits,
        "pass": step["pass"],
        "reasons": step["reasons"],
        "p99": step["latencyMs"]["p99"],
        "lost": step["lost"],
        "duplicates": step["duplicates"],
        "cpuPerEditUs": 1e6 * (cpu1 - cpu0) / edits,
        "framesPerEdit": (frames1 - frames0) / edits,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rates", type=int, nargs="+", default=[500, 2000, 4000])
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--meetings", type=int, default=50)
    parser.add_argument("--clients", type=int, default=10)
    args = parser.parse_args()
    load_generator.ensure_installed()
    server_cpu, load_cpu, pinning = cpus()
    server = SafetyMap(server_cpu)
    server.prepare()
    server.start()
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {pinning}; load {load}")
    try:
        warm_up(server, load_cpu)
        for rate in args.rates:
            r = measure(server, rate, args.seconds, (args.meetings, args.clients), load_cpu)
            print(
                f"{rate:>6,} edits/s x {args.seconds:g} s ({args.meetings} x {args.clients}): "
                f"{r['cpuPerEditUs']:6.0f} us of server CPU per edit, "
                f"{r['framesPerEdit']:5.2f} frames per edit, p99 {r['p99']:.1f} ms, "
                f"lost {r['lost']}, duplicates {r['duplicates']}"
                + ("" if r["pass"] else f" (FAIL: {', '.join(r['reasons'])})"),
                flush=True,
            )
    finally:
        server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
