"""What `safetymap serve` checks before it listens: fail loudly at start, never at run time.

Each refusal is one line naming the fix (StartupError); `safetymap` prints it on stderr, in
JSON when JSON logs are on, and exits 2. Every check here stands for a way a server once
started, said ready, and then misbehaved: dead links from a key or base URL that differs
between processes, a private SQLite database relayed into a shared Redis, joins dying with
1006 on a schema one migration behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from server.board.jargon import DEFAULT_FILE
from server.settings import Settings
from server.store import deployment
from server.store.schema import cause_of, create_engine, driver_of, is_sqlite, revisions, shown_url

MIN_SECRET_KEY = 32  # characters; a generated key has 64
CONNECT_TIMEOUT = 15.0  # seconds for the database to answer at start
_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")
_REDIS_SCHEMES = ("redis", "rediss", "unix")
_NEW_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(48))'"
_ALONE = "or SAFETYMAP_SINGLE_PROCESS=1 if this is the only process"
_RAISED = re.compile(r"[A-Za-z_][\w.]*(Error|Exception): ")  # a traceback's last word
_CODE = str(Path(__file__).resolve().parents[2])  # where this `server` is, whatever is installed

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine


class StartupError(Exception):
    """The server must not start; the message is one line naming the fix."""


def check_settings(settings: Settings) -> list[str]:
    """Raise StartupError for a configuration that cannot serve correctly; return warnings
    (one line each) for what may be right but usually is not."""
    _check_urls(settings)
    if not settings.recheck_interval:
        raise StartupError("SAFETYMAP_RECHECK_INTERVAL must be more than 0 seconds")
    shared = not is_sqlite(settings.database_url)
    if not shared and settings.redis_url:
        # A process that lost its SAFETYMAP_DATABASE_URL would relay a private, empty
        # database's meetings into the others' Redis.
        raise StartupError(
            "SAFETYMAP_REDIS_URL is set but the database is SQLite: processes that share "
            "meetings through Redis share one PostgreSQL database (set SAFETYMAP_DATABASE_URL "
            "on every process), or unset SAFETYMAP_REDIS_URL"
        )
    weak = _weak_key(settings.secret_key)
    if shared and weak:
        raise StartupError(
            f"SAFETYMAP_SECRET_KEY {weak}: set a long random one, the same on every process "
            f"(`{_NEW_KEY}`)"
        )
    if shared and not settings.single_process:
        missing = _missing_on_shared(settings)
        if missing:
            first = missing[0]
            if len(missing) > 1:
                others = ", ".join(problem.split(" ", 1)[0] for problem in missing[1:])
                first += f" (and not set either: {others})"
            raise StartupError(first)
    return _warnings(settings, shared)


def practice_line(settings: Settings) -> str:
    """What the board offers people, said once at start: an operator who set a jargon file,
    languages or a picture limit in the wrong environment sees it was not read."""
    jargon = settings.jargon
    source = "the shipped list" if jargon.source == str(DEFAULT_FILE) else jargon.source
    return (
        f"Languages: {', '.join(language.code for language in settings.offered_languages)}. "
        f"Jargon: {len(jargon.terms)} words from {source}. "
        f"Pictures: up to {settings.picture_max_bytes / 2**20:g} MiB each."
    )


def _missing_on_shared(settings: Settings) -> list[str]:
    """What processes sharing one PostgreSQL database must all be given, in the order to fix."""
    missing = []
    if not settings.redis_url:
        missing.append(
            "SAFETYMAP_REDIS_URL is not set: processes sharing a PostgreSQL database relay "
            f"through Redis (set it), {_ALONE}"
        )
    if not settings.secret_key_set:
        missing.append(
            "SAFETYMAP_SECRET_KEY is not set: processes sharing a PostgreSQL database need one "
            "key, or links and sessions made by one fail on the others; set the same long "
            f"random value on every process (`{_NEW_KEY}`), {_ALONE}"
        )
    if not settings.base_url_set:
        missing.append(
            "SAFETYMAP_BASE_URL is not set: links would name this process's own address; set "
            f"it to the public address (https://map.example.org) on every process, {_ALONE}"
        )
    return missing


def _check_urls(settings: Settings) -> None:
    if settings.base_url_set:
        parts = urlsplit(settings.base_url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.username is not None
            or parts.query
            or parts.fragment
        ):
            raise StartupError(
                f"SAFETYMAP_BASE_URL must be http(s)://host[:port], the public address, not "
                f"{settings.base_url[:100]!r}"
            )
        if parts.path.strip("/"):
            # The app serves from the root (/join, /m, /ws): links under a path would not work.
            raise StartupError(
                f"SAFETYMAP_BASE_URL must be http(s)://host[:port] with no path "
                f"({parts.path[:60]!r}): serve Safety Map at the root of its own host name"
            )
    driver = driver_of(settings.database_url)
    if driver not in _DRIVERS:
        raise StartupError(
            "SAFETYMAP_DATABASE_URL must start postgresql+asyncpg:// (or sqlite+aiosqlite:///), "
            f"not {driver or 'something unreadable'!r}"
        )
    if settings.redis_url and urlsplit(settings.redis_url).scheme not in _REDIS_SCHEMES:
        raise StartupError("SAFETYMAP_REDIS_URL must start redis://, rediss:// or unix://")


def _warnings(settings: Settings, shared: bool) -> list[str]:
    warnings = []
    weak = _weak_key(settings.secret_key)
    if weak:
        warnings.append(
            f"SAFETYMAP_SECRET_KEY {weak}: cookies signed with it can be forged; set a long "
            f"random one (`{_NEW_KEY}`)"
        )
    parts = urlsplit(settings.base_url)
    if settings.base_url_set and parts.scheme == "http" and not _local(parts.hostname or ""):
        # Behind TLS this means no HSTS, no Secure cookies and ws:// links browsers block.
        warnings.append(
            "SAFETYMAP_BASE_URL starts http:// for a public address: if it is served over TLS, "
            "set https:// (Secure cookies, HSTS and wss:// links follow from it)"
        )
    return warnings


def _weak_key(key: str) -> str | None:
    """Why a key is too weak to sign with, or None."""
    if len(key) < MIN_SECRET_KEY:
        return f"is shorter than {MIN_SECRET_KEY} characters"
    if "change-me" in key.lower():
        return "is still the example's placeholder"  # deploy/safetymap.env.example
    return None


def _local(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


DIFFERENT_KEY = (
    "SAFETYMAP_SECRET_KEY is not the key this database's links were made with (another "
    "process, or an earlier start, used another one): give every process the same key, or "
    "rotate it for all with `safetymap key rotate`"
)


async def check_database(settings: Settings) -> str | None:
    """The database answers and holds this code's schema (raise StartupError otherwise). On
    SQLite, an empty or older schema is fine (`serve` upgrades it itself, `upgrade_apart`):
    then `empty` or `behind`, else None."""
    if is_sqlite(settings.database_url):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    try:
        revision = await reach(engine, settings.database_url)
        problem = revisions.compare(revision)
        if problem == "ahead" or (problem and not is_sqlite(settings.database_url)):
            raise StartupError(revisions.explain(revision))
        if problem is None and not await deployment.matches(engine, settings.secret_key):
            raise StartupError(DIFFERENT_KEY)
    finally:
        await engine.dispose()
    return problem


async def upgrade_apart() -> None:
    """Upgrade the schema with `safetymap db upgrade` in a child process (its settings are
    this one's environment), so that Alembic and the migration scripts, about 8 MiB, are not
    kept by the server for as long as it runs (bench/idle_memory.py). StartupError, with the
    child's reason, if it fails."""
    path = os.pathsep.join(filter(None, (_CODE, os.environ.get("PYTHONPATH"))))
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "db", "upgrade",
        env={**os.environ, "PYTHONPATH": path},
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await child.communicate()
    if child.returncode:
        raise StartupError(
            f"the database schema could not be upgraded ({_last_words(err)}): run "
            "`safetymap db upgrade` to see why"
        )


def _last_words(stderr: bytes) -> str:
    """Why a `safetymap` command failed: its one line (plain or a JSON log entry), or the
    exception a traceback ends with (not the SQL after it)."""
    lines = stderr.decode(errors="replace").strip().splitlines() or ["no message"]
    raised = [line for line in lines if _RAISED.match(line)]
    line = raised[-1] if raised else lines[-1]
    with contextlib.suppress(ValueError, TypeError, KeyError):
        line = str(json.loads(line)["message"])
    return line.removeprefix("error: ")[:300]


async def reach(engine: AsyncEngine, url: str) -> str | None:
    """The database's schema revision, or StartupError if it does not answer."""
    try:
        return await asyncio.wait_for(revisions.current(engine), CONNECT_TIMEOUT)
    except Exception as exc:
        raise _unreachable(url, exc) from None


def _unreachable(url: str, exc: BaseException) -> StartupError:
    """One line, without the password."""
    where = shown_url(url)
    if isinstance(exc, TimeoutError):
        reason = f"no answer within {CONNECT_TIMEOUT:g} s"
    else:
        cause = cause_of(exc)
        lines = str(cause).strip().splitlines()
        reason = type(cause).__name__ + (f": {lines[0][:200]}" if lines else "")
    return StartupError(
        f"cannot use the database {where} ({reason}): check SAFETYMAP_DATABASE_URL and that "
        "the database is running"
    )
