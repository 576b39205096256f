"""SAFETYMAP_LOG_FORMAT=json: a real `safetymap serve` writes one JSON object per log line, with
request and meeting ids, and still no token, name or card text. Here the checks against a real
server and database; the pure checks (no server, database or process) are in
tests/unit/test_json_logs.py."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.servers import create_meeting, read_log, serve, server_env
from tests.waiting import within
from tests.yclient import YClient


async def test_json_log_lines_carry_ids_and_no_secrets(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(tmp_path, port, SAFETYMAP_LOG_LEVEL="DEBUG", SAFETYMAP_LOG_FORMAT="json")
    # Log lines go to standard error; standard output (the set-up link) is kept apart.
    log, out = tmp_path / "server.log", tmp_path / "server.out"
    meeting = await create_meeting(env, "Json check")
    token = meeting["tokens"]["family"]
    async with serve(env, port, log, stdout=out, stop=signal.SIGINT):
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            probe = await http.get("/healthz", headers={"X-Request-ID": "probe-7f3a"})
            assert probe.headers["x-request-id"] == "probe-7f3a"
            await http.get(f"/join/{token}")  # a link token in a path: redacted
        client = YClient(meeting["ws_url"], meeting["id"], token, name="Marker Name Zq")
        await client.connect()
        await within(client.synced.wait(), 20, "client synced")
        assert client.ws is not None and client.ws.response is not None
        ws_request_id = client.ws.response.headers["x-request-id"]
        client.add_card("c1", "harm", "secret card text Qx7")
        await client.send(b"\x07garbage")
        await client.wait_closed()
        assert client.close_code == 4400
    stdout, stderr = read_log(out), read_log(log)

    # Standard output's start-up lines are JSON objects too (the set-up link among them).
    said = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    assert said[0]["message"].startswith("Safety Map on http://127.0.0.1:"), said
    assert all(line["logger"] == "server.cli" and line["level"] == "INFO" for line in said)
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    assert lines, "the server logged nothing"
    for line in lines:
        assert {"time", "level", "logger", "message"} <= line.keys(), line
    # The access log (same formatter) has the request id a proxy sent.
    assert any(
        line["logger"] == "uvicorn.access" and line.get("request_id") == "probe-7f3a"
        for line in lines
    )
    # uvicorn's line for the websocket carries the connection's request id and the meeting.
    socket_lines = [line for line in lines if line.get("request_id") == ws_request_id]
    assert any(line.get("meeting_id") == meeting["id"] for line in socket_lines), lines
    everything = stdout + stderr
    for secret in (token, "Marker", "Qx7", "secret card text"):
        assert secret not in everything
