"""loadgen.mjs, the load generator every benchmark drives: one Node process, pinned to one CPU.

It reads one JSON config (the mode, the rooms' client URLs, rates, durations) and reports one
JSON line per event on standard output: `ready` when it waits for a go-ahead line on standard
input (configs with `announce`, and the memory mode), then `result` or `error`.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import peers
from servers import pinned

LOADGEN = Path(__file__).resolve().parent / "loadgen.mjs"


class LoadgenError(RuntimeError):
    pass


def ensure_installed() -> None:
    """Its yjs and ws, from bench/speed's package.json into bench/.peers (npm ci, once)."""
    if not (peers.NODE_DIR / "node_modules" / "yjs").exists():
        peers.install()


def run(
    config: dict[str, Any],
    cpu: int | None,
    on_ready: Callable[[], None] | None = None,
    on_result: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Run loadgen.mjs with `config` to its end; its result line.

    `on_ready` runs when it says it is ready, before it is told to go; `on_result` the moment
    its result (or error) line arrives, before it exits and its clients leave.
    """
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump({"modules": str(peers.NODE_DIR), **config}, file)
    proc = subprocess.Popen(
        [*pinned(cpu), "node", str(LOADGEN), file.name],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None
    result: dict[str, Any] = {}
    for line in proc.stdout:
        event = json.loads(line)
        if event.get("event") == "ready" and on_ready is not None:
            on_ready()
            proc.stdin.write("go\n")
            proc.stdin.flush()
        elif event.get("event") in ("result", "error"):
            if on_result is not None:
                on_result()
            result = event
    proc.wait()
    Path(file.name).unlink()
    if result.get("event") != "result":
        raise LoadgenError(result.get("error", f"load generator exited with {proc.returncode}"))
    return result
