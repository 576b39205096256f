"""What a process missed is not what the record shows: revocations, removals and locks made in
one process hold in another that never heard of them (paused while they happened, and the
Redis stream lost meanwhile). Real `safetymap serve` processes on PostgreSQL and a real Redis.
"""

from __future__ import annotations

import asyncio
import signal
import time
from pathlib import Path

import httpx
import redis.asyncio as aioredis

from tests.cluster import RedisServer, cluster
from tests.databases import database_url
from tests.servers import command, server_env
from tests.waiting import within

RECHECK_BOUND = 10.0  # seconds: the longest a missed revocation may count (the bound)


async def test_a_paused_process_that_lost_the_stream_still_holds_everyone_to_the_database(
    tmp_path: Path,
) -> None:
    redis = RedisServer(tmp_path)
    await redis.start()
    try:
        async with cluster(tmp_path, 2, redis) as (group, meeting):
            family = await group.connect(meeting, 1, role="family", name="Family member")
            screen = await group.connect(meeting, 1, role="viewer", name="Screen")
            pro = await group.connect(meeting, 1, role="professional", name="Pro (example)")
            chair_b = await group.connect(meeting, 1, role="facilitator", name="Chair")
            observer = await group.connect(meeting, 0, role="facilitator", name="Chair")
            api = httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{group.ports[0]}",
                headers={"authorization": f"Bearer {meeting['tokens']['facilitator']}"},
            )
            try:
                people = (await api.get(f"/api/meetings/{meeting['id']}/participants")).json()
                [pro_id] = [p["id"] for p in people["participants"] if p["name"] == "Pro (example)"]

                group.procs[1].send_signal(signal.SIGSTOP)  # a GC pause, a starved CPU
                try:
                    # While B sleeps: its clients write (into their sockets) ...
                    pro.add_card("after-removal", "worries", "written after being taken out")
                    family.add_card("after-revoke", "strengths", "written on a revoked link")
                    # ... and on A the facilitator revokes, takes out and locks.
                    base = f"/api/meetings/{meeting['id']}"
                    for call in (
                        api.post(f"{base}/links/viewer/revoke"),
                        api.post(f"{base}/links/family/revoke"),
                        api.post(f"{base}/participants/{pro_id}/remove"),
                        api.post(f"{base}/lock", json={"locked": True}),
                    ):
                        response = await within(call, 30, "server A answered while B slept")
                        assert response.status_code == 200, response.text
                    # Redis loses the stream: B will never read what A said.
                    client = aioredis.Redis.from_url(redis.url)
                    await client.delete("safetymap:relay")
                    await client.aclose()
                finally:
                    group.procs[1].send_signal(signal.SIGCONT)
                resumed = time.monotonic()
                for person in (family, screen, pro):
                    await person.wait_closed(RECHECK_BOUND + 5)
                    assert person.close_code in (4401, 4403), (person.close_code, group.logs())
                longest = time.monotonic() - resumed
                assert longest <= RECHECK_BOUND, f"a revoked link stayed {longest:.1f} s"
                # The facilitator on B writes after all that; once it reaches A, anything B had
                # relayed before it would have too (one stream, in order).
                chair_b.add_card("chair-after", "safety", "the facilitator's note")
                await observer.wait_for(lambda: "chair-after" in observer.cards(), 15)
                assert "after-removal" not in observer.cards()
                assert "after-revoke" not in observer.cards()
            finally:
                await api.aclose()
            # And the log never kept them: a fresh connection loads what the database holds.
            fresh = await group.connect(meeting, 0, role="facilitator", name="Chair")
            assert "chair-after" in fresh.cards()
            assert not {"after-removal", "after-revoke"} & set(fresh.cards())
    finally:
        await redis.kill()


async def test_a_process_alone_on_postgresql_refuses_to_start(tmp_path: Path) -> None:
    """Without Redis its edits, revocations and locks would never reach the other processes."""
    async with database_url("postgresql", tmp_path) as url:
        env = server_env(tmp_path / "data", 0, SAFETYMAP_DATABASE_URL=url)
        env.pop("SAFETYMAP_REDIS_URL", None)
        env.pop("SAFETYMAP_SINGLE_PROCESS", None)
        proc = await asyncio.create_subprocess_exec(
            *command(), "serve", "--port", "0", env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        assert proc.returncode == 2, (out, err)
        lines = err.decode().strip().splitlines()
        assert len(lines) == 1 and "SAFETYMAP_REDIS_URL" in lines[0]
        assert "SAFETYMAP_SINGLE_PROCESS=1" in lines[0]
