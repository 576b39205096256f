"""SAFETYMAP_LOG_FORMAT=json: a real `safetymap serve` writes one JSON object per log line,
with request and meeting ids, and still no token, name or card text."""

from __future__ import annotations

import json
import logging
from typing import Any

from server import log_context, logs


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
