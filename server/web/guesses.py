"""The HTTP side of the rate limits on guessing (sign-in attempts, wrong tokens): who is
counted, and the plain-words 429, shared by the sign-in and join pages, the API and the
websocket.

Wrong tokens (links, the set-up link, API tokens) are counted per address, and past
`SAFETYMAP_TOKEN_GUESS_LIMIT` a wrong one is answered 429 (4429 on the websocket). A right
token is never refused: people behind one address (a council office's NAT) must not lose
their links because someone there guessed wrong. So every token is looked up, the same one
query whether it turns out right or wrong, and only then counted and refused if wrong: the
answer says right or wrong, as it must, and nothing more. Guessing does not pay because a
token has 256 random bits, not because of the limit; the limit answers a flood of wrong ones
with 429 and `Retry-After`.

With Redis configured every process counts in the same buckets (server/live/shared_limits.py),
so the limits hold in total, not per process.
"""

from __future__ import annotations

import ipaddress

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from server import ratelimit
from server.i18n import _
from server.web.api_error import ApiError
from server.web.auth import services_of
from server.web.pages import problem


def limits_of(conn: HTTPConnection) -> ratelimit.HttpLimits:
    """The sign-in and wrong-token limits: shared through Redis when there is one."""
    return services_of(conn).http_limits


def address_of(conn: HTTPConnection) -> str:
    """The client's address as the limits count it: an IPv6 client by its /64, which one
    household or device usually holds whole (so changing address within it is no escape)."""
    # The server puts the forwarded client address here when it trusts the proxy (HTTP and
    # websockets alike: server/ws/serve.py).
    host = conn.client.host if conn.client else "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return host


def _paused(seconds: str) -> str:
    return _(
        "To keep the meetings safe, this has been paused for a moment. "
        "Try again in %(seconds)s seconds.",
        seconds=seconds,
    )


def too_many(request: Request, wait: float) -> Response:
    """HTTP 429 in plain words, with Retry-After."""
    seconds = ratelimit.retry_after_header(wait)
    response = problem(request, 429, _("Too many tries"), _paused(seconds))
    response.headers["Retry-After"] = seconds
    return response


class TooManyGuesses(HTTPException):
    """A wrong token from an address past `SAFETYMAP_TOKEN_GUESS_LIMIT`: 429, Retry-After."""

    def __init__(self, wait: float) -> None:
        seconds = ratelimit.retry_after_header(wait)
        words = f"{_('Too many tries')}\n\n{_paused(seconds)}\n"  # plain text (Starlette's)
        super().__init__(429, words, headers={"Retry-After": seconds})
        self.wait = wait


async def count_wrong_token(conn: HTTPConnection) -> float:
    """Count a token that matched nothing against the caller's address: 0 while within
    `SAFETYMAP_TOKEN_GUESS_LIMIT`, else the seconds until a wrong one is answered again."""
    return await limits_of(conn).hit((ratelimit.TOKEN_GUESS, address_of(conn)))


async def wrong_token(request: Request) -> None:
    """Count a token that matched nothing; past the limit, answer 429 instead of "not valid"
    (JSON for the API, whose handlers turn its `ApiError` into the documented answer)."""
    wait = await count_wrong_token(request)
    if not wait:
        return
    if request.url.path.startswith("/api/"):
        seconds = ratelimit.retry_after_header(wait)
        message = f"too many wrong tokens from this address; try again in {seconds} seconds"
        raise ApiError(429, message, retry_after=wait)
    raise TooManyGuesses(wait)
