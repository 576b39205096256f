"""The database schema (SQLAlchemy Core tables) and engine set-up for SQLite and PostgreSQL.

Alembic migrations in `server/store/schema/migrations` create and upgrade these tables; a test
checks that the migrated schema matches this metadata.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

metadata = MetaData()

# BIGINT on PostgreSQL, but INTEGER on SQLite so that it is the rowid and autoincrements.
_BigId = BigInteger().with_variant(Integer(), "sqlite")

facilitators = Table(
    "facilitators",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),  # stored lower-cased
    Column("name", String(100), nullable=False),
    Column("password_hash", String(200), nullable=False),  # argon2id
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled_at", DateTime(timezone=True)),  # set: cannot sign in, no session or token
)

# Browser sessions and API tokens of facilitators, and the one-time set-up link: only the
# SHA-256 of each secret is kept.
credentials = Table(
    "credentials",
    metadata,
    Column("hash", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # session | api | setup
    Column("facilitator_id", String(36), ForeignKey("facilitators.id", ondelete="CASCADE")),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True)),
)

meetings = Table(
    "meetings",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("owner_id", String(36), ForeignKey("facilitators.id", ondelete="SET NULL")),
    # The meeting this one reviews: the chain along which scales are compared.
    Column("previous_id", String(36), ForeignKey("meetings.id", ondelete="SET NULL")),
    Column("title", String(200), nullable=False),
    Column("label_set", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("locked", Boolean, nullable=False, server_default=false()),
    # New family and professional participants wait until the facilitator admits them.
    Column("waiting_room", Boolean, nullable=False, server_default=false()),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True)),
)

links = Table(
    "links",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("meeting_id", String(36), ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    # SHA-256 of the token: a database leak gives no usable link.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("salt", String(64)),  # the token is HMAC(secret key, salt): see links.py
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Index("ix_links_meeting", "meeting_id", "role"),
)

participants = Table(
    "participants",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("meeting_id", String(36), ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
    Column("link_id", _BigId, ForeignKey("links.id", ondelete="CASCADE"), nullable=False),
    Column("role", String(16), nullable=False),
    Column("name", String(100), nullable=False),
    Column("relationship", String(100), nullable=False, server_default=""),
    # The service a professional said they are from ("Police", or what they typed for
    # "Other"): typed, so it proves nothing; empty for everyone else (migration 0012).
    Column("agency", String(100), nullable=False, server_default=""),
    Column("admission", String(16), nullable=False, server_default="admitted"),  # see Admission
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The language they chose for the board's words and their copy of the record: a
    # catalogue code of SAFETYMAP_LANGUAGES ("en", "pl"; migration 0015).
    Column("language", String(16), nullable=False, server_default="en"),
    # SHA-256 of the participant's key, the secret their browser (a cookie) or stock client
    # (`key=`) comes back with: who a participant is, never their name (two people may share
    # one). Unique per link; NULL only for people who joined before keys (migration 0008).
    Column("key_hash", String(64)),
    UniqueConstraint("link_id", "key_hash", name="uq_participant_key"),
    Index("ix_participants_meeting", "meeting_id"),
)

# The update log: every accepted update, appended before it is relayed. Compaction replaces a
# layer's rows with one merged row in a single transaction.
updates = Table(
    "updates",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("meeting_id", String(36), ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
    Column("layer", String(16), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Index("ix_updates_room", "meeting_id", "layer", "id"),
)

# Which participant's connection brought each Yjs client (a clientID) into a layer: the first
# to write with a clientID owns it, and the record attributes cards by it (structs.creators).
writers = Table(
    "writers",
    metadata,
    Column(
        "meeting_id", String(36), ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("layer", String(16), primary_key=True),
    Column("client_id", BigInteger, primary_key=True, autoincrement=False),
    Column("participant_id", String(36), nullable=False),
    Column("first_seen", DateTime(timezone=True), nullable=False),
)

# Who the server saw writing in each card: one row per card and participant, added in the
# same commit as the update that wrote it (the record's "edited by").
card_writers = Table(
    "card_writers",
    metadata,
    Column(
        "meeting_id", String(36), ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("layer", String(16), primary_key=True),
    Column("card_id", String(100), primary_key=True),
    Column("participant_id", String(36), primary_key=True),
    Column("first_seen", DateTime(timezone=True), nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column(
        "meeting_id", String(36), ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("n", Integer, primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("ended_by", String(36)),
    Column("state_main", LargeBinary, nullable=False),
    Column("state_professional", LargeBinary, nullable=False),
    Column("rendered", Text, nullable=False),  # render_meeting JSON, both layers
    Column("roster", Text, nullable=False),  # JSON list, frozen at the end
)

# What each person said when the plan was read back, as the facilitator recorded it before
# the meeting ended (migration 0013): one row per participant, changed until the end, then
# frozen into the snapshot. Deleted with the meeting (and with the participant).
agreements = Table(
    "agreements",
    metadata,
    Column(
        "meeting_id", String(36), ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True
    ),
    Column(
        "participant_id",
        String(36),
        ForeignKey("participants.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("agreed", Boolean, nullable=False),
    Column("words", String(500), nullable=False, server_default=""),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

# Pictures on cards (migration 0014): the re-encoded bytes, never the description (the
# document holds it, with the id). Deleted with the meeting.
pictures = Table(
    "pictures",
    metadata,
    Column("id", String(40), primary_key=True),  # random and signed: picture_ids.py
    Column("meeting_id", String(36), ForeignKey("meetings.id", ondelete="CASCADE"), nullable=False),
    Column("layer", String(16), nullable=False),
    Column("content_type", String(32), nullable=False),
    Column("width", Integer, nullable=False),
    Column("height", Integer, nullable=False),
    Column("size", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("thumbnail", LargeBinary, nullable=True),  # at most 480 px a side, for the cards
    Column("uploaded_by", String(36), nullable=False),  # participant id
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_pictures_meeting", "meeting_id", "layer"),
)

# The audit trail: append-only (nothing updates or deletes a row). meeting_id is deliberately
# not a foreign key, so the trail outlives the meeting it records, deletion included. Neither
# the actor's label nor the details ever hold card text or names: see audit.py.
audit = Table(
    "audit",
    metadata,
    Column("id", _BigId, primary_key=True, autoincrement=True),
    Column("meeting_id", String(36), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor_kind", String(16), nullable=False),  # facilitator|participant|link|cli|system
    Column("actor_id", String(100)),  # facilitator or participant id; the OS user for the CLI
    Column("actor_label", String(32), nullable=False),  # a role, "facilitator" or "cli"
    Column("action", String(32), nullable=False),
    Column("details", JSON, nullable=False),
    Index("ix_audit_meeting", "meeting_id", "id"),
)


# This deployment's identity (deployment.py): one row (id 1), made once, carried in every
# message relayed through Redis so that a process ignores those of another deployment.
deployment = Table(
    "deployment",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("identity", String(36), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # A check value of the secret key links are made with (deployment.py); None until the
    # first process starts.
    Column("key_check", String(32), nullable=True),
)


def driver_of(url: str) -> str:
    """The URL's driver ("postgresql+asyncpg"), or "" if it cannot be read as a database URL."""
    try:
        return make_url(url).drivername
    except ArgumentError:
        return ""


def shown_url(url: str) -> str:
    """The URL as a log line or an error may show it: without the password."""
    return make_url(url).render_as_string(hide_password=True)


def cause_of(exc: BaseException) -> BaseException:
    """The driver's own error inside SQLAlchemy's wrapper, which says more in one line."""
    return exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, *, sqlite_synchronous: str = "FULL") -> AsyncEngine:
    if not is_sqlite(url):
        return create_async_engine(url, pool_pre_ping=True)
    engine = create_async_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine.sync_engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        # WAL: readers never block the writer; foreign keys make deletion cascade for real;
        # secure_delete overwrites deleted content instead of leaving it in free pages.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={sqlite_synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA secure_delete=ON")
        cursor.close()

    return engine
