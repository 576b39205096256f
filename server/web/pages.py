"""Rendering pages: one Jinja2 environment, the CSRF token and the signed-in facilitator in
every template, and plain-language error pages."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from server import i18n
from server.store.accounts import Facilitator
from server.web.auth import csrf_token, ensure_csrf_cookie

_env = i18n.environment()


def render(
    request: Request,
    template: str,
    status: int = 200,
    user: Facilitator | None = None,
    forms: bool = True,
    **context: Any,
) -> HTMLResponse:
    body = _env.get_template(template).render(
        request=request, csrf=csrf_token(request) if forms else "", user=user, **context
    )
    response = HTMLResponse(body, status_code=status)
    if forms:
        ensure_csrf_cookie(request, response)
    return response


def problem(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    # No CSRF cookie here: a 404 for /favicon.ico loaded beside a form must not replace the
    # token that form carries.
    return render(request, "problem.html", status=status, forms=False, title=title, message=message)


def link_not_working(request: Request) -> HTMLResponse:
    """The same page for a wrong, revoked or expired link, and for anything a link no longer
    opens: no hint whether a meeting exists."""
    return problem(
        request,
        404,
        i18n._("This link does not work"),
        i18n._(
            "It may have been typed wrongly, or the facilitator may have replaced it. "
            "Ask the person who invited you for the link again."
        ),
    )


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)
