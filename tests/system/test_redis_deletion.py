"""Redis keeps no card text longer than it must: the relay's stream is trimmed by age, and a
deleted meeting's entries leave it (and every process's outbox and memory) when it is deleted,
whether by a facilitator on a server or from the CLI. Real Redis, real PostgreSQL, two servers
on one database."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aioredis

from server.live import deletion
from server.live.relay import STREAM, Kind, Relay
from server.store import audit
from tests.cluster import RedisServer
from tests.conftest import running_server
from tests.databases import migrated_postgresql
from tests.integration.test_api_meetings import api_token
from tests.waiting import eventually, within


async def _stream(url: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
    client = aioredis.Redis.from_url(url)
    try:
        return list(await client.xrange(STREAM))
    finally:
        await client.aclose()


async def _holds(url: str, needle: bytes) -> bool:
    """Does any entry of the stream, in any field, hold these bytes?"""
    return any(needle in value for _, fields in await _stream(url) for value in fields.values())


async def _nothing() -> None:
    return None


async def test_a_deleted_meeting_leaves_nothing_in_redis(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path)
    await redis.start()
    try:
        async with migrated_postgresql(tmp_path) as (url, _admin):
            shared = {"SAFETYMAP_DATABASE_URL": url, "SAFETYMAP_REDIS_URL": redis.url}
            async with (
                running_server(tmp_path / "one", **shared) as one,
                running_server(tmp_path / "two", **shared) as two,
            ):
                owner = {"Authorization": f"Bearer {await api_token(one)}"}
                meetings: list[dict[str, Any]] = []
                async with httpx.AsyncClient(base_url=one.address, headers=owner) as http:
                    for title in ("To delete", "To keep"):
                        made = await http.post(
                            "/api/meetings", json={"title": title, "waitingRoom": False}
                        )
                        tokens = {r: u.rsplit("/", 1)[1] for r, u in made.json()["links"].items()}
                        meetings.append({**made.json(), "tokens": tokens})
                doomed, kept = meetings
                marker, keeper = f"GONE-{uuid.uuid4().hex}", f"KEPT-{uuid.uuid4().hex}"
                here = await one.client(doomed, "facilitator", name="Sam")
                there = await two.client(doomed, "professional", name="Alex")
                other = await two.client(kept, "professional", name="Kim")
                # Someone on each process: a meeting held by one process only is not relayed.
                also = await one.client(kept, "professional", name="Lee")
                for client in (here, there, other, also):
                    await within(client.synced.wait(), 20, "client synced")
                await eventually(lambda: _shared([one, two], [doomed, kept]), timeout=10)
                here.add_card("a", "worries", f"{marker} typed on one")
                there.add_card("b", "strengths", f"{marker} typed on two")
                other.add_card("k", "safety", f"{keeper} in another meeting")
                await here.wait_for(lambda: {"a", "b"} <= set(here.cards()), 10)
                await there.wait_for(lambda: {"a", "b"} <= set(there.cards()), 10)
                # The test means something only if the text was in Redis to begin with.
                assert await _holds(redis.url, marker.encode())
                async with httpx.AsyncClient(base_url=one.address, headers=owner) as http:
                    deleted = await http.delete(f"/api/meetings/{doomed['id']}")
                    assert deleted.status_code == 200, deleted.text
                await eventually(lambda: _gone(redis.url, marker.encode()), timeout=10)
                assert await _holds(redis.url, keeper.encode())  # only that meeting's entries
                # Nor does any process keep it, to publish or to replay.
                for server in (one, two):
                    relay = server.services.relay
                    assert relay is not None
                    held = [m for m in relay._outbox if m.meeting_id == doomed["id"]]
                    held += [m for _, _, m in relay._recent if m.meeting_id == doomed["id"]]
                    assert all(m.kind is Kind.CONTROL for m in held)

                # From the CLI (no relay of its own): the same, given the Redis URL.
                other.add_card("k2", "safety", f"{keeper} again")
                await eventually(lambda: _holds(redis.url, f"{keeper} again".encode()), 10)
                actor = audit.cli("operator")
                store = one.services.store
                assert await deletion.delete_meeting(
                    store, None, kept["id"], actor, "cli", redis_url=redis.url
                )
                assert not await _holds(redis.url, keeper.encode())
    finally:
        await redis.kill()


def _shared(servers: list[Any], meetings: list[dict[str, Any]]) -> bool:
    """Does every process know the other holds these meetings (so it publishes them)?"""
    return all(
        server.services.rooms.sharing.shared(meeting["id"], "main")
        for server in servers
        for meeting in meetings
    )


async def _gone(url: str, needle: bytes) -> bool:
    return not await _holds(url, needle)


async def test_the_stream_is_trimmed_by_age(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path)
    await redis.start()
    relay = Relay(redis.url, deployment="d", retention=1.0)
    await relay.start(lambda _: None, _nothing)
    try:
        relay.publish(Kind.UPDATE, "m1", "main", b"OLD card text")
        await eventually(lambda: _holds(redis.url, b"OLD card text"), timeout=5)
        # Gone within the retention and a trim, whether or not anyone publishes meanwhile.
        await eventually(lambda: _gone(redis.url, b"OLD card text"), timeout=5)
        relay.publish(Kind.UPDATE, "m1", "main", b"NEW card text")
        await eventually(lambda: _holds(redis.url, b"NEW card text"), timeout=5)
    finally:
        await relay.stop()
        await redis.kill()
