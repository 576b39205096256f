"""Across processes, a commit's updates travel merged: one Redis entry per commit and room,
applied by the other process and relayed there as one frame; everyone converges, nothing
twice (real processes on PostgreSQL, whose update log a table lock holds while the edits
arrive, so that they share the next commit)."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import httpx
import redis.asyncio as aioredis
from prometheus_client.parser import text_string_to_metric_families

from server.sync import protocol
from tests.cluster import cluster, converged
from tests.waiting import eventually

EDITS = 10  # per writer


async def accepted(port: int) -> float:
    async with httpx.AsyncClient() as http:
        text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "safetymap_updates_accepted_total":
                return float(sample.value)
    return 0.0


async def test_a_commit_crosses_to_the_other_process_as_one_entry(tmp_path: Path) -> None:
    async with cluster(tmp_path, 2) as (group, meeting):
        writers = [await group.connect(meeting, 0, name=f"W{n}") for n in range(3)]
        screen = await group.connect(meeting, 1, role="viewer", name="Screen")
        writers[0].add_card("first", "strengths", "before")
        await screen.wait_for(lambda: "first" in screen.cards(), 10)

        redis = aioredis.Redis.from_url(group.shared["SAFETYMAP_REDIS_URL"])
        url = group.shared["SAFETYMAP_DATABASE_URL"].replace("+asyncpg", "")
        admin = await asyncpg.connect(url)
        try:
            [(start, _)] = await redis.xrevrange("safetymap:relay", count=1)
            mark = len(screen.received)
            before = await accepted(group.ports[0])
            async with admin.transaction():
                await admin.execute("LOCK TABLE updates IN EXCLUSIVE MODE")
                for k in range(EDITS):
                    for n, writer in enumerate(writers):
                        writer.add_card(f"w{n}e{k:02d}", "worries", f"edit {k} of writer {n}")
                total = before + len(writers) * EDITS

                async def all_in() -> bool:
                    return await accepted(group.ports[0]) >= total

                await eventually(all_in, 10)
            expected = {"first": "before"}
            for k in range(EDITS):
                expected |= {f"w{n}e{k:02d}": f"edit {k} of writer {n}" for n in range(3)}
            await converged([*writers, screen], expected)
            entries = await redis.xrange("safetymap:relay", b"(" + start, "+")
        finally:
            await admin.close()
            await redis.aclose()

        published = [
            fields
            for _, fields in entries
            if fields[b"k"] == b"u" and fields[b"m"] == meeting["id"].encode()
        ]
        # The commit that was in flight, then the one that held everything else: two entries
        # for thirty edits (one entry per edit before), each carrying its content.
        assert 1 <= len(published) <= 2, len(published)
        assert all(fields[b"d"] for fields in published)
        got = [
            message.update
            for frame in screen.received[mark:]
            if isinstance(message := protocol.decode(frame), protocol.SyncUpdate)
        ]
        assert 1 <= len(got) <= 2, len(got)
        for card in expected.keys() - {"first"}:
            assert sum(card.encode() in update for update in got) == 1, card
