"""What the store refuses, as exceptions its callers catch."""

from __future__ import annotations


class MeetingFull(Exception):
    """The meeting has let in as many people as it may: nobody more until someone is taken
    out (the facilitator is never kept out)."""


class WaitingRoomFull(MeetingFull):
    """As many people as one link may hold in the waiting room are waiting on it already:
    nobody more waits by that link until the facilitator lets some in or turns them away."""


class MeetingClosed(Exception):
    """The log refused an update because its meeting is no longer open (ended elsewhere)."""


class MeetingGone(LookupError):
    """The meeting was not found (deleted, or never existed)."""


class EditRefused(Exception):
    """The log refused one participant's update: the board is locked, or they may no longer
    write (taken out, turned away, link revoked). `why` is a store.Refusal."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why
