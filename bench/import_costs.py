"""Run a `safetymap` command with every import's own memory and time recorded.

    python bench/import_costs.py OUT.json serve --host 127.0.0.1 --port 8000

A finder first on `sys.meta_path` wraps the loader of each module as it loads, and reads
VmRSS and the clock before and after. What a module's own loading added, less what the
modules it imported in turn added, is its own cost, as `python -X importtime` splits time.
At exit OUT.json holds `rows`, [module, own KiB, own seconds, importer] in the order they
finished,
and `modules`, every name in `sys.modules`. bench/idle_memory.py runs this; it imports only
`sys`, `time` and `json` before the hook, so nearly every import is counted.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def vmrss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise KeyError("VmRSS")


class _Costs:
    """Each module's own RSS growth and time, as a stack of the loads under way."""

    def __init__(self) -> None:
        # module, own KiB, own seconds, the module whose loading imported it ("" at the top)
        self.rows: list[tuple[str, int, float, str]] = []
        self._stack: list[list[Any]] = []  # [name, rss at start, time at start, children's]

    def enter(self, name: str) -> None:
        self._stack.append([name, vmrss_kib(), time.perf_counter(), 0, 0.0])

    def leave(self) -> None:
        name, rss, started, child_kib, child_s = self._stack.pop()
        kib, seconds = vmrss_kib() - rss, time.perf_counter() - started
        importer = self._stack[-1][0] if self._stack else ""
        self.rows.append((name, kib - child_kib, seconds - child_s, importer))
        if self._stack:
            self._stack[-1][3] += kib
            self._stack[-1][4] += seconds


class _Loader:
    """Wraps a module's loader for its one load, then puts the real one back on its spec."""

    def __init__(self, loader: Any, spec: Any, costs: _Costs) -> None:
        self._loader, self._spec, self._costs = loader, spec, costs

    def __getattr__(self, name: str) -> Any:
        return getattr(self._loader, name)

    def create_module(self, spec: Any) -> Any:
        self._costs.enter(spec.name)  # an extension module's library is mapped here
        try:
            return self._loader.create_module(spec)
        except BaseException:
            self._costs.leave()
            raise

    def exec_module(self, module: Any) -> None:
        self._spec.loader = module.__loader__ = self._loader
        try:
            self._loader.exec_module(module)
        finally:
            self._costs.leave()


class _Finder:
    """First on sys.meta_path: asks the others, and wraps the loader of what they find."""

    def __init__(self, costs: _Costs) -> None:
        self.costs = costs

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Loader(spec.loader, spec, self.costs)
                return spec
        return None


def traced_serve(out: str, argv: list[str]) -> int:
    """Run `safetymap serve` with every import's cost recorded, written to `out` at exit."""
    costs = _Costs()
    sys.meta_path.insert(0, _Finder(costs))
    sys.argv = ["safetymap", *argv]
    sys.path.insert(0, str(ROOT))  # this checkout's `server`
    try:
        from server.cli import main

        return main(argv)
    finally:
        Path(out).write_text(json.dumps({"rows": costs.rows, "modules": sorted(sys.modules)}))


if __name__ == "__main__":
    sys.exit(traced_serve(sys.argv[1], sys.argv[2:]))
