"""Updates as they reach a room: what its document already holds, and what must wait.

The document's state vector is decoded once and then kept up to date: it is read for every
update, and encoding and decoding it each time grows with every client ever seen. So is its
delete set, read again only after the document changed: a read-only connection's update is
judged against both, at a cost in proportion to the frame (`changes`).

An update that builds on structs the document lacks is held per connection (one client's
unresolvable update never blocks another's), bounded in bytes, frames and clients. Each frame
is read alone and folded into what the connection holds (`_Held`): the held pieces are merged
only once nothing they need is missing, so a frame costs in proportion to itself, not to
everything held before it.
"""

from __future__ import annotations

import bisect
from typing import Any

from pycrdt import Doc, merge_updates

from server.sync import crdt, structs
from server.sync.closes import UPDATE_REJECTED, Close
from server.sync.protocol import ProtocolError

REJECTED = "the update could not be applied"
NEVER_ARRIVED = "updates refer to changes that never arrived"
MAX_HELD_FRAMES = 64  # a client that reconnects resends what it has: a few frames at most
MAX_HELD_CLIENTS = 64  # Yjs clients whose structs the held updates bring or need


class Arrivals:
    def __init__(self, max_held: int) -> None:
        self._known: dict[int, int] | None = None
        self._deleted: dict[int, list[tuple[int, int]]] | None = None
        self._version = 0  # counts changes of the document (for what _Held last read of it)
        self._held: dict[object, _Held] = {}
        self._max_held = max_held

    def reset(self) -> None:
        """The document changed otherwise (a new one, or the server wrote): read it afresh."""
        self._known = None
        self._deleted = None
        self._version += 1

    def known(self, doc: Doc[Any]) -> dict[int, int]:
        """The document's state vector, decoded."""
        if self._known is None:
            self._known = structs.decode_state_vector(doc.get_state())
        return self._known

    def advance(self, found: structs.UpdateShape) -> None:
        """After a complete update applied: its structs are now part of the document."""
        self._deleted = None
        self._version += 1
        known = self._known
        if known is None:
            return
        for client, spans in found.ranges.items():
            end = max((stop for _, stop in spans), default=0)
            if end > known.get(client, 0):
                known[client] = end

    def changes(self, doc: Doc[Any], update: bytes) -> bool:
        """Would `update` change the document? New structs, or a deletion of something not
        deleted yet (a stock client answers sync step 1 with everything it has: no change)."""
        if update == crdt.EMPTY_UPDATE:
            return False
        found = _shape(update)
        known = self.known(doc)
        if any(end > known.get(c, 0) for c, spans in found.ranges.items() for _, end in spans):
            return True
        if not found.deletes:
            return False
        deleted = self._delete_set(doc)
        return not all(_covered(deleted.get(c, ()), s, s + n) for c, s, n in found.deletes)

    def _delete_set(self, doc: Doc[Any]) -> dict[int, list[tuple[int, int]]]:
        if self._deleted is None:
            # An update from the full state vector carries no structs: only the delete set.
            ranges: dict[int, list[tuple[int, int]]] = {}
            for client, start, length in _shape(doc.get_update(doc.get_state())).deletes:
                ranges.setdefault(client, []).append((start, start + length))
            self._deleted = {c: _coalesce(spans) for c, spans in ranges.items()}
        return self._deleted

    def drop(self, peer: object) -> None:
        self._held.pop(peer, None)  # the client still has it and resends it on its next sync

    def complete(
        self, peer: object, update: bytes, doc: Doc[Any]
    ) -> tuple[bytes, structs.UpdateShape]:
        """The update to apply now (with what this peer had waiting) and its shape, or b""
        (and its shape) when it is held until what it builds on arrives."""
        found = _shape(update)
        known = self.known(doc)
        held = self._held.get(peer)
        if held is None:
            if not structs.incomplete(found, known):
                return update, found
            held = self._held[peer] = _Held()
        held.add(update, found, known)
        too_much = held.size > self._max_held or len(held.pieces) > MAX_HELD_FRAMES
        if too_much or len(held.reach) > MAX_HELD_CLIENTS:
            del self._held[peer]
            raise Close(UPDATE_REJECTED, NEVER_ARRIVED)
        if held.waiting(known, self._version):
            return b"", found
        del self._held[peer]
        try:
            merged = crdt.guarded(lambda: merge_updates(*held.pieces))
        except crdt.CrdtError:
            raise Close(UPDATE_REJECTED, REJECTED) from None
        whole = _shape(merged)
        if structs.incomplete(whole, known):
            raise Close(UPDATE_REJECTED, NEVER_ARRIVED)  # the summary and yrs disagree
        return merged, whole


class _Held:
    """One connection's held updates, and what they still need, kept as frames arrive.

    For each client: `reach`, how far its structs are known without a gap (the document's,
    then the held ones that follow on); `gaps`, held spans beyond that; `need`, the clock the
    held updates need it to reach (their references and deletions). Nothing is missing once
    every client's reach is at its need and no gap is left: only then are the pieces merged.
    """

    def __init__(self) -> None:
        self.pieces: list[bytes] = []
        self.size = 0
        self.reach: dict[int, int] = {}
        self.gaps: dict[int, list[tuple[int, int]]] = {}
        self.need: dict[int, int] = {}
        self.unmet: set[int] = set()
        self._seen_version = -1

    def add(self, update: bytes, found: structs.UpdateShape, known: dict[int, int]) -> None:
        self.pieces.append(update)
        self.size += len(update)
        touched: set[int] = set()
        for client, spans in found.ranges.items():
            gaps = self.gaps.setdefault(client, [])
            for span in spans:
                bisect.insort(gaps, span)
            touched.add(client)
        for client, clock in found.needs:
            self.need[client] = max(self.need.get(client, 0), clock + 1)
            touched.add(client)
        for client, clock, length in found.deletes:
            self.need[client] = max(self.need.get(client, 0), clock + length)
            touched.add(client)
        for client in touched:
            self._settle(client, known)

    def waiting(self, known: dict[int, int], version: int) -> bool:
        """Does something the held updates need still miss? (Re-read for every client still
        missing something only when the document changed since the last look.)"""
        if self.unmet and version != self._seen_version:
            for client in list(self.unmet):
                self._settle(client, known)
        self._seen_version = version
        return bool(self.unmet)

    def _settle(self, client: int, known: dict[int, int]) -> None:
        reach = max(self.reach.get(client, 0), known.get(client, 0))
        gaps = self.gaps.get(client, [])
        taken = 0
        for start, end in gaps:
            if start > reach:
                break
            reach = max(reach, end)
            taken += 1
        del gaps[:taken]
        self.reach[client] = reach
        if gaps or self.need.get(client, 0) > reach:
            self.unmet.add(client)
        else:
            self.unmet.discard(client)


def _shape(update: bytes) -> structs.UpdateShape:
    try:
        return structs.shape(update)
    except ProtocolError:
        # Not a Yjs v1 update. Never hand it to yrs: it may keep it as pending (in every
        # sync step 2 from then on, never in the log) instead of refusing it.
        raise Close(UPDATE_REJECTED, REJECTED) from None


def _coalesce(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _covered(spans: Any, start: int, end: int) -> bool:
    """Is [start, end) inside one of these sorted, disjoint spans?"""
    i = bisect.bisect_right(spans, (start, float("inf"))) - 1
    return i >= 0 and spans[i][0] <= start and end <= spans[i][1]
