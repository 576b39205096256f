"""Joining by link, and the board itself (editing and presentation views).

Opening a link shows the meeting's title and the role it grants and asks for a name; the
browser then holds a signed cookie naming its participant, which the websocket accepts in
place of the token, so the token does not stay in the page's address.

Who someone is comes from a secret this server gave their browser, never from the name they
type: the join page gives the browser a random participant key in a cookie sent to that link's
join page only (`HttpOnly`, `Secure` over https; the database keeps its SHA-256). The same
browser joining again under the same name is the same participant, let in if they were; any
other browser, whatever name it types, is someone new, and waits if the meeting has a
waiting room.

The cookie is `SameSite=Lax`, not `Strict`: opening the emailed link again is a navigation
from another site, which must still carry it, so that the page knows this browser (and never
hands it a new key over its old one). It is given with the form, before anyone posts it, so
that two taps on "Join" are one person. Lax sends it on no request another site makes but a
top-level GET of the join page, which needs the link's token and changes nothing.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.board import agencies, model
from server.board.links import looks_like_key, new_key
from server.board.permissions import Admission, Layer, Role, Status, can_edit, can_open
from server.i18n import N_, _
from server.store import Grant, Meeting, MeetingFull, MeetingGone, Participant, WaitingRoomFull
from server.translation.board_words import board_strings
from server.web import languages
from server.web.agency_form import agency_answer
from server.web.auth import check_csrf, csrf_token, facilitator, joined, remember_join, services_of
from server.web.guesses import wrong_token
from server.web.kept_pages import kept_from_link, kept_page_of
from server.web.meeting_pages import ROLE_NAMES
from server.web.page_json import script_json
from server.web.pages import link_not_working as _link_not_working
from server.web.pages import problem, redirect, render
from server.web.websocket import clean_name

ROLE_SENTENCES = {
    Role.FACILITATOR: N_("You are joining as the facilitator."),
    Role.PROFESSIONAL: N_("You are joining as a professional. You can add and change cards."),
    Role.FAMILY: N_(
        "You are joining as family or part of the family's network. You can add and change cards."
    ),
    Role.VIEWER: N_("This link shows the map on a shared screen. It cannot change anything."),
}

# This browser's participant key for one link (see the module's docstring).
KEY_COOKIE = "sm_key"
KEY_DAYS = 30  # when links do not expire

# No room yet (the websocket's 4503): nothing is kept of the person, so the join page keeps
# what they typed in a short-lived signed cookie, only for join pages, and reloads itself
# without script; each reload tries to join again with it (see `join`).
WAITING_ROOM_FULL = N_(
    "Too many people are waiting on this link. Please wait a moment; this page will try again."
)
LINK_BUSY = N_(
    "Many people are joining by this link just now. Please wait a moment; this page will try again."
)
MEETING_FULL = N_(
    "This meeting already has as many people as it can take. Please wait a moment; this page "
    "will try again."
)
RETRY_SECONDS = 10
PENDING_COOKIE = "sm_pending_join"
PENDING_PATH = "/join/"
PENDING_SECONDS = 30 * 60  # after that, opening the link asks for the name again


def _pending_serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(services_of(request).settings.secret_key, salt="pending-join")


def _pending(request: Request, link_id: int) -> dict[str, str] | None:
    """The name (and relationship) this browser tried to join this link under, while there
    was no room for it: None if none, for another link, forged or too old."""
    raw = request.cookies.get(PENDING_COOKIE)
    if not raw:
        return None
    try:
        value = _pending_serializer(request).loads(raw, max_age=PENDING_SECONDS)
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(value, dict) or value.get("link") != link_id:
        return None
    name, relationship = value.get("name"), value.get("relationship")
    agency, language = value.get("agency", ""), value.get("language", "")
    if not isinstance(name, str) or not name or not isinstance(relationship, str):
        return None
    if not isinstance(agency, str) or not isinstance(language, str):
        return None
    return {"name": name, "relationship": relationship, "agency": agency, "language": language}


def _keep_pending(
    request: Request, response: Response, link_id: int, values: dict[str, str]
) -> None:
    value = _pending_serializer(request).dumps({"link": link_id, **values})
    response.set_cookie(
        PENDING_COOKIE,
        value,
        max_age=PENDING_SECONDS,
        path=PENDING_PATH,
        httponly=True,
        samesite="lax",
        secure=services_of(request).settings.base_url.startswith("https://"),
    )


def _key(request: Request) -> str | None:
    """The participant key this browser holds for the link whose join page this is."""
    key = request.cookies.get(KEY_COOKIE)
    return key if key and looks_like_key(key) else None


def _keep_key(request: Request, response: Response, token: str, key: str) -> None:
    settings = services_of(request).settings
    days = settings.link_days or KEY_DAYS
    response.set_cookie(
        KEY_COOKIE,
        key,
        max_age=int(days * 86400),
        path=urlsplit(settings.link_url(token)).path,  # this link's join page, nothing else
        httponly=True,
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
    )


async def _join_as(
    request: Request,
    grant: Grant,
    name: str,
    relationship: str,
    key: str,
    agency: str = "",
    language: str = "en",
) -> tuple[Participant, str]:
    """Who this browser (holding `key`) is on this link under this name: the participant
    holding the key if the name, relationship and agency are theirs, else someone new (with a
    new key if the old one is somebody else's on this link). The name alone never finds
    anyone."""
    store = services_of(request).store
    mine = await store.holder(grant, key)
    given = (name, relationship, agency)
    if mine is not None and (mine.name, mine.relationship, mine.agency) == given:
        if mine.language != language:
            await store.set_language(mine.meeting_id, mine.id, language)
        return mine, key
    key = key if mine is None else new_key()
    return await store.add_participant(grant, name, relationship, key, agency, language), key


async def join(request: Request) -> Response:
    services = services_of(request)
    grant = await services.store.resolve(request.path_params["token"])
    meeting = await services.store.meeting(grant.meeting_id) if grant else None
    if grant is None or meeting is None:
        # After the end: someone let in keeps the plan, in the browser they joined from.
        known = _key(request)
        kept = await kept_from_link(request, request.path_params["token"], known) if known else None
        if kept is not None and known:
            _keep_key(request, kept, request.path_params["token"], known)  # as long as it lasts
            return kept
        await wrong_token(request)
        return _link_not_working(request)
    errors: dict[str, str] = {}
    values: dict[str, str] = {}
    no_room = ""
    returning = False
    token = request.path_params["token"]
    known = _key(request)
    key = known or new_key()  # given with the form (see the module's docstring)
    pending = _pending(request, grant.link_id) if request.method == "GET" else None
    # The page's language: ?language= (a link may carry it), else the browser's (languages.py).
    asked = languages.pick(request, request.query_params.get("language"))
    if asked is not None:
        languages.use(request.scope, asked)
    if grant.role is Role.VIEWER and request.method == "GET":
        values = {"name": _("Shared screen")}
    if request.method == "GET" and not pending and known:
        # This browser joined by this link before: offer the same name, which brings it back
        # as the same person (let in if it was).
        mine = await services.store.holder(grant, known)
        if mine is not None:
            choice, other = agencies.choice_of(mine.agency)
            values = {"name": mine.name, "relationship": mine.relationship, "agency": mine.agency}
            values |= {"agency_choice": choice, "agency_other": other}
            returning = True
    if request.method == "POST" or pending:
        # A GET with a pending join is this page reloading itself after "no room": the name
        # came from this browser's own form post (CSRF-checked) in a cookie only we can sign.
        fields = pending or await check_csrf(request)
        name = clean_name(fields.get("name"))
        relationship = clean_name(fields.get("relationship")) if grant.role is Role.FAMILY else ""
        values = {"name": name, "relationship": relationship}
        chosen = languages.pick(request, fields.get("language"))
        if chosen is not None:  # an unknown language: the page's own, never an error
            languages.use(request.scope, chosen)
        if not name:
            errors["name"] = _("Enter your name, so others know who is here")
        values |= agency_answer(grant.role, fields, errors)
        # The websocket's join limit per link (SAFETYMAP_LINK_JOIN_LIMIT), shared: a script
        # posting this form cannot add people faster than it could connect.
        if not errors and services.link_joins.hit(f"link:{grant.link_id}"):
            no_room = _(LINK_BUSY)
        elif not errors:
            try:
                person, key = await _join_as(
                    request,
                    grant,
                    name,
                    relationship,
                    key,
                    values["agency"],
                    languages.language_of(request).code,
                )
            except MeetingGone:
                return _link_not_working(request)  # deleted since the link was checked
            except WaitingRoomFull:  # before MeetingFull, which it is a kind of
                no_room = _(WAITING_ROOM_FULL)
            except MeetingFull:
                no_room = _(MEETING_FULL)
            else:
                view = "/present" if grant.role is Role.VIEWER else ""
                response = redirect(f"/m/{meeting.id}{view}")
                remember_join(request, response, meeting.id, person.id)
                _keep_key(request, response, token, key)
                languages.remember(request, response, languages.language_of(request))
                if PENDING_COOKIE in request.cookies:
                    response.delete_cookie(PENDING_COOKIE, path=PENDING_PATH)
                return response
    response = render(
        request,
        "join.html",
        status=400 if errors or no_room else 200,
        title=meeting.title,
        meeting=meeting,
        role=grant.role.value,
        role_name=_(ROLE_NAMES[grant.role]),
        role_sentence=_(ROLE_SENTENCES[grant.role]),
        values=values,
        errors=errors,
        no_room=no_room,
        returning=returning,
        retry_seconds=RETRY_SECONDS,
        agencies=[(value, _(words)) for value, words in agencies.CHOICES.items()],
        asks_agency=agencies.takes_agency(grant.role),
        agency_required=agencies.agency_required(grant.role),
        languages=languages.offered(request),
        language=languages.language_of(request).code,
    )
    if no_room:
        said = ("name", "relationship", "agency", "language")
        _keep_pending(request, response, grant.link_id, {k: values.get(k, "") for k in said})
    if key != known:
        _keep_key(request, response, token, key)
    return response


async def _participant(request: Request) -> tuple[Meeting, Participant] | None:
    services = services_of(request)
    meeting_id = request.path_params["meeting_id"]
    participant_id = joined(request).get(meeting_id)
    if participant_id is None:
        return None
    person = await services.store.joined(meeting_id, participant_id)
    meeting = await services.store.meeting(meeting_id) if person else None
    return (meeting, person) if meeting and person else None


def board_config(
    request: Request, meeting: Meeting, person: Participant, mode: str
) -> dict[str, Any]:
    """What the board's script needs, handed over as JSON in the page (see client/src)."""
    labels = model.LABEL_SETS.get(meeting.label_set, model.LABEL_SETS[model.DEFAULT_LABEL_SET])
    settings = services_of(request).settings
    language = languages.language_of(request)

    def section(section_id: str) -> dict[str, str]:
        return {"label": _(labels[section_id]), "prompt": _(model.PROMPTS[section_id])}

    # The presentation view is the shared screen's, whoever opens it: it never opens the
    # professionals-only room, and its connections say so (`present=1`: websocket.py refuses that
    # room to them).
    present = mode == "present"
    return {
        "wsUrl": settings.ws_url,
        "meetingId": meeting.id,
        # The websocket signs in with this browser's cookie.
        "params": {"present": "1"} if present else {},
        "professional": can_open(person.role, Layer.PROFESSIONAL) and not present,
        "participant": person.identity(),
        "canEdit": can_edit(person.role, meeting.status) and mode == "edit",
        "locked": meeting.locked,
        "isFacilitator": person.role is Role.FACILITATOR,
        "status": meeting.status.value,
        "endedAt": meeting.ended_at.isoformat() if meeting.ended_at else None,
        "mode": mode,
        "labelSet": meeting.label_set,
        "title": meeting.title,
        "columns": [
            {"id": cid, "title": _(title), "sections": list(sections)}
            for cid, title, sections in model.COLUMNS
        ],
        "sections": {sid: section(sid) for sid in model.SECTIONS},
        "optionalSections": {sid: section(sid) for sid in model.OPTIONAL_SECTIONS},
        # Uploads go to uploadUrl; a picture is read at `${uploadUrl}/${id}` (pictures.py).
        "pictures": {
            "uploadUrl": f"/m/{meeting.id}/pictures",
            "maxBytes": settings.picture_max_bytes,
        },
        # Every word of the board in the participant's language (translation/board_words.py).
        "strings": board_strings(language),
        "csrfToken": csrf_token(request),  # echoed as X-CSRF-Token by the lock and end buttons
        # Words flagged gently while someone types a card (board/jargon.py, SAFETYMAP_JARGON_FILE).
        "jargon": settings.jargon.as_json() if not present else {"terms": [], "allowed": []},
        "locale": language.tag,
        "dir": language.direction,
        "language": language.code,
        "languages": [
            {"code": lang.code, "name": lang.name} for lang in languages.offered(request)
        ],
        "languageUrl": f"/m/{meeting.id}/language",
    }


async def board(request: Request) -> Response:
    mode = "present" if request.url.path.endswith("/present") else "edit"
    found = await _participant(request)
    if found is None:
        # Not joined from this browser (or the link was replaced): the facilitator can still
        # come in from their own meeting page.
        person = await facilitator(request)
        meeting_id = request.path_params["meeting_id"]
        if person:
            return redirect(
                f"/meetings/{meeting_id}/board" + ("?present=1" if mode == "present" else "")
            )
        kept = await kept_page_of(request, meeting_id)  # the meeting ended: the plan they keep
        return redirect(kept) if kept else _link_not_working(request)
    meeting, participant = found
    # Their own choice, as stored (an unoffered one: the browser's language, languages.py).
    chosen = languages.pick(request, participant.language)
    if chosen is not None:
        languages.use(request.scope, chosen)
    if participant.admission is Admission.WAITING:
        # Plain HTML that reloads itself: works on any phone, with or without script.
        return render(
            request,
            "waiting.html",
            title=meeting.title,
            meeting=meeting,
            name=participant.name,
            screen=participant.role is Role.VIEWER,
        )
    if not participant.admitted:
        return problem(
            request,
            403,
            _("The facilitator has not let you in"),
            _("If you think this is a mistake, contact the person who invited you."),
        )
    config = board_config(request, meeting, participant, mode)
    # A review: where each person put their mark last time, shown faintly on its scale (the
    # family's board: the shared map's scales only).
    services = services_of(request)
    family = not config["professional"]
    config["lastMarks"] = await services.review_marks.of(services.store, meeting, family=family)
    # JSON in a non-executable script element, with < > & escaped (page_json.py).
    payload = script_json(config)
    return render(
        request,
        "board.html",
        title=meeting.title,
        meeting=meeting,
        config=payload,
        mode=mode,
        ended=meeting.status is Status.ENDED,
    )


async def facilitator_board(request: Request) -> Response:
    """The signed-in facilitator opens their meeting's board (as the facilitator link)."""
    person = await facilitator(request)
    services = services_of(request)
    meeting = await services.store.meeting(request.path_params["meeting_id"])
    if person is None or meeting is None or meeting.owner_id != person.id:
        return _link_not_working(request)
    chair = await services.store.facilitator_participant(meeting.id, person.name)
    if chair is None:
        return problem(
            request, 409, _("The facilitator link was revoked"), _("Create a new one first.")
        )
    present = request.query_params.get("present") == "1"
    response = redirect(f"/m/{meeting.id}" + ("/present" if present else ""))
    remember_join(request, response, meeting.id, chair.id)
    return response


routes = [
    Route("/join/{token}", join, methods=["GET", "POST"]),
    Route("/m/{meeting_id}", board),
    Route("/m/{meeting_id}/present", board),
    Route("/meetings/{meeting_id}/board", facilitator_board),
    Route("/m/{meeting_id}/language", languages.change, methods=["POST"]),
]
