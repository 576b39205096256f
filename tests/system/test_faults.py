"""When the database fails: nothing is relayed that is not saved, the journal retries until
it is, and a room whose save failed stays in memory (real PostgreSQL, a real outage)."""

from __future__ import annotations

from pathlib import Path

from server.board.permissions import Layer
from tests.conftest import running_server
from tests.databases import migrated_postgresql
from tests.waiting import eventually, within


async def test_outage_holds_relay_and_keeps_the_room(tmp_path: Path) -> None:
    async with (
        migrated_postgresql(tmp_path) as (url, admin),
        running_server(tmp_path, SAFETYMAP_DATABASE_URL=url) as server,
    ):
        services = server.services
        meeting = await server.meeting()
        a = await server.client(meeting, "professional", name="Alex")
        b = await server.client(meeting, "family", name="Jo")
        a.add_card("before", "strengths", "saved before the outage")
        await b.wait_for(lambda: "before" in b.cards())

        # The update log disappears: every append fails until it is back.
        await admin.execute("ALTER TABLE updates RENAME TO updates_away")
        a.add_card("during", "strengths", "typed during the outage")
        await eventually(lambda: services.journal.failures >= 2)
        assert "during" not in b.cards()  # not saved, so not relayed

        # Everyone leaves: the room cannot be saved, so it stays in memory.
        await a.disconnect()
        await b.disconnect()
        await services.rooms.maintain()
        assert services.rooms.loaded(meeting["id"], Layer.MAIN) is not None

        await admin.execute("ALTER TABLE updates_away RENAME TO updates")
        await services.journal.flush()
        await services.rooms.maintain()
        await eventually(lambda: services.rooms.loaded(meeting["id"], Layer.MAIN) is None)
        late = await server.client(meeting, "viewer")
        await late.wait_for(lambda: set(late.cards()) == {"before", "during"})


async def test_clients_are_told_while_nothing_is_saved_and_the_meeting_recovers(
    tmp_path: Path,
) -> None:
    async with (
        migrated_postgresql(tmp_path) as (url, admin),
        running_server(tmp_path, SAFETYMAP_DATABASE_URL=url) as server,
    ):
        meeting = await server.meeting()
        a = await server.client(meeting, "professional", name="Alex")
        b = await server.client(meeting, "family", name="Jo")
        await within(a.synced.wait(), 20, "a synced")
        await within(b.synced.wait(), 20, "b synced")
        await admin.execute("ALTER TABLE updates RENAME TO updates_away")
        a.add_card("during", "strengths", "typed during the outage")
        # Everyone hears from the server itself (its own awareness entry, clientID 0).
        unsaved = {"server": {"saving": False}}
        for client in (a, b):
            await client.wait_for(lambda c=client: c.presence.get(0) == unsaved, 10)  # type: ignore[misc]
        assert "during" not in b.cards()
        # Someone joining meanwhile is told too.
        late = await server.client(meeting, "viewer", name="Screen")
        await late.wait_for(lambda: late.presence.get(0) == unsaved, 10)

        await admin.execute("ALTER TABLE updates_away RENAME TO updates")
        await b.wait_for(lambda: "during" in b.cards(), 10)
        for client in (a, b, late):
            await client.wait_for(lambda c=client: c.presence.get(0, {}) is None, 10)  # type: ignore[misc]
        assert not (a.closed.is_set() or b.closed.is_set())
