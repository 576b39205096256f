"""Every Prometheus metric of the server, defined in one place (names prefixed `safetymap_`).

Labels never carry a meeting id, a name or any content: the only label is a close code.
Each server process keeps its own registry and is scraped on its own address (the way
Prometheus scrapes any set of replicas), so prometheus-client's multi-process mode is not
needed: sum over the processes in the query (`sum(rate(...))`).
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sized
from typing import Protocol

from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    Gauge,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# No `_created` series beside each counter: noise on a dashboard.
disable_created_metrics()  # type: ignore[no-untyped-call]
REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)  # CPU, memory, open files of this process
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4

# From half a millisecond (one SQLite commit on a quiet disk) to five seconds (a database
# outage being retried): where the interesting part of the write path lies.
_LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
)  # fmt: skip

CONNECTIONS = Gauge(
    "safetymap_websocket_connections",
    "Open websocket connections that were admitted to a meeting.",
    registry=REGISTRY,
)
ROOMS = Gauge(
    "safetymap_rooms_loaded",
    "Meeting layers loaded in memory in this process.",
    registry=REGISTRY,
)
ACCEPTED = Counter(
    "safetymap_updates_accepted",
    "Document updates accepted and handed to the update log.",
    registry=REGISTRY,
)
RELAYED = Counter(
    "safetymap_updates_relayed",
    "Document updates relayed to other processes or to the clients of a room.",
    registry=REGISTRY,
)
FRAMES_SENT = Counter(
    "safetymap_websocket_frames_sent",
    "Frames written to clients' websockets (updates, sync answers, presence).",
    registry=REGISTRY,
)
FRAMES_RECEIVED = Counter(
    "safetymap_websocket_frames_received",
    "Frames received from clients' websockets.",
    registry=REGISTRY,
)
APPEND_SECONDS = Histogram(
    "safetymap_append_seconds",
    "Time from receiving an update to its durable append to the update log.",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
RELAY_LAG = Histogram(
    "safetymap_relay_lag_seconds",
    "Time from an update's durable append in one process to its arrival in another.",
    buckets=_LATENCY_BUCKETS,
    registry=REGISTRY,
)
TOO_SLOW = Counter(
    "safetymap_send_queue_overflows",
    "Clients closed as too slow (4508) because their outgoing queue was full.",
    registry=REGISTRY,
)
BYTE_WAITS = Counter(
    "safetymap_participant_byte_waits",
    "Times a connection's next frame waited because its participant had spent their bytes "
    "(SAFETYMAP_PARTICIPANT_BYTE_LIMIT).",
    registry=REGISTRY,
)
REFUSED = Counter(
    "safetymap_frames_refused",
    "Frames or connections refused, by websocket close code.",
    ["code"],
    registry=REGISTRY,
)
COMMIT_FAILURES = Counter(
    "safetymap_journal_commit_failures",
    "Update log commits that failed (each is retried until it succeeds).",
    registry=REGISTRY,
)
# Defined here, not in live/shared_limits.py, so a server without Redis (which never imports
# that) still exposes it, at 0.
RATE_LIMIT_FALLBACKS = Counter(
    "safetymap_rate_limit_fallbacks",
    "Sign-in and wrong-token checks counted in this process's memory because Redis could "
    "not be reached.",
    registry=REGISTRY,
)

# Every Rooms of the process (tests run several servers in one process); weak, so a
# stopped server's rooms are forgotten.
_watched: weakref.WeakSet[Sized] = weakref.WeakSet()
ROOMS.set_function(lambda: sum(len(rooms) for rooms in list(_watched)))


def watch_rooms(rooms: Sized) -> None:
    """Report `len(rooms)` as the loaded-rooms gauge, read at each scrape."""
    _watched.add(rooms)


class RelayHealth(Protocol):
    """What relay.Relay counts (read at each scrape, so the relay keeps plain numbers)."""

    connected: bool
    outages: int
    reconnects: int
    publish_failures: int
    foreign: int

    @property
    def waiting(self) -> int: ...


_relays: weakref.WeakSet[RelayHealth] = weakref.WeakSet()


class _RelayCollector(Collector):
    """The relay's health: with no Redis configured, connected is 0 and the rest stay 0.
    Its lag is RELAY_LAG."""

    def collect(self) -> Iterator[Metric]:
        relays = list(_relays)
        gauges = (
            ("connected", "1 while this process reads the Redis relay, 0 while it cannot.",
             lambda r: int(r.connected)),
            ("outbox_messages", "Messages waiting to be published to Redis (grows while it is "
             "away; past its budget, updates are dropped and a resync asked for).",
             lambda r: r.waiting),
        )  # fmt: skip
        for name, documentation, read in gauges:
            gauge = GaugeMetricFamily(f"safetymap_relay_{name}", documentation)
            gauge.add_metric([], sum(read(relay) for relay in relays))
            yield gauge
        counters = (
            ("outages", "Times this process lost Redis (it then reloads its rooms from the "
             "database).", lambda r: r.outages),
            ("reconnects", "Times this process found Redis again after losing it.",
             lambda r: r.reconnects),
            ("publish_failures", "Batches that could not be published to Redis (sent again).",
             lambda r: r.publish_failures),
            ("foreign_messages", "Messages on the Redis stream from another deployment (a copy "
             "of the database, another installation), ignored.", lambda r: r.foreign),
        )  # fmt: skip
        for name, documentation, read in counters:
            counter = CounterMetricFamily(f"safetymap_relay_{name}", documentation)
            counter.add_metric([], sum(read(relay) for relay in relays))
            yield counter


REGISTRY.register(_RelayCollector())


def watch_relay(relay: RelayHealth) -> None:
    """Report the relay's health at each scrape, and its lag as it comes."""
    _relays.add(relay)


def relayed(n: int = 1) -> None:
    RELAYED.inc(n)


def refused(code: int) -> None:
    REFUSED.labels(code=str(code)).inc()


def render() -> bytes:
    """The Prometheus text exposition of this process's metrics."""
    return generate_latest(REGISTRY)
