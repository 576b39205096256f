"""Signing in and out, and the one-time set-up of the first facilitator account.

Sign-in attempts are counted per account *and* address (`SAFETYMAP_LOGIN_LIMIT`) and per
address (`SAFETYMAP_LOGIN_ADDRESS_LIMIT`), so that a stranger who knows a facilitator's
e-mail address cannot lock them out from elsewhere. A browser that has signed in to an
account before carries a signed, HttpOnly "known device" cookie (sent to /login only); its
attempts on that account count in a bucket of its own, so that not even someone behind the
same address can lock it out, and a stolen cookie still allows only `SAFETYMAP_LOGIN_LIMIT`.
The limits themselves, and the plain-words 429, are in guesses.py.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.routing import Route

from server import ratelimit
from server.i18n import _
from server.store.accounts import AccountError, Facilitator, normalise_email
from server.web.auth import SESSION_COOKIE, check_csrf, facilitator, services_of, set_cookie
from server.web.guesses import address_of, count_wrong_token, limits_of, too_many
from server.web.pages import problem, redirect, render

DEVICE_COOKIE = "sm_device"
DEVICE_DAYS = 365  # a browser stays known this long after its last sign-in
DEVICE_ACCOUNTS = 5  # accounts one browser is known for (a shared office computer)


def _account_key(email: str) -> str:
    try:
        return normalise_email(email)
    except AccountError:
        return email.strip().lower()


# Known devices ------------------------------------------------------------------------------


def _device_serializer(conn: HTTPConnection) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(services_of(conn).settings.secret_key, salt="known-device")


def _account_tag(conn: HTTPConnection, account: str) -> str:
    """The account as the cookie names it: a keyed digest, not the e-mail address."""
    key = services_of(conn).settings.secret_key.encode()
    digest = hmac.new(key, b"device-account:" + account.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


def _device(conn: HTTPConnection) -> tuple[str, list[str]] | None:
    """(device id, account tags) from this browser's known-device cookie, if it is ours."""
    raw = conn.cookies.get(DEVICE_COOKIE)
    if not raw:
        return None
    try:
        value = _device_serializer(conn).loads(raw, max_age=DEVICE_DAYS * 86400)
    except BadSignature:  # also an expired one
        return None
    if not isinstance(value, dict):
        return None
    device, tags = value.get("d"), value.get("a")
    if not isinstance(device, str) or not isinstance(tags, list):
        return None
    return device, [tag for tag in tags if isinstance(tag, str)]


def known_device(conn: HTTPConnection, account: str) -> str | None:
    """This browser's device id if it has signed in to `account` before, else None."""
    found = _device(conn)
    if found is None or _account_tag(conn, account) not in found[1]:
        return None
    return found[0]


def _remember_device(request: Request, response: Response, account: str) -> None:
    found = _device(request)
    device, tags = found if found else (secrets.token_urlsafe(16), [])
    tag = _account_tag(request, account)
    tags = [tag, *(t for t in tags if t != tag)][:DEVICE_ACCOUNTS]
    value = _device_serializer(request).dumps({"d": device, "a": tags})
    set_cookie(request, response, DEVICE_COOKIE, value, path="/login", max_age=DEVICE_DAYS * 86400)


async def _signed_in(request: Request, person: Facilitator, to: str = "/") -> Response:
    secret = await services_of(request).accounts.start_session(person)
    response = redirect(to)
    set_cookie(request, response, SESSION_COOKIE, secret)
    _remember_device(request, response, person.email)  # the account's key (`_account_key`)
    return response


async def setup(request: Request) -> Response:
    accounts = services_of(request).accounts
    secret = request.path_params["token"]
    if not await accounts.setup_valid(secret):
        if wait := await count_wrong_token(request):
            return too_many(request, wait)
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
    # Every attempt counts before the password is checked, checked and counted in one step
    # (so that attempts sent at once, to one process or several, cannot slip past the
    # limit): on a browser known to this account, in its own bucket; otherwise per account
    # and address, and per address. Never per account alone: that would let anyone who knows
    # the e-mail address lock its owner out. A refused attempt is not counted.
    account, address = _account_key(values.get("email", "")), address_of(request)
    device = known_device(request, account)
    buckets = (
        [(ratelimit.LOGIN, f"device {device} {account}")]
        if device
        else [(ratelimit.LOGIN, f"{address} {account}"), (ratelimit.LOGIN_ADDRESS, address)]
    )
    if wait := await limits_of(request).hit(*buckets):
        return too_many(request, wait)
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
