"""Request and meeting ids for every log line written while serving a request or a websocket.

An ASGI middleware gives each HTTP request and websocket connection a request id (the
client's `X-Request-ID` when it is a short safe token, so a proxy's id carries through),
echoes it in the response, and keeps it with the meeting id of the path in context
variables, which tasks started while serving inherit.
"""

from __future__ import annotations

import re
import secrets
from contextvars import ContextVar

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        rid = incoming_id(Headers(scope=scope).get(HEADER))
        header = (HEADER.encode(), rid.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] in ("http.response.start", "websocket.accept"):
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        rid_token = request_id.set(rid)
        meeting_token = meeting_id.set(meeting_in(scope["path"]))
        await self.app(scope, receive, send_with_id)
        # Not reset when the app raised: the server's "Exception in ASGI application" line
        # comes next in this task and should carry the ids. (Each request runs in a task of
        # its own, so they go no further.)
        request_id.reset(rid_token)
        meeting_id.reset(meeting_token)
