"""Last meeting's marks for a review's board (record/last_marks.py), from the previous
meeting's last snapshot: what the server saw when it ended, never what a client says."""

from __future__ import annotations

from typing import Any

from server.record.last_marks import last_marks
from server.store import Meeting, Store


async def review_marks(
    store: Store, meeting: Meeting, *, family: bool
) -> dict[str, list[dict[str, Any]]]:
    """Nothing unless this meeting reviews one that ended with a snapshot."""
    previous = await store.meeting(meeting.previous_id) if meeting.previous_id else None
    metas = await store.snapshots(previous.id) if previous else []
    saved = await store.snapshot(previous.id, metas[-1].n) if previous and metas else None
    return last_marks(saved.rendered, family=family) if saved else {}
