"""SQLite's single writer: the update log's appends, and the audit rows of joins and leaves,
on one connection and one thread, one hop per commit.

Through aiosqlite a batch costs a thread hand-off for every statement (begin, the status
check, the insert, the commit); under load that, not SQLite, was most of the append path
(bench/speed/PROFILE.md). This writer runs the whole batch in one call on its own thread
(datasette's single-writer idea: commits are serialised anyway): the log's appends on the
sqlite3 connection itself (store/append.py), the audit rows through SQLAlchemy over it.
The audit writer's batches of joins and leaves come here too, so that they never hold the
write lock across turns of the event loop while an append waits for it. Everything else
keeps using the engine.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import Connection, create_engine
from sqlalchemy.pool import StaticPool

# SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25... ms between tries for a lock:
# another writer's commit that held it for 2 ms (the audit rows of a reconnect storm) kept
# an edit waiting 55 ms (bench/hostile.py). This thread waits for the lock itself instead.
R = TypeVar("R")

_LOCK_POLL = 0.0005  # seconds between tries
_LOCK_WAIT = 30.0  # then the append fails, as with the connection's timeout before


class SqliteWriter:
    def __init__(self, path: str, synchronous: str = "FULL") -> None:
        self._path = path
        self._synchronous = synchronous
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._conn: sqlite3.Connection | None = None
        self._sa: Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: we say BEGIN IMMEDIATE ourselves, so the write lock is taken
        # before the status check and the check holds until the commit.
        # check_same_thread=False: only this writer's thread uses it, but the engine below may
        # be finalised on another one if the writer is dropped without `close`.
        conn = sqlite3.connect(
            self._path, timeout=30, isolation_level=None, check_same_thread=False
        )
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

    def _core(self) -> Connection:
        """SQLAlchemy over this thread's sqlite3 connection, so that the audit rows' statements
        are the engine's own (audit.write_rows); the log's appends take the sqlite3 connection
        from it (store/append.py). AUTOCOMMIT: SQLAlchemy begins and commits nothing itself;
        `_transaction` does, with the lock wait above."""
        if self._sa is None:
            raw = self._conn = self._connect()
            engine = create_engine(
                "sqlite://",
                creator=lambda: raw,
                poolclass=StaticPool,
                isolation_level="AUTOCOMMIT",
                pool_reset_on_return=None,  # nothing to roll back: `_transaction` ends each one
            )
            self._sa = engine.connect()
        return self._sa

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """One write transaction on this thread's connection: committed, or rolled back."""
        core = self._core()
        assert self._conn is not None
        self._begin(self._conn)
        try:
            yield core
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise

    def _run(self, write: Callable[[Connection, Sequence[Any]], R], items: Sequence[Any]) -> R:
        with self._transaction() as conn:
            return write(conn, items)

    async def run(self, write: Callable[[Connection, Sequence[Any]], R], items: Sequence[Any]) -> R:
        """`write(connection, items)` in one transaction on this thread: the log's appends
        (store/append.py) and the audit rows of joins and leaves (audit.write_rows). Through
        the engine, a batch of joins and leaves held the write lock across turns of a busy
        event loop while the journal's next append waited for it."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._run, write, list(items))

    def _close(self) -> None:
        if self._sa is not None:
            self._sa.close()
            self._sa.engine.dispose()
            self._sa = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._close)
        self._executor.shutdown(wait=True)
