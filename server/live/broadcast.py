"""Relaying what the update log has made durable: per room, one merged update per commit,
framed once and written once per recipient.

The journal commits in groups (batcher.py) and settles a commit's futures together, so their
callbacks (the room's `_durable`) run one after another in the same turn of the event loop.
Each hands its change here, and the first asks the loop to `flush` on its next turn
(`call_soon`, as Hocuspocus merges what arrives before its `setImmediate`). Everything that
became durable together then goes out as one update (pycrdt's `merge_updates`). A lone edit
goes out as before, a turn later; under load the commits grow, and the frames, the framing
and the socket writes per edit fall with them.

Nobody is sent their own change back, as before: the merge of every change goes to each
connection that wrote none of them, and each connection that did gets the others' changes
merged (nothing, if it wrote them all). Changes from other processes (`integrate`, already
durable) join the same turn's merge and are not published again; this process's own go to
the others merged too (`publish`; relay.py keeps each entry within its size).

Only committed changes reach here: a refused one is never relayed (room.py's `_durable`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence, Set
from typing import Protocol

from server import metrics
from server.sync import crdt, protocol


class Recipient(Protocol):
    def send(self, frame: bytes) -> None: ...


# Hands this process's durable changes of one turn to the other processes (relay.py).
Publish = Callable[[list[bytes]], None]


class Broadcast:
    __slots__ = ("_peers", "_pending", "_publish")

    def __init__(self, peers: Set[Recipient], publish: Publish | None = None) -> None:
        self._peers = peers  # the room's own set: whoever is there when the turn comes
        self._publish = publish
        # (change, the connection it came from, accepted by this process?), in durable order.
        self._pending: list[tuple[bytes, Recipient | None, bool]] = []

    def add(self, change: bytes, origin: Recipient | None, *, ours: bool = True) -> None:
        """Relay a durable `change` on the loop's next turn, with whatever joins it meanwhile."""
        if not self._pending:
            asyncio.get_running_loop().call_soon(self.flush)
        self._pending.append((change, origin, ours))

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        if not pending:
            return
        writers = {origin for _, origin, _ in pending if origin is not None}
        everything = _frames([change for change, _, _ in pending])
        for peer in list(self._peers):
            if peer not in writers:
                for frame in everything:
                    peer.send(frame)  # the same bytes for all: framed once (ws/wire.py)
        for writer in writers:
            others = [change for change, origin, _ in pending if origin is not writer]
            if others and writer in self._peers:
                for frame in _frames(others):
                    writer.send(frame)
        ours = [change for change, _, own in pending if own]
        if ours:
            metrics.relayed(len(ours))
            if self._publish is not None:
                self._publish(ours)


def _frames(changes: Sequence[bytes]) -> list[bytes]:
    """The frames that carry `changes`: one, merged; or, should yrs refuse the merge, one each."""
    try:
        return [protocol.encode(protocol.SyncUpdate(crdt.merged(changes)))]
    except crdt.CrdtError:
        return [protocol.encode(protocol.SyncUpdate(change)) for change in changes]
