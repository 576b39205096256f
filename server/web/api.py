"""The JSON API (described in `schemas/openapi.json`).

Who may call it:
- a facilitator, by `Authorization: Bearer <API token>` (`safetymap token create EMAIL`) or by
  their browser session (state-changing calls then need the `X-CSRF-Token` header);
- for one meeting's routes, anyone with `Authorization: Bearer <link token>` of that meeting,
  with that link's role.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from server.board.agreement import BadWords
from server.board.permissions import (
    Layer,
    Role,
    can_end,
    can_lock,
    can_manage_links,
    can_open,
    can_record_agreement,
)
from server.live import agreement, deletion, meetings
from server.record import view
from server.services import Services
from server.store import Agreement, AgreementRefused, Participant, audit
from server.store.accounts import Facilitator
from server.store.people import shown_names
from server.web.api_error import ApiError, answered
from server.web.auth import Forbidden, check_csrf, facilitator, joined
from server.web.guesses import wrong_token
from server.web.numbers import whole_number
from server.web.websocket import clean_name


@dataclass(frozen=True, slots=True)
class Caller:
    services: Services
    role: Role
    meeting_id: str | None
    account: Facilitator | None = None
    link_id: int | None = None
    participant: Participant | None = None  # when calling from a board this browser joined

    @property
    def actor(self) -> audit.Actor:
        """Who this is, for the audit trail."""
        if self.account is not None:
            return audit.facilitator(self.account.id)
        if self.participant is not None:
            return audit.participant(self.participant.id, self.role.value)
        return audit.link(self.link_id, self.role.value)


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def _account(request: Request, link_token: bool = False) -> Facilitator | None:
    """A facilitator by API token, or by session cookie (CSRF-checked unless reading).

    `link_token`: the bearer token is a valid link (of another meeting), not a guess.
    """
    services: Services = request.app.state.services
    token = _bearer(request)
    if token is not None:
        person = await services.accounts.api_token(token)
        if person is None and not link_token:
            await wrong_token(request)
        return person
    person = await facilitator(request)
    if person is not None and request.method not in ("GET", "HEAD"):
        try:
            await check_csrf(request)
        except Forbidden:
            raise ApiError(403, "missing or wrong X-CSRF-Token header") from None
    return person


async def _caller(request: Request) -> Caller:
    """Who is calling about the meeting in the path, and with which role."""
    services: Services = request.app.state.services
    meeting_id = request.path_params["meeting_id"]
    token = _bearer(request)
    grant = await services.store.resolve(token) if token else None
    if grant is not None and grant.meeting_id == meeting_id:
        return Caller(services, grant.role, meeting_id, link_id=grant.link_id)
    if token is None and (participant_id := joined(request).get(meeting_id)):
        # The board's own calls: this browser joined the meeting (by link or as its owner).
        person_in = await services.store.joined(meeting_id, participant_id)
        if person_in is not None and person_in.admitted:
            if request.method not in ("GET", "HEAD"):
                try:
                    await check_csrf(request)
                except Forbidden:
                    raise ApiError(403, "missing or wrong X-CSRF-Token header") from None
            return Caller(
                services,
                person_in.role,
                meeting_id,
                link_id=person_in.link_id,
                participant=person_in,
            )
    person = await _account(request, link_token=grant is not None)
    meeting = await services.store.meeting(meeting_id) if person else None
    if person is not None and meeting is not None and meeting.owner_id == person.id:
        return Caller(services, Role.FACILITATOR, meeting_id, account=person)
    # Same answer for unknown meetings and bad tokens: no hint that a meeting exists.
    raise ApiError(401, "a valid token for this meeting is required")


async def _signed_in(request: Request) -> tuple[Services, Facilitator]:
    person = await _account(request)
    if person is None:
        raise ApiError(401, "sign in, or send Authorization: Bearer <API token>")
    services: Services = request.app.state.services
    return services, person


async def _json(request: Request) -> dict[str, Any]:
    if not await request.body():
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(400, "the body is not JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


def _fields(body: dict[str, Any], fields: dict[str, type]) -> None:
    """The API's one rule for request bodies (`additionalProperties: false` in openapi.json):
    a field it does not know, or of the wrong JSON type, is refused (422), never ignored or
    quietly read as text: a misspelt field would otherwise look accepted."""
    unknown = sorted(set(body) - set(fields))
    if unknown:
        known = ", ".join(fields) or "no fields"
        raise ApiError(422, f"unknown field {unknown[0]!r}: this takes {known}")
    for name, kind in fields.items():
        if name in body and not isinstance(body[name], kind):
            wanted = "true or false" if kind is bool else "text"
            raise ApiError(422, f"{name} must be {wanted}")


async def create_meeting(request: Request) -> JSONResponse:
    services, person = await _signed_in(request)
    body = await _json(request)
    _fields(body, {"title": str, "labelSet": str, "waitingRoom": bool})
    try:
        created = await meetings.create(
            services.settings,
            services.store,
            str(body.get("title") or ""),
            str(body.get("labelSet") or "child_protection"),
            owner_id=person.id,
            waiting_room=body.get("waitingRoom", True) is not False,
        )
    except meetings.InvalidMeeting as exc:
        raise ApiError(422, str(exc)) from None
    return JSONResponse(created, status_code=201)


async def list_meetings(request: Request) -> JSONResponse:
    services, person = await _signed_in(request)
    mine = await services.store.meetings_of(person.id)
    return JSONResponse({"meetings": [m.as_json() for m in mine]})


async def meetings_collection(request: Request) -> JSONResponse:
    if request.method == "POST":
        return await create_meeting(request)
    return await list_meetings(request)


async def _ended_by(caller: Caller, name: str) -> Participant | None:
    store = caller.services.store
    assert caller.meeting_id is not None
    if caller.participant is not None:
        return caller.participant
    if caller.account is not None:
        return await store.facilitator_participant(caller.meeting_id, caller.account.name)
    grant_name = clean_name(name) or "Facilitator"
    grant = await store.resolve_link(caller.link_id) if caller.link_id is not None else None
    return await store.participant(grant, grant_name) if grant else None


async def end_meeting(request: Request) -> JSONResponse:
    caller = await _caller(request)
    if not can_end(caller.role):
        raise ApiError(403, "only the facilitator can end the meeting")
    body = await _json(request)
    _fields(body, {"name": str})
    person = await _ended_by(caller, str(body.get("name") or ""))
    meeting = await caller.services.store.meeting(request.path_params["meeting_id"])
    assert meeting is not None
    meta = await meetings.end(caller.services, meeting, person.id if person else None, caller.actor)
    if meta is None:
        raise ApiError(409, "the meeting has already ended")
    return JSONResponse(meta.as_json())


async def delete_meeting(request: Request) -> JSONResponse:
    """Delete the meeting and every trace of it: its owner's account only, never a link
    (links get forwarded; deletion cannot be undone)."""
    caller = await _caller(request)
    if caller.account is None:
        raise ApiError(403, "only the facilitator's account can delete a meeting")
    assert caller.meeting_id is not None
    services = caller.services
    actor = audit.facilitator(caller.account.id)
    await deletion.delete_meeting(
        services.store, services.rooms, caller.meeting_id, actor, "facilitator"
    )
    return JSONResponse({"deleted": caller.meeting_id})


def _person_json(person: Participant) -> dict[str, Any]:
    joined_at = person.joined_at.isoformat() if person.joined_at else None
    return {**person.identity(), "admission": person.admission.value, "joinedAt": joined_at}


async def list_participants(request: Request) -> JSONResponse:
    """Who has opened the meeting's links: waiting, admitted, turned away or taken out."""
    caller = await _caller(request)
    if not can_manage_links(caller.role):
        raise ApiError(403, "only the facilitator can see who is waiting")
    assert caller.meeting_id is not None
    people = await caller.services.store.people(caller.meeting_id)
    # A name is what someone typed: two people may share one. `shownAs` tells them apart
    # ("Jo (2)": the second to give that name), `id` is who each one is.
    shown = shown_names(people)
    listed = [{**_person_json(p), "shownAs": shown[p.id]} for p in people]
    return JSONResponse({"participants": listed})


async def admission(request: Request) -> JSONResponse:
    caller = await _caller(request)
    if not can_manage_links(caller.role):
        raise ApiError(403, "only the facilitator can let people in or take them out")
    action = request.path_params["action"]
    if action not in meetings.ADMISSION_ACTIONS:
        raise ApiError(404, "no such action")
    assert caller.meeting_id is not None
    person = await meetings.admission(
        caller.services,
        caller.meeting_id,
        request.path_params["participant_id"],
        action,
        caller.actor,
    )
    if person is None:
        raise ApiError(404, "no such participant in this meeting")
    if person.admission is not meetings.ADMISSION_ACTIONS[action]:
        if action == "admit" and person.admission.value == "waiting":
            # Someone waiting stays waiting after "admit" only while the meeting is full.
            raise ApiError(
                409, "the meeting is full (they are still waiting): take someone out first"
            )
        raise ApiError(409, f"cannot {action} someone who is {person.admission.value}")
    return JSONResponse(_person_json(person))


async def lock(request: Request) -> JSONResponse:
    caller = await _caller(request)
    if not can_lock(caller.role):
        raise ApiError(403, "only the facilitator can lock the board")
    body = await _json(request)
    _fields(body, {"locked": bool})
    locked = body.get("locked")
    if not isinstance(locked, bool):
        raise ApiError(422, 'send {"locked": true} or {"locked": false}')
    assert caller.meeting_id is not None
    if not await meetings.set_locked(caller.services, caller.meeting_id, locked, caller.actor):
        raise ApiError(409, "the meeting has ended")
    return JSONResponse({"locked": locked})


async def list_agreement(request: Request) -> JSONResponse:
    """What the facilitator has recorded so far: who agreed the plan, with their words."""
    caller = await _caller(request)
    if not can_record_agreement(caller.role):
        raise ApiError(403, "only the facilitator records who agreed the plan")
    assert caller.meeting_id is not None
    recorded = await caller.services.store.agreements(caller.meeting_id)
    return JSONResponse({"agreement": [a.as_json() for a in recorded]})


_AGREEMENT_REFUSED = {
    AgreementRefused.NO_SUCH_PERSON: 404,
    AgreementRefused.NOT_LET_IN: 409,
    AgreementRefused.ENDED: 409,
    AgreementRefused.NOT_A_PERSON: 422,
}


async def record_agreement(request: Request) -> JSONResponse:
    """Record (or change) whether one person agreed the plan, until the meeting ends."""
    caller = await _caller(request)
    if not can_record_agreement(caller.role):
        raise ApiError(403, "only the facilitator records who agreed the plan")
    body = await _json(request)
    _fields(body, {"agreed": bool, "words": str})
    agreed = body.get("agreed")
    if not isinstance(agreed, bool):
        raise ApiError(422, 'send {"agreed": true} or {"agreed": false}, with "words" if any')
    assert caller.meeting_id is not None
    try:
        done = await agreement.record(
            caller.services.store,
            caller.meeting_id,
            request.path_params["participant_id"],
            agreed,
            str(body.get("words") or ""),
            caller.actor,
        )
    except BadWords as exc:
        raise ApiError(422, str(exc)) from None
    if not isinstance(done, Agreement):
        raise ApiError(_AGREEMENT_REFUSED[done], done.value)
    return JSONResponse(done.as_json())


async def list_snapshots(request: Request) -> JSONResponse:
    caller = await _caller(request)
    metas = await caller.services.store.snapshots(request.path_params["meeting_id"])
    return JSONResponse({"snapshots": [meta.as_json() for meta in metas]})


async def get_snapshot(request: Request) -> JSONResponse:
    caller = await _caller(request)
    n = whole_number(request.path_params["n"], minimum=1)
    if n is None:  # not ASCII digits, or past what any snapshot number can be
        raise ApiError(404, "no such snapshot")
    snapshot = await caller.services.store.snapshot(request.path_params["meeting_id"], n)
    if snapshot is None:
        raise ApiError(404, "no such snapshot")
    variant = request.query_params.get("variant", "full")
    if variant not in ("full", "family"):
        raise ApiError(422, 'variant is "full" or "family"')
    family_copy = variant == "family"
    # The family copy is rendered without the professionals-only layer at all.
    family_copy = family_copy or not can_open(caller.role, Layer.PROFESSIONAL)
    rendered = view.record(snapshot, family=family_copy)
    return JSONResponse({"snapshot": snapshot.meta.as_json(), "map": rendered})


async def replace_link(request: Request) -> JSONResponse:
    caller = await _caller(request)
    if not can_manage_links(caller.role):
        raise ApiError(403, "only the facilitator can change links")
    try:
        role = Role(request.path_params["role"])
    except ValueError:
        raise ApiError(404, "no such role") from None
    assert caller.meeting_id is not None
    regenerate = request.url.path.endswith("/regenerate")
    result = await meetings.replace_link(
        caller.services, caller.meeting_id, role, regenerate=regenerate, actor=caller.actor
    )
    return JSONResponse(result)


routes = [
    # One route per path: two would answer each other's methods with 405 and a partial Allow.
    Route("/api/meetings", answered(meetings_collection), methods=["GET", "POST"]),
    Route("/api/meetings/{meeting_id}", answered(delete_meeting), methods=["DELETE"]),
    Route("/api/meetings/{meeting_id}/end", answered(end_meeting), methods=["POST"]),
    Route("/api/meetings/{meeting_id}/lock", answered(lock), methods=["POST"]),
    Route("/api/meetings/{meeting_id}/participants", answered(list_participants), methods=["GET"]),
    Route(
        "/api/meetings/{meeting_id}/participants/{participant_id}/{action}",
        answered(admission),
        methods=["POST"],
    ),
    Route("/api/meetings/{meeting_id}/agreement", answered(list_agreement), methods=["GET"]),
    Route(
        "/api/meetings/{meeting_id}/agreement/{participant_id}",
        answered(record_agreement),
        methods=["PUT"],
    ),
    Route("/api/meetings/{meeting_id}/snapshots", answered(list_snapshots), methods=["GET"]),
    Route("/api/meetings/{meeting_id}/snapshots/{n}", answered(get_snapshot), methods=["GET"]),
    Route(
        "/api/meetings/{meeting_id}/links/{role}/revoke", answered(replace_link), methods=["POST"]
    ),
    Route(
        "/api/meetings/{meeting_id}/links/{role}/regenerate",
        answered(replace_link),
        methods=["POST"],
    ),
]
