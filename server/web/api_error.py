"""The JSON API's refusal: a status and a message, which its handlers turn into the documented
answer (`schemas/openapi.json`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from server import ratelimit


class ApiError(Exception):
    def __init__(self, status: int, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after


R = TypeVar("R", bound=Response)


def answered(
    endpoint: Callable[[Request], Awaitable[R]],
) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint, with an ApiError it raises answered as `{"error": message}` and its status
    (and Retry-After when it says to wait)."""

    async def wrapped(request: Request) -> Response:
        try:
            return await endpoint(request)
        except ApiError as exc:
            response = JSONResponse({"error": exc.message}, status_code=exc.status)
            if exc.retry_after:
                response.headers["Retry-After"] = ratelimit.retry_after_header(exc.retry_after)
            return response

    return wrapped
