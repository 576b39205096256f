"""Where an idle `safetymap serve` keeps its memory: its RSS, and what each import costs.

Each start is a real `safetymap serve` subprocess on a fresh SQLite data directory (or, with
`--postgres`, on a fresh PostgreSQL database and a `redis-server` of its own), measured once it
answers /readyz and has had a moment to settle: VmRSS, split into anonymous memory (heaps,
Python objects) and file-backed pages (shared libraries, mapped code). The median of `--runs`
starts is the number to quote; RSS does not depend on how busy the machine is, so it moves far
less between runs than a timing would.

One more start runs the same `serve` behind an import hook (`import_costs.py`): every
module's loading is timed and its VmRSS read before and after, and what the module's own body
added, without the modules it imported in turn, is its own cost, as `python -X importtime`
splits time. The costs are added up by top-level package (`server.*` by subpackage), so the
table says which packages an idle server pays for, and the modules it lists are the largest.
The hook's own bookkeeping is small (one tuple per module), and its run is not in the median.

    python bench/idle_memory.py                 # SQLite, 3 starts, top 15 packages
    python bench/idle_memory.py --runs 5 --top 25
    python bench/idle_memory.py --postgres      # also PostgreSQL + Redis (SAFETYMAP_TEST_POSTGRES)
    python bench/idle_memory.py --json          # the same numbers as JSON

A number, not a test: it is not part of `pytest` (tests/integration/test_idle_imports.py
checks which packages an idle server leaves unloaded).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench" / "speed"))

from servers import free_port, safetymap_command, safetymap_env  # noqa: E402

SETTLE = 2.0  # seconds after /readyz before reading RSS: start-up tasks finish
SECRET = "idle-memory-bench-secret-key-not-for-production"


# The measurements ----------------------------------------------------------------------------


def status_kib(pid: int) -> dict[str, int]:
    wanted = ("VmRSS", "RssAnon", "RssFile", "RssShmem")
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in wanted:
            found[key] = int(value.split()[0])
    return found


def ready(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def start_idle(env: dict[str, str], port: int, log: Path, traced: Path | None = None) -> Any:
    """One `safetymap serve`, ready and settled: its /proc status numbers, then stopped."""
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    if traced is None:
        argv = [*safetymap_command(), *serve]
    else:
        argv = [sys.executable, str(ROOT / "bench" / "import_costs.py"), str(traced), *serve]
    with log.open("wb") as sink:
        proc = subprocess.Popen(argv, env=env, stdout=sink, stderr=sink, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while not ready(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.1)
        time.sleep(SETTLE)
        return status_kib(proc.pid)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def package(module: str) -> str:
    """What a module is counted under: `server.web.app` under `server.web`, `redis.client`
    under `redis`."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "server" and len(parts) > 1 else parts[0]


def measure(
    setup: str, runs: int, settings: dict[str, str], folder: Path, source: bool = False
) -> dict[str, Any]:
    def env(name: str, port: int) -> dict[str, str]:
        env = safetymap_env(folder / f"{setup}-{name}", port, **settings)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        # Bytecode in a folder of our own, as a deployed (pip-installed) venv has it beside
        # the sources; with --source, none: every module compiled at each start.
        env["PYTHONPYCACHEPREFIX"] = str(folder / ("no-pycache" if source else "pycache"))
        if source:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env

    if not source:  # one start, not measured, writes the bytecode the measured ones read
        port = free_port()
        start_idle(env("warm-up", port), port, folder / f"{setup}-warm-up.log")
    starts = []
    for run in range(runs):
        port = free_port()
        numbers = start_idle(env(str(run), port), port, folder / f"{setup}-{run}.log")
        starts.append(numbers)
        print(f"[idle] {setup} start {run + 1}: VmRSS {numbers['VmRSS'] / 1024:.1f} MiB",
              file=sys.stderr, flush=True)  # fmt: skip
    port = free_port()
    out = folder / f"{setup}-traced.json"
    traced = start_idle(env("traced", port), port, folder / f"{setup}-traced.log", traced=out)
    record = json.loads(out.read_text())
    kib: dict[str, int] = defaultdict(int)
    seconds: dict[str, float] = defaultdict(float)
    brought: dict[str, str] = {}  # package: the module that first imported it
    for name, own_kib, own_s, importer in record["rows"]:
        kib[package(name)] += own_kib
        seconds[package(name)] += own_s
        if importer and package(importer) != package(name):
            brought.setdefault(package(name), importer)
    modules = sorted(record["rows"], key=lambda row: -row[1])
    return {
        "setup": setup,
        "starts": starts,
        "median": {key: statistics.median(s[key] for s in starts) for key in starts[0]},
        "traced_vmrss": traced["VmRSS"],
        "imports_kib": sum(row[1] for row in record["rows"]),
        "packages": {
            name: [kib[name], round(seconds[name], 3), brought.get(name, "")] for name in kib
        },
        "largest_modules": [row[:2] for row in modules[:30]],
        "loaded": sorted({package(name) for name in record["modules"]}),
    }


def show(result: dict[str, Any], top: int) -> None:
    median = result["median"]
    mib = 1024
    print(f"\n## {result['setup']}: idle `safetymap serve`, median of {len(result['starts'])}")
    print(f"VmRSS {median['VmRSS'] / mib:.1f} MiB (anonymous {median['RssAnon'] / mib:.1f}, "
          f"file-backed {median['RssFile'] / mib:.1f}); each start: "
          + ", ".join(f"{s['VmRSS'] / mib:.1f}" for s in result["starts"]))  # fmt: skip
    print(
        f"Traced start: VmRSS {result['traced_vmrss'] / mib:.1f} MiB, of which imports "
        f"{result['imports_kib'] / mib:.1f} MiB, in {len(result['packages'])} packages."
    )
    print("\n| package | own RSS growth MiB | own import time s | first imported by |")
    print("|---|---:|---:|---|")
    ranked = sorted(result["packages"].items(), key=lambda item: -item[1][0])
    for name, (kib, seconds, importer) in ranked[:top]:
        print(f"| {name} | {kib / mib:.1f} | {seconds:.2f} | {importer} |")
    rest = ranked[top:]
    print(f"| {len(rest)} others | {sum(v[0] for _, v in rest) / mib:.1f} | "
          f"{sum(v[1] for _, v in rest):.2f} | |")  # fmt: skip
    print("\nLargest modules (own MiB): " + ", ".join(
        f"{name} {kib / mib:.1f}" for name, kib in result["largest_modules"][:10]))  # fmt: skip
    print("Loaded: " + " ".join(name for name in result["loaded"] if not name.startswith("_")))


async def measure_shared(runs: int, folder: Path, source: bool) -> dict[str, Any]:
    """On a fresh PostgreSQL database (migrated with `safetymap db upgrade`) and a
    redis-server of our own."""
    sys.path.insert(0, str(ROOT / "bench"))
    from cluster_numbers import fresh_database, redis_server  # the cluster bench's own

    async with fresh_database() as db_url, redis_server(folder) as (redis_url, _):
        shared = {
            "SAFETYMAP_DATABASE_URL": db_url,
            "SAFETYMAP_REDIS_URL": redis_url,
            "SAFETYMAP_SECRET_KEY": SECRET,
        }
        env = safetymap_env(folder / "data", 0, **shared)
        upgrade = await asyncio.create_subprocess_exec(
            *safetymap_command(), "db", "upgrade", env=env, cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        if await upgrade.wait():
            raise RuntimeError("safetymap db upgrade failed")
        return await asyncio.to_thread(measure, "PostgreSQL + Redis", runs, shared, folder, source)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="starts per setup (default 3)")
    parser.add_argument("--top", type=int, default=15, help="packages to list (default 15)")
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL + Redis")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--source", action="store_true", help="no bytecode: compile every module at each start"
    )
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="idle-memory-"))
    results = []
    try:
        results.append(measure("SQLite", args.runs, {}, folder, args.source))
        if args.postgres:
            results.append(asyncio.run(measure_shared(args.runs, folder, args.source)))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()  # fmt: skip
    print(f"commit {commit}, Python {sys.version.split()[0]}, load {os.getloadavg()[0]:.1f}, "
          + ("no bytecode (--source)" if args.source else "bytecode cached"))  # fmt: skip
    for result in results:
        show(result, args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
