"""The update log: durable appends (with the writers they bind), replay, and compaction."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, delete, func, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection

from server.board.permissions import Layer
from server.store.append import append_batch
from server.store.base import StoreBase
from server.store.records import LogEntry
from server.store.refusals import Refusals
from server.store.schema import (
    card_writers,
    updates,
    writers,
)
from server.sync import crdt

_FOLD_BYTES = 1 << 20  # compaction merges the log a MiB of rows at a time
_DELETE_CHUNK = 5_000  # ids per DELETE (SQLite and asyncpg cap a statement's parameters)


Editors = dict[Layer, dict[str, list[str]]]  # layer -> card id -> participant ids, in order


async def card_writers_of(conn: AsyncConnection, meeting_id: str) -> Editors:
    """Who the server saw writing in each card of the meeting, first first."""
    query = (
        select(card_writers.c.layer, card_writers.c.card_id, card_writers.c.participant_id)
        .where(card_writers.c.meeting_id == meeting_id)
        .order_by(card_writers.c.first_seen, card_writers.c.participant_id)
    )
    found: Editors = {layer: {} for layer in Layer}
    for r in await conn.execute(query):
        found[Layer(r.layer)].setdefault(r.card_id, []).append(r.participant_id)
    return found


def layer_log(meeting_id: str, layer: Layer) -> Select[Any]:
    """One layer's updates, in the order they must be replayed."""
    return (
        select(updates.c.data)
        .where(updates.c.meeting_id == meeting_id, updates.c.layer == layer.value)
        .order_by(updates.c.id)
    )


class LogStore(StoreBase):
    async def append(self, entries: Sequence[LogEntry]) -> Refusals:
        """Append a batch in one transaction; returns the entries it refused, and why.

        Each entry is held to the meeting's state as the batch commits (refusals.py): only
        open meetings take updates, a locked board only the facilitator's, and nobody taken
        out, turned away or on a revoked link writes, whatever the process believed. On
        PostgreSQL the check holds a share lock on the meeting rows until commit, so an update
        either lands before another process ends the meeting (and is in its snapshot) or is
        refused after: never kept but left out.
        """
        if not entries:
            return {}
        if self._sqlite:
            return await self._sqlite_writer().run(append_batch, entries)
        return await self._pg_writer().append(entries)

    async def load(self, meeting_id: str, layer: Layer) -> list[bytes]:
        async with self.engine.connect() as conn:
            return [
                bytes(row) for row in (await conn.execute(layer_log(meeting_id, layer))).scalars()
            ]

    async def writers(self, meeting_id: str, layer: Layer) -> dict[int, str]:
        """Yjs clientID -> the participant whose connection first wrote with it."""
        query = select(writers.c.client_id, writers.c.participant_id).where(
            writers.c.meeting_id == meeting_id, writers.c.layer == layer.value
        )
        async with self.engine.connect() as conn:
            return {int(r.client_id): r.participant_id for r in (await conn.execute(query))}

    async def card_writers(self, meeting_id: str) -> Editors:
        async with self.engine.connect() as conn:
            return await card_writers_of(conn, meeting_id)

    async def log_length(self, meeting_id: str, layer: Layer) -> int:
        query = select(func.count()).where(
            updates.c.meeting_id == meeting_id, updates.c.layer == layer.value
        )
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def compact(self, meeting_id: str, layer: Layer) -> int:
        """Fold the layer's log into one update, in one transaction; returns its size.

        Merges what is in the database, not what some process holds in memory. The merged
        state takes the place of the *first* row it read and the others are deleted, so rows
        appended meanwhile (by this process's journal or another process) stay after the
        state they build on: the log is replayed in id order, and yrs silently drops content
        when updates arrive before what they depend on.

        Exactly the rows it merged are deleted, by id, never a range: another process's
        journal may hold an id inside the range in a transaction that commits after the read
        (READ COMMITTED: the delete would see that row, the read did not), and a range would
        delete it unmerged, losing edits everyone saw (docs/log-safety.md).
        """
        room = (updates.c.meeting_id == meeting_id, updates.c.layer == layer.value)
        async with self.engine.begin() as conn:
            # One compaction per meeting layer at a time across processes: a transaction-level
            # advisory lock on PostgreSQL (SQLite has a single writer, and Rooms serialises per
            # room). Not a row lock, so journal inserts are never held up while the merge runs.
            if not self._sqlite:
                await conn.execute(
                    text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                    {"key": f"compact:{meeting_id}:{layer.value}"},
                )
            rows = await conn.stream(
                select(updates.c.id, updates.c.data).where(*room).order_by(updates.c.id)
            )
            # Folded a slice at a time, so memory stays near the document's own size: a log
            # read whole was held at its peak by the process (a flood of edits between two
            # compactions grew the server by 20-28 MiB in tests/integration/test_memory_bounds.py).
            folded: list[bytes] = []  # the state so far, then the rows read since
            merged: list[int] = []  # the ids of the rows folded in, in order
            held = 0
            async for row in rows:
                merged.append(row.id)
                folded.append(bytes(row.data))
                held += len(row.data)
                if held >= _FOLD_BYTES:
                    folded = [await asyncio.to_thread(crdt.merge, folded)]
                    held = 0
            if len(merged) <= 1:
                return len(folded[0]) if folded else 0
            state = await asyncio.to_thread(crdt.merge, folded)
            await conn.execute(update(updates).where(updates.c.id == merged[0]).values(data=state))
            for at in range(1, len(merged), _DELETE_CHUNK):
                chunk = merged[at : at + _DELETE_CHUNK]
                await conn.execute(delete(updates).where(updates.c.id.in_(chunk)))
        return len(state)
