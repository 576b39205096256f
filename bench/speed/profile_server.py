"""Where Safety Map's time goes under the throughput scenario: py-spy on the server process.

`python bench/speed/run.py --profile [--profile-rate 2000] [--profile-seconds 30]` starts the
server as the throughput scenario does (50 meetings x 10 clients, pinned), and once every client
has synced records it with py-spy (`--threads --nonblocking`, collapsed stacks) while the load
generator sends a steady rate. It writes bench/.peers/profile/profile.txt (collapsed stacks:
open it in https://www.speedscope.app), and bench/speed/PROFILE.md: the top functions by own
time and by inclusive time, by file and by thread.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections import Counter
from pathlib import Path

import peers
import scenarios
from servers import SafetyMap

OUT = peers.PEERS / "profile"
REPORT = Path(__file__).resolve().parent / "PROFILE.md"
KEPT = "\n## CPU per edit"  # written by hand from cpu_per_edit.py: a new profile keeps it
_LINE = re.compile(r" \(([^()]*):\d+\)$")


def frame_name(frame: str) -> str:
    """'apply_update (pycrdt/_doc.py:123)' -> 'apply_update (pycrdt/_doc.py)': lines merged."""
    return _LINE.sub(lambda m: f" ({_short(m.group(1))})", frame)


def _short(path: str) -> str:
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def analyse(stacks: Path, top: int = 30) -> str:
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    files: Counter[str] = Counter()
    names: dict[str, str] = {}
    total = 0
    for line in stacks.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = stack.split(";")
        thread, frames = frames[0], [frame_name(f) for f in frames[1:]]
        total += count
        # 'thread (123)' and 'thread (123): MainThread' are one thread, named once known.
        tid, _, tname = thread.partition(": ")
        names[tid] = tname or names.get(tid, "")
        threads[tid] += count
        if frames:
            own[frames[-1]] += count
            match = re.search(r"\(([^()]*)\)$", frames[-1])
            files[match.group(1) if match else frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
    if not total:
        return "no samples"

    def block(title: str, counter: Counter[str], n: int) -> list[str]:
        rows = [f"\n{title}"]
        rows += [f"  {100 * c / total:5.1f}%  {name}" for name, c in counter.most_common(n)]
        return rows

    lines = [f"{total:,} samples"]
    named = Counter({f"{tid} {names.get(tid, '')}".strip(): c for tid, c in threads.items()})
    lines += block("by thread", named, 10)
    lines += block("own time, by file", files, 20)
    lines += block("own time, by function", own, top)
    lines += block("inclusive time, by function", inclusive, top)
    return "\n".join(lines)


def run(rate: int, seconds: float, server_cpu: int | None, load_cpu: int | None) -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    stacks = OUT / "profile.txt"
    ctx = scenarios.Context(scenarios.FULL, server_cpu, load_cpu)
    server = ctx.server(SafetyMap)
    spy: list[subprocess.Popen[bytes]] = []
    cpu_at: list[tuple[float, float]] = []

    def start_profiler() -> None:
        command = [
            str(peers.VENV / "bin" / "py-spy"), "record", "--pid", str(server.pid),
            "--rate", "200", "--threads", "--nonblocking", "--format", "raw",
            "--duration", str(int(seconds)), "--output", str(stacks),
        ]  # fmt: skip
        spy.append(subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        cpu_at.append((time.monotonic(), server.cpu_seconds()))

    try:
        result = ctx.run(
            server,
            {
                "mode": "steps",
                "rooms": server.rooms(50, 10),
                "rates": [rate],
                "seconds": seconds,
                "p99LimitMs": 100,
                "pauseMs": 0,
                "refine": 0,
                "drainMs": 5000,
                "announce": True,
            },
            on_ready=start_profiler,
        )
        cpu_at.append((time.monotonic(), server.cpu_seconds()))
    finally:
        if spy:
            _, err = spy[0].communicate(timeout=seconds + 60)
            if spy[0].returncode:
                print(err.decode(errors="replace"))
        ctx.done(server)
    step = result["steps"][0]
    (wall0, cpu0), (wall1, cpu1) = cpu_at
    print(
        f"Safety Map at {rate:,} edits/s for {seconds:g} s (50 x 10): "
        f"{'pass' if step['pass'] else 'FAIL ' + ', '.join(step['reasons'])}; "
        f"p50 {step['latencyMs']['p50']:.1f} ms, p99 {step['latencyMs']['p99']:.1f} ms; "
        f"server CPU {100 * (cpu1 - cpu0) / (wall1 - wall0):.0f}% of one core"
    )
    summary = analyse(stacks)
    headline = (
        f"Safety Map at {rate:,} edits/s for {seconds:g} s (50 meetings x 10 clients): "
        f"{'pass' if step['pass'] else 'FAIL ' + ', '.join(step['reasons'])}; "
        f"p50 {step['latencyMs']['p50']:.1f} ms, p99 {step['latencyMs']['p99']:.1f} ms; "
        f"server CPU {100 * (cpu1 - cpu0) / (wall1 - wall0):.0f}% of one core"
    )
    kept = "".join(REPORT.read_text().partition(KEPT)[1:]) if REPORT.exists() else ""
    REPORT.write_text(
        "# Where Safety Map's time goes (py-spy, throughput scenario)\n\n"
        f"`python bench/speed/run.py --profile --profile-rate {rate} "
        f"--profile-seconds {seconds:g}` on {peers.versions()['Safety Map']['commit']}, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n\n{headline}\n\n"
        "Percentages are of all samples of the server process (`py-spy record --threads "
        "--nonblocking --rate 200`); time inside Rust (pycrdt) and C (uvloop, sqlite) counts "
        "for the Python function that called it.\n\n```\n" + summary + "\n```\n" + kept
    )
    print(summary)
    print(f"\ncollapsed stacks: {stacks} (speedscope.app opens them)")
    return 0
