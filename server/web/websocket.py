"""The websocket endpoint: check the link, find the participant, put them in the room."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
import unicodedata
from urllib.parse import urlsplit

from starlette.websockets import WebSocket

from server import metrics
from server.board.agencies import AGENCY_MAX, takes_agency
from server.board.links import KEY_MAX, KEY_MIN, looks_like_key
from server.board.permissions import Admission, Layer, Role, can_open
from server.ratelimit import retry_after_header
from server.services import Services
from server.store import MeetingFull, MeetingGone, Participant, WaitingRoomFull, audit
from server.sync.closes import (
    BUSY,
    FORBIDDEN,
    MALFORMED,
    MEETING_DELETED,
    NO_ROOM,
    SERVICE_RESTART,
    TOO_MANY_MESSAGES,
    WAITING,
    Close,
    unauthorized,
)
from server.web.auth import joined
from server.web.guesses import count_wrong_token
from server.ws.connection import Connection

log = logging.getLogger(__name__)

_DEFAULT_NAMES = {
    Role.FACILITATOR: "Facilitator",
    Role.PROFESSIONAL: "Professional",
    Role.FAMILY: "Family member",
    Role.VIEWER: "Shared screen",
}


BAD_KEY = (
    f"the key must be {KEY_MIN} to {KEY_MAX} random letters, digits, - or _ "
    "(at least 128 random bits)"
)


def clean_name(raw: str | None, limit: int = 100) -> str:
    """A display name as typed, minus control characters and runs of spaces."""
    if not raw:
        return ""
    text = "".join(ch for ch in raw if unicodedata.category(ch)[0] != "C")
    return " ".join(text.split())[:limit]


async def live(ws: WebSocket) -> None:
    services: Services = ws.app.state.services
    meeting_id = ws.path_params["meeting_id"]
    await ws.accept()
    try:
        layer = _layer(ws.path_params.get("layer"))
        connection = await _admit(ws, services, meeting_id, layer)
        try:
            room = await services.rooms.open(meeting_id, layer, connection)
        except MeetingGone:
            raise unauthorized() from None
    except Close as refusal:
        metrics.refused(refusal.code)
        log.info("websocket refused: %d %s", refusal.code, refusal.reason)
        with contextlib.suppress(Exception):
            await ws.close(refusal.code, refusal.reason)
        return
    person = connection.participant
    actor = audit.participant(person.id, person.role.value)
    await _audit(services, audit.event(meeting_id, actor, audit.JOIN, layer=layer.value))
    opened = time.monotonic()
    await connection.run(services.rooms, room)
    _log_close(connection, layer, time.monotonic() - opened)
    code = connection.close_code or 1000
    if connection.close_reason != MEETING_DELETED:  # a deleted meeting keeps no trail
        leave = audit.event(meeting_id, actor, audit.LEAVE, layer=layer.value, code=code)
        await _audit(services, leave, if_meeting_exists=True)


def _log_close(connection: Connection, layer: Layer, seconds: float) -> None:
    """One line per websocket that was in a meeting: its close code and who closed it, with
    the role and layer (the meeting and request ids come from the log context). Never a
    token, a name or content: a server's reason is its own fixed words."""
    role = connection.role.value
    if connection.close_code is not None:
        log.info(
            "websocket closed by the server: %d %s (%s, %s layer, %.0f s)",
            connection.close_code,
            connection.close_reason,
            role,
            layer.value,
            seconds,
        )
        return
    code = connection.client_code or 1006  # 1006: the connection dropped without a close
    # 1012 is the server itself going away (a restart): the transport closes the socket.
    closed = "websocket closed by the %s: %d (%s, %s layer, %.0f s)"
    who = "server (restarting)" if code == SERVICE_RESTART else "client"
    log.info(closed, who, code, role, layer.value, seconds)


async def _audit(services: Services, event: audit.Event, if_meeting_exists: bool = False) -> None:
    try:
        await services.audit_writer.record(event, if_meeting_exists=if_meeting_exists)
    except Exception as exc:  # the trail must not take a meeting down with it
        log.error("could not record %s in the audit trail (%s)", event.action, type(exc).__name__)


async def _participant(ws: WebSocket, services: Services, meeting_id: str) -> Participant:
    """By link token (stock clients), or by the browser's signed join cookie (the board).

    A stock client is the participant who holds its `key` on that link: the key, never the
    name, says who is coming back. Without a key every connection is someone new."""
    token = ws.query_params.get("token")
    if token is None:
        participant_id = joined(ws).get(meeting_id)
        person = await services.store.joined(meeting_id, participant_id) if participant_id else None
        if person is None:
            raise unauthorized()
        return person
    key = ws.query_params.get("key")
    if key is not None and not looks_like_key(key):
        raise Close(MALFORMED, BAD_KEY)
    # Someone coming back with their key is found with the link, in one query.
    found = await services.store.arrival(token, key)
    if found is None:
        # A wrong token counts against the address as on HTTP; past the limit 4429 (the
        # websocket's 429; permanent, so a stock client stops). A right one always passes.
        if wait := await count_wrong_token(ws):
            seconds = retry_after_header(wait)
            raise Close(TOO_MANY_MESSAGES, f"too many wrong links: try again in {seconds} s")
        raise unauthorized()
    if found[0].meeting_id != meeting_id:
        raise unauthorized()  # a real link of another meeting: not a guess
    grant, person = found
    if person is not None:
        return person
    name = clean_name(ws.query_params.get("name")) or _DEFAULT_NAMES[grant.role]
    relationship = clean_name(ws.query_params.get("relationship"))
    # A professional's service, as typed (it proves nothing); kept for no other role.
    agency = (
        clean_name(ws.query_params.get("agency"), AGENCY_MAX) if takes_agency(grant.role) else ""
    )
    try:  # nobody holds that key on this link yet (or no key: someone new)
        return await services.store.add_participant(grant, name, relationship, key, agency)
    # 45xx: a stock client keeps trying, and gets in (or into the waiting room) once there is
    # room. Nothing was kept of them: a name refused here takes no place anywhere.
    except WaitingRoomFull:
        raise Close(NO_ROOM, "too many people are waiting on this link: trying again") from None
    except MeetingFull:
        raise Close(NO_ROOM, "this meeting is full: trying again") from None
    except MeetingGone:
        raise unauthorized() from None  # deleted while they joined: as for any dead link


LINK_BUSY = "too many connections from this link at once; trying again"


def _arriving(ws: WebSocket, meeting_id: str) -> str | None:
    """Who the handshake says is coming, as a key for the join limit per link: a digest of the
    link token (never the token itself), or the participant of the join cookie."""
    token = ws.query_params.get("token")
    if token is not None:
        return "token:" + hashlib.blake2b(token.encode(), digest_size=16).hexdigest()
    participant_id = joined(ws).get(meeting_id)
    return f"participant:{participant_id}" if participant_id else None


def _layer(segment: str | None) -> Layer:
    if segment is None:
        return Layer.MAIN
    if segment == Layer.PROFESSIONAL.value:
        return Layer.PROFESSIONAL
    raise unauthorized()


def same_origin(origin: str | None, base_url: str, host: str) -> bool:
    """Cross-site websocket hijacking: a page on another site must not open our socket.

    Browsers always send `Origin` with a websocket handshake; other clients (y-websocket in
    Node, pycrdt) usually send none and cannot carry a victim's cookies anyway. Accepted: no
    Origin, the configured base URL's origin, or the host the handshake was sent to.
    """
    if origin is None:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return False  # "null" (sandboxed frames, file pages) and anything else odd
    base = urlsplit(base_url)
    return (parts.scheme, parts.netloc) == (base.scheme, base.netloc) or parts.netloc == host


def _admitted(participant: Participant) -> Participant:
    if participant.admission is Admission.WAITING:
        # 45xx: a stock client keeps trying, and gets in once the facilitator admits it.
        raise Close(WAITING, "waiting for the facilitator to let you in")
    if not participant.admitted:
        raise unauthorized()  # turned away or taken out: the same words as a bad link
    return participant


async def _admit(ws: WebSocket, services: Services, meeting_id: str, layer: Layer) -> Connection:
    if not same_origin(ws.headers.get("origin"), services.settings.base_url, ws.url.netloc):
        raise Close(FORBIDDEN, "this page's origin may not open the meeting")
    if layer is Layer.PROFESSIONAL and ws.query_params.get("present") == "1":
        # The presentation view (the shared screen, whoever opened it) never holds that layer.
        raise Close(FORBIDDEN, "the shared screen never opens the professionals-only notes")
    arriving = _arriving(ws, meeting_id)
    if arriving is None:
        raise unauthorized()  # no token, no join cookie: nothing to look up, nothing spent
    # One link's joins are bounded (each is a lookup, audit rows and a sync answer): first by
    # what the handshake names, before any database work, then by the link found. Only then,
    # for someone let in on a working link, the meeting's own allowance: a handshake without
    # a working credential (a removed participant, a replaced link, a guess) never spends
    # it, so it cannot keep the facilitator and the family out.
    if services.link_joins.hit(arriving):
        raise Close(BUSY, LINK_BUSY)
    found = await _participant(ws, services, meeting_id)
    if services.link_joins.hit(f"link:{found.link_id}"):
        raise Close(BUSY, LINK_BUSY)
    participant = _admitted(found)
    if services.joins.hit(meeting_id):
        raise Close(BUSY, "too many people are joining this meeting at once; trying again")
    if not can_open(participant.role, layer):
        raise Close(FORBIDDEN, "this link cannot open the professionals-only notes")
    settings = services.settings
    return Connection(
        ws,
        participant,
        queue_frames=settings.send_queue_frames,
        max_frame=settings.max_frame_bytes,
        message_limit=settings.message_limit,
        send_buffer=settings.send_buffer_bytes,
        byte_limit=settings.byte_limit,
        participant_bytes=services.participant_bytes,
    )
