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
        self,
        rows: list[tuple[str, str, bytes]],
        bound: list[tuple[str, str, int, str, str]],
        meeting_ids: list[str],
    ) -> set[str]:
        conn = self._conn = self._conn or self._connect()
        marks = ",".join("?" * len(meeting_ids))
        conn.execute("BEGIN IMMEDIATE")
        try:
            open_ids = {
                row[0]
                for row in conn.execute(
                    f"SELECT id FROM meetings WHERE status = 'open' AND id IN ({marks})",
                    meeting_ids,
                )
            }
            conn.executemany(
                "INSERT INTO updates (meeting_id, layer, data) VALUES (?, ?, ?)",
                [row for row in rows if row[0] in open_ids],
            )
            if bound:
                conn.executemany(
                    "INSERT OR IGNORE INTO writers"
                    " (meeting_id, layer, client_id, participant_id, first_seen)"
                    " VALUES (?, ?, ?, ?, ?)",
                    [row for row in bound if row[0] in open_ids],
                )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return set(meeting_ids) - open_ids

    async def append(
        self,
        rows: Sequence[tuple[str, str, bytes]],
        bound: Sequence[tuple[str, str, int, str, str]] = (),
    ) -> set[str]:
        """Append (meeting id, layer, update) rows, and bind (meeting id, layer, clientID,
        participant id, time) writers, in one transaction; returns the meetings refused."""
        meeting_ids = sorted({row[0] for row in rows})
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, self._append, list(rows), list(bound), meeting_ids
        )

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)
