"""pycrdt-websocket's stock ASGI server, for `uvicorn bench.speed.pycrdt_app:app` in its own venv.

`ASGIServer` answers the lifespan but does not start the `WebsocketServer`; this wrapper starts
it at startup, as the pycrdt-websocket docs do with `async with websocket_server`. No YStore:
rooms live in memory only (so it has no cold load to measure). Room = the URL path.
"""

from __future__ import annotations

from contextlib import AsyncExitStack
from typing import Any

from pycrdt.websocket import ASGIServer, WebsocketServer  # type: ignore[import-not-found]

websocket_server = WebsocketServer()
_inner = ASGIServer(websocket_server)


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "lifespan":
        await _inner(scope, receive, send)
        return
    async with AsyncExitStack() as stack:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await stack.enter_async_context(websocket_server)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
