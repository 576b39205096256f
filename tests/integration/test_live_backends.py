"""A live meeting end to end on each database: edits relayed, the room unloaded and compacted,
and the map reloaded from the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.board.permissions import Layer
from server.store.schema import create_engine
from server.store.schema.migrate import upgrade
from tests.conftest import running_server
from tests.databases import BACKENDS, database_url
from tests.waiting import eventually


@pytest.mark.parametrize("backend", BACKENDS)
async def test_live_meeting_round_trip(backend: str, tmp_path: Path) -> None:
    async with database_url(backend, tmp_path) as url:
        engine = create_engine(url)
        await upgrade(engine)  # `safetymap db upgrade`, as production runs it
        await engine.dispose()
        async with running_server(tmp_path, SAFETYMAP_DATABASE_URL=url) as server:
            meeting = await server.meeting()
            a = await server.client(meeting, "professional", name="Alex")
            b = await server.client(meeting, "family", name="Jo")
            for i in range(20):
                a.add_card(f"c{i}", "strengths", f"card {i}")
            b.add_card("jo", "goals", "from Jo")
            await b.wait_for(lambda: len(b.cards()) == 21)
            await a.wait_for(lambda: "jo" in a.cards())
            await a.disconnect()
            await b.disconnect()
            rooms, store = server.services.rooms, server.services.store
            await eventually(lambda: rooms.loaded(meeting["id"], Layer.MAIN) is None)
            assert await store.log_length(meeting["id"], Layer.MAIN) == 1
            again = await server.client(meeting, "viewer")
            await again.wait_for(lambda: len(again.cards()) == 21)
            assert again.dump() == b.dump()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_card_id_postgresql_cannot_store_stalls_nothing(
    backend: str, tmp_path: Path
) -> None:
    """A hostile client names a card with a NUL in its id. The update itself is bytes and is
    kept; the record's "who wrote in it" row would be text PostgreSQL refuses, and a refused
    commit is retried for ever, holding back every edit of every meeting in the process. The
    row is left out instead, and the next edits are saved and relayed as ever."""
    async with database_url(backend, tmp_path) as url:
        engine = create_engine(url)
        await upgrade(engine)
        await engine.dispose()
        async with running_server(tmp_path, SAFETYMAP_DATABASE_URL=url) as server:
            meeting = await server.meeting()
            other = await server.meeting()
            mallory = await server.client(meeting, "family", name="Mallory")
            alex = await server.client(meeting, "professional", name="Alex")
            sam = await server.client(other, "facilitator", name="Sam")
            watcher = await server.client(other, "viewer")
            mallory.add_card("bad\x00id", "strengths", "odd id")
            await alex.wait_for(lambda: "bad\x00id" in alex.cards())
            mallory.add_card("after", "goals", "next one")
            sam.add_card("elsewhere", "goals", "another meeting")
            await alex.wait_for(lambda: "after" in alex.cards())
            await watcher.wait_for(lambda: "elsewhere" in watcher.cards())
            assert server.services.journal.failures == 0
            editors = await server.services.store.card_writers(meeting["id"])
            assert "after" in editors[Layer.MAIN] and "bad\x00id" not in editors[Layer.MAIN]
