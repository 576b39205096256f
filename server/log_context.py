"""Request and meeting ids for every log line written while serving a request or a websocket.

The edge's middleware (server/web/request_ids.py) gives each HTTP request and websocket
connection a request id (the client's `X-Request-ID` when it is a short safe token, so a
proxy's id carries through), echoes it in the response, and keeps it with the meeting id of
the path in these context variables, which tasks started while serving inherit.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
meeting_id: ContextVar[str | None] = ContextVar("meeting_id", default=None)

HEADER = "x-request-id"
_SAFE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# Paths that name a meeting: the websocket, the board, the facilitator's pages, the API.
_MEETING_PATH = re.compile(r"/(?:ws|m|meetings|api/meetings)/([A-Za-z0-9_-]{1,64})(?:/|$)")


def incoming_id(value: str | None) -> str:
    """The client's id if it is safe to echo and log, else a new one."""
    if value is not None and _SAFE_ID.fullmatch(value):
        return value
    return secrets.token_hex(8)


def meeting_in(path: str) -> str | None:
    match = _MEETING_PATH.match(path)
    return match.group(1) if match else None
