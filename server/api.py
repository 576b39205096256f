"""The JSON API: ending a meeting, its snapshots, and its links. Authorized by link tokens.

`Authorization: Bearer <link token>`; facilitator sessions come with the board.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from . import crdt, model
from .closes import UNAUTHORIZED
from .live import clean_name
from .permissions import Layer, Role, can_end, can_manage_links, can_open
from .services import Services
from .store import Grant


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


async def _grant(request: Request) -> tuple[Services, Grant]:
    services: Services = request.app.state.services
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    grant = await services.store.resolve(token.strip()) if scheme.lower() == "bearer" else None
    if grant is None or grant.meeting_id != request.path_params["meeting_id"]:
        # Same answer for unknown meetings and bad tokens: no hint that a meeting exists.
        raise ApiError(401, "a valid link token for this meeting is required")
    return services, grant


def _role(request: Request) -> Role:
    try:
        return Role(request.path_params["role"])
    except ValueError:
        raise ApiError(404, "no such role") from None


async def end_meeting(request: Request) -> JSONResponse:
    services, grant = await _grant(request)
    if not can_end(grant.role):
        raise ApiError(403, "only the facilitator can end the meeting")
    body: dict[str, Any] = {}
    if await request.body():
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "the body is not JSON") from None
    name = clean_name(str(body.get("name") or "")) or "Facilitator"
    person = await services.store.participant(grant, name)
    meeting = await services.store.meeting(grant.meeting_id)
    assert meeting is not None
    meta = await services.rooms.end_meeting(meeting.id, person.id, meeting.as_json())
    if meta is None:
        raise ApiError(409, "the meeting has already ended")
    return JSONResponse(meta.as_json())


async def list_snapshots(request: Request) -> JSONResponse:
    services, grant = await _grant(request)
    metas = await services.store.snapshots(grant.meeting_id)
    return JSONResponse({"snapshots": [meta.as_json() for meta in metas]})


async def get_snapshot(request: Request) -> JSONResponse:
    services, grant = await _grant(request)
    try:
        n = int(request.path_params["n"])
    except ValueError:
        raise ApiError(404, "no such snapshot") from None
    snapshot = await services.store.snapshot(grant.meeting_id, n)
    if snapshot is None:
        raise ApiError(404, "no such snapshot")
    if can_open(grant.role, Layer.PROFESSIONAL):
        rendered = snapshot.rendered
    else:
        # The family copy is rendered without the professionals-only layer at all.
        meeting = {**snapshot.rendered["meeting"]}
        rendered = model.render_meeting(
            crdt.doc_from_updates([snapshot.state_main]), None, meeting, snapshot.roster
        )
    return JSONResponse({"snapshot": snapshot.meta.as_json(), "map": rendered})


async def revoke_link(request: Request) -> JSONResponse:
    services, grant = await _grant(request)
    if not can_manage_links(grant.role):
        raise ApiError(403, "only the facilitator can change links")
    role = _role(request)
    regenerate = request.url.path.endswith("/regenerate")
    if regenerate:
        revoked, token = await services.store.regenerate_link(grant.meeting_id, role)
    else:
        revoked, token = await services.store.revoke_link(grant.meeting_id, role), None
    closed = services.rooms.close_where(
        grant.meeting_id,
        lambda peer: peer.link_id in revoked,
        UNAUTHORIZED,
        "this link has been revoked",
    )
    result: dict[str, Any] = {"role": role.value, "revoked": len(revoked), "closed": closed}
    if token is not None:
        result["link"] = services.settings.link_url(token)
    return JSONResponse(result)


def _guard(endpoint: Any) -> Any:
    async def wrapped(request: Request) -> JSONResponse:
        try:
            response: JSONResponse = await endpoint(request)
            return response
        except ApiError as exc:
            return _error(exc.status, exc.message)

    return wrapped


routes = [
    Route("/api/meetings/{meeting_id}/end", _guard(end_meeting), methods=["POST"]),
    Route("/api/meetings/{meeting_id}/snapshots", _guard(list_snapshots), methods=["GET"]),
    Route("/api/meetings/{meeting_id}/snapshots/{n}", _guard(get_snapshot), methods=["GET"]),
    Route("/api/meetings/{meeting_id}/links/{role}/revoke", _guard(revoke_link), methods=["POST"]),
    Route(
        "/api/meetings/{meeting_id}/links/{role}/regenerate", _guard(revoke_link), methods=["POST"]
    ),
]
