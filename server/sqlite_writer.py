"""The update log's appends on SQLite: one connection, one thread, one hop per commit.

Through SQLAlchemy and aiosqlite a batch costs a thread hand-off for every statement (begin,
the status check, the insert, the commit) plus statement compilation; under load that, not
SQLite, was most of the append path (bench/speed/PROFILE.md). This writer does the whole batch
in one call on its own thread (datasette's single-writer idea): the journal is the only caller
and commits are serialised anyway. Everything else keeps using the engine.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from .store.clock import now
from .store.records import LogEntry
from .store.refusals import Refusals, judge
from .store.trail import SQLITE_INSERT, card_writers, rows, sqlite_rows


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
        return conn

    def _append(
        self, entries: Sequence[LogEntry], meeting_ids: list[str], people: list[str]
    ) -> Refusals:
        conn = self._conn = self._conn or self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
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
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return refused

    @staticmethod
    def _seen() -> str:
        return now().strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores it on SQLite

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
