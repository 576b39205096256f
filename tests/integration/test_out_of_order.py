"""Updates that arrive before what they build on are held, not handed to yrs (which loses
content integrating several such updates); `structs` reads what an update needs."""

from __future__ import annotations

from pycrdt import Map

from server.board.permissions import Layer
from server.sync import crdt, protocol
from server.sync.arrivals import MAX_HELD_FRAMES
from tests.conftest import RunningServer
from tests.out_of_order_cases import offline_session
from tests.waiting import eventually, within


async def test_room_holds_updates_until_their_dependencies_arrive(server: RunningServer) -> None:
    meeting = await server.meeting()
    base, updates, want = offline_session()
    writer = await server.client(meeting, "professional", name="Alex")
    watcher = await server.client(meeting, "family", name="Jo")
    await within(writer.synced.wait(), 20, "writer synced")
    await writer.send(protocol.encode(protocol.SyncUpdate(base)))
    await watcher.wait_for(lambda: "c1" in watcher.cards())
    # Typed after reconnecting, sent before the sync step 2 that carries the offline edits.
    for i in (2, 3, 0, 1):
        await writer.send(protocol.encode(protocol.SyncUpdate(updates[i])))
    await watcher.wait_for(lambda: watcher.items.to_py() == want)
    assert not writer.closed.is_set()
    await writer.disconnect()
    await watcher.disconnect()
    rooms = server.services.rooms
    await eventually(lambda: rooms.loaded(meeting["id"], Layer.MAIN) is None)
    logged = await server.services.store.load(meeting["id"], Layer.MAIN)
    assert crdt.doc_from_updates(logged).get("items", type=Map).to_py() == want


async def test_updates_that_never_complete_are_refused_alone(server: RunningServer) -> None:
    meeting = await server.meeting()
    _, updates, _ = offline_session()
    stranger = await server.client(meeting, "family", name="Jo")
    other = await server.client(meeting, "professional", name="Alex")
    await within(stranger.synced.wait(), 20, "stranger synced")
    await stranger.send(protocol.encode(protocol.SyncUpdate(updates[2])))  # needs c2: never sent
    other.add_card("k1", "goals", "still editing")
    watcher = await server.client(meeting, "viewer")
    await watcher.wait_for(lambda: "k1" in watcher.cards())
    assert not stranger.closed.is_set() and "c2" not in watcher.cards()


async def test_a_connection_holds_a_bounded_number_of_waiting_updates(
    server: RunningServer,
) -> None:
    """Issue 15.2: waiting updates are bounded in count (and bytes, and clients) per
    connection, and each frame is read alone, never merged with everything held before it."""
    meeting = await server.meeting()
    _, updates, _ = offline_session()
    stranger = await server.client(meeting, "family", name="Jo")
    other = await server.client(meeting, "professional", name="Alex")
    await within(stranger.synced.wait(), 20, "stranger synced")
    for _ in range(MAX_HELD_FRAMES):
        await stranger.send(protocol.encode(protocol.SyncUpdate(updates[2])))  # needs c2
    other.add_card("k1", "goals", "still editing")
    watcher = await server.client(meeting, "viewer")
    await watcher.wait_for(lambda: "k1" in watcher.cards())
    assert not stranger.closed.is_set()
    await stranger.send(protocol.encode(protocol.SyncUpdate(updates[2])))  # one too many
    await stranger.wait_closed()
    assert stranger.close_code == 4422 and "never arrived" in stranger.close_reason
    assert other.close_code is None and "c2" not in watcher.cards()
