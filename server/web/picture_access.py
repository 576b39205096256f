"""Who is asking for a meeting's pictures: as for the board and its websocket, the browser's
signed join cookie, the signed-in facilitator's session, or a stock client's `?token=&key=`
naming a participant who joined with that key.

A call that changes something and rests on a cookie must also prove it comes from the board's
own page: the `X-CSRF-Token` header (the board's config holds the token; another site can
neither read it nor set the header without a preflight we never answer). Link holders may
send `X-Requested-With: safetymap` instead (a custom header: the same proof). The
facilitator always sends the token. A cross-site `Origin` is refused whatever it carries.
"""

from __future__ import annotations

import hmac

from starlette.requests import Request

from server.board.links import looks_like_key
from server.board.permissions import Role
from server.i18n import _
from server.ratelimit import retry_after_header
from server.store import Participant
from server.web.api_error import ApiError
from server.web.auth import CSRF_COOKIE, CSRF_HEADER, facilitator, joined, services_of
from server.web.guesses import count_wrong_token

REQUESTED_WITH = "safetymap"  # X-Requested-With, for link holders' calls


# Every refusal is the API's own: `{"error": message}` with its status (api_error.answered).
Refused = ApiError


def not_allowed() -> Refused:
    return Refused(403, _("Open the meeting from your link first, then try again."))


async def asking(request: Request, meeting_id: str, *, writing: bool) -> Participant:
    """The participant of this meeting making the request (whatever their admission), or
    Refused 403; a wrong token counts against the address (429 past the limit)."""
    services = services_of(request)
    token = request.query_params.get("token")
    if token is not None:
        key = request.query_params.get("key") or ""
        found = await services.store.arrival(token, key) if looks_like_key(key) else None
        if found is None:
            if wait := await count_wrong_token(request):
                seconds = retry_after_header(wait)
                message = _("Too many wrong links. Try again in {seconds} seconds.")
                raise Refused(429, message.format(seconds=seconds), wait)
            raise not_allowed()
        grant, person = found
        if grant.meeting_id != meeting_id or person is None:
            raise not_allowed()  # someone new comes in through the websocket first
        return person
    participant_id = joined(request).get(meeting_id)
    person = await services.store.joined(meeting_id, participant_id) if participant_id else None
    if person is None:
        account = await facilitator(request)
        meeting = await services.store.meeting(meeting_id) if account else None
        if account is None or meeting is None or meeting.owner_id != account.id:
            raise not_allowed()
        person = await services.store.facilitator_participant(meeting_id, account.name)
        if person is None:
            raise not_allowed()
    if writing:
        _from_the_board(request, person.role)
    return person


def _from_the_board(request: Request, role: Role) -> None:
    origin = request.headers.get("origin")
    base = services_of(request).settings.base_url
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin not in (None, "null", base, own):
        raise Refused(403, _("This page may not send pictures to the meeting."))
    expected = request.cookies.get(CSRF_COOKIE, "")
    given = request.headers.get(CSRF_HEADER, "")
    if expected and given and hmac.compare_digest(expected, given):
        return
    if role is not Role.FACILITATOR and request.headers.get("x-requested-with") == REQUESTED_WITH:
        return
    raise Refused(403, _("This page has expired. Reload it and try again."))
