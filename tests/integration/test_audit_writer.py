"""Joins and leaves share audit commits: every row once, in order, durable before its caller
goes on, flushed at shutdown; a bad row fails only its own caller. On both databases."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from server.live.audit_writer import AuditWriter
from server.store import Store, audit
from server.store.schema import create_engine
from server.store.schema.migrate import upgrade
from tests.conftest import RunningServer, running_server
from tests.databases import BACKENDS, database_url
from tests.waiting import eventually

KEY = "a test key of no meeting, thirty-two characters"

PEOPLE = 12


@contextlib.asynccontextmanager
async def migrated(backend: str, tmp_path: Path) -> AsyncIterator[tuple[str, AsyncEngine]]:
    """A fresh database at the current schema: its URL, and an engine on it."""
    async with database_url(backend, tmp_path) as url:
        engine = create_engine(url)
        try:
            await upgrade(engine)
            yield url, engine
        finally:
            await engine.dispose()


@contextlib.asynccontextmanager
async def served(backend: str, tmp_path: Path) -> AsyncIterator[tuple[RunningServer, AsyncEngine]]:
    """A real server on a fresh database, and an engine of the test's own on that database."""
    async with (
        migrated(backend, tmp_path) as (url, engine),
        running_server(tmp_path, SAFETYMAP_DATABASE_URL=url) as server,
    ):
        yield server, engine


@contextlib.asynccontextmanager
async def started_writer(engine: AsyncEngine) -> AsyncIterator[AuditWriter]:
    """An audit writer on the store's own commit path, stopped and closed afterwards."""
    store = Store(engine, KEY)
    writer = AuditWriter(store.write_audit)
    writer.start()
    try:
        yield writer
    finally:
        await writer.stop()
        await store.close()  # SQLite's writer thread too (the engine reconnects if used again)


def joined(meeting_id: str, n: int) -> audit.Event:
    return audit.event(meeting_id, audit.participant(f"p{n}", "family"), audit.JOIN, layer="main")


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_crowd_joining_and_leaving_is_recorded_once_each_in_order(
    backend: str, tmp_path: Path
) -> None:
    async with served(backend, tmp_path) as (server, engine):
        meeting = await server.meeting()
        clients = await asyncio.gather(
            *(server.client(meeting, name=f"Person {n}") for n in range(PEOPLE))
        )
        for client in clients:
            await asyncio.wait_for(client.synced.wait(), 10)  # its JOIN is committed by now
        await asyncio.gather(*(client.disconnect() for client in clients))

        async def trail() -> list[audit.Entry]:
            return await audit.for_meeting(engine, meeting["id"])

        async def everyone_left() -> bool:
            return sum(e.event.action == audit.LEAVE for e in await trail()) >= PEOPLE

        await eventually(everyone_left, timeout=10)
        entries = await trail()
    actions = [(e.event.actor.id, e.event.action) for e in entries]
    assert Counter(action for _, action in actions) == {audit.JOIN: PEOPLE, audit.LEAVE: PEOPLE}
    people = {person for person, _ in actions}
    assert len(people) == PEOPLE
    for person in people:  # one join, then one leave, for each
        assert [a for p, a in actions if p == person] == [audit.JOIN, audit.LEAVE]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_rows_arriving_together_share_one_commit(backend: str, tmp_path: Path) -> None:
    async with migrated(backend, tmp_path) as (_, engine), started_writer(engine) as writer:
        # All 50 are queued before the writer's task first runs: one transaction.
        await asyncio.gather(*(writer.record(joined("m", n)) for n in range(50)))
        assert writer.commits == 1
        entries = await audit.for_meeting(engine, "m")
    assert [e.event.actor.id for e in entries] == [f"p{n}" for n in range(50)]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_stop_flushes_pending_rows_and_later_ones_are_written_alone(
    backend: str, tmp_path: Path
) -> None:
    async with migrated(backend, tmp_path) as (_, engine), started_writer(engine) as writer:
        callers = [asyncio.create_task(writer.record(joined("m", n))) for n in range(5)]
        await asyncio.sleep(0)  # queued, not yet committed
        await writer.stop()
        assert all(caller.done() and caller.exception() is None for caller in callers)
        await writer.record(joined("m", 5))  # after the stop: in a transaction of its own
        entries = await audit.for_meeting(engine, "m")
    assert [e.event.actor.id for e in entries] == [f"p{n}" for n in range(6)]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_bad_row_fails_only_its_caller(backend: str, tmp_path: Path) -> None:
    async with migrated(backend, tmp_path) as (_, engine):
        bad = audit.event("m", audit.participant("p9", "family"), audit.JOIN, name="Jo Bloggs")
        async with started_writer(engine) as writer:
            outcomes = await asyncio.gather(
                writer.record(joined("m", 0)),
                writer.record(bad),
                writer.record(joined("m", 1)),
                return_exceptions=True,
            )
            entries = await audit.for_meeting(engine, "m")
    assert outcomes[0] is None and outcomes[2] is None
    assert isinstance(outcomes[1], ValueError)
    assert [e.event.actor.id for e in entries] == ["p0", "p1"]


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_leave_is_recorded_only_while_its_meeting_exists(
    backend: str, tmp_path: Path
) -> None:
    async with served(backend, tmp_path) as (server, engine):
        meeting = await server.meeting()
        writer = server.services.audit_writer
        left = audit.event(meeting["id"], audit.participant("p1", "family"), audit.LEAVE)
        gone = audit.event("gone", audit.participant("p2", "family"), audit.LEAVE)
        await asyncio.gather(  # one batch: a guarded row kept, one dropped
            writer.record(left, if_meeting_exists=True),
            writer.record(gone, if_meeting_exists=True),
        )
        kept = await audit.for_meeting(engine, meeting["id"])
        dropped = await audit.for_meeting(engine, "gone")
    assert [e.event.actor.id for e in kept] == ["p1"]
    assert dropped == []
