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


def redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303)
