"""The application factory: routes, and the lifespan that owns every running service."""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import logging
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from server import metrics
from server.i18n import _
from server.services import Services
from server.settings import Settings
from server.store.schema import revisions
from server.web import (
    account_pages,
    agreement_pages,
    api,
    board_pages,
    guesses,
    kept_pages,
    meeting_pages,
    pictures,
)
from server.web.auth import Forbidden
from server.web.headers import SecurityHeaders
from server.web.languages import LanguageMiddleware
from server.web.pages import problem
from server.web.request_ids import RequestIds
from server.web.websocket import live

STATIC = Path(__file__).parent.parent / "static"

log = logging.getLogger(__name__)


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready for traffic: the database answers at this code's schema revision, and Redis too
    when processes share meetings (a load balancer's readiness probe). A schema upgraded by a
    newer release, or not yet upgraded, is 503 (logged once): never 200 with joins failing."""
    services: Services = request.app.state.services
    try:
        revision = await services.store.schema_revision()
    except Exception as exc:
        return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, 503)
    schema = revisions.compare(revision)
    if getattr(request.app.state, "schema_problem", None) != schema:
        request.app.state.schema_problem = schema
        if schema is None:
            log.warning("the database schema is back at revision %s: ready", revision)
        else:
            log.error("not ready: %s", revisions.explain(revision))
    if schema is not None:
        body = {
            "status": "unavailable",
            "schema": schema,
            "database_revision": revision,
            "code_revision": revisions.head(),
            "fix": revisions.explain(revision),
        }
        return JSONResponse(body, 503)
    if services.relay is not None and not await services.relay.ping():
        return JSONResponse({"status": "unavailable", "redis": "unreachable"}, 503)
    return JSONResponse({"status": "ready"})


async def metrics_page(request: Request) -> Response:
    """Prometheus metrics of this process (no meeting content or ids in them)."""
    services: Services = request.app.state.services
    token = services.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, f"Bearer {token}".encode()):
            return PlainTextResponse(
                "metrics need the bearer token\n", 401, {"www-authenticate": "Bearer"}
            )
    elif not _from_this_host(request):
        return PlainTextResponse("metrics are served to this host only\n", 403)
    return Response(metrics.render(), media_type=metrics.CONTENT_TYPE)


_PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def _from_this_host(request: Request) -> bool:
    """A loopback client that did not come through a reverse proxy on this host."""
    if request.client is None or any(h in request.headers for h in _PROXY_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.client.host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


async def forbidden(request: Request, _exc: Exception) -> Response:
    return problem(
        request,
        403,
        _("This form has expired"),
        _("Go back, reload the page and try again."),
    )


async def too_many_guesses(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, guesses.TooManyGuesses)
    return guesses.too_many(request, exc.wait)


async def not_found(request: Request, _exc: Exception) -> Response:
    return problem(request, 404, _("Page not found"), _("Check the address and try again."))


def create_app(settings: Settings | None = None, *, migrate: bool | None = None) -> Starlette:
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        services = await Services.start(settings, migrate=migrate)
        app.state.services = services
        metrics.watch_rooms(services.rooms)
        try:
            yield
        finally:
            await services.stop()

    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_page),
        *api.routes,
        *account_pages.routes,
        *meeting_pages.routes,
        *agreement_pages.routes,
        *board_pages.routes,
        *pictures.routes,
        *kept_pages.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        WebSocketRoute("/ws/{meeting_id}", live),
        WebSocketRoute("/ws/{meeting_id}/{layer:str}", live),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[
            Middleware(RequestIds),
            Middleware(LanguageMiddleware),
            Middleware(SecurityHeaders, https=settings.base_url.startswith("https://")),
        ],
        exception_handlers={
            Forbidden: forbidden,
            404: not_found,
            guesses.TooManyGuesses: too_many_guesses,
        },
    )
