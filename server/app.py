"""The application factory: routes, and the lifespan that owns every running service."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute

from . import api
from .live import live
from .services import Services
from .settings import Settings


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


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
        *api.routes,
        WebSocketRoute("/ws/{meeting_id}", live),
        WebSocketRoute("/ws/{meeting_id}/{layer:str}", live),
    ]
    return Starlette(routes=routes, lifespan=lifespan)
