"""Fuzzing the websocket message handling (Hypothesis): no frame crashes a room or harms it.

`Room.handle` is driven directly, on a room with a real Journal over an in-memory log, with
at least 100,000 generated frames per run: valid y-protocols envelopes with random payloads,
truncated and overlong varints, real Yjs updates and state vectors mutated by bit flips,
truncation and splicing, awareness updates with random JSON, and raw bytes, sent by an
editor and by a read-only viewer. For every frame, `handle` either returns or raises `Close`
with a 4xxx code and a reason; after a refused frame the document is byte-identical to what
it was (once a partial application has been rebuilt from the log), the log holds exactly
what the document holds, and a valid edit still applies.

A smaller run sends ~2,000 such frames over real websockets to a real server.
"""

from __future__ import annotations

import asyncio
import random
import resource
import time
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Map, Text

from server.board.permissions import Layer, Role, Status
from server.live.journal import Journal
from server.live.room import Room
from server.sync import crdt, protocol
from server.sync.closes import MALFORMED, UPDATE_REJECTED, Close
from server.sync.protocol import write_var_string, write_var_uint
from server.sync.structs import decode_state_vector
from tests.fuzz_frames_cases import (
    BASE,
    BASE_DOC,
    EDITS,
    _edits_from,
    frames,
    generated,
    integrated,
    sync,
)

FRAMES_PER_RUN = 100_000


DRAWN = 8  # frames Hypothesis draws per example (at most)


GENERATED = 100  # frames the seeded generator adds per example


EXAMPLES = FRAMES_PER_RUN // GENERATED


# Deterministic in CI: the same examples every run, no example database, no deadline.
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


class FakePeer:
    def __init__(self, role: Role, n: int) -> None:
        self.role = role
        self.link_id = n
        self.identity = {"id": f"p{n}", "name": f"Person {n}", "role": role.value}
        self.sent: list[bytes] = []
        self.closed: tuple[int, str] | None = None

    def send(self, frame: bytes) -> None:
        if len(self.sent) > 200:
            self.sent.clear()
        self.sent.append(frame)

    def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


class Log:
    """The update log: what the journal's writer stored."""

    def __init__(self, first: bytes) -> None:
        self.rows = [first]

    async def write(self, entries: Any) -> dict[int, Any]:
        self.rows.extend(entry.data for entry in entries)
        return {}  # nothing refused (no meeting has ended)

    async def load(self) -> list[bytes]:
        return list(self.rows)


def new_room(log: Log, journal: Journal) -> Room:
    return Room("fuzz", Layer.MAIN, log.rows, Status.OPEN, journal, log.load, 16 * 1024 * 1024)


def fingerprint(room: Room) -> tuple[bytes, bytes]:
    """The document, byte for byte: its state vector and its whole encoded state."""
    return room.doc.get_state(), room.doc.get_update()


class Watch:
    """The room's fingerprint, recomputed only after the document reported a change.

    A change yrs makes without reporting it would leave the cached fingerprint stale, and
    the next refusal's comparison would then fail: such a change is a finding too.
    """

    def __init__(self, room: Room) -> None:
        self.room = room
        self.changes = 0
        self.doc: Doc[Any] | None = None
        self.key: tuple[int, int] | None = None
        self.value = (b"", b"")

    def _count(self, _event: Any) -> None:
        self.changes += 1

    def fingerprint(self) -> tuple[bytes, bytes]:
        if self.room.doc is not self.doc:  # rebuilt from the log: watch the new document
            self.stop()
            self.doc = self.room.doc
            self.subscription = self.doc.observe(self._count)
        key = (id(self.doc), self.changes)
        if key != self.key:
            self.key, self.value = key, fingerprint(self.room)
        return self.value

    def stop(self) -> None:
        if self.doc is not None:
            self.doc.unobserve(self.subscription)  # an observed Doc is never freed
            self.doc = None


def logged(log: Log) -> tuple[dict[int, int], str]:
    return integrated(crdt.doc_from_updates(log.rows))


class Counter:
    frames = 0
    refused = 0
    codes: dict[int, int] = {}


async def run_example(drawn: list[bytes], seed: int, roles: list[Role]) -> None:
    rng = random.Random(seed)
    frame_list = drawn + [generated(rng) for _ in range(GENERATED)]
    log = Log(BASE)
    journal = Journal(log.write)
    journal.start()
    room = new_room(log, journal)
    try:
        peers = [FakePeer(role, i) for i, role in enumerate(roles)]
        for peer in peers:
            room.join(peer)
        watch = Watch(room)
        for i, frame in enumerate(frame_list):
            peer = peers[i % len(peers)]
            before = watch.fingerprint()
            Counter.frames += 1
            try:
                room.handle(peer, frame)
            except Close as close:
                Counter.refused += 1
                Counter.codes[close.code] = Counter.codes.get(close.code, 0) + 1
                assert 4000 <= close.code <= 4999, close
                assert close.reason.strip()
                if not room.ready.is_set():
                    await asyncio.wait_for(room.ready.wait(), 5)  # a partial apply is rebuilt
                if room.pending():
                    await journal.flush()
                after = fingerprint(room)
                assert after == before, f"seed {seed}, frame {i}: {frame.hex()}"
                # The connection is gone: the room forgets it, and a new one takes its place.
                room.leave(peer)
                peers[i % len(peers)] = FakePeer(peer.role, 100 + i)
                room.join(peers[i % len(peers)])
        watch.stop()
        await asyncio.wait_for(room.ready.wait(), 5)
        await journal.flush()
        assert logged(log) == integrated(room.doc)
        # A valid edit still applies: a fresh client syncs, adds a card, and it arrives.
        editor = FakePeer(Role.PROFESSIONAL, 999)
        room.join(editor)
        client: Doc[Any] = Doc()
        client.apply_update(room.state())
        before = client.get_state()
        client.get("items", type=Map)["after"] = Map({"section": "goals", "text": Text("OK")})
        room.handle(editor, sync(protocol.SYNC_UPDATE, client.get_update(before)))
        await journal.flush()
        assert "after" in room.doc.get("items", type=Map)
        assert logged(log) == integrated(room.doc)
    finally:
        await journal.stop()
        room.dispose()


def test_room_handle_survives_100k_fuzzed_frames() -> None:
    loop = asyncio.new_event_loop()
    Counter.frames = Counter.refused = 0
    Counter.codes = {}
    editors = st.sampled_from([Role.PROFESSIONAL, Role.FAMILY, Role.FACILITATOR])
    roles = st.lists(st.one_of(editors, st.just(Role.VIEWER)), min_size=1, max_size=3)

    @FUZZ
    @given(st.lists(frames, max_size=DRAWN), st.integers(0, 2**64 - 1), roles)
    @example([ISSUE_FRAME, *EMPTY.values()], 0, [Role.PROFESSIONAL])
    @example([ISSUE_FRAME, sync(protocol.SYNC_UPDATE, EDITS[0])], 1, [Role.FAMILY, Role.VIEWER])
    def fuzz(drawn: list[bytes], seed: int, roles: list[Role]) -> None:
        loop.run_until_complete(run_example(drawn, seed, roles))

    try:
        fuzz()
    finally:
        loop.close()
    assert Counter.frames >= FRAMES_PER_RUN, Counter.frames
    # The fuzzer reached both outcomes, and refusals of several kinds.
    assert 0 < Counter.refused < Counter.frames
    assert {4400, 4403, 4422} <= set(Counter.codes), Counter.codes


# An update whose structs server/sync/structs.py cannot read (content kind 20; yrs reads only four
# of the five content bits) was handed to yrs, which kept it as "pending": nothing logged,
# yet in the room's state vector and in every sync step 2 from then on, and later
# integrated as text that the log never held.
UNREADABLE = bytes.fromhex("01010d05d40105010206206f6274656f00")


# yrs reserves memory for the counts a state vector or an update declares: these few bytes
# each made the server take 0.5-1 GiB and over a second of the event loop.
HUGE_STATE_VECTOR = write_var_uint(2**29 - 1) + b"\x00"


HUGE_UPDATE = write_var_uint(2**28 - 1) + b"\x00"


def with_room(check: Any, log: Log | None = None) -> None:
    """Run `check(room, journal)` on a room over `log` (a fresh one by default)."""
    the_log = log or Log(BASE)

    async def run() -> None:
        journal = Journal(the_log.write)
        journal.start()
        room = new_room(the_log, journal)
        try:
            await check(room, journal)
        finally:
            await journal.stop()
            room.dispose()

    asyncio.run(run())


def test_an_unreadable_update_leaves_no_trace() -> None:
    async def check(room: Room, journal: Journal) -> None:
        peer = FakePeer(Role.PROFESSIONAL, 1)
        room.join(peer)
        before = fingerprint(room)
        with pytest.raises(Close) as refused:
            room.handle(peer, sync(protocol.SYNC_UPDATE, UNREADABLE))
        assert refused.value.code == UPDATE_REJECTED
        await journal.flush()
        assert fingerprint(room) == before

    with_room(check)


def test_declared_counts_cost_nothing() -> None:
    incomplete = _edits_from(crdt.merge([BASE, EDITS[0]]), 21)[0]  # held: needs EDITS[0]
    cases = [
        (Role.VIEWER, [sync(protocol.SYNC_STEP1, HUGE_STATE_VECTOR)], MALFORMED),
        (Role.PROFESSIONAL, [sync(protocol.SYNC_UPDATE, HUGE_UPDATE)], UPDATE_REJECTED),
        (Role.VIEWER, [sync(protocol.SYNC_STEP2, HUGE_UPDATE)], UPDATE_REJECTED),
        (
            Role.FAMILY,
            [sync(protocol.SYNC_UPDATE, incomplete), sync(protocol.SYNC_UPDATE, HUGE_UPDATE)],
            UPDATE_REJECTED,
        ),
    ]

    async def check(room: Room, journal: Journal) -> None:
        for n, (role, sent, code) in enumerate(cases):
            peer = FakePeer(role, n)
            room.join(peer)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB
            started = time.perf_counter()
            with pytest.raises(Close) as refused:
                for frame in sent:
                    room.handle(peer, frame)
            took = time.perf_counter() - started
            grew = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak
            assert refused.value.code == code
            assert took < 0.25, f"case {n}: {took:.2f} s"
            assert grew < 64 * 1024, f"case {n}: peak memory grew by {grew // 1024} MiB"
            room.leave(peer)

    with_room(check)


ISSUE_FRAME = bytes.fromhex("000106000101010a00")  # sync step 2: client 1 deletes [10, 10)


KNOWN = decode_state_vector(BASE_DOC.get_state())[1]  # client 1's clock in BASE


def _update(structs: list[tuple[int, int, bytes]], deletes: list[tuple[int, int, int]]) -> bytes:
    """A v1 update: one struct per (client, clock, struct bytes), then the delete set."""
    out = write_var_uint(len(structs))
    for client, clock, struct in structs:
        out += write_var_uint(1) + write_var_uint(client) + write_var_uint(clock) + struct
    out += write_var_uint(len(deletes))
    for client, clock, length in deletes:
        out += write_var_uint(client) + write_var_uint(1)
        out += write_var_uint(clock) + write_var_uint(length)
    return out


def _in_root(kind: int, content: bytes) -> bytes:
    return bytes([kind]) + write_var_uint(1) + write_var_string("steps") + content


A_REAL_STRUCT = (77, 0, _in_root(8, write_var_uint(1) + b"\x77" + write_var_string("x")))


# Refused (4422): yrs would change the document without an update event.
EMPTY = {
    "the issue's frame": ISSUE_FRAME,
    "empty range at clock 0": sync(protocol.SYNC_STEP2, _update([], [(1, 0, 0)])),
    "empty range mid-block": sync(protocol.SYNC_UPDATE, _update([], [(1, 12, 0)])),
    "empty range at the end": sync(protocol.SYNC_UPDATE, _update([], [(1, KNOWN - 1, 0)])),
    "empty range past the end": sync(protocol.SYNC_STEP2, _update([], [(1, KNOWN, 0)])),
    "empty range, new client": sync(protocol.SYNC_STEP2, _update([], [(9, 0, 0)])),
    "empty range beside a real one": sync(
        protocol.SYNC_UPDATE, _update([], [(1, 3, 2), (1, 10, 0)])
    ),
    "empty range with a real struct": sync(
        protocol.SYNC_UPDATE, _update([A_REAL_STRUCT], [(1, 10, 0)])
    ),
    "empty GC, next clock": sync(protocol.SYNC_UPDATE, _update([(1, KNOWN, b"\x00\x00")], [])),
    "empty GC, new client": sync(protocol.SYNC_STEP2, _update([(9, 0, b"\x00\x00")], [])),
}


# Let through to yrs, which refuses each of these (a panic, 4422) or changes nothing.
HARMLESS_EMPTY = {
    "empty skip": sync(protocol.SYNC_UPDATE, _update([(9, 0, b"\x0a\x00")], [])),
    "empty deleted item": sync(protocol.SYNC_UPDATE, _update([(9, 0, _in_root(1, b"\x00"))], [])),
    "empty string": sync(
        protocol.SYNC_UPDATE, _update([(9, 0, _in_root(4, write_var_string("")))], [])
    ),
    "empty any": sync(protocol.SYNC_UPDATE, _update([(9, 0, _in_root(8, b"\x00"))], [])),
    "empty string, next clock": sync(
        protocol.SYNC_UPDATE, _update([(1, KNOWN, _in_root(4, write_var_string("")))], [])
    ),
    "empty deleted item, next clock": sync(
        protocol.SYNC_UPDATE, _update([(1, KNOWN, _in_root(1, b"\x00"))], [])
    ),
}


@pytest.mark.parametrize("role", [Role.PROFESSIONAL, Role.VIEWER])
@pytest.mark.parametrize("name", [*EMPTY, *HARMLESS_EMPTY])
def test_empty_structs_and_ranges_never_change_the_room_behind_the_log(
    name: str, role: Role
) -> None:
    log = Log(BASE)

    async def check(room: Room, journal: Journal) -> None:
        peer = FakePeer(role, 1)
        room.join(peer)
        before = fingerprint(room)
        refused: Close | None = None
        try:
            room.handle(peer, {**EMPTY, **HARMLESS_EMPTY}[name])
        except Close as close:
            refused = close
        if name in EMPTY:
            assert refused is not None and refused.code == UPDATE_REJECTED, refused
        elif refused is not None:  # yrs refused it: a panic, or a viewer's "edit"
            assert refused.code in (UPDATE_REJECTED, 4403), refused
        await asyncio.wait_for(room.ready.wait(), 5)
        await journal.flush()
        # Byte for byte: the document is what it was, and what its log rebuilds.
        assert fingerprint(room) == before
        assert crdt.doc_from_updates(log.rows).get_update() == before[1]

    with_room(check, log)
