"""The rate-limit module on a fake clock: buckets refill, keys are bounded and forgotten."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from pycrdt import Map

from server.ratelimit import Bucket, Limiter, Rate, RateError, retry_after_header

from .conftest import running_server
from .webclient import Browser

PASSWORD = "a long enough secret"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_rates_parse_count_per_seconds() -> None:
    assert Rate.parse("10/60") == Rate(10, 60.0)
    assert Rate.parse("0/1").off
    assert Rate.parse("3/1.5").per_second == 2.0
    for bad in ("10", "ten/60", "10/0", "-1/60", "10/-5", "", "/"):
        with pytest.raises(RateError):
            Rate.parse(bad)


def test_a_bucket_allows_its_burst_then_one_per_interval() -> None:
    clock = FakeClock()
    bucket = Bucket(Rate(5, 1.0), clock)
    assert [bucket.allow() for _ in range(6)] == [True] * 5 + [False]
    assert bucket.retry_after() == pytest.approx(0.2)
    clock.advance(0.1)
    assert not bucket.allow()
    clock.advance(0.1)
    assert bucket.allow() and not bucket.allow()
    clock.advance(100)  # a long pause refills to the burst, never beyond
    assert sum(bucket.allow() for _ in range(20)) == 5
    assert bucket.retry_after() > 0


def test_a_bucket_of_bytes_takes_what_each_frame_weighs() -> None:
    clock = FakeClock()
    bucket = Bucket(Rate(1000, 10.0), clock)  # 1000 bytes at once, then 100 a second
    assert bucket.allow(600) and bucket.allow(400)
    assert not bucket.allow(1)
    clock.advance(1.0)
    assert not bucket.allow(101) and bucket.allow(100)
    clock.advance(1000)  # refilled to the burst, never beyond
    assert not bucket.allow(1001) and bucket.allow(1000)


def test_a_bucket_is_cheap_enough_for_every_websocket_message() -> None:
    bucket = Bucket(Rate(10**9, 1.0))
    calls = 200_000
    started = time.perf_counter()
    for _ in range(calls):
        bucket.allow()
    per_call = (time.perf_counter() - started) / calls
    assert per_call < 5e-6, f"{per_call * 1e9:.0f} ns per allow()"  # ~0.2 µs on a laptop


def test_a_limiter_counts_each_key_apart() -> None:
    clock = FakeClock()
    limiter = Limiter(Rate(3, 60.0), clock=clock)
    assert [limiter.hit("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.blocked("a") == pytest.approx(20.0)
    assert limiter.hit("a") == pytest.approx(20.0)
    assert limiter.blocked("b") == 0.0 and limiter.hit("b") == 0.0
    clock.advance(20)
    assert limiter.blocked("a") == 0.0
    assert limiter.hit("a") == 0.0
    assert limiter.hit("a") > 0
    limiter.forget("a")
    assert limiter.blocked("a") == 0.0


def test_blocked_takes_nothing() -> None:
    limiter = Limiter(Rate(1, 10.0), clock=FakeClock())
    for _ in range(5):
        assert limiter.blocked("x") == 0.0
    assert limiter.hit("x") == 0.0
    assert limiter.hit("x") == pytest.approx(10.0)


def test_a_rate_of_zero_allows_everything_and_keeps_nothing() -> None:
    limiter = Limiter(Rate.parse("0/60"), clock=FakeClock())
    assert all(limiter.hit("x") == 0.0 for _ in range(100))
    assert len(limiter) == 0


def test_idle_keys_are_forgotten() -> None:
    clock = FakeClock()
    limiter = Limiter(Rate(2, 10.0), clock=clock)
    for i in range(100):
        limiter.hit(f"addr{i}")
        clock.advance(0.5)
    # Only keys touched within the last period (10 s) can still be short of tokens.
    assert len(limiter) <= 21
    clock.advance(10)
    limiter.hit("last")
    assert len(limiter) == 1


def test_memory_stays_bounded_under_a_flood_of_keys() -> None:
    clock = FakeClock()
    limiter = Limiter(Rate(5, 3600.0), max_keys=1000, clock=clock)
    for i in range(50_000):
        limiter.hit(f"198.51.100.{i}")
    assert len(limiter) == 1000
    # The most recently active keys are the ones kept.
    for _ in range(4):
        limiter.hit("198.51.100.49999")
    assert limiter.blocked("198.51.100.49999") > 0


def test_a_busy_key_is_kept_over_quiet_ones() -> None:
    clock = FakeClock()
    limiter = Limiter(Rate(2, 3600.0), max_keys=10, clock=clock)
    limiter.hit("guesser")
    limiter.hit("guesser")
    for i in range(30):
        limiter.hit(f"k{i}")
        limiter.hit("guesser")  # still guessing: touched last, so never the one dropped
    assert limiter.blocked("guesser") > 0


def test_retry_after_is_whole_seconds_rounded_up() -> None:
    assert retry_after_header(0.01) == "1"
    assert retry_after_header(1.0) == "1"
    assert retry_after_header(1.2) == "2"
    assert retry_after_header(59.5) == "60"


# Over real HTTP ------------------------------------------------------------------------------


def assert_too_many(response: httpx.Response) -> None:
    assert response.status_code == 429, (response.status_code, response.text[:200])
    assert int(response.headers["Retry-After"]) >= 1


async def test_sign_in_attempts_are_limited_per_account(tmp_path: Path) -> None:
    async with running_server(tmp_path, SAFETYMAP_LOGIN_LIMIT="3/600") as srv:
        await srv.services.accounts.add("sam@example.org", "Sam", PASSWORD)
        await srv.services.accounts.add("kim@example.org", "Kim", PASSWORD)
        async with Browser(srv) as browser:
            for _ in range(3):
                wrong = await browser.submit(
                    "/login", {"email": "Sam@Example.org", "password": "x"}
                )
                assert wrong.status_code == 400
            # Now even the right password waits: guessing must not pay.
            right = await browser.submit(
                "/login", {"email": "sam@example.org", "password": PASSWORD}
            )
            assert_too_many(right)
            assert "Too many tries" in right.text and "Try again in" in right.text
            assert "sm_session" not in browser.http.cookies
            other = await browser.submit(
                "/login", {"email": "kim@example.org", "password": PASSWORD}
            )
            assert other.status_code == 303  # another account from the same address is fine


async def test_sign_in_attempts_are_limited_per_address(tmp_path: Path) -> None:
    async with running_server(tmp_path, SAFETYMAP_LOGIN_ADDRESS_LIMIT="3/600") as srv:
        await srv.services.accounts.add("sam@example.org", "Sam", PASSWORD)
        async with Browser(srv) as browser:
            for i in range(3):
                wrong = await browser.submit(
                    "/login", {"email": f"guess{i}@example.org", "password": "x"}
                )
                assert wrong.status_code == 400
            assert_too_many(
                await browser.submit("/login", {"email": "sam@example.org", "password": PASSWORD})
            )


async def test_link_and_set_up_token_guesses_are_limited_per_address(tmp_path: Path) -> None:
    async with running_server(tmp_path, SAFETYMAP_TOKEN_GUESS_LIMIT="3/600") as srv:
        meeting = await srv.meeting()
        async with httpx.AsyncClient(base_url=srv.address) as http:
            good = await http.get(f"/join/{meeting['tokens']['family']}")
            assert good.status_code == 200  # right tokens never count
            assert (await http.get("/join/not-a-token")).status_code == 404
            assert (await http.get("/join/" + "A" * 43)).status_code == 404
            assert (await http.get("/setup/not-a-set-up-link")).status_code == 404
            refused = await http.get("/join/" + "B" * 43)
            assert_too_many(refused)
            assert "Too many tries" in refused.text
            assert_too_many(await http.get("/setup/another-guess"))
            # A right token still passes (tests/test_guess_limits.py).
            assert (await http.get(f"/join/{meeting['tokens']['family']}")).status_code == 200
            assert (await http.get("/healthz")).status_code == 200


async def test_bearer_token_guesses_are_limited_per_address(tmp_path: Path) -> None:
    async with running_server(tmp_path, SAFETYMAP_TOKEN_GUESS_LIMIT="3/600") as srv:
        person = await srv.services.accounts.add("sam@example.org", "Sam", PASSWORD)
        token = await srv.services.accounts.create_api_token(person)
        mine, other = await srv.meeting(), await srv.meeting("Another meeting")
        async with httpx.AsyncClient(base_url=srv.address) as http:

            def bearer(value: str) -> dict[str, str]:
                return {"Authorization": f"Bearer {value}"}

            listed = await http.get("/api/meetings", headers=bearer(token))
            assert listed.status_code == 200
            # A real link of another meeting is refused, but it is not a guess.
            path = f"/api/meetings/{mine['id']}/snapshots"
            for _ in range(5):
                cross = await http.get(path, headers=bearer(other["tokens"]["family"]))
                assert cross.status_code == 401
            assert (await http.get(path, headers=bearer("guess-1"))).status_code == 401
            assert (await http.get("/api/meetings", headers=bearer("guess-2"))).status_code == 401
            made = await http.post("/api/meetings", headers=bearer("guess-3"), json={"title": "x"})
            assert made.status_code == 401
            refused = await http.get("/api/meetings", headers=bearer("guess-4"))
            assert_too_many(refused)
            assert "too many wrong tokens" in refused.json()["error"]
            # Right tokens still pass (tests/test_guess_limits.py).
            assert (await http.get("/api/meetings", headers=bearer(token))).status_code == 200
            by_link = await http.get(path, headers=bearer(mine["tokens"]["facilitator"]))
            assert by_link.status_code == 200


async def test_a_connection_sending_too_many_bytes_is_closed_and_others_carry_on(
    tmp_path: Path,
) -> None:
    # 200 KB at once, then 2 KB a second; each value within the map's own limits.
    async with running_server(tmp_path, SAFETYMAP_BYTE_LIMIT="200000/100") as srv:
        meeting = await srv.meeting()
        chair = await srv.client(meeting, "facilitator", name="Chair")
        typist = await srv.client(meeting, "family", name="Typist")
        flood = await srv.client(meeting, "family", name="Flood")
        for client in (chair, typist, flood):
            await client.synced.wait()
        chair.doc.get("scales", type=Map)["s1"] = Map({"question": "Safe?", "ratings": Map()})
        typist.add_card("kept", "safety", "Gran collects the children")
        scales = flood.doc.get("scales", type=Map)
        await flood.wait_for(lambda: "kept" in flood.cards() and "s1" in scales)
        await typist.wait_for(lambda: "s1" in typist.doc.get("scales", type=Map))
        me = await flood.whoami()

        def reason_seen() -> str:
            ratings = typist.doc.get("scales", type=Map)["s1"]["ratings"]
            return str(ratings.get(me, {}).get("reason", ""))

        # Their own mark, each time with a reason of 15 KB: theirs to write (no other value
        # of the map is), rewriting one value: the map does not grow.
        ratings = scales["s1"]["ratings"]
        for i in range(100):
            if flood.closed.is_set():
                break
            ratings[me] = {"value": i % 11, "reason": f"{i:03d}" + "x" * 15_000}
            await typist.wait_for(
                lambda n=i: flood.closed.is_set() or reason_seen()[:3] == f"{n:03d}"  # type: ignore[misc]
            )
        await flood.wait_closed(10)
        assert flood.close_code == 4429 and "too much data" in flood.close_reason
        assert 10 <= i <= 15, i  # about 200 KB got through, not 1.5 MB
        # The one who types goes on, well within the limit: 300 small edits.
        text = typist.items["kept"]["text"]
        for _ in range(300):
            text += "."
        fresh = await srv.client(meeting, "viewer", name="Screen")
        await fresh.synced.wait()
        expected = "Gran collects the children" + "." * 300
        await fresh.wait_for(lambda: fresh.cards() == {"kept": expected})
        assert not typist.closed.is_set() and not chair.closed.is_set()


def test_a_limiter_spends_into_debt_and_says_how_long_until_it_is_paid() -> None:
    clock = FakeClock()
    budget = Limiter(Rate.parse("100/10"), clock=clock)  # 100 at once, then 10 a second
    assert budget.spend("participant:a", 60) == 0.0
    assert budget.spend("participant:a", 60) == 2.0  # 20 in debt: two seconds at 10 a second
    assert budget.owed("participant:a") == 2.0  # asking takes nothing
    assert budget.spend("participant:b", 60) == 0.0  # each key apart
    clock.advance(2.0)
    assert budget.owed("participant:a") == 0.0
    assert budget.spend("participant:a", 1000) == 100.0  # every byte is owed: none forgiven
    clock.advance(50.0)
    budget.spend("participant:c", 1)  # evicting refilled keys: not one still in debt
    assert budget.owed("participant:a") == 50.0
