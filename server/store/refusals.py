"""What the update log refuses, decided from the database's state as each batch commits.

A process may have missed that a meeting ended, that the board was locked, or that someone was
taken out or had their link revoked (a relay message lost in a Redis outage or a pause). The log
does not take its word for it: each append reads the meeting's state in the committing
transaction and refuses what that state forbids. Pure: both backends' appends call `judge`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from enum import StrEnum

from server.store.records import LogEntry


class Refusal(StrEnum):
    """Why the log refused an update."""

    ENDED = "ended"  # the meeting is no longer open (or is gone)
    LOCKED = "locked"  # the board is locked and the author is not the facilitator
    BARRED = "barred"  # the author was taken out or turned away, or their link was revoked


# Entry index in the batch -> why it was refused; every other entry is committed.
Refusals = dict[int, Refusal]


def meetings(entries: Sequence[LogEntry]) -> list[str]:
    """The meetings whose state the batch depends on."""
    return sorted({e.meeting_id for e in entries})


def authors(entries: Sequence[LogEntry]) -> list[str]:
    """The participants whose standing the batch depends on."""
    return sorted({e.author.participant_id for e in entries if e.author is not None})


def judge(
    entries: Sequence[LogEntry], open_locked: Mapping[str, bool], barred: Collection[str]
) -> Refusals:
    """`open_locked`: each open meeting of the batch -> whether its board is locked;
    `barred`: authors who may no longer write (not let in, or their link revoked)."""
    refused: Refusals = {}
    for i, entry in enumerate(entries):
        locked = open_locked.get(entry.meeting_id)
        author = entry.author
        if locked is None:
            refused[i] = Refusal.ENDED
        elif author is not None and author.participant_id in barred:
            refused[i] = Refusal.BARRED
        elif locked and author is not None and author.bound_by_lock:
            refused[i] = Refusal.LOCKED
    return refused
