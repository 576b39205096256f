"""How `safetymap serve` serves: uvicorn for HTTP, and our own websocket, on one port.

The only module that imports uvicorn (an import contract in pyproject.toml). It uses uvicorn's
`Config` and `Server`, and gives two of `Config`'s options a class: `ws` gets asgi_socket's
`Socket`, so a websocket upgrade comes to a protocol of ours (websockets' sans-I/O under it),
and `http` gets uvicorn's own httptools protocol inside head_timeout's limit. No uvicorn class
is subclassed and none of its private modules is imported. What this still relies on beyond
the documented options is pinned by tests/integration/test_server_contract.py, so a uvicorn
release that changes it fails the suite by name:

- uvicorn builds the `http` and `ws` classes with keyword arguments and drives them only as
  asyncio protocols; on a websocket upgrade it calls the `ws` protocol's connection_made
  (transport), then data_received (the request head), and hands the transport to it;
- `Config(http="httptools").load()` leaves the class it would use in `http_protocol_class`;
- `uvicorn.middleware.proxy_headers.ProxyHeadersMiddleware` trusts X-Forwarded-For from
  FORWARDED_ALLOW_IPS as uvicorn does for HTTP, so websockets see the same client address.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.config import LOGGING_CONFIG
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from server.settings import Settings
from server.ws import asgi_socket, head_timeout

STARTUP_FAILURE = 3  # uvicorn's exit status for it

# Seconds a stopping server gives requests, then websockets, to finish (each).
GRACE = 10


class Server:
    """One `safetymap serve` server: `run()` it, or `await serve()` on a running loop."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        *,
        log_level: str | None = None,
        access_log: bool = True,
    ) -> None:
        self.app = app
        # uvicorn's own variable, with its default (docs/settings.md): the proxies whose
        # forwarded client address and scheme are believed, for HTTP and websockets alike.
        trusted = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
        self.websockets = asgi_socket.Options(
            app=ProxyHeadersMiddleware(app, trusted_hosts=trusted),  # type: ignore[arg-type]
            max_size=settings.max_frame_bytes,
            ping_interval=settings.ping_interval or None,
            ping_timeout=settings.ping_timeout or None,
        )
        self.config = uvicorn.Config(
            _websockets_close_first(app, self.websockets),
            host=settings.host,
            port=settings.port,
            http=head_timeout.around(_uvicorn_http(), settings.header_timeout),
            ws=asgi_socket.protocol(self.websockets),
            forwarded_allow_ips=trusted,
            log_level=(log_level or settings.log_level).lower(),
            access_log=access_log,  # link and set-up tokens in URLs are redacted (logs.py)
            log_config=log_config(settings.log_format),
            lifespan="on",  # a failed start-up stops the server
            timeout_graceful_shutdown=GRACE,
        )
        self._server = uvicorn.Server(self.config)

    def run(self) -> None:
        """Serve until SIGINT or SIGTERM (then close gracefully), on uvicorn's event loop; exit
        with status 3 if it never started (the port taken, a failed lifespan), as `uvicorn.run`."""
        with contextlib.suppress(KeyboardInterrupt):  # SIGINT, raised again once shut down
            self._server.run()
        if not self.started:
            sys.exit(STARTUP_FAILURE)

    async def serve(self) -> None:
        await self._server.serve()

    @property
    def started(self) -> bool:
        return bool(self._server.started)

    def stop(self) -> None:
        """Begin a graceful shutdown, as SIGTERM does."""
        self._server.should_exit = True

    def loop_factory(self) -> Callable[[], asyncio.AbstractEventLoop] | None:
        """The event loop `run` uses (uvloop when installed)."""
        return self.config.get_loop_factory()


def _uvicorn_http() -> type[asyncio.Protocol]:
    """The class uvicorn serves HTTP with when told `http="httptools"`, to be wrapped."""
    probe = uvicorn.Config(_no_app, http="httptools", log_config=None, lifespan="off")
    probe.load()
    http: type[asyncio.Protocol] = probe.http_protocol_class
    return http


async def _no_app(_scope: Scope, _receive: Receive, _send: Send) -> None:
    raise RuntimeError("never served")


def _websockets_close_first(app: ASGIApp, websockets: asgi_socket.Options) -> ASGIApp:
    """`app`, whose lifespan shutdown first closes every websocket (1012, "service restart":
    clients reconnect, elsewhere behind a load balancer) and lets their endpoints finish."""

    async def serving(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "lifespan":
            await app(scope, receive, send)
            return

        async def lifespan_message() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await asgi_socket.close_all(websockets, GRACE)
            return message

        await app(scope, lifespan_message, send)

    return serving


def log_config(log_format: str = "text") -> dict[str, Any]:
    """uvicorn's own handlers (its error log and access log), with the server's filters."""
    config: dict[str, Any] = {**LOGGING_CONFIG}
    config["filters"] = {
        "context": {"()": "server.logs.Context"},
        "redact": {"()": "server.logs.Redact"},
    }
    formatters = dict(LOGGING_CONFIG["formatters"])
    if log_format == "json":
        formatters = {name: {"()": "server.logs.JsonFormatter"} for name in formatters}
    config["formatters"] = formatters
    # Every log line on stderr (uvicorn sends its access log to stdout): stdout is left to
    # the start-up messages meant for a person.
    config["handlers"] = {
        name: {**handler, "stream": "ext://sys.stderr", "filters": ["context", "redact"]}
        for name, handler in LOGGING_CONFIG["handlers"].items()
    }
    return config
