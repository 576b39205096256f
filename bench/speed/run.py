#!/usr/bin/env python
"""Speed: Safety Map beside the Node reference server, Hocuspocus and pycrdt-websocket, in one run.

    python bench/speed/run.py            # full run: 3 runs of every scenario, every server
    python bench/speed/run.py --quick    # smoke run, under 5 minutes
    python bench/speed/run.py --scenarios throughput --ramps 1.25   # one throughput ramp
    python bench/speed/run.py --profile  # py-spy profile of Safety Map at a fixed edit rate
    python bench/speed/run.py --scenarios fanout_50x10 --targets safetymap safetymap-nofsync node
                                         # what the fsync before each relay costs (not shipped)

Installs the peers into bench/.peers (ignored), pins each server to the first CPU and the
load generator (bench/speed/loadgen.mjs) to the second, and writes the table to
bench/RESULTS.md and the numbers to bench/speed/results.json (a --quick run writes both
under bench/.peers instead, so a smoke run never replaces the real results).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import peers
import report
import scenarios
from scenarios import Context, log
from servers import DEFAULT_TARGETS, TARGETS

HERE = Path(__file__).resolve().parent
# Race last: a failed race can wedge pycrdt-websocket, and --quick shares one server per target.
SCENARIOS = ["fanout_1x20", "fanout_50x10", "throughput", "join", "memory", "cold", "race"]


def cpus() -> tuple[int | None, int | None, str]:
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) < 2:
        return None, None, "not pinned (one CPU)"
    return allowed[0], allowed[1], f"server on CPU {allowed[0]}, load generator on CPU {allowed[1]}"


def measure(ctx: Context, target: str, scenario: str) -> dict[str, Any] | None:
    make = TARGETS[target][1]
    if scenario == "fanout_1x20":
        return scenarios.fanout(ctx, make, 1, 20)  # type: ignore[no-any-return]
    if scenario == "fanout_50x10":
        return scenarios.fanout(ctx, make, 50, 10)  # type: ignore[no-any-return]
    if scenario.startswith("throughput x"):
        factor = float(scenario.rsplit("x", 1)[1])
        return scenarios.throughput(ctx, make, factor)  # type: ignore[no-any-return]
    if scenario == "join":
        return scenarios.join(ctx, make)  # type: ignore[no-any-return]
    if scenario == "memory":
        return scenarios.memory(ctx, make)  # type: ignore[no-any-return]
    if scenario == "race":
        return scenarios.race(ctx, make)  # type: ignore[no-any-return]
    if scenario == "cold":
        # Only Safety Map keeps documents in a database; the peers as started hold rooms in memory.
        return scenarios.cold(ctx, make) if target == "safetymap" else None  # type: ignore[no-any-return]
    raise ValueError(scenario)


def brief(scenario: str, result: dict[str, Any]) -> str:
    if scenario.startswith("fanout"):
        lat = result["latencyMs"]
        return (
            f"p50 {lat['p50']:.1f} p99 {lat['p99']:.1f} max {lat['max']:.1f} ms, "
            f"lost {result['lost']}, dup {result['duplicates']}"
        )
    if scenario.startswith("throughput"):
        return f"best {result['best']:,} edits/s"
    if scenario in ("join", "cold"):
        return f"{result['totalMs']:.0f} ms"
    if scenario == "memory":
        return f"{result['perMeetingKiB']:.0f} KiB per meeting, {result['busyMiB']:.0f} MiB"
    if scenario == "race":
        return f"{result['ok']}/{result['of']} synced"
    return ""


def markdown(
    args: argparse.Namespace, meta: dict[str, Any], results: dict[str, dict[str, Any]]
) -> str:
    labels = {t: TARGETS[t][0] for t in results}
    table, data = report.table(results, labels)
    meta["medians"] = data
    checks = report.verification(results)
    machine = meta["machine"]
    lines = [
        "# Speed: Safety Map beside the fastest Yjs servers",
        "",
        f"`python bench/speed/run.py{' --quick' if args.quick else ''}` on "
        f"{meta['finished']} ({meta['wall_minutes']:.1f} min). Machine: {machine['nproc']} CPUs, "
        f"{machine['cpu']}, kernel {machine['kernel']}; {meta['pinning']}. "
        f"Each number is the median of {meta['plan']['runs']} run(s), "
        + (
            "one server per target for fan-out, throughput, join and race (--quick; "
            "pycrdt-websocket fresh each time)."
            if meta["plan"]["share_servers"]
            else "a fresh server per scenario and run."
        ),
        "",
        f"Load average {meta['load_before']} before the run and {meta['load_after']} after "
        "(1-, 5- and 15-minute): above about 1.5, other work shared the CPUs and the numbers "
        "are noisy.",
        "",
        table,
        "",
        "Ratios are Safety Map / Node reference, measured in the same run. n/a: not measured "
        "for that server (see the notes).",
        "",
        "## Every edit verified",
        "",
        "Deliveries counted at every other client of the edit's room, over every passing batch "
        "of every run (a throughput step that failed is the end of the climb and is left out). "
        f"Lost: not arrived {meta['plan']['drain_ms'] / 1000:g} s after the last send (late "
        "or never); delivered twice: the same edit twice at one client; closed: clients the "
        "server disconnected.",
        "",
        "| server | deliveries | lost | delivered twice | clients closed |",
        "|---|---|---|---|---|",
    ]
    for target, total in checks.items():
        lines.append(
            f"| {labels[target]} | {total['deliveries']:,} | {total['lost']:,} | "
            f"{total['duplicates']:,} | {total['closed']:,} |"
        )
    for target in results:
        for scenario, runs in results[target].items():
            if scenario.startswith("throughput") and runs:
                shape = scenario.split(" ", 1)[-1]
                lines += ["", f"## Throughput climb, {shape}: {labels[target]} (median run)", ""]
                lines.append(report.steps_table(runs))
    lines += ["", "## Versions", ""]
    for group, versions in meta["versions"].items():
        lines.append(f"- {group}: " + ", ".join(f"{k} {v}" for k, v in versions.items()))
    lines += [
        "",
        "## How it was measured",
        "",
        "- Safety Map: `safetymap serve` on a fresh SQLite data directory, `synchronous=FULL` "
        "(every update appended and fsynced before it is relayed); meetings made with `POST "
        "/api/meetings` and an API token from `safetymap token create`; clients join with the "
        "professional link (`/ws/<meeting>?token=…&name=…`). Its websocket has per-message "
        "deflate off (`safetymap serve` turns it off).",
        "- `@y/websocket-server` 0.1.1, started as its README says (`HOST=… PORT=… npx "
        "y-websocket`, here `node src/server.js`), no persistence. 0.1.5 is the newest on npm "
        "but depends on `yjs@^14.0.0-7` and `@y/protocols`, which the registry does not serve; "
        "0.1.1 is the newest that installs. Its `ws` server has per-message deflate off by "
        "default. It sends every update back to its writer as well (counted as echoes, not "
        "deliveries).",
        "- Hocuspocus (`@hocuspocus/server`): `new Server({ quiet: true })` with nothing else "
        "(bench/speed/hocuspocus_server.mjs): no extension, so no persistence, documents in "
        "memory; no onAuthenticate hook; the default `flushDelay` 0, which merges every update "
        "of a document that arrives in one event-loop turn into one broadcast. Its clients "
        "speak its framing: the document name before every message, an auth message first. "
        "It acknowledges each update to its writer (sync status, not counted). Its package "
        "asks for Node 22; it runs here on the machine's Node.",
        "- `pycrdt-websocket` 0.16.5: its stock `ASGIServer(WebsocketServer())` under `uvicorn` "
        "(bench/speed/pycrdt_app.py), in its own venv with `uvicorn[standard]` (uvloop, "
        "websockets: the stack Safety Map runs on). Twice: uvicorn's default (per-message "
        "deflate on, negotiated because clients offer it as browsers do) and "
        "`--ws-per-message-deflate false`. No YStore, rooms in memory.",
        "- Load generator: `bench/speed/loadgen.mjs`, one Node process on its own CPU, `ws` "
        "clients that offer per-message deflate (as browsers do). An edit is a Yjs update made "
        "by the writer's own Y.Doc that sets one unique key (~30 bytes, a keystroke's size); "
        "latency runs from the writer's send to the frame's arrival at each other client, "
        "stamped before parsing. Receivers find edit ids in the frame bytes instead of keeping "
        "a Y.Doc, so one core checks ~100k deliveries/s; every (edit, receiver) pair is "
        "counted.",
        f"- Fan-out: 2 writers per meeting at 5 edits/s each for {meta['plan']['fanout_seconds']}"
        " s; 1 meeting of 20 clients, and 50 meetings of 10 (500 edits/s in all).",
        "- Throughput: 50 meetings x 10 clients, everyone writes (round robin); the aggregate "
        f"rate climbs from {meta['plan']['first_rate']:,} edits/s, each step "
        + " or ".join(f"x{f:g}" for f in meta["plan"]["ramps"])
        + " the last (two ramps, each on its own server: the documents grow as the steps go "
        "on, so a fast climb meets high rates with smaller documents), up to "
        f"{meta['plan']['top_rate']:,}, {meta['plan']['step_seconds']} s a step, then tries the "
        "geometric middle of the last pass and the first failure "
        f"{meta['plan']['refine']} time(s). A step passes if every edit "
        "reached every other client exactly once, no client was closed, p99 <= 100 ms and the "
        "load generator kept the rate. The result is the highest rate that passed.",
        f"- Join: a meeting of {meta['plan']['cards']:,} cards (the document model's shape, "
        "written in updates of 100 cards; its writer stays connected, so the room is loaded); "
        "a new client connects and is timed until its Y.Doc has applied sync step 2 and holds "
        f"every card. Median of {meta['plan']['joins']} joins.",
        f"- Memory: server RSS (VmRSS) with {meta['plan']['memory_meetings']} meetings x "
        f"{meta['plan']['memory_clients']} clients, each client with presence, 5 edits per "
        "meeting delivered, minus RSS before the clients came (after a warm-up meeting came and "
        "went), per meeting.",
        "- Cold load: Safety Map only. Meetings filled with the cards, the server stopped "
        "(SIGINT: rooms saved and compacted) and started again, a warm-up connect to another "
        "meeting, then the first connect to each filled meeting is timed as for the join. The "
        "peers as started keep documents in memory only (a restart loses them), so there is "
        "nothing comparable to load: n/a.",
        f"- Race: {meta['plan']['races']} times, three clients open the same new meeting at "
        "once, each writes one edit once synced; all three must converge within "
        f"{meta['plan'].get('race_timeout_ms', 5000) / 1000:g} s, and a fourth client joining "
        "afterwards must see all three edits.",
    ]
    lines += [
        "",
        "## Where Safety Map's time goes",
        "",
        "`python bench/speed/run.py --profile` records the server with py-spy under the "
        "throughput scenario; the latest profile is in `bench/speed/PROFILE.md`.",
    ]
    if meta["problems"]:
        lines += ["", "## Server log lines (errors and the exceptions that ended tracebacks)", ""]
        counts = Counter(meta["problems"])
        lines += [f"- {n} x `{p}`" for p, n in counts.most_common(20)]
    if meta["failures"]:
        lines += ["", "## Scenarios that did not complete", ""]
        lines += [f"- {f}" for f in meta["failures"]]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run, under 3 minutes")
    parser.add_argument("--runs", type=int, help="repeat every scenario this many times")
    parser.add_argument(
        "--targets",
        nargs="+",
        choices=list(TARGETS),
        default=DEFAULT_TARGETS,
        help="servers to measure (safetymap-nofsync, the cost of the fsync, only when named)",
    )
    parser.add_argument("--scenarios", nargs="+", choices=SCENARIOS, default=SCENARIOS)
    parser.add_argument(
        "--ramps",
        nargs="+",
        type=float,
        help="throughput ramps, each step x this (default 1.6 1.25)",
    )
    parser.add_argument("--output", type=Path, help="markdown file (default bench/RESULTS.md)")
    parser.add_argument("--json", type=Path, help="JSON file (default bench/speed/results.json)")
    parser.add_argument("--no-install", action="store_true", help="use bench/.peers as it is")
    parser.add_argument("--from-json", type=Path, help="only write the table again from a JSON")
    parser.add_argument("--profile", action="store_true", help="profile Safety Map (py-spy)")
    parser.add_argument("--profile-rate", type=int, default=2000, help="edits/s while profiling")
    parser.add_argument("--profile-seconds", type=float, default=30.0)
    args = parser.parse_args()
    if args.from_json:
        saved = json.loads(args.from_json.read_text())
        text = markdown(args, saved["meta"], saved["results"])
        (args.output or HERE.parent / "RESULTS.md").write_text(text)
        print(text)
        return 0
    if not args.no_install:
        peers.install()
    if args.profile:
        import profile_server

        server_cpu, load_cpu, _ = cpus()
        return profile_server.run(args.profile_rate, args.profile_seconds, server_cpu, load_cpu)
    plan = scenarios.QUICK if args.quick else scenarios.FULL
    if args.runs:
        plan = _with(plan, runs=args.runs)
    if args.ramps:
        plan = _with(plan, ramps=tuple(args.ramps))
    # `throughput` is one scenario per ramp, each on its own server.
    chosen = [
        name
        for scenario in args.scenarios
        for name in (
            [scenarios.throughput_scenario(f) for f in plan.ramps]
            if scenario == "throughput"
            else [scenario]
        )
    ]
    quiet = peers.PEERS if args.quick else None
    output = args.output or (quiet / "RESULTS-quick.md" if quiet else HERE.parent / "RESULTS.md")
    json_path = args.json or (quiet / "results-quick.json" if quiet else HERE / "results.json")
    server_cpu, load_cpu, pinning = cpus()
    ctx = Context(plan, server_cpu, load_cpu)
    started = time.monotonic()
    load_before = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    results: dict[str, dict[str, Any]] = {t: {} for t in args.targets}
    failures: list[str] = []
    for run in range(plan.runs):
        for scenario in chosen:
            for target in args.targets:
                label = f"run {run + 1}/{plan.runs} {scenario} {target}"
                try:
                    result = measure(ctx, target, scenario)
                except Exception as exc:  # one server failing a scenario is a result too
                    first = (str(exc).splitlines() or [""])[0][:300]
                    failures.append(f"{label}: {type(exc).__name__}: {first}")
                    log(f"{label}: FAILED {first}")
                    continue
                if result is not None:
                    results[target].setdefault(scenario, []).append(result)
                    log(f"{label}: {brief(scenario, result)}")
        ctx.close()
    meta: dict[str, Any] = {
        "finished": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "wall_minutes": (time.monotonic() - started) / 60,
        "machine": peers.machine(),
        "pinning": pinning,
        "load_before": load_before,
        "load_after": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
        "plan": _plan_dict(plan),
        "versions": peers.versions(),
        "problems": ctx.problems,
        "failures": failures,
    }
    text = markdown(args, meta, results)
    output.write_text(text)
    json_path.write_text(json.dumps({"meta": meta, "results": results}, indent=1))
    print(text)
    log(f"wrote {output} and {json_path}")
    return 0


def _plan_dict(plan: scenarios.Plan) -> dict[str, Any]:
    return {name: getattr(plan, name) for name in scenarios.Plan.__dataclass_fields__}


def _with(plan: scenarios.Plan, **changes: Any) -> scenarios.Plan:
    return scenarios.Plan(**{**_plan_dict(plan), **changes})


if __name__ == "__main__":
    sys.exit(main())
