"""The ASGI middleware that gives each HTTP request and websocket connection its request id
(server/log_context.py), echoes it in the response, and keeps it with the meeting id of the
path for every log line written while serving it."""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.log_context import HEADER, incoming_id, meeting_id, meeting_in, request_id


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
