"""What a process keeps of relayed messages is bounded in bytes: its outbox while Redis is away,
what it puts on the stream, and what it remembers of what it read. Here the checks against a
real server and database; the pure checks (no server, database or process) are in
tests/unit/test_relay_bounds.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from server.live.relay import STREAM, Kind, Message, Relay, decode
from tests.cluster import RedisServer
from tests.waiting import eventually

ENDED = json.dumps({"action": "status", "value": "ended"}).encode()


async def test_an_action_outlives_an_outbox_overflow_during_a_redis_outage(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    redis = RedisServer(tmp_path)  # not started yet: Redis is away
    relay = Relay(redis.url, outbox_bytes=256 * 1024)
    heard: list[Message] = []

    async def resync() -> None:
        return None

    await relay.start(heard.append, resync)
    try:
        relay.publish(Kind.UPDATE, "m1", "main", b"before")
        relay.publish(Kind.CONTROL, "m1", "", ENDED)
        for _ in range(1000):  # 3 MB: far past the budget
            relay.publish(Kind.UPDATE, "m1", "main", b"x" * 3000)
        # Publishing fails (the batch in flight goes back), and keeps failing.
        await eventually(lambda: "relay publish failed" in caplog.text, timeout=10)
        relay.publish(Kind.AWARENESS, "m1", "main", b"after")
        assert relay._outbox_bytes <= 256 * 1024 + 4000
        await redis.start()
        client = aioredis.Redis.from_url(redis.url)
        try:

            async def published() -> list[Message]:
                return [decode(fields) for _, fields in await client.xrange(STREAM)]

            async def drained() -> bool:
                return relay._idle.is_set() and any(
                    m.kind is Kind.RESYNC for m in await published()
                )

            await eventually(drained, timeout=20, interval=0.1)
            kinds = [m.kind for m in await published()]
        finally:
            await client.aclose()
        # The action got through; the updates were dropped and a resync asked for instead.
        assert kinds.count(Kind.CONTROL) == 1
        assert kinds.count(Kind.UPDATE) < 100 and Kind.RESYNC in kinds
    finally:
        await relay.stop()
        await redis.kill()
