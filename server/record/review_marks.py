"""Last meeting's marks for a review's board (last_marks.py), from the previous meeting's last
snapshot: what the server saw when it ended, never what a client says.

An ended meeting's snapshot never changes, so each process reads it once per (meeting,
snapshot, copy) and keeps only the marks (names and numbers): reloading a review's board does
not read and parse a whole record again each time (a large one is megabytes). Whether the
previous meeting and its snapshot still exist is asked of the database every time, so a
deleted meeting's marks are never served; they are dropped from memory the next time its
review's board is opened, or at the process's next recheck (`recheck`) whoever deleted it
(at most KEPT entries are kept in any case).
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from server.record.last_marks import last_marks
from server.store import Meeting, Store

Marks = dict[str, list[dict[str, Any]]]

KEPT = 256  # (meeting, snapshot, copy) entries a process keeps; each a few names and numbers


class ReviewMarks:
    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        # (this meeting, the one it reviews, its snapshot, family copy) -> marks
        self._marks: OrderedDict[tuple[str, str, int, bool], Marks] = OrderedDict()

    async def of(self, store: Store, meeting: Meeting, *, family: bool) -> Marks:
        """Nothing unless this meeting reviews one that ended with a snapshot."""
        previous = await store.meeting(meeting.previous_id) if meeting.previous_id else None
        metas = await store.snapshots(previous.id) if previous else []
        if previous is None or not metas:
            self.forget(meeting.id)  # the meeting before was deleted (its id may be gone too)
            return {}
        key = (meeting.id, previous.id, metas[-1].n, family)
        if key in self._marks:
            self._marks.move_to_end(key)
            return self._marks[key]
        saved = await store.snapshot(previous.id, metas[-1].n)
        if saved is None:
            return {}
        marks = self._marks[key] = last_marks(saved.rendered, family=family)
        while len(self._marks) > self._kept:
            self._marks.popitem(last=False)
        return marks

    def __len__(self) -> int:
        return len(self._marks)

    async def recheck(self, store: Store) -> None:
        """Drop what is kept of meetings deleted since (by hand, by retention, by another
        process or the command line): a deleted meeting's names and marks stay in memory no
        longer than until the next recheck, whether or not its review's board is opened."""
        kept = {meeting_id for key in self._marks for meeting_id in key[:2]}
        if kept:
            standing = await store.standing(kept)
            for meeting_id in kept - standing.keys():
                self.forget(meeting_id)

    def forget(self, meeting_id: str) -> None:
        """Drop what is kept for this meeting's board, or of this meeting as the one before."""
        for key in [k for k in self._marks if meeting_id in k[:2]]:
            del self._marks[key]
