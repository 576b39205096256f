"""SQLite's single writer: the update log's appends, and the audit rows of joins and leaves,
on one connection and one thread, one hop per commit.

Through SQLAlchemy and aiosqlite a batch costs a thread hand-off for every statement (begin,
the status check, the insert, the commit) plus statement compilation; under load that, not
SQLite, was most of the append path (bench/speed/PROFILE.md). This writer does the whole batch
in one call on its own thread (datasette's single-writer idea): commits are serialised anyway.
The audit writer's batches of joins and leaves come here too, so that they never hold the
write lock across turns of the event loop while an append waits for it. Everything else
keeps using the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from itertools import groupby
from typing import Any

from server.store.clock import now
from server.store.records import LogEntry
from server.store.refusals import Refusals, judge
from server.store.trail import (
    SQLITE_INSERT,
    SQLITE_INSERT_IF_MEETING,
    card_writers,
    rows,
    sqlite_rows,
    stored_time,
)

# SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25... ms between tries for a lock:
# another writer's commit that held it for 2 ms (the audit rows of a reconnect storm) kept
# an edit waiting 55 ms (bench/hostile.py). This thread waits for the lock itself instead.
_LOCK_POLL = 0.0005  # seconds between tries
_LOCK_WAIT = 30.0  # then the append fails, as with the connection's timeout before


class SqliteWriter:
    def __init__(self, path: str, synchronous: str = "FULL") -> None:
        self._path = path
        self._synchronous = synchronous
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._conn: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we say BEGIN IMMEDIATE ourselves, so the write lock is taken
        # before the status check and the check holds until the commit.
        conn = sqlite3.connect(self._path, timeout=30, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self._synchronous}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("PRAGMA busy_timeout=0")  # see _begin
        return conn

    @staticmethod
    def _begin(conn: sqlite3.Connection) -> None:
        """BEGIN IMMEDIATE, trying again every half millisecond while another writer holds the
        lock (in WAL mode, once it is ours nothing else in the transaction waits for one)."""
        deadline = time.monotonic() + _LOCK_WAIT
        while True:
            try:
                conn.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                busy = exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() > deadline:
                    raise
            time.sleep(_LOCK_POLL)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction on this thread's connection: committed, or rolled back."""
        conn = self._conn = self._conn or self._connect()
        self._begin(conn)
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _append(
        self, entries: Sequence[LogEntry], meeting_ids: list[str], people: list[str]
    ) -> Refusals:
        with self._transaction() as conn:
            marks = ",".join("?" * len(meeting_ids))
            open_locked = {
                row[0]: bool(row[1])
                for row in conn.execute(
                    f"SELECT id, locked FROM meetings WHERE status = 'open' AND id IN ({marks})",
                    meeting_ids,
                )
            }
            barred: set[str] = set()
            if people:
                marks = ",".join("?" * len(people))
                barred = {
                    row[0]
                    for row in conn.execute(
                        "SELECT p.id FROM participants p JOIN links l ON l.id = p.link_id"
                        f" WHERE p.id IN ({marks})"
                        " AND (p.admission != 'admitted' OR l.revoked_at IS NOT NULL)",
                        people,
                    )
                }
            refused = judge(entries, open_locked, barred)
            kept = [e for i, e in enumerate(entries) if i not in refused]
            conn.executemany(
                "INSERT INTO updates (meeting_id, layer, data) VALUES (?, ?, ?)",
                [(e.meeting_id, e.layer.value, e.data) for e in kept],
            )
            bound = [
                (e.meeting_id, e.layer.value, client, participant, self._seen())
                for e in kept
                for client, participant in e.writers
            ]
            if bound:
                conn.executemany(
                    "INSERT OR IGNORE INTO writers"
                    " (meeting_id, layer, client_id, participant_id, first_seen)"
                    " VALUES (?, ?, ?, ?, ?)",
                    bound,
                )
            at = self._seen()
            if wrote := card_writers(kept, at):
                conn.executemany(
                    "INSERT OR IGNORE INTO card_writers"
                    " (meeting_id, layer, card_id, participant_id, first_seen)"
                    " VALUES (:meeting_id, :layer, :card_id, :participant_id, :first_seen)",
                    wrote,
                )
            if trail := rows(kept, now()):
                conn.executemany(SQLITE_INSERT, sqlite_rows(trail, at))
        return refused

    @staticmethod
    def _seen() -> str:
        return stored_time(now())

    def _record(self, found: Sequence[tuple[dict[str, Any], bool]]) -> None:
        with self._transaction() as conn:
            for guarded, run in groupby(found, key=lambda row: row[1]):
                sql = SQLITE_INSERT_IF_MEETING if guarded else SQLITE_INSERT
                conn.executemany(sql, sqlite_rows([row for row, _ in run]))

    async def record(self, found: Sequence[tuple[dict[str, Any], bool]]) -> None:
        """Audit rows (`audit.values_of`: columns, and whether kept only while the meeting
        exists), in order, in one transaction on this thread. Through the engine, a batch of
        joins and leaves held the write lock across turns of a busy event loop while the
        journal's next append waited for it."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._record, list(found))

    async def append(
        self, entries: Sequence[LogEntry], meeting_ids: list[str], people: list[str]
    ) -> Refusals:
        """Append the entries, and bind the writers they bring, in one transaction, each held
        to its meeting's state (see store/refusals.py); returns the entries refused."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, self._append, list(entries), meeting_ids, people
        )

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)
