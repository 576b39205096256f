"""Sign-in and wrong-token limits hold in total across processes that share Redis, not per
process; and while Redis is away each process still limits on its own (neither open nor
closed).

Two real `safetymap serve` processes on one PostgreSQL database and a redis-server of the
test's own. Addresses are told apart as behind a proxy (uvicorn trusts `X-Forwarded-For`
from 127.0.0.1).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aioredis
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.ratelimit import LOGIN, LOGIN_ADDRESS, TOKEN_GUESS, LocalLimits, Rate
from server.store.accounts import Accounts
from server.store.schema import create_engine
from tests.cluster import Cluster, RedisServer, cluster
from tests.webclient import CSRF

EMAIL, PASSWORD = "sam@example.org", "a long enough secret"
WRONG = "A" * 43  # the shape of a real token
LIMITS = {
    "SAFETYMAP_LOGIN_LIMIT": "4/600",
    "SAFETYMAP_LOGIN_ADDRESS_LIMIT": "6/600",
    "SAFETYMAP_TOKEN_GUESS_LIMIT": "4/600",
}


def at(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def http(group: Cluster, i: int, address: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=f"http://127.0.0.1:{group.ports[i]}", headers=at(address))


async def add_account(group: Cluster) -> None:
    engine = create_engine(group.shared["SAFETYMAP_DATABASE_URL"])
    try:
        await Accounts(engine).add(EMAIL, "Sam", PASSWORD)
    finally:
        await engine.dispose()


async def sign_in(group: Cluster, i: int, address: str, password: str, email: str = EMAIL) -> int:
    """One sign-in on process `i` from a browser never seen before: the answer's status."""
    async with http(group, i, address) as browser:
        page = await browser.get("/login")
        match = CSRF.search(page.text)
        assert match, page.text[:200]
        form = {"csrf": match.group(1), "email": email, "password": password}
        return (await browser.post("/login", data=form)).status_code


async def wrong_link(group: Cluster, i: int, address: str) -> int:
    async with http(group, i, address) as browser:
        return (await browser.get(f"/join/{WRONG}")).status_code


async def wrong_websocket(group: Cluster, meeting: dict[str, Any], i: int, address: str) -> int:
    """The close code of a websocket opened with a wrong token on process `i`."""
    url = f"{group.ws_url(i)}/{meeting['id']}?token={WRONG}&name=Guess"
    async with connect(url, additional_headers=at(address)) as ws:
        with contextlib.suppress(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 10)
        assert ws.close_code is not None
        return ws.close_code


async def test_buckets_are_counted_all_or_none() -> None:
    """The contract both implementations keep (the shared one is exercised below)."""
    limits = LocalLimits({LOGIN: Rate(2, 600), LOGIN_ADDRESS: Rate(3, 600)})
    pair = ((LOGIN, "office sam"), (LOGIN_ADDRESS, "office"))
    answers = [await limits.hit(*pair) for _ in range(3)]
    assert answers[:2] == [0.0, 0.0] and answers[2] > 0
    # The third was refused by the first bucket, so the second did not count it: one left.
    assert await limits.hit((LOGIN, "office kim"), (LOGIN_ADDRESS, "office")) == 0.0
    assert await limits.hit((LOGIN, "office lee"), (LOGIN_ADDRESS, "office")) > 0
    assert await limits.hit((TOKEN_GUESS, "anyone")) == 0.0  # a limit not given is off


async def test_limits_hold_in_total_across_processes(tmp_path: Path) -> None:
    async with cluster(tmp_path, 2, **LIMITS) as (group, meeting):
        await add_account(group)
        office = "198.51.100.20"
        # Wrong passwords for one account from one address, taking turns between processes:
        # four in all, then both refuse, even the right password.
        assert [await sign_in(group, i % 2, office, f"guess {i}") for i in range(4)] == [400] * 4
        assert await sign_in(group, 0, office, PASSWORD) == 429
        assert await sign_in(group, 1, office, PASSWORD) == 429
        # The address's own six: two more accounts' worth, then refused on both.
        others = [await sign_in(group, i % 2, office, "x", f"n{i}@example.org") for i in range(4)]
        assert others == [400, 400, 429, 429]

        # Ten attempts sent at once, five to each process: the check and the count are one
        # step in Redis, so exactly four get as far as the password.
        burst = await asyncio.gather(
            *(sign_in(group, i % 2, "198.51.100.21", f"at once {i}") for i in range(10))
        )
        assert sorted(burst) == [400] * 4 + [429] * 6, burst

        # Wrong tokens from one address, on pages and the websocket of both processes: four
        # in all, then 429 and 4429 everywhere.
        guesser = "203.0.113.9"
        assert await wrong_link(group, 0, guesser) == 404
        assert await wrong_websocket(group, meeting, 1, guesser) == 4401
        assert await wrong_link(group, 1, guesser) == 404
        assert await wrong_websocket(group, meeting, 0, guesser) == 4401
        assert await wrong_link(group, 0, guesser) == 429
        assert await wrong_link(group, 1, guesser) == 429
        assert await wrong_websocket(group, meeting, 1, guesser) == 4429
        # A right link from that address still passes.
        async with http(group, 1, guesser) as browser:
            assert (await browser.get(f"/join/{meeting['tokens']['family']}")).status_code == 200

        # What Redis holds: keyed digests, never an e-mail or client address, each expiring.
        client = aioredis.Redis.from_url(group.shared["SAFETYMAP_REDIS_URL"])
        try:
            keys = [key.decode() async for key in client.scan_iter("safetymap:limit:*")]
            assert keys
            for key in keys:
                assert "@" not in key and "198.51" not in key and "203.0" not in key, key
                assert 0 < await client.pttl(key) <= 600_000
        finally:
            await client.aclose()


async def metric(group: Cluster, i: int, name: str) -> float:
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{group.ports[i]}") as local:
        page = (await local.get("/metrics")).text
    values = [line.split()[-1] for line in page.splitlines() if line.startswith(name + " ")]
    return float(values[0]) if values else 0.0


async def test_without_redis_each_process_still_limits_on_its_own(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path)
    await redis.start()
    try:
        async with cluster(tmp_path, 2, redis, **LIMITS) as (group, _meeting):
            await add_account(group)
            office = "198.51.100.30"
            # Three wrong passwords on the first process while Redis is there...
            assert [await sign_in(group, 0, office, f"guess {i}") for i in range(3)] == [400] * 3
            await redis.kill()
            # ...which it remembers when Redis goes: one more there, then refused. The second
            # process counts its own four (at worst N times the limit, never unlimited), and
            # nobody is locked out for Redis being away.
            assert await sign_in(group, 0, office, "guess 3") == 400
            assert await sign_in(group, 0, office, PASSWORD) == 429
            assert [await sign_in(group, 1, office, f"guess {i}") for i in range(4)] == [400] * 4
            assert await sign_in(group, 1, office, PASSWORD) == 429
            assert await sign_in(group, 0, "192.0.2.7", PASSWORD) == 303
            guesses = [await wrong_link(group, 1, "203.0.113.9") for _ in range(5)]
            assert guesses == [404] * 4 + [429]
            # Said once in each process's log, and counted in a metric.
            for i in range(2):
                log = group.log(i).read_text(errors="replace")
                assert log.count("rate limits: Redis cannot be reached") == 1, group.logs()
                assert await metric(group, i, "safetymap_rate_limit_fallbacks_total") >= 3

            # Redis comes back (empty): each process says so once it has used it again, and
            # they share their counts again.
            await redis.start()
            deadline = time.monotonic() + 15
            for i in range(2):
                while "Redis is back" not in group.log(i).read_text(errors="replace"):
                    assert time.monotonic() < deadline, group.logs()
                    await wrong_link(group, i, "203.0.113.50")
                    await asyncio.sleep(0.2)
            newcomer = "198.51.100.31"
            answers = [await sign_in(group, i % 2, newcomer, f"again {i}") for i in range(5)]
            assert answers == [400] * 4 + [429], answers
    finally:
        await redis.kill()
