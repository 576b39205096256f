"""One turn's durable changes go out merged: each connection gets the others' changes in one
frame, never its own; the other processes get this process's changes in as few relay
entries as fit (crdt.packed)."""

from __future__ import annotations

import asyncio
from typing import Any

from pycrdt import Doc, Map, TransactionEvent

from server.live.broadcast import Broadcast
from server.sync import crdt, protocol


def edits(client: int, count: int) -> list[bytes]:
    """`count` updates of one Yjs client, each a card of its own."""
    doc: Doc[Any] = Doc(client_id=client)
    made: list[bytes] = []

    def changed(event: TransactionEvent) -> None:
        made.append(event.update)

    subscription = doc.observe(changed)
    for k in range(count):
        doc.get("items", type=Map)[f"c{client}-{k:02d}"] = (
            f"card {k:02d} of {client}"  # all one size
        )
    doc.unobserve(subscription)
    return made


def cards(updates: list[bytes]) -> dict[str, Any]:
    return crdt.doc_from_updates(updates).get("items", type=Map).to_py() or {}


class Recipient:
    def __init__(self) -> None:
        self.frames: list[bytes] = []

    def send(self, frame: bytes) -> None:
        self.frames.append(frame)

    def updates(self) -> list[bytes]:
        decoded = [protocol.decode(frame) for frame in self.frames]
        return [m.update for m in decoded if isinstance(m, protocol.SyncUpdate)]


async def test_one_frame_each_with_the_others_changes_and_never_ones_own() -> None:
    a, b, quiet, gone = Recipient(), Recipient(), Recipient(), Recipient()
    peers = {a, b, quiet}
    published: list[list[bytes]] = []
    broadcast = Broadcast(peers, published.append)
    from_a, from_b, remote = edits(1, 3), edits(2, 2), edits(3, 1)
    for change in from_a:
        broadcast.add(change, a)
    for change in from_b:
        broadcast.add(change, b)
    broadcast.add(remote[0], None, ours=False)  # from another process: relayed, not published
    broadcast.add(edits(4, 1)[0], gone)  # its sender left before the turn came
    assert not (a.frames or b.frames or quiet.frames)  # on the loop's next turn
    await asyncio.sleep(0)
    assert [len(r.frames) for r in (a, b, quiet, gone)] == [1, 1, 1, 0]
    everything = cards([*from_a, *from_b, *remote, *edits(4, 1)])
    assert cards(quiet.updates()) == everything
    assert cards(a.updates()) == {k: v for k, v in everything.items() if not k.startswith("c1-")}
    assert cards(b.updates()) == {k: v for k, v in everything.items() if not k.startswith("c2-")}
    [ours] = published
    assert cards(ours) == {k: v for k, v in everything.items() if not k.startswith("c3-")}


async def test_a_lone_change_goes_as_it_is_and_a_lone_writer_gets_nothing_back() -> None:
    writer, reader = Recipient(), Recipient()
    broadcast = Broadcast({writer, reader})
    [change] = edits(1, 1)
    broadcast.add(change, writer)
    await asyncio.sleep(0)
    assert reader.frames == [protocol.encode(protocol.SyncUpdate(change))]
    assert writer.frames == []


def test_packed_fills_each_relay_entry_up_to_its_size_in_order() -> None:
    updates = edits(1, 40)
    size = len(updates[0])
    packs = crdt.packed(updates, 10 * size)
    assert len(packs) == 4
    assert all(len(pack) <= 10 * size for pack in packs)
    assert cards(packs) == cards(updates)
    assert crdt.packed(updates[:1], 10) == updates[:1]  # larger than the limit: alone, as is
    assert crdt.packed([], 100) == []
