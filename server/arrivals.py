"""Updates as they reach a room: what its document already holds, and what must wait.

The document's state vector is decoded once and then kept up to date: it is read for every
update, and encoding and decoding it each time grows with every client ever seen. An update
that builds on structs the document lacks is held per connection (one client's unresolvable
update never blocks another's) and merged with that connection's next one.
"""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, merge_updates

from . import crdt, structs
from .closes import UPDATE_REJECTED, Close
from .protocol import ProtocolError

REJECTED = "the update could not be applied"


class Arrivals:
    def __init__(self, max_held: int) -> None:
        self._known: dict[int, int] | None = None
        self._held: dict[object, bytes] = {}
        self._max_held = max_held

    def reset(self) -> None:
        """The document changed otherwise (a new one, or the server wrote): read it afresh."""
        self._known = None

    def known(self, doc: Doc[Any]) -> dict[int, int]:
        """The document's state vector, decoded."""
        if self._known is None:
            self._known = structs.decode_state_vector(doc.get_state())
        return self._known

    def advance(self, found: structs.UpdateShape) -> None:
        """After a complete update applied: its structs are now part of the document."""
        known = self._known
        if known is None:
            return
        for client, spans in found.ranges.items():
            end = max((stop for _, stop in spans), default=0)
            if end > known.get(client, 0):
                known[client] = end

    def drop(self, peer: object) -> None:
        self._held.pop(peer, None)  # the client still has it and resends it on its next sync

    def complete(
        self, peer: object, update: bytes, doc: Doc[Any]
    ) -> tuple[bytes, structs.UpdateShape]:
        """The update to apply now (with what this peer had waiting) and its shape, or b""
        (and its shape) when it is held until what it builds on arrives."""
        waiting = self._held.pop(peer, None)
        if waiting is not None:
            readable(update)
            try:
                update = crdt.guarded(lambda: merge_updates(waiting, update))
            except crdt.CrdtError:
                raise Close(UPDATE_REJECTED, REJECTED) from None
        try:
            found = structs.shape(update)
            incomplete = structs.incomplete(found, self.known(doc))
        except ProtocolError:
            # Not a Yjs v1 update. Never hand it to yrs: it may keep it as pending (in every
            # sync step 2 from then on, never in the log) instead of refusing it.
            raise Close(UPDATE_REJECTED, REJECTED) from None
        if not incomplete:
            return update, found
        if len(update) > self._max_held:
            raise Close(UPDATE_REJECTED, "updates refer to changes that never arrived")
        self._held[peer] = update
        return b"", found


def readable(update: bytes) -> None:
    """Refuse what is not a Yjs v1 update before yrs sees it: yrs reserves memory for the
    counts an update declares (2**28 clients in 6 bytes took 512 MiB and 1.2 s)."""
    try:
        structs.shape(update)
    except ProtocolError:
        raise Close(UPDATE_REJECTED, REJECTED) from None
