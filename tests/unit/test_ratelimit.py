"""The rate-limit module on a fake clock: buckets refill, keys are bounded and forgotten."""

from __future__ import annotations

import time

import pytest

from server.ratelimit import Bucket, Limiter, Rate, RateError, retry_after_header


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
