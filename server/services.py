"""What the running server owns, created by the lifespan and handed to every endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from server import metrics
from server.board.limits import Limits
from server.live import deletion
from server.live.audit_writer import AuditWriter
from server.live.journal import Journal
from server.live.rooms import Rooms
from server.ratelimit import (
    LOGIN,
    LOGIN_ADDRESS,
    TOKEN_GUESS,
    HttpLimits,
    Limiter,
    LocalLimits,
    Rate,
)
from server.record.review_marks import ReviewMarks
from server.settings import Settings
from server.store import Store, deployment
from server.store.accounts import Accounts
from server.store.schema import create_engine, is_sqlite
from server.store.schema.migrate import upgrade

if TYPE_CHECKING:
    from server.live.relay import Relay

log = logging.getLogger(__name__)

_RETENTION_INTERVAL = 3600.0


KEPT_PDF_RATE = Rate(5, 300)  # 5 downloads, then one a minute
KEPT_PAGE_RATE = Rate(30, 60)  # views of a kept plan's page, per participant
KEPT_PDF_AT_ONCE = 1  # kept plans' PDFs rendered at once, per process (the rest queue)
# Pictures (web/pictures.py): per participant, 12 uploads at once, then one every 5 seconds;
# each is re-encoded in a thread, at most two at once per process, and at most eight are
# read or waiting at once (each holds its body, up to SAFETYMAP_PICTURE_MAX_BYTES, in memory),
# at most three of them by one link: a link's holder who sends bodies that never finish (its
# people are as many as the keys it joins with) leaves the rest to everyone else.
PICTURE_RATE = Rate(12, 60)
PICTURES_ENCODED_AT_ONCE = 2
PICTURE_UPLOADS_AT_ONCE = 8
PICTURE_UPLOADS_PER_LINK = 3


@dataclass
class Services:
    settings: Settings
    store: Store
    journal: Journal
    rooms: Rooms
    accounts: Accounts
    audit_writer: AuditWriter  # joins and leaves, many to a commit
    relay: Relay | None = None
    joins: Limiter = field(default_factory=lambda: Limiter(Rate.parse("0/1")))  # per meeting
    link_joins: Limiter = field(default_factory=lambda: Limiter(Rate.parse("0/1")))
    participant_bytes: Limiter = field(default_factory=lambda: Limiter(Rate.parse("0/1")))
    # A kept plan's PDF is rendered afresh (about a second of CPU): per participant, at most
    # this often, so that nobody holding a link can keep a process rendering.
    kept_pdfs: Limiter = field(default_factory=lambda: Limiter(KEPT_PDF_RATE))
    kept_pages: Limiter = field(default_factory=lambda: Limiter(KEPT_PAGE_RATE))
    # ...and one at a time: a large map's render takes minutes on the default executor's
    # threads, which room loads and snapshots share. A participant whose download is still
    # rendering is refused another; everyone's renders queue for this.
    kept_rendering: set[str] = field(default_factory=set)  # participant ids
    kept_renders: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(KEPT_PDF_AT_ONCE)
    )
    # A review's board: last meeting's marks, read from its record once (record/review_marks.py).
    review_marks: ReviewMarks = field(default_factory=ReviewMarks)
    pictures: Limiter = field(default_factory=lambda: Limiter(PICTURE_RATE))  # per participant
    picture_encoding: asyncio.Semaphore = field(
        default_factory=lambda: asyncio.Semaphore(PICTURES_ENCODED_AT_ONCE)
    )
    # Uploads under way in this process: (link id, a ticket of its own) each.
    picture_uploads: set[tuple[int, object]] = field(default_factory=set)
    # Sign-ins and wrong tokens: shared by every process through Redis when there is one.
    http_limits: HttpLimits = field(default_factory=lambda: LocalLimits({}))
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    @classmethod
    async def start(cls, settings: Settings, *, migrate: bool | None = None) -> Services:
        if is_sqlite(settings.database_url):
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            settings.database_url, sqlite_synchronous=settings.sqlite_synchronous
        )
        if migrate if migrate is not None else is_sqlite(settings.database_url):
            await upgrade(engine)
            async with engine.begin() as conn:  # a new database: its links' key from now on
                await deployment.record(conn, settings.secret_key)
        store = Store(
            engine,
            settings.secret_key,
            link_lifetime=settings.link_lifetime,
            max_participants=settings.max_participants,
            max_waiting=settings.max_waiting,
            sqlite_synchronous=settings.sqlite_synchronous,
        )
        # Read before anything runs: every relayed message carries it (deployment.py).
        identity = await store.deployment_identity() if settings.redis_url else ""
        journal = Journal(store.append)
        journal.start()
        # On SQLite, joins and leaves are written by the update log's own writer thread.
        audit_writer = AuditWriter(store.write_audit)
        audit_writer.start()
        relay = None
        if settings.redis_url:
            # Only here: redis-py is about 6 MiB of an idle process (idle_memory.py).
            from server.live.relay import Relay

            relay = Relay(
                settings.redis_url, deployment=identity, retention=settings.redis_retention
            )
            relay.on_lag = metrics.RELAY_LAG.observe
            metrics.watch_relay(relay)
        rooms = Rooms(
            store,
            journal,
            max_document_bytes=settings.max_document_bytes,
            compact_threshold=settings.compact_threshold,
            relay=relay,
            limits=Limits(settings.max_cards, settings.max_card_text),
            picture_key=settings.secret_key,
        )
        journal.on_health = rooms.saving
        if relay is not None:
            await relay.start(rooms.deliver, rooms.resync)
        services = cls(
            settings,
            store,
            journal,
            rooms,
            Accounts(engine),
            audit_writer,
            relay,
            Limiter(settings.join_limit),
            Limiter(settings.link_join_limit),
            Limiter(settings.participant_byte_limit),
            http_limits=http_limits(settings),
        )
        services._tasks.append(asyncio.create_task(services._maintain(), name="maintain"))
        services._tasks.append(asyncio.create_task(services._retain(), name="retention"))
        services._tasks.append(asyncio.create_task(services._recheck(), name="recheck"))
        return services

    async def _maintain(self) -> None:
        while True:
            await asyncio.sleep(self.settings.compact_interval)
            await self.rooms.maintain()

    async def _recheck(self) -> None:
        """Every live connection against the database, every few seconds (see Rooms.recheck),
        and the last meeting's marks kept for reviews (ReviewMarks.recheck)."""
        while True:
            await asyncio.sleep(self.settings.recheck_interval)
            try:
                await self.rooms.recheck()
                await self.review_marks.recheck(self.store)
            except Exception as exc:
                log.error("recheck failed (%s)", type(exc).__name__)

    async def _retain(self) -> None:
        """Delete meetings past their retention period: at start, then every hour."""
        while True:
            try:
                await deletion.purge(self.store, self.rooms, self.settings.retention_days)
            except Exception as exc:
                log.error("retention pass failed (%s)", type(exc).__name__)
            await asyncio.sleep(_RETENTION_INTERVAL)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.journal.flush()
        await self.rooms.save_all()
        await self.journal.stop()
        if self.relay is not None:
            await self.relay.stop()
        await self.audit_writer.stop()
        await self.http_limits.close()
        await self.store.close()


def http_limits(settings: Settings) -> HttpLimits:
    """The sign-in and wrong-token limits of a server: shared through Redis when there is
    one (shared_limits.py, imported only then), else in this process's memory."""
    rates = {
        LOGIN: settings.login_limit,
        LOGIN_ADDRESS: settings.login_address_limit,
        TOKEN_GUESS: settings.token_guess_limit,
    }
    if settings.redis_url:
        from server.live.shared_limits import SharedLimits

        return SharedLimits(settings.redis_url, settings.secret_key, rates)
    return LocalLimits(rates)
