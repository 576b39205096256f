"""Deleting a meeting for real, by the facilitator or when its retention period is over.

Every trace goes in one transaction: the meeting, its links, participants, update log and
snapshots (exports are rendered on request and never cached), and its audit trail shrinks to
the single row that says it was deleted, by whom and when.

Redis: a server's relay removes the meeting's updates and presence from the stream when the
"deleted" action goes out (relay.py); the CLI, which has no relay, removes them itself when
given the Redis URL. Whatever a process sent before it heard is removed by the relay's later
passes, and by the stream's trimming by age (SAFETYMAP_REDIS_RETENTION) in any case.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from server.live.rooms import Rooms
from server.store import Store, audit, now

log = logging.getLogger(__name__)


async def delete_meeting(
    store: Store,
    rooms: Rooms | None,
    meeting_id: str,
    actor: audit.Actor,
    reason: str,
    *,
    redis_url: str | None = None,
) -> bool:
    """Delete the meeting; False if there was none. Live connections are closed first.
    `redis_url` (only without `rooms`, from the CLI): remove its entries from Redis too."""
    if rooms is not None:
        rooms.forget(meeting_id)
    deleted = audit.event(meeting_id, actor, audit.DELETE, reason=reason)
    try:
        gone = await store.delete_meeting(meeting_id, deleted)
    finally:
        if rooms is not None:
            rooms.forgotten(meeting_id)
    if gone and redis_url and rooms is None:
        await scrub_redis(store, redis_url, [meeting_id])
    return gone


async def scrub_redis(store: Store, redis_url: str, meeting_ids: list[str]) -> None:
    """Remove the meetings' updates and presence from the relay's stream in Redis."""
    from server.live import relay_stream  # redis-py only when there is a Redis

    await relay_stream.scrub_all(redis_url, await store.deployment_identity(), meeting_ids)


async def purge(
    store: Store, rooms: Rooms | None, retention_days: float, *, redis_url: str | None = None
) -> list[str]:
    """Delete every meeting that ended more than `retention_days` ago; their ids.
    `redis_url` as for `delete_meeting`."""
    if retention_days <= 0:
        return []
    expired = await store.ended_before(now() - timedelta(days=retention_days))
    purged = []
    for meeting_id in expired:
        if await delete_meeting(
            store, rooms, meeting_id, audit.SYSTEM, "retention", redis_url=redis_url
        ):
            purged.append(meeting_id)
    if purged:
        log.info("deleted %s meetings past their retention period", len(purged))
    return purged
