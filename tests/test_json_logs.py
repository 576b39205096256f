"""SAFETYMAP_LOG_FORMAT=json: a real `safetymap serve` writes one JSON object per log line,
with request and meeting ids, and still no token, name or card text."""

from __future__ import annotations

import json
import logging
import signal
from pathlib import Path
from typing import Any

import httpx

from server import log_context, logs

from .conftest import free_port
from .servers import create_meeting, read_log, serve, server_env
from .yclient import YClient


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
        await client.synced.wait()
        assert client.ws is not None and client.ws.response is not None
        ws_request_id = client.ws.response.headers["x-request-id"]
        client.add_card("c1", "harm", "secret card text Qx7")
        await client.send(b"\x07garbage")
        await client.wait_closed()
        assert client.close_code == 4400
    stdout, stderr = read_log(out), read_log(log)

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


def _record(message: str, *args: Any) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, message, args, None)


def test_redaction_keeps_access_log_arguments_usable() -> None:
    from uvicorn.logging import AccessFormatter

    record = _record(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", "/setup/abcDEF123", "1.1", 200
    )
    logs.Redact().filter(record)
    line = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s').format(record)
    assert "abcDEF123" not in line and "/setup/…" in line and "200" in line


def test_json_formatter_writes_ids_when_known() -> None:
    formatter, context = logs.JsonFormatter(), logs.Context()
    bare = _record("no request here")
    context.filter(bare)
    assert json.loads(formatter.format(bare)).keys() == {"time", "level", "logger", "message"}
    request = log_context.request_id.set("r-1")
    meeting = log_context.meeting_id.set("m-1")
    try:
        record = _record("in a request")
        context.filter(record)
    finally:
        log_context.request_id.reset(request)
        log_context.meeting_id.reset(meeting)
    entry = json.loads(formatter.format(record))
    assert entry["request_id"] == "r-1" and entry["meeting_id"] == "m-1"


def test_meeting_ids_are_read_from_meeting_paths_only() -> None:
    meeting = "0b7c3c1e-58a4-4d7e-9d59-4b1f0c2c9a11"
    for path in (f"/ws/{meeting}", f"/ws/{meeting}/professional", f"/meetings/{meeting}/end",
                 f"/api/meetings/{meeting}/snapshots", f"/m/{meeting}"):  # fmt: skip
        assert log_context.meeting_in(path) == meeting, path
    for path in ("/join/sometoken", "/setup/x", "/api/meetings", "/healthz", "/meetingsx/y"):
        assert log_context.meeting_in(path) is None, path
