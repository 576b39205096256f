"""Who is asking, from cookies: a facilitator's session, the meetings this browser has
joined, and the CSRF token every form and state-changing call must echo."""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from server.services import Services
from server.store.accounts import Facilitator

SESSION_COOKIE = "sm_session"
JOINED_COOKIE = "sm_joined"
CSRF_COOKIE = "sm_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"


class Forbidden(Exception):
    """A state-changing request without a valid CSRF token (or from another origin)."""


def services_of(conn: HTTPConnection) -> Services:
    services: Services = conn.app.state.services
    return services


def _secure(conn: HTTPConnection) -> bool:
    return services_of(conn).settings.base_url.startswith("https://")


def set_cookie(
    conn: HTTPConnection,
    response: Response,
    name: str,
    value: str,
    *,
    path: str = "/",
    **extra: Any,
) -> None:
    response.set_cookie(
        name, value, httponly=True, samesite="lax", secure=_secure(conn), path=path, **extra
    )


async def facilitator(conn: HTTPConnection) -> Facilitator | None:
    secret = conn.cookies.get(SESSION_COOKIE, "")
    return await services_of(conn).accounts.session(secret) if secret else None


def _joined_serializer(conn: HTTPConnection) -> URLSafeSerializer:
    return URLSafeSerializer(services_of(conn).settings.secret_key, salt="joined")


def joined(conn: HTTPConnection) -> dict[str, str]:
    """meeting id -> participant id, for the meetings this browser joined by link."""
    raw = conn.cookies.get(JOINED_COOKIE)
    if not raw:
        return {}
    try:
        value = _joined_serializer(conn).loads(raw)
    except BadSignature:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def remember_join(
    conn: HTTPConnection, response: Response, meeting_id: str, participant_id: str
) -> None:
    value = {**joined(conn), meeting_id: participant_id}
    set_cookie(conn, response, JOINED_COOKIE, _joined_serializer(conn).dumps(value))


def csrf_token(conn: HTTPConnection) -> str:
    """This browser's CSRF token (set as a cookie by `ensure_csrf_cookie` on the response)."""
    token = conn.cookies.get(CSRF_COOKIE) or conn.scope.setdefault(
        "safetymap.csrf", secrets.token_urlsafe(24)
    )
    return str(token)


def ensure_csrf_cookie(conn: HTTPConnection, response: Response) -> None:
    if not conn.cookies.get(CSRF_COOKIE):
        set_cookie(conn, response, CSRF_COOKIE, csrf_token(conn))


async def check_csrf(request: Request) -> dict[str, str]:
    """Verify a form post (or a JSON call by header) carries this browser's CSRF token.

    Returns the form fields for form posts. Double-submit: the token is in a SameSite cookie
    and must be echoed in the body or header, which another site cannot read or forge.
    """
    expected = request.cookies.get(CSRF_COOKIE, "")
    origin = request.headers.get("origin")
    base = services_of(request).settings.base_url
    # Under `Referrer-Policy: no-referrer` browsers send `Origin: null` even for same-site
    # posts, so only a real, different origin is refused here; the token decides the rest.
    if origin not in (None, "null", base, _origin_of(request)):
        raise Forbidden("cross-site request")
    fields: dict[str, str] = {}
    if request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        given = fields.get(CSRF_FIELD, "")
    else:
        given = request.headers.get(CSRF_HEADER, "")
    if not expected or not hmac.compare_digest(expected, given):
        raise Forbidden("missing or wrong CSRF token")
    return fields


def _origin_of(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}"
