"""The issue's scenarios: each starts a fresh server, drives it with loadgen.mjs, returns numbers.

The load generator runs pinned to its own CPU and reports one JSON line; this side only makes
rooms, starts and stops servers, and reads the server's RSS.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import load_generator
from servers import SafetyMap, Server


@dataclass(frozen=True, slots=True)
class Plan:
    runs: int = 3
    fanout_seconds: float = 20.0
    step_seconds: float = 5.0
    # The throughput climb, once per ramp: from `first_rate` edits/s, each step `ramp` times
    # the last, up to `top_rate`. The shape matters, because the documents grow as the steps go
    # on: a fast climb (x1.6) reaches high rates with small documents, a slow one (x1.25)
    # with larger ones (issue 21 ran both).
    ramps: tuple[float, ...] = (1.6, 1.25)
    first_rate: int = 250
    top_rate: int = 45000
    refine: int = (
        2  # halvings (geometric) between the last rate that passed and the first that failed
    )
    cards: int = 5000
    joins: int = 5
    cold_loads: int = 3
    memory_meetings: int = 200
    memory_clients: int = 5
    races: int = 10
    race_timeout_ms: int = 5000
    drain_ms: int = 5000
    # One server per target for fan-out, throughput, join and race (in that order: a failed
    # race can wedge pycrdt-websocket); memory and cold load always get their own.
    share_servers: bool = False


FULL = Plan()
QUICK = Plan(
    runs=1,
    fanout_seconds=2.0,
    step_seconds=1.0,
    top_rate=12000,
    refine=0,
    cards=5000,
    joins=1,
    cold_loads=1,
    memory_meetings=20,
    races=2,
    race_timeout_ms=2000,
    drain_ms=1500,
    share_servers=True,
)


def ramp(plan: Plan, factor: float) -> list[int]:
    """The rates of one climb: 250, 400, 640, 1024, ... for x1.6 (rounded, not to round numbers,
    so that two ramps' steps differ)."""
    rates, rate = [], float(plan.first_rate)
    while rate <= plan.top_rate:
        rates.append(round(rate))
        rate *= factor
    return rates


def throughput_scenario(factor: float) -> str:
    """The name a ramp's results go under: `throughput x1.6`."""
    return f"throughput x{factor:g}"


def _started(make: Callable[[int | None], Server], cpu: int | None) -> Server:
    server = make(cpu)
    server.prepare()
    server.start()
    return server


def warm_up(server: Server, cpu: int | None) -> None:
    """One room opened, written and left: lazy imports and first-use caches are paid here."""
    config = {"mode": "fanout", "rooms": server.rooms(1, 3), "writersPerRoom": 2,
              "ratePerWriter": 10, "seconds": 0.5, "drainMs": 2000,
              "framing": server.framing}  # fmt: skip
    load_generator.run(config, cpu)


class Context:
    def __init__(self, plan: Plan, server_cpu: int | None, load_cpu: int | None) -> None:
        self.plan = plan
        self.server_cpu = server_cpu
        self.load_cpu = load_cpu
        self.problems: list[str] = []
        self.shared: dict[Callable[[int | None], Server], Server] = {}

    def close(self) -> None:
        for server in self.shared.values():
            self.done(server, force=True)
        self.shared.clear()

    def server(self, make: Callable[[int | None], Server], fresh: bool = False) -> Server:
        shared = self.plan.share_servers and not fresh
        if shared and make in self.shared:
            return self.shared[make]
        server = _started(make, self.server_cpu)
        warm_up(server, self.load_cpu)
        if shared and server.shareable:
            self.shared[make] = server
        return server

    def done(self, server: Server, force: bool = False) -> None:
        if server in self.shared.values() and not force:
            return
        server.stop()
        self.problems.extend(f"{server.name}: {line}" for line in server.log_problems())
        server.cleanup()

    def run(
        self, server: Server, config: dict[str, Any], on_ready: Callable[[], None] | None = None
    ) -> Any:
        """The load generator against `server`, speaking its framing."""
        return load_generator.run({**config, "framing": server.framing}, self.load_cpu, on_ready)


def fanout(ctx: Context, make: Callable[[int | None], Server], rooms: int, clients: int) -> Any:
    server = ctx.server(make)
    try:
        return ctx.run(
            server,
            {
                "mode": "fanout",
                "rooms": server.rooms(rooms, clients),
                "writersPerRoom": 2,
                "ratePerWriter": 5,
                "seconds": ctx.plan.fanout_seconds,
                "drainMs": ctx.plan.drain_ms,
            },
        )
    finally:
        ctx.done(server)


def throughput(ctx: Context, make: Callable[[int | None], Server], factor: float) -> Any:
    server = ctx.server(make)
    try:
        return ctx.run(
            server,
            {
                "mode": "steps",
                "rooms": server.rooms(50, 10),
                "rates": ramp(ctx.plan, factor),
                "seconds": ctx.plan.step_seconds,
                "p99LimitMs": 100,
                "pauseMs": 500,
                "refine": ctx.plan.refine,
                "midpoint": "geometric",
                "drainMs": ctx.plan.drain_ms,
            },
        )
    finally:
        ctx.done(server)


def join(ctx: Context, make: Callable[[int | None], Server]) -> Any:
    server = ctx.server(make)
    try:
        [urls] = server.rooms(1, 2 + ctx.plan.joins)
        return ctx.run(server, {"mode": "join", "urls": urls, "cards": ctx.plan.cards})
    finally:
        ctx.done(server)


def race(ctx: Context, make: Callable[[int | None], Server]) -> Any:
    server = ctx.server(make)
    try:
        rooms = server.rooms(ctx.plan.races, 4)
        config = {"mode": "race", "rooms": rooms, "timeoutMs": ctx.plan.race_timeout_ms}
        return ctx.run(server, config)
    finally:
        ctx.done(server)


def memory(ctx: Context, make: Callable[[int | None], Server]) -> Any:
    server = ctx.server(make, fresh=True)
    try:
        rooms = server.rooms(ctx.plan.memory_meetings, ctx.plan.memory_clients)
        time.sleep(1.0)
        idle = server.rss_kib()
        busy: list[int] = []
        result = ctx.run(
            server,
            {"mode": "memory", "rooms": rooms, "edits": 5, "awareness": True},
            on_ready=lambda: busy.append(server.rss_kib()),
        )
        meetings = ctx.plan.memory_meetings
        return {
            **result,
            "idleMiB": idle / 1024,
            "busyMiB": busy[0] / 1024,
            "perMeetingKiB": (busy[0] - idle) / meetings,
            "meetings": meetings,
        }
    finally:
        ctx.done(server)


def cold(ctx: Context, make: Callable[[int | None], Server]) -> Any:
    """Fill meetings, restart the server, then each meeting's first connect loads it from disk."""
    server = _started(make, ctx.server_cpu)
    try:
        assert isinstance(server, SafetyMap)
        [warmup] = server.rooms(1, 1)
        targets = server.rooms(ctx.plan.cold_loads, 3)
        config = {"mode": "populate", "targets": [t[:2] for t in targets], "cards": ctx.plan.cards}
        ctx.run(server, config)
        server.stop()  # SIGINT: every room saved and compacted
        server.start()
        return ctx.run(
            server,
            {"mode": "cold", "warmup": warmup[0], "urls": [t[2] for t in targets],
             "cards": ctx.plan.cards},
        )  # fmt: skip
    finally:
        ctx.done(server)


def log(text: str) -> None:
    print(f"[speed] {text}", file=sys.stderr, flush=True)
