"""Deleting a meeting for real, by the facilitator or when its retention period is over.

Every trace goes in one transaction: the meeting, its links, participants, update log and
snapshots (exports are rendered on request and never cached), and its audit trail shrinks to
the single row that says it was deleted, by whom and when.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncConnection

from . import audit
from .rooms import Rooms
from .store import Store, now

log = logging.getLogger(__name__)


async def delete_meeting(
    store: Store, rooms: Rooms | None, meeting_id: str, actor: audit.Actor, reason: str
) -> bool:
    """Delete the meeting; False if there was none. Live connections are closed first."""
    if rooms is not None:
        rooms.forget(meeting_id)
    deleted = audit.event(meeting_id, actor, audit.DELETE, reason=reason)

    async def collapse_trail(conn: AsyncConnection) -> None:
        await audit.collapse(conn, meeting_id, deleted)

    try:
        return await store.delete_meeting(meeting_id, collapse_trail)
    finally:
        if rooms is not None:
            rooms.forgotten(meeting_id)


async def purge(store: Store, rooms: Rooms | None, retention_days: float) -> list[str]:
    """Delete every meeting that ended more than `retention_days` ago; their ids."""
    if retention_days <= 0:
        return []
    expired = await store.ended_before(now() - timedelta(days=retention_days))
    purged = []
    for meeting_id in expired:
        if await delete_meeting(store, rooms, meeting_id, audit.SYSTEM, "retention"):
            purged.append(meeting_id)
    if purged:
        log.info("deleted %s meetings past their retention period", len(purged))
    return purged
