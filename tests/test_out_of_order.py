"""Updates that arrive before what they build on are held, not handed to yrs (which loses
content integrating several such updates); `structs` reads what an update needs."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text, merge_updates

from server.board.permissions import Layer
from server.sync import crdt, protocol, structs
from server.sync.arrivals import MAX_HELD_FRAMES

from .conftest import RunningServer
from .waiting import eventually


def offline_session() -> tuple[bytes, list[bytes], dict[str, Any]]:
    """A base map, then four edits one client made while offline, as separate updates."""
    base: Doc[Any] = Doc()
    base.get("items", type=Map)["c1"] = Map({"text": Text("Gran"), "section": "strengths"})
    client: Doc[Any] = Doc()
    client.apply_update(base.get_update())
    items = client.get("items", type=Map)
    updates: list[bytes] = []

    def edit(change: Callable[[], object]) -> None:
        before = client.get_state()
        change()
        updates.append(client.get_update(before))

    edit(lambda: items["c1"]["text"].insert(4, " helps"))
    edit(lambda: items.__setitem__("c2", Map({"text": Text("School")})))
    edit(lambda: items["c2"]["text"].insert(0, "After "))
    edit(lambda: items["c1"]["text"].insert(0, "Every day "))
    return base.get_update(), updates, items.to_py()


def test_yrs_loses_content_when_several_updates_wait() -> None:
    """Why the room holds updates itself: the failure it avoids, shown on pycrdt directly."""
    base, updates, want = offline_session()
    doc: Doc[Any] = Doc()
    doc.apply_update(base)
    for i in (2, 3, 0, 1):
        doc.apply_update(updates[i])
    assert doc.get("items", type=Map).to_py() != want


def test_holding_until_complete_gives_the_right_document_in_every_order() -> None:
    base, updates, want = offline_session()
    for order in itertools.permutations(range(len(updates))):
        doc: Doc[Any] = Doc()
        doc.apply_update(base)
        waiting: bytes | None = None
        for i in order:
            update = updates[i] if waiting is None else merge_updates(waiting, updates[i])
            if structs.missing(update, structs.decode_state_vector(doc.get_state())):
                waiting = update
            else:
                doc.apply_update(update)
                waiting = None
        assert waiting is None
        assert doc.get("items", type=Map).to_py() == want, order


async def test_room_holds_updates_until_their_dependencies_arrive(server: RunningServer) -> None:
    meeting = await server.meeting()
    base, updates, want = offline_session()
    writer = await server.client(meeting, "professional", name="Alex")
    watcher = await server.client(meeting, "family", name="Jo")
    await writer.synced.wait()
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
    await stranger.synced.wait()
    await stranger.send(protocol.encode(protocol.SyncUpdate(updates[2])))  # needs c2: never sent
    other.add_card("k1", "goals", "still editing")
    watcher = await server.client(meeting, "viewer")
    await watcher.wait_for(lambda: "k1" in watcher.cards())
    assert not stranger.closed.is_set() and "c2" not in watcher.cards()


# Random documents: the shape read from an update matches what pycrdt says it holds.

texts = st.text(alphabet=st.sampled_from("ab é😀\n"), max_size=6)
values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=6,
)
edits = st.lists(
    st.tuples(st.sampled_from(["card", "type", "delete", "value", "array"]), texts, values),
    min_size=1,
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(edits)
def test_shape_of_random_updates_matches_their_state(script: list[tuple[str, str, Any]]) -> None:
    doc: Doc[Any] = Doc()
    items = doc.get("items", type=Map)
    items["c"] = Map({"text": Text("start"), "list": Array([1])})
    for kind, text, value in script:
        card = items["c"]
        if kind == "card":
            items[f"k{len(text)}"] = Map({"text": Text(text)})
        elif kind == "type":
            card["text"].insert(min(len(text), len(card["text"])), text or "x")
        elif kind == "delete" and len(card["text"]) > 1:
            del card["text"][0:1]
        elif kind == "value":
            card["v"] = value
        else:
            card["list"].append(value)
    update = doc.get_update()
    state = structs.decode_state_vector(doc.get_state())
    shape = structs.shape(update)
    assert {c: max(end for _, end in spans) for c, spans in shape.ranges.items()} == state
    assert not structs.missing(update, {})
    assert not structs.beyond(update, state)
    assert structs.beyond(update, {c: n - 1 for c, n in state.items()})


async def test_a_connection_holds_a_bounded_number_of_waiting_updates(
    server: RunningServer,
) -> None:
    """Issue 15.2: waiting updates are bounded in count (and bytes, and clients) per
    connection, and each frame is read alone, never merged with everything held before it."""
    meeting = await server.meeting()
    _, updates, _ = offline_session()
    stranger = await server.client(meeting, "family", name="Jo")
    other = await server.client(meeting, "professional", name="Alex")
    await stranger.synced.wait()
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
