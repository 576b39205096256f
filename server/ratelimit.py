"""Rate limits, sans I/O: token buckets, alone or keyed by string, with an injectable clock.

A bucket holds up to `burst` tokens and gains `rate` tokens a second; each event takes one
(or, for a limit on bytes, as many as it has bytes). `Bucket` is one connection's own limit
(the websocket's "may this message pass now?": a few float operations, no allocation beyond
the floats). `Limiter` keeps one bucket's worth of state per key (an account, an address) in
bounded memory: a key whose bucket has refilled is idle and forgotten, and past `max_keys`
the least recently used keys are dropped first (under a flood of distinct keys a dropped key
starts again with a full bucket: memory is bounded at the cost of forgetting the quietest
keys).

Sign-ins and wrong tokens are counted through the small `HttpLimits` interface: here in the
process's memory (`LocalLimits`, one process), or in Redis for every process at once
(server/live/shared_limits.py). The websocket's message, byte and join limits stay in each
process's memory by design: they bound what one process spends on a connection or a meeting.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

Clock = Callable[[], float]


class RateError(ValueError):
    """A rate written wrongly (see `Rate.parse`)."""


@dataclass(frozen=True, slots=True)
class Rate:
    """`count` events per `period` seconds, all of them allowed at once (the burst)."""

    count: int
    period: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        """'10/60' is ten events a minute; '0/60' turns the limit off."""
        count, slash, period = text.partition("/")
        try:
            rate = cls(int(count), float(period))
        except ValueError:
            raise RateError(f"a rate is written COUNT/SECONDS, like 10/60, not {text!r}") from None
        if not slash or rate.count < 0 or not rate.period > 0:
            raise RateError(f"a rate is written COUNT/SECONDS, like 10/60, not {text!r}")
        return rate

    @property
    def off(self) -> bool:
        return self.count == 0

    @property
    def per_second(self) -> float:
        return self.count / self.period


class Bucket:
    """One token bucket (one connection's limit): `allow()` takes a token if there is one."""

    __slots__ = ("_burst", "_clock", "_per_second", "_stamp", "_tokens")

    def __init__(self, rate: Rate, clock: Clock = time.monotonic) -> None:
        self._burst = float(rate.count)
        self._per_second = rate.per_second
        self._clock = clock
        self._tokens = self._burst
        self._stamp = clock()

    def allow(self, cost: float = 1.0) -> bool:
        """Take `cost` tokens (one message, or a frame's bytes) if the bucket holds them."""
        now = self._clock()
        tokens = self._tokens + (now - self._stamp) * self._per_second
        self._stamp = now
        if tokens > self._burst:
            tokens = self._burst
        if tokens >= cost:
            self._tokens = tokens - cost
            return True
        self._tokens = tokens
        return False

    def retry_after(self) -> float:
        """Seconds until the next event would be allowed (0 if it would be now)."""
        tokens = self._tokens + (self._clock() - self._stamp) * self._per_second
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self._per_second


class Limiter:
    """Token buckets keyed by string, in bounded memory. A limit of 0 events allows all."""

    def __init__(
        self, rate: Rate, *, max_keys: int = 10_000, clock: Clock = time.monotonic
    ) -> None:
        self.rate = rate
        self._burst = float(rate.count)
        self._per_second = rate.per_second
        self._max_keys = max_keys
        self._clock = clock
        # key -> (tokens, when last touched); least recently touched first.
        self._keys: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._keys)

    def _tokens(self, key: str, now: float) -> float:
        held = self._keys.get(key)
        if held is None:
            return self._burst
        tokens, stamp = held
        return min(self._burst, tokens + (now - stamp) * self._per_second)

    def _wait(self, tokens: float) -> float:
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self._per_second

    def blocked(self, key: str) -> float:
        """Seconds until `key` may act again (0: it may now). Takes nothing."""
        if self.rate.off:
            return 0.0
        return self._wait(self._tokens(key, self._clock()))

    def hit(self, key: str) -> float:
        """Count one event for `key`: 0 if it was allowed, else the seconds to wait."""
        if self.rate.off:
            return 0.0
        now = self._clock()
        tokens = self._tokens(key, now)
        if tokens >= 1.0:
            tokens -= 1.0
            wait = 0.0
        else:
            wait = self._wait(tokens)
        self._keys[key] = (tokens, now)
        self._keys.move_to_end(key)
        self._evict(now)
        return wait

    def spend(self, key: str, cost: float) -> float:
        """Take `cost` tokens for `key` whatever it holds (it may go into debt, all of it kept):
        the seconds until it is out of debt, for a caller that waits, not refuses (a
        participant's bytes: their connections read on once they can afford it)."""
        if self.rate.off:
            return 0.0
        now = self._clock()
        tokens = self._tokens(key, now) - cost
        self._keys[key] = (tokens, now)
        self._keys.move_to_end(key)
        self._evict(now)
        return self._owed(tokens)

    def owed(self, key: str) -> float:
        """Seconds until `key` is out of debt (0: it is not). Takes nothing."""
        if self.rate.off:
            return 0.0
        return self._owed(self._tokens(key, self._clock()))

    def _owed(self, tokens: float) -> float:
        return 0.0 if tokens >= 0 else -tokens / self._per_second

    def forget(self, key: str) -> None:
        self._keys.pop(key, None)

    def _evict(self, now: float) -> None:
        # Least recently touched first: stop at the first key that may not have refilled.
        keys = self._keys
        while keys:
            key, (tokens, stamp) = next(iter(keys.items()))
            full = tokens + (now - stamp) * self._per_second >= self._burst  # debt included
            if full or len(keys) > self._max_keys:
                del keys[key]
            else:
                break


def retry_after_header(seconds: float) -> str:
    """The `Retry-After` value: whole seconds, rounded up, at least 1."""
    return str(max(1, math.ceil(seconds)))


# The limits of the HTTP side (and the websocket's wrong tokens), by name. -----------------------

LOGIN = "login"  # SAFETYMAP_LOGIN_LIMIT: per account and address, or per known browser
LOGIN_ADDRESS = "login-address"  # SAFETYMAP_LOGIN_ADDRESS_LIMIT: per address
TOKEN_GUESS = "token-guess"  # SAFETYMAP_TOKEN_GUESS_LIMIT: wrong tokens per address

Count = tuple[str, str]  # (which limit, whose bucket: an address, an account and address)


class HttpLimits(Protocol):
    """Sign-in and wrong-token limits: in this process's memory (`LocalLimits`), or shared by
    every process through Redis (server/live/shared_limits.py)."""

    async def hit(self, *counts: Count) -> float:
        """One event in each bucket named, all or none: 0 if every bucket had room (then each
        is counted), else the seconds until they all would (and none is counted)."""
        ...

    async def close(self) -> None: ...


class LocalLimits:
    """`HttpLimits` in this process's memory: one `Limiter` per limit. A limit not given, or
    given as 0 events, allows everything."""

    def __init__(self, rates: Mapping[str, Rate]) -> None:
        self.limiters = {name: Limiter(rate) for name, rate in rates.items() if not rate.off}

    def hit_now(self, *counts: Count) -> float:
        """`hit` without awaiting: nothing else runs between the check and the count."""
        buckets = [(self.limiters[name], key) for name, key in counts if name in self.limiters]
        if wait := max((limiter.blocked(key) for limiter, key in buckets), default=0.0):
            return wait
        for limiter, key in buckets:
            limiter.hit(key)
        return 0.0

    async def hit(self, *counts: Count) -> float:
        return self.hit_now(*counts)

    async def close(self) -> None:
        pass
