"""GET /metrics: Prometheus counters that follow a real meeting, and nothing about its content."""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import RunningServer, running_server
from tests.waiting import eventually, within

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def scrape(server: RunningServer) -> tuple[str, Samples]:
    async with httpx.AsyncClient(base_url=server.address) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return response.text, samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_follow_a_live_meeting(server: RunningServer) -> None:
    _, before = await scrape(server)
    meeting = await server.meeting("Metrics title Wq4")
    writer = await server.client(meeting, "professional", name="Metric Name Jv8")
    reader = await server.client(meeting, "family", name="Other Name Kp2")
    await within(reader.synced.wait(), 20, "reader synced")
    for i in range(5):
        writer.add_card(f"c{i}", "harm", f"metric card text Zx9 {i}")
    await reader.wait_for(lambda: len(reader.cards()) == 5)

    text, during = await scrape(server)
    assert value(during, "safetymap_websocket_connections") == 2
    assert value(during, "safetymap_rooms_loaded") == 1
    for name in (
        "safetymap_updates_accepted_total",
        "safetymap_websocket_frames_sent_total",
        "safetymap_websocket_frames_received_total",
        "safetymap_append_seconds_count",
    ):
        assert value(during, name) >= value(before, name) + 5, name
    # Every append is timed, and a local SQLite commit takes well under the largest bucket.
    assert value(during, "safetymap_append_seconds_bucket", le="5.0") == value(
        during, "safetymap_append_seconds_count"
    )
    # Defined here even when the server runs alone (relay.py observes them).
    for name in ("safetymap_updates_relayed_total", "safetymap_relay_lag_seconds_count"):
        assert name in text
    for secret in (meeting["id"], "Zx9", "Wq4", "Jv8", "Kp2", *meeting["tokens"].values()):
        assert secret not in text

    await writer.disconnect()
    await reader.disconnect()

    async def idle() -> bool:
        _, after = await scrape(server)
        return (
            value(after, "safetymap_websocket_connections") == 0
            and value(after, "safetymap_rooms_loaded") == 0
        )

    await eventually(idle)


async def test_refused_frames_are_counted_by_close_code(server: RunningServer) -> None:
    meeting = await server.meeting()
    _, before = await scrape(server)
    client = await server.client(meeting, "professional")
    await within(client.synced.wait(), 20, "client synced")
    await client.send(b"\x07garbage")
    await client.wait_closed()
    assert client.close_code == 4400
    _, after = await scrape(server)
    refused = "safetymap_frames_refused_total"
    assert value(after, refused, code="4400") == value(before, refused, code="4400") + 1


async def test_a_metrics_token_is_required_once_set(tmp_path: Path) -> None:
    async with (
        running_server(tmp_path, SAFETYMAP_METRICS_TOKEN="scrape-secret") as server,
        httpx.AsyncClient(base_url=server.address) as http,
    ):
        assert (await http.get("/metrics")).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert (await http.get("/metrics", headers=wrong)).status_code == 401
        right = {"Authorization": "Bearer scrape-secret"}
        response = await http.get("/metrics", headers=right)
        assert response.status_code == 200 and "safetymap_updates_accepted_total" in response.text


async def test_without_a_token_proxied_requests_are_refused(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.address) as http:
        assert (await http.get("/metrics")).status_code == 200
        proxied = {"X-Forwarded-For": "203.0.113.9"}
        assert (await http.get("/metrics", headers=proxied)).status_code == 403


async def test_request_ids_are_echoed_or_made(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.address) as http:
        given = await http.get("/healthz", headers={"X-Request-ID": "lb-1234.abc"})
        assert given.headers["x-request-id"] == "lb-1234.abc"
        unsafe = await http.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
        made = unsafe.headers["x-request-id"]
        assert made != "bad id\twith spaces" and len(made) == 16
        other = await http.get("/healthz")
        assert other.headers["x-request-id"] not in (made, "")
    meeting = await server.meeting()
    client = await server.client(meeting, "viewer")
    assert client.ws is not None and client.ws.response is not None
    assert len(client.ws.response.headers["x-request-id"]) == 16
    await client.disconnect()
