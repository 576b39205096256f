"""Websocket close codes, one per reason a connection is closed (documented in docs/protocol.md).

Following y-websocket's convention, 4400-4499 are permanent (a stock client stops
reconnecting: a revoked link, a refused edit) and 4500-4599 mean "try again" (it reconnects
and resyncs).
"""

from __future__ import annotations

GOING_AWAY = 1001
MESSAGE_TOO_BIG = 1009
INTERNAL_ERROR = 1011
SERVICE_RESTART = 1012
MALFORMED = 4400
UNAUTHORIZED = 4401
FORBIDDEN = 4403
TOO_SLOW = 4508
TOO_MANY_MESSAGES = 4429
BUSY = 4529
WAITING = 4510
NO_ROOM = 4503  # the meeting is full, or so is the link's waiting room: try again later
DOCUMENT_TOO_LARGE = 4413
UPDATE_REJECTED = 4422
REBALANCE = 4512  # the process sheds connections (SIGUSR1): reconnect, to another one


class Close(Exception):
    """Raised by the message handler to close the connection with a code and plain reason.

    Reasons never include document content: they may end up in clients' consoles and logs.
    """

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.code} {self.reason}"


MEETING_DELETED = "this meeting has been deleted"
LINK_REVOKED = "this link has been revoked"
TAKEN_OUT = "the facilitator has taken you out of the meeting"
NO_LONGER_ADMITTED = "you can no longer change this meeting: ask the facilitator"
REBALANCING = "moving you to a less busy server: reconnecting"


def unauthorized() -> Close:
    # The same words for an unknown meeting, a wrong token and a revoked link: no hints.
    return Close(UNAUTHORIZED, "this link is not valid: it may have been revoked or mistyped")
