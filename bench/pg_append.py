"""CPU per append of the update log on PostgreSQL, in the server's own process.

The store's real append (`Store.append`: the meeting's state held in the transaction, the
writers bound, the rows inserted, the commit) against a fresh PostgreSQL database, one batch
after another, each awaited. CPU is this process's (`time.process_time`: every thread, user and
system), divided by the batches; PostgreSQL's own work is in its own processes and not counted.
A batch of 1 is an edit at low load, when no other edit shares its commit; bigger batches are
what the journal commits under load (the cost per entry falls).

    python bench/pg_append.py                    # batches of 1, 10 and 100; 3 rounds
    python bench/pg_append.py --batches 1 --appends 2000 --profile 25

`--profile N` prints cProfile's N dearest functions (cumulative) for the batches of the first
size. The database is `SAFETYMAP_TEST_POSTGRES` (default postgresql://postgres@127.0.0.1:5432/test,
where a database of its own is created and dropped). A number, not a test.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import uvloop  # noqa: E402
from pycrdt import Doc, Map  # noqa: E402

from server.board.permissions import Layer, Role  # noqa: E402
from server.store import Author, LogEntry, Store  # noqa: E402
from server.store.schema import create_engine  # noqa: E402
from server.store.schema.migrate import upgrade  # noqa: E402

ADMIN = os.environ.get("SAFETYMAP_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")


def edits(count: int) -> list[bytes]:
    """`count` small updates, as a card's text typed a few letters at a time (fictional)."""
    doc: Doc = Doc()
    cards = doc.get("cards", type=Map)
    found: list[bytes] = []
    doc.observe(lambda event: found.append(event.update))
    for i in range(count):
        cards[f"card-{i % 50}"] = f"Grandmother collects the children on day {i}"
    return found


async def measure(store: Store, entries: list[LogEntry], size: int, appends: int) -> float:
    """Microseconds of this process's CPU per batch of `size`."""
    batches = [entries[i : i + size] for i in range(0, size * appends, size)]
    for batch in batches[:20]:  # warm: the pool's connections, compiled statements
        await store.append(batch)
    started = time.process_time()
    for batch in batches[20:]:
        refused = await store.append(batch)
        assert not refused, refused
    return (time.process_time() - started) / (len(batches) - 20) * 1e6


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--appends", type=int, default=1000, help="batches per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()

    name = f"safetymap_bench_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(ADMIN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    host = ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    engine = create_engine(f"{host}/{name}")
    try:
        await upgrade(engine)
        store = Store(engine, "pg-append-bench-secret")
        meeting, tokens = await store.create_meeting("Bench", "child_protection")
        grant = await store.resolve(tokens[Role.PROFESSIONAL])
        assert grant is not None
        person = await store.participant(grant, "Fictional Worker")
        author = Author(person.id, bound_by_lock=True, role="professional")
        most = max(args.batches) * (args.appends + 20)
        updates = edits(most)
        entries = [LogEntry(meeting.id, Layer.MAIN, u, author=author) for u in updates]
        print(f"PostgreSQL append, CPU of this process per batch ({args.rounds} rounds)")
        print("| batch | CPU per batch | CPU per entry |")
        print("|---|---|---|")
        for size in args.batches:
            runs = [await measure(store, entries, size, args.appends) for _ in range(args.rounds)]
            per_batch = statistics.median(runs)
            print(f"| {size} | {per_batch:,.0f} µs | {per_batch / size:,.0f} µs |", flush=True)
        if args.profile:
            profiler = cProfile.Profile(time.process_time)  # CPU, not waiting
            profiler.enable()
            await measure(store, entries, args.batches[0], args.appends)
            profiler.disable()
            out = io.StringIO()
            pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
            print(out.getvalue())
        await store.close()
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


if __name__ == "__main__":
    uvloop.run(main())  # as uvicorn runs the server
