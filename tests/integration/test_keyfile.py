"""The generated secret key file: processes starting together on a fresh data folder agree on one
whole key, every time; an empty file is an error naming the fix, never an empty key. Here the
checks against a real server and database; the pure checks (no server, database or process) are
in tests/unit/test_keyfile.py."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

PROCESSES = 4


ROUNDS = 40


STEP = 0.05  # seconds between rounds; every process starts round r at the same instant


# Each process waits for the same instants, then makes (or reads) round r's key at once.
_RACER = """
import sys, time
from pathlib import Path
from server.keyfile import load_or_create
root, start, rounds, step = Path(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), float(
    sys.argv[4]
)
for r in range(rounds):
    time.sleep(max(0.0, start + r * step - time.time()))
    try:
        print(r, "key", load_or_create(root / str(r)), flush=True)
    except Exception as exc:
        print(r, "error", type(exc).__name__, exc, flush=True)
"""


async def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    start = time.time() + 2.0  # time enough for every interpreter to be up
    argv = [sys.executable, "-c", _RACER, str(tmp_path), str(start), str(ROUNDS), str(STEP)]
    procs = [
        await asyncio.create_subprocess_exec(*argv, stdout=asyncio.subprocess.PIPE)
        for _ in range(PROCESSES)
    ]
    outputs = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 60)
    assert all(p.returncode == 0 for p in procs)
    seen: dict[int, set[str]] = {r: set() for r in range(ROUNDS)}
    for out, _ in outputs:
        for line in out.decode().splitlines():
            r, kind, rest = line.split(" ", 2)
            assert kind == "key", line  # never FileExistsError, never an empty file read
            seen[int(r)].add(rest)
    for r, keys in seen.items():
        assert len(keys) == 1, (r, keys)  # one key per folder, whoever made it
        (key,) = keys
        assert len(key) == 64
        folder = tmp_path / str(r)
        assert (folder / "secret_key").read_text().strip() == key
        assert (folder / "secret_key").stat().st_mode & 0o077 == 0
        assert [p.name for p in folder.iterdir()] == ["secret_key"]  # no temporary left
