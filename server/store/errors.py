"""What the store refuses, as exceptions its callers catch."""

from __future__ import annotations


class MeetingFull(Exception):
    """As many people as a meeting may have have opened its links already."""


class MeetingClosed(Exception):
    """The log refused an update because its meeting is no longer open (ended elsewhere)."""


class MeetingGone(LookupError):
    """The meeting was not found (deleted, or never existed)."""
