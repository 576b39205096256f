"""Which language a request is answered in, and a participant changing theirs.

Every HTTP request gets one (LanguageMiddleware): the browser's chosen language (a cookie set
when its person joined or changed language) if the server offers it, else the first offered
language of its Accept-Language, else English. The board and the waiting page then follow the
participant's own stored choice (board_pages.py). Server messages (`_()`) and templates follow
it (server/i18n.py); an unknown or withdrawn language falls back, never fails.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from server import i18n
from server.translation.languages import Language, choose
from server.web.auth import check_csrf, joined, services_of, set_cookie

LANGUAGE_COOKIE = "sm_language"
LANGUAGE_DAYS = 365
_SCOPE_KEY = "safetymap.language"


class LanguageMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            conn = HTTPConnection(scope)
            services = getattr(scope["app"].state, "services", None)
            offered = services.settings.offered_languages if services else ()
            asked = Headers(scope=scope).get("accept-language")
            use(scope, choose(offered, conn.cookies.get(LANGUAGE_COOKIE), asked))
        await self.app(scope, receive, send)


def use(scope: Scope, found: Language) -> None:
    """Answer this request in `found` from here on."""
    scope[_SCOPE_KEY] = found
    i18n.use_language(found.code)


def language_of(conn: HTTPConnection) -> Language:
    found = conn.scope.get(_SCOPE_KEY)
    return found if isinstance(found, Language) else choose((), None)


def offered(conn: HTTPConnection) -> tuple[Language, ...]:
    return services_of(conn).settings.offered_languages


def pick(conn: HTTPConnection, code: str | None) -> Language | None:
    """An offered language by its code; None for anything else."""
    return next((lang for lang in offered(conn) if lang.code == code), None)


def remember(conn: HTTPConnection, response: Response, found: Language) -> None:
    """This browser's choice, for its next pages (the join page, problem pages)."""
    set_cookie(conn, response, LANGUAGE_COOKIE, found.code, max_age=LANGUAGE_DAYS * 86400)


async def change(request: Request) -> Response:
    """POST /m/{meeting_id}/language, {"language": "pl"} (CSRF header): the participant this
    browser joined as reads the board in that language from now on."""
    await check_csrf(request)
    meeting_id = request.path_params["meeting_id"]
    participant_id = joined(request).get(meeting_id)
    try:
        body = await request.json()
    except ValueError:
        body = None
    code = body.get("language") if isinstance(body, dict) else None
    found = pick(request, code if isinstance(code, str) else None)
    if found is None:
        names = ", ".join(lang.code for lang in offered(request))
        return JSONResponse({"error": f"language is one of: {names}"}, status_code=422)
    store = services_of(request).store
    if participant_id is None or not await store.set_language(
        meeting_id, participant_id, found.code
    ):
        return JSONResponse({"error": "join the meeting first"}, status_code=403)
    response = JSONResponse({"language": found.code})
    remember(request, response, found)
    return response
