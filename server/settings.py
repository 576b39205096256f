"""Every setting, read once from SAFETYMAP_* environment variables into one frozen object.

The settings table in docs/settings.md is checked against `SETTINGS` by a test, so a setting
added here without documentation fails the build.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from server import keyfile
from server.board.jargon import Jargon, JargonError, load_jargon
from server.ratelimit import Rate, RateError
from server.translation.languages import Language, LanguageError, offered, parse_setting

N = TypeVar("N", int, float)

# name -> (default as text, one-line description). The single list of settings.
SETTINGS: dict[str, tuple[str, str]] = {
    "SAFETYMAP_DATA_DIR": (
        "./data",
        "Folder for the SQLite database and the generated secret key.",
    ),
    "SAFETYMAP_DATABASE_URL": (
        "sqlite+aiosqlite:///<data dir>/safetymap.db",
        "SQLAlchemy async URL; `postgresql+asyncpg://…` in production.",
    ),
    "SAFETYMAP_SECRET_KEY": (
        "generated into `<data dir>/secret_key` on first run",
        "Key for signing sessions; keep it secret and stable. On PostgreSQL it must be set, "
        "the same on every process, and at least 32 characters (`serve` refuses otherwise).",
    ),
    "SAFETYMAP_BASE_URL": (
        "http://127.0.0.1:8000",
        "Public address, http(s)://host[:port]; links and `ws_url` are built from it. On "
        "PostgreSQL it must be set (`serve` refuses otherwise).",
    ),
    "SAFETYMAP_HOST": ("127.0.0.1", "Address `safetymap serve` listens on (`--host` overrides)."),
    "SAFETYMAP_PORT": ("8000", "Port `safetymap serve` listens on (`--port` overrides)."),
    "SAFETYMAP_MAX_FRAME_BYTES": ("1048576", "Largest websocket frame accepted (1 MiB)."),
    "SAFETYMAP_MAX_DOCUMENT_BYTES": (
        "16777216",
        "Largest encoded size one layer of a meeting may grow to (16 MiB).",
    ),
    "SAFETYMAP_MAX_CARDS": ("5000", "Most cards (and next steps) one layer of a map may hold."),
    "SAFETYMAP_MAX_CARD_TEXT": ("2000", "Most characters one card's text may hold."),
    "SAFETYMAP_TIMEZONE": (
        "Europe/London",
        "Time zone the record (PDF, Word, Markdown) and the meeting page show times in, named "
        '("12 May 2026, 10:00 BST"): an IANA name such as `Europe/London` or `UTC`. The '
        "JSON record keeps ISO 8601 with offsets.",
    ),
    "SAFETYMAP_JARGON_FILE": (
        "(the shipped list, `server/board/jargon.txt`)",
        "A UTF-8 text file of words the board gently flags while someone types a card, each "
        "with what to say instead (the format is in the shipped file and "
        "docs/running-a-meeting.md); `serve` refuses a missing or malformed file.",
    ),
    "SAFETYMAP_MAX_PARTICIPANTS": (
        "100",
        "Most people one meeting may let in (people waiting, turned away or taken out take "
        "no place; the facilitator is never kept out).",
    ),
    "SAFETYMAP_MAX_WAITING": (
        "20",
        "Most people one link may hold in the waiting room at once (then 4503, try again); "
        "0: no limit. Turning someone away frees their place.",
    ),
    "SAFETYMAP_SEND_QUEUE_FRAMES": (
        "4096",
        "Frames queued for one client before it is closed as too slow (4508), where the "
        "server cannot write to sockets directly (another ASGI server than `safetymap serve`).",
    ),
    "SAFETYMAP_SEND_BUFFER_BYTES": (
        "8388608",
        "Bytes waiting to go to one client before it is closed as too slow (4508; 8 MiB).",
    ),
    "SAFETYMAP_PING_INTERVAL": ("20", "Seconds between websocket keepalive pings."),
    "SAFETYMAP_PING_TIMEOUT": ("20", "Seconds to wait for a pong before closing a dead socket."),
    "SAFETYMAP_HEADER_TIMEOUT": (
        "10",
        "Seconds a connection to `safetymap serve` has to send a whole request head (request "
        "line and headers) before it is closed; 0: no limit.",
    ),
    "SAFETYMAP_COMPACT_INTERVAL": (
        "60",
        "Seconds between background compactions of loaded meetings' update logs.",
    ),
    "SAFETYMAP_COMPACT_THRESHOLD": (
        "200",
        "Log rows a layer may gather before a background compaction folds them into one.",
    ),
    "SAFETYMAP_SQLITE_SYNCHRONOUS": (
        "FULL",
        "SQLite `synchronous` pragma: FULL survives power loss, NORMAL only process crashes.",
    ),
    "SAFETYMAP_LOG_LEVEL": ("INFO", "Python logging level: DEBUG, INFO, WARNING, ERROR, CRITICAL."),
    "SAFETYMAP_REDIS_URL": (
        "(none: one process)",
        "`redis://host:6379/0`: server processes share live meetings through this Redis; "
        "`redis://:PASSWORD@host:6379/0` with a password, `rediss://…?ssl_ca_certs=CA.pem` "
        "over TLS.",
    ),
    "SAFETYMAP_REDIS_RETENTION": (
        "300",
        "Seconds a relayed edit stays in Redis before it is trimmed (a process that lost "
        "Redis for longer reloads from the database instead).",
    ),
    "SAFETYMAP_SINGLE_PROCESS": (
        "0",
        "`1`: this is the only server process on its PostgreSQL database, so it needs no "
        "Redis, no shared SAFETYMAP_SECRET_KEY and no SAFETYMAP_BASE_URL. Otherwise "
        "`safetymap serve` on PostgreSQL without any of them refuses to start (the other "
        "processes would never hear of its edits, or could not open its links).",
    ),
    "SAFETYMAP_RECHECK_INTERVAL": (
        "5",
        "Seconds between checks of every live connection against the database: a revoked "
        "link, a person taken out, a lock or an ending missed through the relay counts that "
        "long at most.",
    ),
    "SAFETYMAP_LOG_FORMAT": (
        "text",
        "`text`, or `json` for one JSON object per line with `request_id` and `meeting_id`.",
    ),
    "SAFETYMAP_METRICS_TOKEN": (
        "(empty)",
        "Bearer token `GET /metrics` requires; empty: served only to this host, unproxied.",
    ),
    "SAFETYMAP_LOGIN_LIMIT": (
        "10/300",
        "Sign-in attempts allowed per account, as COUNT/SECONDS (then HTTP 429; `0/1` is off).",
    ),
    "SAFETYMAP_LOGIN_ADDRESS_LIMIT": (
        "30/300",
        "Sign-in attempts allowed per client address, as COUNT/SECONDS.",
    ),
    "SAFETYMAP_TOKEN_GUESS_LIMIT": (
        "20/60",
        "Wrong link, set-up or API tokens allowed per client address, as COUNT/SECONDS.",
    ),
    "SAFETYMAP_LINK_DAYS": (
        "30",
        "Days a family, professional or screen link works (it also stops when the meeting "
        "ends); 0: no limit. The facilitator's link lasts while the meeting does.",
    ),
    "SAFETYMAP_RETENTION_DAYS": (
        "90",
        "Days an ended meeting is kept before the server deletes it, and every trace of it "
        "(also `safetymap purge`); 0: kept until deleted by hand.",
    ),
    "SAFETYMAP_MESSAGE_LIMIT": (
        "1000/5",
        "Websocket messages (edits and presence) per connection, as COUNT/SECONDS (then 4429).",
    ),
    "SAFETYMAP_BYTE_LIMIT": (
        "16777216/60",
        "Bytes of websocket frames per connection, as BYTES/SECONDS: a burst of a whole map "
        "(16 MiB), refilled over a minute (then 4429).",
    ),
    "SAFETYMAP_JOIN_LIMIT": (
        "300/10",
        "New websocket connections per meeting and process, as COUNT/SECONDS (then 4529).",
    ),
    "SAFETYMAP_PARTICIPANT_BYTE_LIMIT": (
        "4194304/60",
        "Bytes of websocket frames per participant and process (all their connections "
        "together), as BYTES/SECONDS: past it their frames are read more slowly, never refused.",
    ),
    "SAFETYMAP_LANGUAGES": (
        "en,pl",
        "Languages people may choose for the board and their family copy, as catalogue codes "
        "(`server/locale/<code>/LC_MESSAGES/messages.po`); English is always offered.",
    ),
    "SAFETYMAP_PSEUDO_LOCALES": (
        "0",
        "`1`: also offer the pseudo-locales `en-XA` (accented, 40% longer) and `ar-XB` (right "
        "to left), for tests only; never for real meetings.",
    ),
    "SAFETYMAP_LINK_JOIN_LIMIT": (
        "30/10",
        "New websocket connections per link and process (everyone who came by that link), "
        "as COUNT/SECONDS (then 4529): what one link may cost the server in joins.",
    ),
    "SAFETYMAP_PICTURE_MAX_BYTES": (
        "10485760",
        "Largest picture a card may take, as uploaded (10 MiB), from 65536 to 67108864 "
        "(64 MiB). Every picture is re-encoded to at most 2048 pixels a side.",
    ),
}

PICTURE_BYTES_RANGE = (65536, 64 * 2**20)


LOG_FORMATS = ("text", "json")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


_DEFAULT_RATES = {
    name: Rate.parse(SETTINGS[name][0])
    for name in (
        "SAFETYMAP_LOGIN_LIMIT",
        "SAFETYMAP_LOGIN_ADDRESS_LIMIT",
        "SAFETYMAP_TOKEN_GUESS_LIMIT",
        "SAFETYMAP_MESSAGE_LIMIT",
        "SAFETYMAP_BYTE_LIMIT",
        "SAFETYMAP_JOIN_LIMIT",
        "SAFETYMAP_LINK_JOIN_LIMIT",
        "SAFETYMAP_PARTICIPANT_BYTE_LIMIT",
    )
}


class SettingsError(ValueError):
    """A setting has a value the server cannot use."""


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    database_url: str
    secret_key: str
    base_url: str
    host: str
    port: int
    max_frame_bytes: int
    max_document_bytes: int
    send_queue_frames: int
    ping_interval: float
    ping_timeout: float
    compact_interval: float
    compact_threshold: int
    sqlite_synchronous: str
    log_level: str
    redis_url: str | None = None
    redis_retention: float = 300.0
    single_process: bool = False
    recheck_interval: float = 5.0
    log_format: str = "text"
    metrics_token: str = ""
    login_limit: Rate = _DEFAULT_RATES["SAFETYMAP_LOGIN_LIMIT"]
    login_address_limit: Rate = _DEFAULT_RATES["SAFETYMAP_LOGIN_ADDRESS_LIMIT"]
    token_guess_limit: Rate = _DEFAULT_RATES["SAFETYMAP_TOKEN_GUESS_LIMIT"]
    link_days: float = 30.0
    max_cards: int = 5000
    max_card_text: int = 2000
    max_participants: int = 100
    max_waiting: int = 20
    send_buffer_bytes: int = 8 * 2**20
    retention_days: float = 90.0
    message_limit: Rate = _DEFAULT_RATES["SAFETYMAP_MESSAGE_LIMIT"]
    byte_limit: Rate = _DEFAULT_RATES["SAFETYMAP_BYTE_LIMIT"]
    join_limit: Rate = _DEFAULT_RATES["SAFETYMAP_JOIN_LIMIT"]
    link_join_limit: Rate = _DEFAULT_RATES["SAFETYMAP_LINK_JOIN_LIMIT"]
    participant_byte_limit: Rate = _DEFAULT_RATES["SAFETYMAP_PARTICIPANT_BYTE_LIMIT"]
    header_timeout: float = 10.0
    picture_max_bytes: int = 10 * 2**20
    timezone: str = SETTINGS["SAFETYMAP_TIMEZONE"][0]
    jargon: Jargon = field(default_factory=lambda: load_jargon(None))
    languages: tuple[str, ...] = ("en", "pl")
    pseudo_locales: bool = False
    base_url_set: bool = False  # False: the base URL follows the address served on
    secret_key_set: bool = False  # False: the key is this host's generated file

    @property
    def ws_url(self) -> str:
        """What a stock y-websocket provider takes as its server URL."""
        base = self.base_url.rstrip("/")
        if base.startswith("https://"):
            return "wss://" + base.removeprefix("https://") + "/ws"
        return "ws://" + base.removeprefix("http://") + "/ws"

    @property
    def link_lifetime(self) -> timedelta | None:
        return timedelta(days=self.link_days) if self.link_days else None

    @property
    def offered_languages(self) -> tuple[Language, ...]:
        return offered(self.languages, self.pseudo_locales)

    def link_url(self, token: str) -> str:
        return f"{self.base_url.rstrip('/')}/join/{token}"

    def with_address(self, host: str | None, port: int | None) -> Settings:
        changed = replace(self, host=host or self.host, port=self.port if port is None else port)
        if self.base_url_set:
            return changed
        shown = "127.0.0.1" if changed.host in ("0.0.0.0", "::") else changed.host
        return replace(changed, base_url=f"http://{shown}:{changed.port}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ

        def get(name: str) -> str | None:
            value = env.get(name)
            return value if value not in (None, "") else None

        data_dir = Path(get("SAFETYMAP_DATA_DIR") or "./data").resolve()
        database_url = get("SAFETYMAP_DATABASE_URL") or (
            f"sqlite+aiosqlite:///{data_dir / 'safetymap.db'}"
        )
        synchronous = (get("SAFETYMAP_SQLITE_SYNCHRONOUS") or "FULL").upper()
        if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise SettingsError("SAFETYMAP_SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA")
        log_format = (get("SAFETYMAP_LOG_FORMAT") or "text").lower()
        if log_format not in LOG_FORMATS:
            raise SettingsError("SAFETYMAP_LOG_FORMAT must be text or json")
        log_level = (get("SAFETYMAP_LOG_LEVEL") or "INFO").upper()
        if log_level not in LOG_LEVELS:  # logging itself fails later, with a traceback
            raise SettingsError(f"SAFETYMAP_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}")
        return cls(
            data_dir=data_dir,
            database_url=database_url,
            secret_key=get("SAFETYMAP_SECRET_KEY") or _stored_secret(data_dir),
            base_url=(get("SAFETYMAP_BASE_URL") or "http://127.0.0.1:8000").rstrip("/"),
            host=get("SAFETYMAP_HOST") or "127.0.0.1",
            port=_number(get, "SAFETYMAP_PORT", int),
            max_frame_bytes=_number(get, "SAFETYMAP_MAX_FRAME_BYTES", int),
            max_document_bytes=_number(get, "SAFETYMAP_MAX_DOCUMENT_BYTES", int),
            send_queue_frames=_number(get, "SAFETYMAP_SEND_QUEUE_FRAMES", int),
            ping_interval=_number(get, "SAFETYMAP_PING_INTERVAL", float),
            ping_timeout=_number(get, "SAFETYMAP_PING_TIMEOUT", float),
            compact_interval=_number(get, "SAFETYMAP_COMPACT_INTERVAL", float),
            compact_threshold=_number(get, "SAFETYMAP_COMPACT_THRESHOLD", int),
            sqlite_synchronous=synchronous,
            log_level=log_level,
            redis_url=get("SAFETYMAP_REDIS_URL"),
            redis_retention=_number(get, "SAFETYMAP_REDIS_RETENTION", float),
            single_process=_flag(get, "SAFETYMAP_SINGLE_PROCESS"),
            recheck_interval=_number(get, "SAFETYMAP_RECHECK_INTERVAL", float),
            log_format=log_format,
            metrics_token=get("SAFETYMAP_METRICS_TOKEN") or "",
            login_limit=_rate(get, "SAFETYMAP_LOGIN_LIMIT"),
            login_address_limit=_rate(get, "SAFETYMAP_LOGIN_ADDRESS_LIMIT"),
            token_guess_limit=_rate(get, "SAFETYMAP_TOKEN_GUESS_LIMIT"),
            link_days=_number(get, "SAFETYMAP_LINK_DAYS", float),
            max_cards=_number(get, "SAFETYMAP_MAX_CARDS", int),
            max_card_text=_number(get, "SAFETYMAP_MAX_CARD_TEXT", int),
            max_participants=_number(get, "SAFETYMAP_MAX_PARTICIPANTS", int),
            max_waiting=_number(get, "SAFETYMAP_MAX_WAITING", int),
            send_buffer_bytes=_number(get, "SAFETYMAP_SEND_BUFFER_BYTES", int),
            retention_days=_number(get, "SAFETYMAP_RETENTION_DAYS", float),
            message_limit=_rate(get, "SAFETYMAP_MESSAGE_LIMIT"),
            byte_limit=_rate(get, "SAFETYMAP_BYTE_LIMIT"),
            join_limit=_rate(get, "SAFETYMAP_JOIN_LIMIT"),
            link_join_limit=_rate(get, "SAFETYMAP_LINK_JOIN_LIMIT"),
            participant_byte_limit=_rate(get, "SAFETYMAP_PARTICIPANT_BYTE_LIMIT"),
            header_timeout=_number(get, "SAFETYMAP_HEADER_TIMEOUT", float),
            picture_max_bytes=_picture_bytes(get),
            timezone=_zone(get, "SAFETYMAP_TIMEZONE"),
            jargon=_jargon(get, "SAFETYMAP_JARGON_FILE"),
            languages=_languages(get, "SAFETYMAP_LANGUAGES"),
            pseudo_locales=_flag(get, "SAFETYMAP_PSEUDO_LOCALES"),
            base_url_set=get("SAFETYMAP_BASE_URL") is not None,
            secret_key_set=get("SAFETYMAP_SECRET_KEY") is not None,
        ).with_address(None, None)  # unset, the base URL is the address served on, in every command


def _number(get: Callable[[str], str | None], name: str, kind: type[N]) -> N:
    default = SETTINGS[name][0]
    raw = get(name) or default
    # Each refusal names the fix: a plain number, written as the default is.
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(
            f"{name} must be a plain number such as {default} (the default), not {raw!r}"
        ) from None
    if value < 0:
        raise SettingsError(f"{name} must not be negative, not {raw!r}: the default is {default}")
    return value


def _picture_bytes(get: Callable[[str], str | None]) -> int:
    value = _number(get, "SAFETYMAP_PICTURE_MAX_BYTES", int)
    low, high = PICTURE_BYTES_RANGE
    if not low <= value <= high:
        raise SettingsError(
            f"SAFETYMAP_PICTURE_MAX_BYTES must be from {low} to {high} bytes, not {value}: "
            "set it to the largest picture upload to take (10485760 is 10 MiB)"
        )
    return value


def _flag(get: Callable[[str], str | None], name: str) -> bool:
    raw = (get(name) or SETTINGS[name][0]).strip().lower()
    if raw not in ("0", "1", "false", "true", "no", "yes"):
        raise SettingsError(f"{name} must be 1 or 0, not {raw!r}")
    return raw in ("1", "true", "yes")


def _zone(get: Callable[[str], str | None], name: str) -> str:
    """An IANA time zone this machine knows (zoneinfo: the system's zone data)."""
    raw = (get(name) or SETTINGS[name][0]).strip()
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(
            f"{name}: unknown time zone {raw!r}; set an IANA name such as Europe/London or UTC "
            "(if none is known, install the system's zone data: apt-get install tzdata)"
        ) from None
    return raw


def _jargon(get: Callable[[str], str | None], name: str) -> Jargon:
    """The organisation's jargon list, or the shipped one when the setting is unset."""
    raw = get(name)
    try:
        return load_jargon(Path(raw).expanduser() if raw else None)
    except JargonError as exc:
        raise SettingsError(
            f"{name}: {exc}; fix the file (its format is in docs/running-a-meeting.md) or "
            "unset the setting to use the shipped list"
        ) from None


def _languages(get: Callable[[str], str | None], name: str) -> tuple[str, ...]:
    try:
        return parse_setting(get(name) or SETTINGS[name][0])
    except LanguageError as exc:
        raise SettingsError(f"{name}: {exc}") from None


def _rate(get: Callable[[str], str | None], name: str) -> Rate:
    try:
        return Rate.parse(get(name) or SETTINGS[name][0])
    except RateError as exc:
        raise SettingsError(f"{name}: {exc}") from None


def _stored_secret(data_dir: Path) -> str:
    """Generate the secret key on first run and keep it, so sessions survive restarts."""
    try:
        return keyfile.load_or_create(data_dir)
    except keyfile.KeyFileError as exc:
        raise SettingsError(str(exc)) from None
