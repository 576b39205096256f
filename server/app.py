"""The application factory: routes, and the lifespan that owns every running service."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from . import account_pages, api, board_pages, meeting_pages
from .headers import SecurityHeaders
from .live import live
from .pages import _, problem
from .services import Services
from .settings import Settings
from .web_auth import Forbidden

STATIC = Path(__file__).parent / "static"


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready for traffic: the database answers (a load balancer's readiness probe)."""
    services: Services = request.app.state.services
    try:
        async with services.store.engine.connect() as conn:
            await conn.execute(text("select 1"))
    except Exception as exc:
        return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, 503)
    return JSONResponse({"status": "ready"})


async def forbidden(request: Request, _exc: Exception) -> Response:
    return problem(
        request,
        403,
        _("This form has expired"),
        _("Go back, reload the page and try again."),
    )


async def not_found(request: Request, _exc: Exception) -> Response:
    return problem(request, 404, _("Page not found"), _("Check the address and try again."))


def create_app(settings: Settings | None = None, *, migrate: bool | None = None) -> Starlette:
    settings = settings or Settings.from_env()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        services = await Services.start(settings, migrate=migrate)
        app.state.services = services
        try:
            yield
        finally:
            await services.stop()

    routes = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *api.routes,
        *account_pages.routes,
        *meeting_pages.routes,
        *board_pages.routes,
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
        WebSocketRoute("/ws/{meeting_id}", live),
        WebSocketRoute("/ws/{meeting_id}/{layer:str}", live),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders, https=settings.base_url.startswith("https://"))],
        exception_handlers={Forbidden: forbidden, 404: not_found},
    )
