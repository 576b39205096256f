"""PostgreSQL's append path: the update log's batches on one held connection, four round trips.

Through SQLAlchemy an append of one edit cost about 1.25 ms of the server's CPU: a pool
checkout with its ping, a greenlet hop and result handling for each of six statements
(bench/pg_append.py). The journal commits one batch at a time anyway, so this writer holds one
connection of the engine's pool and speaks asyncpg on it directly (the driver connection
SQLAlchemy hands out): BEGIN; one query that reads the meeting rows (locked FOR SHARE until the
commit, as before) and which authors are barred; one statement that inserts the updates, the
writers, the card writers and the audit rows, each from arrays (`unnest`), whatever the batch
size; COMMIT. What is refused is decided by the same `judge` as on SQLite (refusals.py).

The statements name the tables of schema/__init__.py; the storage contract tests run them.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.board.permissions import Admission, Status
from server.store.append import card_writer_rows_of, trail_rows_of
from server.store.clock import now
from server.store.records import LogEntry
from server.store.refusals import Refusals, authors, judge, meetings

# The meetings of the batch that are open (held FOR SHARE: ending one waits for this commit),
# and which of its authors may no longer write: not let in, or on a revoked link.
_CHECK = """
WITH open AS (
    SELECT id, locked FROM meetings
    WHERE id = ANY($1::varchar[]) AND status = $2
    FOR SHARE
)
SELECT 'meeting' AS kind, id, locked FROM open
UNION ALL
SELECT 'barred', p.id, NULL FROM participants p JOIN links l ON l.id = p.link_id
WHERE p.id = ANY($3::varchar[]) AND (p.admission <> $4 OR l.revoked_at IS NOT NULL)
"""

# Everything a batch writes, in one statement. The updates keep the batch's order (the log is
# replayed in id order): the rows are numbered and inserted in that order.
_WRITE = """
WITH logged AS (
    INSERT INTO updates (meeting_id, layer, data)
    SELECT m, l, d FROM unnest($1::varchar[], $2::varchar[], $3::bytea[])
        WITH ORDINALITY AS u(m, l, d, n)
    ORDER BY n
), bound AS (
    INSERT INTO writers (meeting_id, layer, client_id, participant_id, first_seen)
    SELECT m, l, c, p, $4::timestamptz
    FROM unnest($5::varchar[], $6::varchar[], $7::bigint[], $8::varchar[]) AS w(m, l, c, p)
    ON CONFLICT DO NOTHING
), edited AS (
    INSERT INTO card_writers (meeting_id, layer, card_id, participant_id, first_seen)
    SELECT m, l, c, p, $4::timestamptz
    FROM unnest($9::varchar[], $10::varchar[], $11::varchar[], $12::varchar[]) AS e(m, l, c, p)
    ON CONFLICT DO NOTHING
), trail AS (
    INSERT INTO audit (meeting_id, at, actor_kind, actor_id, actor_label, action, details)
    SELECT m, $4::timestamptz, 'participant', a, r, act, d::json
    FROM unnest($13::varchar[], $14::varchar[], $15::varchar[], $16::varchar[], $17::text[])
        WITH ORDINALITY AS t(m, a, r, act, d, n)
    ORDER BY n
)
SELECT 1
"""


def _columns(rows: Sequence[dict[str, Any]], *keys: str) -> list[list[Any]]:
    """Rows as one list per column: the arrays `unnest` takes."""
    return [[row[key] for row in rows] for key in keys]


def write_arguments(kept: Sequence[LogEntry]) -> list[Any]:
    """The parameters of `_WRITE` for the entries kept (pure: what goes where)."""
    at = now()
    updates = [[e.meeting_id for e in kept], [e.layer.value for e in kept], [e.data for e in kept]]
    bound = [
        (e.meeting_id, e.layer.value, client, participant)
        for e in kept
        for client, participant in e.writers
    ]
    edited = _columns(
        card_writer_rows_of(kept, at), "meeting_id", "layer", "card_id", "participant_id"
    )
    trail = trail_rows_of(kept, at)
    return [
        *updates,
        at,
        *([list(column) for column in zip(*bound, strict=True)] if bound else [[], [], [], []]),
        *edited,
        *_columns(trail, "meeting_id", "actor_id", "actor_label", "action"),
        [json.dumps(row["details"]) for row in trail],
    ]


_SLICE_BYTES = 32 << 20  # update bytes per statement: PostgreSQL refuses a value over 1 GiB
_IDLE = 30.0  # seconds unused before the held connection goes back for a pinged one


def slices(kept: Sequence[LogEntry]) -> list[Sequence[LogEntry]]:
    """`kept` in order, cut so that no statement carries more than `_SLICE_BYTES` of updates
    (a batch may hold 2,000 frames of up to a MiB each, after a stall of the database)."""
    found: list[Sequence[LogEntry]] = []
    start = size = 0
    for i, entry in enumerate(kept):
        if size and size + len(entry.data) > _SLICE_BYTES:
            found.append(kept[start:i])
            start, size = i, 0
        size += len(entry.data)
    if start < len(kept):
        found.append(kept[start:])
    return found


class PgWriter:
    """The journal's appends on PostgreSQL: one connection of the engine's pool, held, and
    used by one append at a time (the journal's, and the few made directly: a server change
    to a meeting not loaded here, a review's start, an append after the journal stopped)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._held: AsyncConnection | None = None
        self._driver: Any = None  # the asyncpg connection under it
        self._used = 0.0  # when the held connection was last used (the loop's clock)
        self._lock = asyncio.Lock()
        self._closed = False

    async def _connection(self) -> Any:
        now_ = asyncio.get_running_loop().time()
        if self._held is not None and now_ - self._used > _IDLE:
            # Idle a while: a restart or an idle timeout may have ended it. Checked out again,
            # the pool pings it first (pool_pre_ping), as every other connection is.
            await self._release()
        if self._held is None:
            held = await self._engine.connect()
            try:
                raw = await held.get_raw_connection()
                self._driver = raw.driver_connection
            except BaseException:
                await held.close()
                raise
            self._held = held
        self._used = now_
        return self._driver

    async def append(self, entries: Sequence[LogEntry]) -> Refusals:
        """Append a batch in one transaction; returns the entries refused, and why."""
        async with self._lock:
            if self._closed:  # after close: a connection for this batch alone
                async with self._engine.connect() as held:
                    raw = await held.get_raw_connection()
                    return await _append(raw.driver_connection, entries)
            conn = await self._connection()
            try:
                return await _append(conn, entries)
            except BaseException:
                # The connection may be broken (the database restarted): the journal retries
                # on a fresh one.
                await self._release(invalidate=True)
                raise

    async def _release(self, invalidate: bool = False) -> None:
        held, self._held, self._driver = self._held, None, None
        if held is not None:
            try:
                if invalidate:
                    await held.invalidate()
            finally:
                await held.close()

    async def close(self) -> None:
        async with self._lock:  # after the append in flight, if any
            self._closed = True
            await self._release()


async def _append(conn: Any, entries: Sequence[LogEntry]) -> Refusals:
    async with conn.transaction():
        rows = await conn.fetch(
            _CHECK, meetings(entries), Status.OPEN.value, authors(entries), Admission.ADMITTED.value
        )
        open_locked = {r["id"]: bool(r["locked"]) for r in rows if r["kind"] == "meeting"}
        barred = {r["id"] for r in rows if r["kind"] == "barred"}
        refused = judge(entries, open_locked, barred)
        kept = [e for i, e in enumerate(entries) if i not in refused]
        for part in slices(kept):  # in order: the log's ids follow the batch's order
            await conn.execute(_WRITE, *write_arguments(part))
    return refused
