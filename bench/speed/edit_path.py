#!/usr/bin/env python
"""Where an edit's time goes inside Safety Map on its way to the others, under fan-out load.

    python bench/speed/edit_path.py                    # 50 meetings x 10 clients, synchronous=FULL
    python bench/speed/edit_path.py --rooms 1 --clients 20 --synchronous OFF

Runs `safetymap serve` (as bench/speed/servers.py does: a fresh SQLite data directory, pinned to
the first CPU) with timestamps taken along each edit's path, drives the fan-out scenario's load
(2 writers x 5 edits/s per meeting) from the load generator on the second CPU, and prints the
percentiles of each stage: the update read, checked and applied until it is handed to the
update log; the log's commit until the edit is durable; until the relay starts; the relay's
writes to every recipient. Also the writer thread's own time per append transaction. The load
generator's end-to-end latency is printed beside them. The timestamps wrap the server's own
methods (this script's `--serve` mode), so they cost a little: compare with run.py's fan-out.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def serve(out: Path, argv: list[str]) -> int:
    """In the server's process: the server, with each stage of an edit timed."""
    import atexit

    from server.cli import main
    from server.live import broadcast, room
    from server.store import append, sqlite_writer

    clock = time.perf_counter
    marks: dict[int, list[float]] = {}  # id(change) -> received, appended, durable
    stages: list[tuple[float, ...]] = []
    transactions: list[tuple[float, int]] = []
    received = [0.0]

    def wrap(cls: Any, name: str, before: Any) -> None:
        original = getattr(cls, name)

        def timed(self: Any, *args: Any, **kwargs: Any) -> Any:
            before(self, *args)
            return original(self, *args, **kwargs)

        setattr(cls, name, timed)

    def on_receive(_room: Any, *_: Any) -> None:
        received[0] = clock()

    def on_accept(_room: Any, change: bytes, *_: Any) -> None:
        marks[id(change)] = [received[0], clock(), 0.0]

    def on_durable(_room: Any, _future: Any, change: bytes, *_: Any) -> None:
        if (mark := marks.get(id(change))) is not None:
            mark[2] = clock()

    wrap(room.Room, "_receive_update", on_receive)
    wrap(room.Room, "_accept", on_accept)
    wrap(room.Room, "_durable", on_durable)

    flush = broadcast.Broadcast.flush

    def timed_flush(self: Any) -> None:
        started = clock()
        pending = [change for change, _, _ in self._pending]
        flush(self)
        ended = clock()
        for change in pending:
            if (mark := marks.pop(id(change), None)) is not None:
                got, appended, durable = mark
                stages.append(
                    (appended - got, durable - appended, started - durable, ended - started)
                )

    broadcast.Broadcast.flush = timed_flush  # type: ignore[method-assign]

    run = sqlite_writer.SqliteWriter._run

    def timed_run(self: Any, write: Any, items: Any) -> Any:
        started = clock()
        result = run(self, write, items)
        if write is append.append_batch:  # not the audit rows of joins and leaves
            transactions.append((clock() - started, len(items)))
        return result

    sqlite_writer.SqliteWriter._run = timed_run  # type: ignore[method-assign]
    atexit.register(
        lambda: out.write_text(json.dumps({"stages": stages, "transactions": transactions}))
    )
    sys.argv = ["safetymap", *argv]
    return main()  # type: ignore[no-any-return]


def _percentiles(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    pick = lambda q: ms[min(len(ms) - 1, int(len(ms) * q))]  # noqa: E731
    return f"p50 {pick(0.5):6.3f}  p90 {pick(0.9):6.3f}  p99 {pick(0.99):6.3f} ms"


def drive(args: argparse.Namespace) -> None:
    import load_generator
    import servers
    from scenarios import warm_up

    out = Path(tempfile.mkdtemp(prefix="edit-path-")) / "stages.json"

    class Timed(servers.SafetyMap):
        def command(self) -> list[str]:
            return [sys.executable, __file__, "--serve", str(out), "serve", "--host",
                    "127.0.0.1", "--port", str(self.port)]  # fmt: skip

    server_cpu, load_cpu = (0, 1) if len(os.sched_getaffinity(0)) > 1 else (None, None)
    server = Timed(server_cpu, synchronous=args.synchronous)
    server.prepare()
    server.start()
    try:
        warm_up(server, load_cpu)
        config = {"mode": "fanout", "rooms": server.rooms(args.rooms, args.clients),
                  "writersPerRoom": 2, "ratePerWriter": 5, "seconds": args.seconds,
                  "drainMs": 3000, "framing": server.framing}  # fmt: skip
        result = load_generator.run(config, load_cpu)
        latency = result["latencyMs"]
    finally:
        server.stop()  # SIGINT: the server writes what it timed as it exits
        server.cleanup()
    timed = json.loads(out.read_text())
    stages = timed["stages"][20:]  # the warm-up's edits and the first of the run left out
    print(
        f"{args.rooms} meeting(s) x {args.clients} clients, 2 writers x 5 edits/s each, "
        f"{args.seconds:g} s, synchronous={args.synchronous}: {len(stages)} edits relayed; "
        f"deliveries lost {result['lost']}, twice {result['duplicates']}, "
        f"clients closed {result['closed']}"
    )
    if result["closed"] or result["lost"]:
        raise SystemExit("the server closed clients or lost edits: the numbers mean nothing")
    print(
        f"{'delivered (load generator)':40s} p50 {latency['p50']:6.3f}  p95 "
        f"{latency['p95']:6.3f}  p99 {latency['p99']:6.3f} ms"
    )
    names = ["read, checked, applied; handed to log", "commit until durable",
             "durable until the relay starts", "relay: written to every recipient"]  # fmt: skip
    for i, name in enumerate(names):
        print(f"{name:40s} {_percentiles([s[i] for s in stages])}")
    transactions = timed["transactions"][20:]
    sizes = sorted(n for _, n in transactions)
    spent = _percentiles([t for t, _ in transactions])
    print(
        f"{'writer thread: one append transaction':40s} {spent}"
        f"  ({len(transactions)}, median {sizes[len(sizes) // 2]} entries)"
    )


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--serve":
        return serve(Path(sys.argv[2]), sys.argv[3:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rooms", type=int, default=50)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL", "OFF"])
    drive(parser.parse_args())
    return 0


if __name__ == "__main__":
    sys.exit(main())
