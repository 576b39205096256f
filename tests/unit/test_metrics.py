"""GET /metrics: Prometheus counters that follow a real meeting, and nothing about its content.
Here the pure checks (no server, database or process); the checks against a real server and
database are in tests/integration/test_metrics.py."""

from __future__ import annotations

from server import metrics
from server.board.permissions import Layer
from server.live.journal import Journal
from server.store import LogEntry


async def test_commit_failures_are_counted_and_appends_timed() -> None:
    failures_left = [1]

    async def flaky_write(entries: object) -> dict[int, object]:
        if failures_left[0]:
            failures_left[0] -= 1
            raise OSError("disk unavailable")
        return {}  # nothing refused

    def sample(name: str) -> float:
        return metrics.REGISTRY.get_sample_value(name) or 0.0

    failures = sample("safetymap_journal_commit_failures_total")
    timed = sample("safetymap_append_seconds_sum")
    journal = Journal(flaky_write)
    journal.start()
    await journal.append(LogEntry("m", Layer.MAIN, b"\x00\x00"))
    await journal.stop()
    assert sample("safetymap_journal_commit_failures_total") == failures + 1
    # The retry waits 50 ms first: the time to durable append includes it.
    assert sample("safetymap_append_seconds_sum") - timed >= 0.05
