"""Sign-in and wrong-token limits shared by every process, in Redis (when SAFETYMAP_REDIS_URL
is set): N processes allow the documented number of attempts in total, not N times it.

The same token buckets as `ratelimit.Limiter` (a bucket holds `count` tokens and refills in
`period` seconds), kept in one Redis hash per bucket and counted by one Lua script, so that
the check and the count are one atomic step whichever process makes them, and attempts sent
at once to several processes cannot slip past the limit. The clock is Redis's own (`TIME`),
so processes whose clocks differ still agree. A bucket expires once it would be full again,
so Redis holds only the buckets in use. Keys are keyed digests (HMAC with the secret key):
no e-mail address or client address is ever written to Redis, and a short digest cannot be
reversed by trying every IPv4 address.

If Redis cannot be reached, neither open nor closed: each process counts in its own memory,
as a single process does (at worst N times the limit, across N processes, for as long as
Redis is away). Failing open would let a password guesser through unlimited during an
outage; failing closed would lock every facilitator out. The process keeps its own share of
the counts all along, so an outage starts from what it had seen, not from full buckets. The
first failure is logged once (and the return once), every decision made without Redis is
counted in `safetymap_rate_limit_fallbacks`, and Redis is tried again after a short pause.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from collections.abc import Mapping

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from server.metrics import RATE_LIMIT_FALLBACKS as FALLBACKS
from server.ratelimit import Clock, Count, LocalLimits, Rate

log = logging.getLogger(__name__)

PREFIX = "safetymap:limit:"
_TIMEOUT = 1.0  # seconds a check may wait for Redis before it is counted here instead
_RETRY = 2.0  # seconds between tries while Redis is away (no wait on every sign-in)

# KEYS: the buckets; ARGV: for each, its burst, its tokens a second and its lifetime in ms.
# Every bucket has a token, then one is taken from each; else none is, and the answer is the
# longest wait. Returned as a string: Redis would truncate a Lua number to an integer.
_SCRIPT = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local tokens = {}
local wait = 0
for i, key in ipairs(KEYS) do
  local burst = tonumber(ARGV[3 * i - 2])
  local rate = tonumber(ARGV[3 * i - 1])
  local held = redis.call('HMGET', key, 'n', 't')
  local n = burst
  if held[1] and held[2] then
    n = math.min(burst, tonumber(held[1]) + math.max(0, now - tonumber(held[2])) * rate)
  end
  tokens[i] = n
  if n < 1 then wait = math.max(wait, (1 - n) / rate) end
end
if wait > 0 then return string.format('%.6f', wait) end
for i, key in ipairs(KEYS) do
  redis.call('HSET', key, 'n', string.format('%.17g', tokens[i] - 1),
             't', string.format('%.6f', now))
  redis.call('PEXPIRE', key, ARGV[3 * i])
end
return '0'
"""


class SharedLimits:
    """`HttpLimits` in Redis, with this process's memory as the fallback (see the module)."""

    def __init__(
        self,
        url: str,
        secret_key: str,
        rates: Mapping[str, Rate],
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        self._redis = aioredis.Redis.from_url(
            url,
            socket_connect_timeout=_TIMEOUT,
            socket_timeout=_TIMEOUT,
            retry=Retry(NoBackoff(), 1),  # once: a pooled connection may have died meanwhile
        )
        self._script = self._redis.register_script(_SCRIPT)
        self._rates = {name: rate for name, rate in rates.items() if not rate.off}
        self._local = LocalLimits(self._rates)
        self._digest_key = hmac.new(
            secret_key.encode(), b"safetymap rate-limit keys", hashlib.sha256
        ).digest()
        self._clock = clock
        self._retry_at = 0.0  # while Redis is away: when to try it again
        self.away = False

    def key(self, name: str, key: str) -> str:
        """The Redis key of a bucket: its limit's name and a keyed digest of whose it is."""
        digest = hmac.new(self._digest_key, f"{name}\0{key}".encode(), hashlib.sha256)
        return f"{PREFIX}{name}:{digest.hexdigest()[:32]}"

    async def hit(self, *counts: Count) -> float:
        counts = tuple((name, key) for name, key in counts if name in self._rates)
        if not counts:
            return 0.0
        if self.away and self._clock() < self._retry_at:
            FALLBACKS.inc()
            return self._local.hit_now(*counts)
        args: list[float | int] = []
        for name, _ in counts:
            rate = self._rates[name]
            args += [rate.count, rate.per_second, math.ceil(rate.period * 1000)]
        try:
            answer = await self._script(keys=[self.key(*count) for count in counts], args=args)
            wait = float(answer)
        except (RedisError, OSError, ValueError) as exc:
            self._lost(exc)
            FALLBACKS.inc()
            return self._local.hit_now(*counts)
        if self.away:
            self.away = False
            log.warning("rate limits: Redis is back; sign-ins and wrong tokens are shared again")
        if not wait:
            self._local.hit_now(*counts)  # this process's share, for an outage
        return wait

    def _lost(self, exc: BaseException) -> None:
        self._retry_at = self._clock() + _RETRY
        if not self.away:
            self.away = True
            log.error(
                "rate limits: Redis cannot be reached (%s); sign-ins and wrong tokens are "
                "counted in each process's memory until it is back",
                type(exc).__name__,
            )

    async def close(self) -> None:
        await self._redis.aclose()
