"""Signing in and out, and the one-time set-up of the first facilitator account.

Also the HTTP side of the rate limits (sign-in attempts, wrong tokens): `limits_of` and the
plain-words 429 page, shared with the join pages and the API.
"""

from __future__ import annotations

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route

from . import ratelimit
from .accounts import AccountError, Facilitator, normalise_email
from .pages import _, problem, redirect, render
from .web_auth import SESSION_COOKIE, check_csrf, facilitator, services_of, set_cookie


def limits_of(conn: HTTPConnection) -> ratelimit.HttpLimits:
    settings = services_of(conn).settings
    return ratelimit.attached(
        conn.app.state,
        settings.login_limit,
        settings.login_address_limit,
        settings.token_guess_limit,
    )


def address_of(conn: HTTPConnection) -> str:
    # uvicorn puts the forwarded client address here when it trusts the proxy.
    return conn.client.host if conn.client else "unknown"


def too_many(request: Request, wait: float) -> Response:
    """HTTP 429 in plain words, with Retry-After."""
    seconds = ratelimit.retry_after_header(wait)
    response = problem(
        request,
        429,
        _("Too many tries"),
        _(
            "To keep the meetings safe, this has been paused for a moment. "
            "Try again in %(seconds)s seconds.",
            seconds=seconds,
        ),
    )
    response.headers["Retry-After"] = seconds
    return response


def guess_blocked(request: Request) -> float:
    """Seconds this address must wait before trying another token (0: it may now)."""
    return limits_of(request).token_guesses.blocked(address_of(request))


def wrong_token(request: Request) -> None:
    """Count a token that matched nothing against the caller's address."""
    limits_of(request).token_guesses.hit(address_of(request))


def _account_key(email: str) -> str:
    try:
        return normalise_email(email)
    except AccountError:
        return email.strip().lower()


async def _signed_in(request: Request, person: Facilitator, to: str = "/") -> Response:
    secret = await services_of(request).accounts.start_session(person)
    response = redirect(to)
    set_cookie(request, response, SESSION_COOKIE, secret)
    return response


async def setup(request: Request) -> Response:
    accounts = services_of(request).accounts
    secret = request.path_params["token"]
    if wait := guess_blocked(request):
        return too_many(request, wait)
    if not await accounts.setup_valid(secret):
        wrong_token(request)
        return problem(
            request,
            404,
            _("This set-up link does not work"),
            _("It has been used already or has expired. Ask the person who runs Safety Map."),
        )
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = await check_csrf(request)
        name, email, password = (values.get(k, "") for k in ("name", "email", "password"))
        if not name.strip():
            errors["name"] = _("Enter your name")
        try:
            normalise_email(email)
        except AccountError:
            errors["email"] = _("Enter an e-mail address, like name@council.example")
        if len(password) < 12:
            errors["password"] = _("Enter a password of at least 12 characters")
        if not errors:
            try:
                person = await accounts.complete_setup(secret, email, name, password)
            except AccountError as exc:
                errors["email"] = str(exc)
            else:
                return await _signed_in(request, person)
    return render(
        request, "setup.html", status=400 if errors else 200, values=values, errors=errors
    )


async def login(request: Request) -> Response:
    if request.method == "GET":
        if await facilitator(request):
            return redirect("/")
        return render(request, "login.html", values={}, errors={})
    values = await check_csrf(request)
    # Every attempt counts, per account and per address, before the password is checked.
    limits = limits_of(request)
    account, address = _account_key(values.get("email", "")), address_of(request)
    wait = max(limits.login_account.blocked(account), limits.login_address.blocked(address))
    if wait:
        return too_many(request, wait)
    limits.login_account.hit(account)
    limits.login_address.hit(address)
    person = await services_of(request).accounts.login(
        values.get("email", ""), values.get("password", "")
    )
    if person is None:
        # One message for a wrong e-mail and a wrong password: no hint which exists.
        errors = {"email": _("The e-mail address or password is not right")}
        return render(
            request,
            "login.html",
            status=400,
            values={"email": values.get("email", "")},
            errors=errors,
        )
    return await _signed_in(request, person)


async def logout(request: Request) -> Response:
    await check_csrf(request)
    secret = request.cookies.get(SESSION_COOKIE, "")
    if secret:
        await services_of(request).accounts.end_session(secret)
    response = redirect("/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


routes = [
    Route("/setup/{token}", setup, methods=["GET", "POST"]),
    Route("/login", login, methods=["GET", "POST"]),
    Route("/logout", logout, methods=["POST"]),
]
