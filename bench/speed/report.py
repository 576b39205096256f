"""Medians of the runs, the ratio to the Node reference, the table (markdown) and its notes."""

from __future__ import annotations

import statistics
from collections.abc import Callable
from typing import Any

Runs = list[dict[str, Any]]
# One row: label, unit, which scenario, how to read one run's number, target ratio, better.
Row = tuple[str, str, str, Callable[[dict[str, Any]], float], str, str]


def _lat(key: str) -> Callable[[dict[str, Any]], float]:
    return lambda r: float(r["latencyMs"][key])


ROWS: list[Row] = [
    ("fan-out 1x20, p50", "ms", "fanout_1x20", _lat("p50"), "", "lower"),
    ("fan-out 1x20, p95", "ms", "fanout_1x20", _lat("p95"), "", "lower"),
    ("fan-out 1x20, p99", "ms", "fanout_1x20", _lat("p99"), "<= 1.0x", "lower"),
    ("fan-out 1x20, max", "ms", "fanout_1x20", _lat("max"), "", "lower"),
    ("fan-out 50x10, p50", "ms", "fanout_50x10", _lat("p50"), "", "lower"),
    ("fan-out 50x10, p95", "ms", "fanout_50x10", _lat("p95"), "", "lower"),
    ("fan-out 50x10, p99", "ms", "fanout_50x10", _lat("p99"), "<= 1.0x", "lower"),
    ("fan-out 50x10, max", "ms", "fanout_50x10", _lat("max"), "", "lower"),
    ("join a 5,000-card meeting", "ms", "join", lambda r: float(r["totalMs"]), "<= 1.0x", "lower"),
    ("  of which: sync step 2 arrived", "ms", "join",
     lambda r: float(r["step2ArrivedMs"]), "", "lower"),
    ("memory per open meeting (5 clients each)", "KiB", "memory",
     lambda r: float(r["perMeetingKiB"]), "<= 1.0x", "lower"),
    ("  server RSS with them open", "MiB", "memory", lambda r: float(r["busyMiB"]), "", "lower"),
    ("cold load of 5,000 cards (first connect)", "ms", "cold",
     lambda r: float(r["totalMs"]), "", "lower"),
]  # fmt: skip


def throughput_rows(scenario: str) -> list[Row]:
    """The rows of one throughput ramp (`throughput x1.6`)."""
    shape = scenario.split(" ", 1)[1]
    return [
        (f"throughput, 50x10, {shape} steps (p99 <= 100 ms)", "edits/s", scenario,
         lambda r: float(r["best"]), ">= 1.0x", "higher"),
        ("  deliveries/s at that rate", "/s", scenario,
         lambda r: float(r["best"]) * 9, "", "higher"),
    ]  # fmt: skip


def rows(results: dict[str, dict[str, Runs]]) -> list[Row]:
    """ROWS, with each throughput ramp measured after the fan-out rows."""
    ramps = sorted(
        {s for runs in results.values() for s in runs if s.startswith("throughput")},
        key=lambda s: -float(s.rsplit("x", 1)[1]) if " x" in s else 0.0,
    )
    fanout = [row for row in ROWS if row[2].startswith("fanout")]
    rest = [row for row in ROWS if not row[2].startswith("fanout")]
    return fanout + [row for ramp in ramps for row in throughput_rows(ramp)] + rest


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def value(runs: Runs | None, read: Callable[[dict[str, Any]], float]) -> float | None:
    if not runs:
        return None
    return median([read(r) for r in runs])


def shown(x: float | None, unit: str) -> str:
    if x is None:
        return "n/a"
    if x != x:  # NaN
        return "-"
    if unit == "edits/s" and x == 0:
        return "< lowest step"
    if unit in ("edits/s", "/s", "KiB") or x >= 100:
        return f"{x:,.0f}"
    return f"{x:,.1f}"


def ratio_met(ratio: float, target: str, better: str) -> str:
    if not target:
        return ""
    bound = float(target.split()[1].rstrip("x"))
    met = ratio >= bound if better == "higher" else ratio <= bound
    return "met" if met else "missed"


def verification(results: dict[str, dict[str, Runs]]) -> dict[str, dict[str, int]]:
    """Totals over every batch of every run: lost and duplicate deliveries, closed clients."""
    out: dict[str, dict[str, int]] = {}
    for target, scenarios in results.items():
        totals = {"deliveries": 0, "lost": 0, "duplicates": 0, "closed": 0}
        for name, runs in scenarios.items():
            for run in runs:
                batches = run.get("steps") if name.startswith("throughput") else [run]
                for batch in batches or []:
                    if "delivered" not in batch:
                        continue
                    passed = batch.get("pass", True)
                    # A failed throughput step is the end of the climb, not a verified number.
                    if not passed:
                        continue
                    totals["deliveries"] += int(batch["delivered"])
                    totals["lost"] += int(batch["lost"])
                    totals["duplicates"] += int(batch["duplicates"])
                    totals["closed"] += int(batch.get("closed", 0))
        out[target] = totals
    return out


def table(
    results: dict[str, dict[str, Runs]], labels: dict[str, str]
) -> tuple[str, dict[str, Any]]:
    """The markdown table and the same medians as data."""
    targets = list(results)
    head = ["scenario", "unit", *(labels[t] for t in targets)]
    has_node = "node" in results and "safetymap" in results
    if has_node:
        head += ["Safety Map / Node", "target"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    data: dict[str, Any] = {}
    for label, unit, scenario, read, target, better in rows(results):
        values = {t: value(results[t].get(scenario), read) for t in targets}
        data[label] = {"unit": unit, **values}
        cells = [label, unit, *(shown(values[t], unit) for t in targets)]
        if has_node:
            ours, node = values["safetymap"], values["node"]
            if ours is not None and node:
                ratio = ours / node
                data[label]["ratio"] = ratio
                verdict = ratio_met(ratio, target, better)
                cells += [f"{ratio:.2f}x", f"{target} {verdict}".strip()]
            else:
                cells += ["", target]
        lines.append("| " + " | ".join(cells) + " |")
    race_cells = ["3 clients race to open a new meeting: all synced", "trials"]
    for t in targets:
        runs = results[t].get("race") or []
        ok = sum(int(r["ok"]) for r in runs)
        of = sum(int(r["of"]) for r in runs)
        race_cells.append(f"{ok}/{of}" if of else "n/a")
        data.setdefault("race", {})[t] = {"ok": ok, "of": of}
    if has_node:
        race_cells += ["", "all synced"]
    lines.append("| " + " | ".join(race_cells) + " |")
    return "\n".join(lines), data


def steps_table(runs: Runs) -> str:
    """The throughput climb of the run whose best rate is the median."""
    ordered = sorted(runs, key=lambda r: float(r["best"]))
    chosen = ordered[(len(ordered) - 1) // 2]
    lines = [
        "| edits/s | sent/s | deliveries | lost | dup | p50 ms | p99 ms | max ms | loadgen CPU | |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for step in chosen["steps"]:
        lat = step["latencyMs"]
        verdict = "pass" if step["pass"] else "fail: " + ", ".join(step["reasons"])
        lines.append(
            f"| {step['rate']:,} | {step['sentRate']:,.0f} | {step['delivered']:,} | "
            f"{step['lost']:,} | {step['duplicates']:,} | {lat['p50']:.1f} | {lat['p99']:.1f} | "
            f"{lat['max']:.1f} | {100 * step['loadgenCpu']:.0f}% | {verdict} |"
        )
    return "\n".join(lines)
