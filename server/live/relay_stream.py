"""The relay's Redis stream: how to reach Redis (any URL redis-py takes: a password,
`rediss://`), what Redis refusing us means, and removing a deleted meeting's entries. relay.py
runs the stream; what an entry holds is relay_message.py's.
"""

from __future__ import annotations

import logging
import ssl
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import AuthenticationError, NoPermissionError, RedisError, ResponseError

from server.live.relay_message import Kind
from server.settings import SettingsError

STREAM = "safetymap:relay"
_SCRUB_BATCH = 500  # entries read per XRANGE while looking for a deleted meeting's

log = logging.getLogger(__name__)


def client(url: str) -> aioredis.Redis:
    """A Redis client for `url`: `redis://[:password@]host[:port]/db`, or `rediss://` (TLS,
    with `?ssl_ca_certs=…` and the other `ssl_*` options of redis-py)."""
    return aioredis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=10, health_check_interval=15
    )


async def check(url: str) -> None:
    """Before serving: SettingsError (one line, naming the fix) if Redis refuses us. A Redis
    that cannot be reached now is not an error: the relay waits for it."""
    redis = client(url)
    try:
        await redis.xrevrange(STREAM, count=1)  # the stream, as the relay reads it (ACLs)
    except (RedisError, OSError) as exc:
        refusal = refused(exc)
        if refusal:
            raise SettingsError(refusal) from None
    finally:
        await redis.aclose()


def refused(exc: BaseException) -> str:
    """The one-line reason Redis will never accept us, or "" if trying again may work."""
    if isinstance(exc, AuthenticationError) or (
        isinstance(exc, ResponseError) and str(exc).startswith(("NOAUTH", "WRONGPASS"))
    ):
        return (
            f"SAFETYMAP_REDIS_URL: Redis refused the password ({type(exc).__name__}): put the "
            "right one in the URL, redis://:PASSWORD@HOST:6379/0 (or redis://USER:PASSWORD@…)"
        )
    if isinstance(exc, NoPermissionError):
        return (
            "SAFETYMAP_REDIS_URL: Redis's ACL does not let this user use the stream "
            f"{STREAM!r} (NoPermissionError): allow it ~{STREAM} and the stream commands"
        )
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(
            cause
        ):
            return (
                "SAFETYMAP_REDIS_URL: Redis's TLS certificate did not verify: give its CA as "
                "rediss://…?ssl_ca_certs=/path/to/ca.pem"
            )
        cause = cause.__cause__ or cause.__context__
    return ""


async def scrub(
    redis: aioredis.Redis, deployment: str, meeting_id: str, start: bytes = b"-"
) -> bytes:
    """Remove the meeting's updates and presence (this deployment's) from the stream, from
    entry `start` on; the last entry read, to carry on from later."""
    last = start
    while True:
        entries: Any = await redis.xrange(
            STREAM, last if last == b"-" else b"(" + last, "+", count=_SCRUB_BATCH
        )
        if not entries:
            return last
        doomed = []
        for entry_id, fields in entries:
            if (
                fields.get(b"m") == meeting_id.encode()
                and fields.get(b"x", b"") == deployment.encode()
                and fields.get(b"k") in (Kind.UPDATE.encode(), Kind.AWARENESS.encode())
            ):
                doomed.append(entry_id)
        if doomed:
            await redis.xdel(STREAM, *doomed)
        last = bytes(entries[-1][0])


async def scrub_all(redis_url: str, identity: str, meeting_ids: list[str]) -> None:
    """Remove the meetings' updates and presence from the stream, from a process without a
    relay (the CLI); a Redis that does not answer is logged, and time trims them anyway."""
    connection = client(redis_url)
    try:
        for meeting_id in meeting_ids:
            await scrub(connection, identity, meeting_id)
    except (RedisError, OSError) as exc:
        log.warning(
            "could not remove deleted meetings from Redis (%s): they leave it within "
            "SAFETYMAP_REDIS_RETENTION",
            type(exc).__name__,
        )
    finally:
        await connection.aclose()
