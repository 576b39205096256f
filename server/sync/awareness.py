"""Presence (the y-protocols awareness update), sans I/O, with server-stamped identities.

A stock Yjs client announces itself as `clientID -> {clock, state JSON}`. Left alone, any
client could claim another's clientID or write any name and role into its state. So the
server binds each clientID to the first connection that uses it, drops entries for IDs owned
by another connection, and overwrites `state.user` with the participant it has on record.
The room also binds each clientID to the first *participant* that uses it, here or in an
update, for good (`Room._receive_awareness`): entries under another participant's clientID
never reach this table, even once that participant's connection has gone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from server.sync.protocol import ProtocolError, Reader, write_var_string, write_var_uint

# The server's own presence entry (not a Yjs client: clientIDs are random 32-bit numbers, and
# nobody may claim this one). Its state says what every client should know, e.g. that edits
# are not being saved because the database does not answer: {"server": {"saving": false}}.
SERVER_CLIENT_ID = 0
_SERVER = object()

# A client renews its presence every 15 s; y-protocols forgets one silent for 30 s.
REMOTE_TIMEOUT = 30.0

# Fields a client may keep in its own `user` entry; name, role and id always come from us.
_CLIENT_USER_FIELDS = ("color", "colorLight")

# Bounds (docs/document-model.md, "Limits"). A browser announces one clientID per document it
# has open, with a state of a few hundred bytes (who it is, the card it is in); a room's whole
# table is sent to every newcomer, so it is bounded too, and what does not fit is not relayed.
MAX_CLIENTS_PER_CONNECTION = 4
MAX_STATE_BYTES = 4096
MAX_TABLE_BYTES = 256 * 1024
# A stock client passes on what it hears: a frame may name everyone in the room (people are
# at most SAFETYMAP_MAX_PARTICIPANTS, 100 by default, with a clientID or two each).
MAX_ENTRIES_PER_FRAME = 512


class PresenceLimit(ProtocolError):
    """A connection announced more clientIDs than it may."""


@dataclass(frozen=True, slots=True)
class Entry:
    client_id: int
    clock: int
    state: dict[str, Any] | None  # None = the client left
    size: int = field(default=0, compare=False)  # bytes of the state as it arrived


def decode_update(
    payload: bytes,
    *,
    one_connection: bool = False,
    others: Callable[[int], bool] = lambda client_id: False,
) -> list[Entry]:
    """A presence frame's entries. `one_connection`: the frame comes from one client, which
    may announce at most MAX_CLIENTS_PER_CONNECTION clientIDs: more is refused before any
    state is parsed (250 states of 4 KiB took 5-10 ms of JSON each frame, all to be refused).
    `others(client_id)`: that clientID is someone else's. A stock provider passes on every
    change it hears, so a newcomer's first frame may name everyone present: their entries
    are no claim, are left out unparsed (they would be dropped anyway), and do not count."""
    reader = Reader(payload)
    count = reader.var_uint()
    if count > MAX_ENTRIES_PER_FRAME:
        # Checked before any state is read: parsing 20,000 states held the event loop 159 ms.
        raise ProtocolError(f"a presence frame holds at most {MAX_ENTRIES_PER_FRAME} clients")
    found = []
    for _ in range(count):
        client_id = reader.var_uint()
        clock = reader.var_uint()
        raw = reader.var_string()
        if len(raw) > MAX_STATE_BYTES:
            raise ProtocolError(f"a presence state is at most {MAX_STATE_BYTES} bytes")
        if not others(client_id):
            found.append((client_id, clock, raw))
    reader.expect_end()
    if one_connection:
        claimed = {client_id for client_id, _, raw in found if raw != "null"}
        if len(claimed) > MAX_CLIENTS_PER_CONNECTION:
            raise PresenceLimit(
                f"one connection announces at most {MAX_CLIENTS_PER_CONNECTION} clients"
            )
    entries = []
    for client_id, clock, raw in found:
        try:
            state = json.loads(raw, parse_constant=_no_constant)
        except (ValueError, RecursionError):
            # NaN and Infinity are not JSON (browsers' JSON.parse refuses them); nesting deep
            # enough to exhaust the parser's stack is not presence.
            raise ProtocolError("awareness state is not JSON") from None
        if state is not None and not isinstance(state, dict):
            raise ProtocolError("awareness state is not an object")
        entries.append(Entry(client_id, clock, state, len(raw)))
    return entries


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def encode_update(entries: Iterable[Entry]) -> bytes:
    items = list(entries)
    parts = [write_var_uint(len(items))]
    for entry in items:
        parts.append(write_var_uint(entry.client_id))
        parts.append(write_var_uint(entry.clock))
        parts.append(write_var_string(json.dumps(entry.state, separators=(",", ":"))))
    return b"".join(parts)


def stamp(state: dict[str, Any], identity: Mapping[str, Any]) -> dict[str, Any]:
    """The state as others will see it: `user` replaced by the server's record."""
    claimed = state.get("user")
    user = dict(identity)
    if isinstance(claimed, dict):
        for field in _CLIENT_USER_FIELDS:
            value = claimed.get(field)
            if isinstance(value, str) and len(value) <= 32:
                user[field] = value
    return {**state, "user": user}


class AwarenessTable:
    """Every client's latest presence in one room, and which connection owns which client.

    Clocks are the server's own: what it relays for a clientID always counts up, across
    leaving and rejoining. A stock client that reconnects resends its state with the clock it
    had, which is not above the "left" entry everyone saw, so relaying the client's own clock
    would leave it missing from every list until its next renewal.
    """

    def __init__(self) -> None:
        self._entries: dict[int, Entry] = {}  # as relayed: stamped, with the server's clock
        self._owner: dict[int, object] = {}  # clientID -> the connection that owns it
        self._seen: dict[int, int] = {}  # clientID -> the owner's last clock (stale check)
        self._clock: dict[int, int] = {}  # clientID -> last clock relayed; kept after leaving
        # Clients of other server processes (through the relay): clientID -> (entry, when heard)
        self._remote: dict[int, tuple[Entry, float]] = {}
        self._owner[SERVER_CLIENT_ID] = _SERVER
        self._claimed: dict[object, int] = {}  # connection -> clientIDs it owns
        self._bytes = 0  # the states in _entries and _remote (see MAX_TABLE_BYTES)

    def apply(
        self, owner: object, entries: Iterable[Entry], identity: Mapping[str, Any]
    ) -> list[Entry]:
        """Record what `owner` sent; return the accepted, stamped entries to relay."""
        accepted = []
        for entry in entries:
            holder = self._owner.get(entry.client_id)
            if holder is None:
                if entry.state is None:
                    # y-websocket clients pass on others' "left" entries: that is not a claim.
                    continue
                if self._claimed.get(owner, 0) >= MAX_CLIENTS_PER_CONNECTION:
                    raise PresenceLimit(
                        f"one connection announces at most {MAX_CLIENTS_PER_CONNECTION} clients"
                    )
                self._claimed[owner] = self._claimed.get(owner, 0) + 1
                holder = self._owner[entry.client_id] = owner
                self._remote.pop(entry.client_id, None)  # it moved here from another process
                if entry.client_id in self._clock:
                    # Two above what was last relayed: the process it left may still relay
                    # its "left" entry at +1, which must not win over this one.
                    self._clock[entry.client_id] += 1
            if holder is not owner:
                continue  # somebody else's clientID: never let one client speak for another
            if entry.clock <= self._seen.get(entry.client_id, -1):
                continue  # stale or repeated
            if not self._fits(self._entries.get(entry.client_id), entry):
                continue  # the table is full: not kept, not relayed
            self._seen[entry.client_id] = entry.clock
            clock = max(entry.clock, self._clock.get(entry.client_id, -1) + 1)
            self._clock[entry.client_id] = clock
            state = None if entry.state is None else stamp(entry.state, identity)
            stamped = Entry(entry.client_id, clock, state, entry.size if state else 0)
            self._keep(self._entries.get(entry.client_id), stamped)
            self._entries[entry.client_id] = stamped
            accepted.append(stamped)
        return accepted

    def owned_by_another(self, owner: object, client_id: int) -> bool:
        holder = self._owner.get(client_id)
        return holder is not None and holder is not owner

    def remove_owner(self, owner: object) -> list[Entry]:
        """Forget a closed connection's clients; return the 'left' entries to relay."""
        gone = [cid for cid, holder in self._owner.items() if holder is owner]
        self._claimed.pop(owner, None)
        removals = []
        for client_id in gone:
            del self._owner[client_id]
            self._seen.pop(client_id, None)  # a rejoin may resend the same clock
            entry = self._entries.pop(client_id, None)
            self._keep(entry, None)
            if entry is not None and entry.state is not None:
                clock = self._clock[client_id] = self._clock.get(client_id, entry.clock) + 1
                removals.append(Entry(client_id, clock, None))
        return removals

    def server_state(self, state: dict[str, Any] | None) -> Entry:
        """Set (or, with None, clear) the server's own entry; return it to relay."""
        # From 1: y-protocols ignores a first entry with clock 0 (its "nothing seen yet").
        clock = self._clock[SERVER_CLIENT_ID] = self._clock.get(SERVER_CLIENT_ID, 0) + 1
        entry = Entry(SERVER_CLIENT_ID, clock, state)
        if state is None:
            self._entries.pop(SERVER_CLIENT_ID, None)
        else:
            self._entries[SERVER_CLIENT_ID] = entry
        return entry

    def merge_remote(self, entries: Iterable[Entry], now: float | None = None) -> list[Entry]:
        """Record what another server process relayed; return the entries news to us.

        Those entries were stamped by that process already. A clientID a connection of this
        process owns is ours to speak for; otherwise the newest clock wins, as in y-protocols.
        """
        now = time.monotonic() if now is None else now
        accepted = []
        for entry in entries:
            known = self._clock.get(entry.client_id, -1)
            if entry.client_id in self._owner or entry.clock <= known:
                continue
            held = self._remote.get(entry.client_id)
            before = held[0] if held is not None else None
            if not self._fits(before, entry):
                continue
            self._clock[entry.client_id] = entry.clock
            self._keep(before, entry if entry.state is not None else None)
            if entry.state is None:
                self._remote.pop(entry.client_id, None)
            else:
                self._remote[entry.client_id] = (entry, now)
            accepted.append(entry)
        return accepted

    def present(self, now: float | None = None) -> list[Entry]:
        """Every client that is here now (for a newcomer, or a query-awareness message)."""
        here = [entry for entry in self._entries.values() if entry.state is not None]
        if self._remote:
            # A process that died cannot say its clients left: forget the silent ones.
            now = time.monotonic() if now is None else now
            for client_id, (entry, heard) in list(self._remote.items()):
                if now - heard > REMOTE_TIMEOUT:
                    del self._remote[client_id]
                    self._keep(entry, None)
                else:
                    here.append(entry)
        return here

    def local(self) -> list[Entry]:
        """The clients of this process's own connections (for another process that has just
        loaded the room: it did not hear them announce themselves)."""
        return [
            entry
            for client_id, entry in self._entries.items()
            if entry.state is not None and client_id != SERVER_CLIENT_ID
        ]

    def _fits(self, before: Entry | None, entry: Entry) -> bool:
        """Would the table stay within MAX_TABLE_BYTES with `entry` in place of `before`?"""
        grows = (entry.size if entry.state is not None else 0) - (before.size if before else 0)
        return grows <= 0 or self._bytes + grows <= MAX_TABLE_BYTES

    def _keep(self, before: Entry | None, after: Entry | None) -> None:
        self._bytes += (after.size if after is not None else 0) - (
            before.size if before is not None else 0
        )
