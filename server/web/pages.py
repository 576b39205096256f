"""Rendering pages: one Jinja2 environment, the CSRF token and the signed-in facilitator in
every template, and plain-language error pages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from server import i18n
from server.record.times import Times
from server.store.accounts import Facilitator
from server.web import languages
from server.web.auth import csrf_token, ensure_csrf_cookie, services_of


def render(
    request: Request,
    template: str,
    status: int = 200,
    user: Facilitator | None = None,
    forms: bool = True,
    **context: Any,
) -> HTMLResponse:
    language = languages.language_of(request)
    body = (
        i18n.page_environment(language.code)
        .get_template(template)
        .render(
            request=request,
            page_language=language,
            csrf=csrf_token(request) if forms else "",
            user=user,
            when=lambda at: _when(request, at),
            **context,
        )
    )
    response = HTMLResponse(body, status_code=status)
    if forms:
        ensure_csrf_cookie(request, response)
    return response


def _when(request: Request, at: datetime | None) -> str:
    """A stored time as pages show it: in SAFETYMAP_TIMEZONE, the zone named, as the record."""
    if at is None:
        return ""
    return Times.named(services_of(request).settings.timezone).when(at.isoformat())


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
