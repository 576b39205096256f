"""The JSON API's refusal: a status and a message, which its handlers turn into the documented
answer (`schemas/openapi.json`)."""

from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, message: str, retry_after: float = 0.0) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.retry_after = retry_after
