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
import json
import logging
import random
import resource
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text

from server.board.permissions import Layer, Role, Status
from server.live.journal import Journal
from server.live.room import Room
from server.sync import crdt, protocol
from server.sync.closes import MALFORMED, UPDATE_REJECTED, Close
from server.sync.protocol import write_var_bytes, write_var_string, write_var_uint
from server.sync.structs import decode_state_vector

from .conftest import RunningServer, running_server

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


# Real material to mutate: updates and state vectors made by real pycrdt documents -------


def _base_doc() -> Doc[Any]:
    doc: Doc[Any] = Doc(client_id=1)
    items = doc.get("items", type=Map)
    for i, (section, text) in enumerate(
        [("harm", "Dad shouts at night"), ("strengths", "Nan visits weekly"), ("goals", "Sleep")]
    ):
        items[f"c{i}"] = Map({"section": section, "text": Text(text), "order": f"a{i}"})
    doc.get("meta", type=Map)["title"] = "Fuzz meeting (example)"
    doc.get("steps", type=Array).append("Call Gran")
    return doc


BASE_DOC = _base_doc()
BASE = BASE_DOC.get_update()


def _edits_from(state: bytes, client_id: int) -> list[bytes]:
    """Updates one client might send after syncing `state`, each made against the last."""
    doc: Doc[Any] = Doc(client_id=client_id)
    doc.apply_update(state)
    items = doc.get("items", type=Map)
    made = []

    def step(change: Any) -> None:
        before = doc.get_state()
        change()
        made.append(doc.get_update(before))

    step(lambda: items.__setitem__(f"n{client_id}", Map({"section": "safety", "text": Text("Hi")})))
    step(lambda: items["c0"]["text"].insert(3, " often"))
    step(lambda: items["c1"]["text"].__delitem__(slice(0, 4)))
    step(lambda: items.pop("c2"))
    step(lambda: doc.get("meta", type=Map).__setitem__("scale", 7))
    step(lambda: doc.get("steps", type=Array).append({"who": "Jo", "when": 3.5, "ok": True}))
    step(lambda: items[f"n{client_id}"]["text"].insert(2, " there 🌱"))
    return made


EDITS = [update for client in (11, 12, 13) for update in _edits_from(BASE, client)]
UPDATES = [BASE, crdt.EMPTY_UPDATE, *EDITS, crdt.merge([BASE, *EDITS[:7]])]
STATE_VECTORS = [b"\x00", BASE_DOC.get_state(), Doc().get_state()]


# Strategies --------------------------------------------------------------------------------

var_uints = st.one_of(st.integers(0, 130), st.integers(0, 2**53))
small_bytes = st.binary(max_size=48)


@st.composite
def mutated(draw: st.DrawFn, pool: list[bytes]) -> bytes:
    """A real sample with a few bit flips, a cut, a splice or a length change."""
    data = bytearray(draw(st.sampled_from(pool)))
    for _ in range(draw(st.integers(0, 4))):
        if data:
            at = draw(st.integers(0, len(data) - 1))
            data[at] ^= 1 << draw(st.integers(0, 7))
    how = draw(st.sampled_from(["keep", "cut", "splice", "insert", "drop_head"]))
    if how == "cut" and data:
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif how == "splice":
        other = draw(st.sampled_from(pool))
        data = data[: draw(st.integers(0, len(data)))] + other[draw(st.integers(0, len(other))) :]
    elif how == "insert":
        at = draw(st.integers(0, len(data)))
        data[at:at] = draw(small_bytes)
    elif how == "drop_head" and data:
        data = data[1:]
    return bytes(data)


def sync(step: int, payload: bytes) -> bytes:
    return bytes([protocol.MESSAGE_SYNC, step]) + write_var_bytes(payload)


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


@st.composite
def awareness_frames(draw: st.DrawFn) -> bytes:
    entries = []
    for _ in range(draw(st.integers(0, 3))):
        state = draw(
            st.one_of(
                json_values.map(json.dumps),  # any JSON, objects or not
                st.dictionaries(st.text(max_size=6), json_values, max_size=4).map(json.dumps),
                st.just("null"),
                st.just('{"user": {"name": "Sam", "role": "facilitator", "color": "#f00"}}'),
                st.text(max_size=16),  # not JSON at all
            )
        )
        entries.append(
            write_var_uint(draw(var_uints))
            + write_var_uint(draw(var_uints))
            + write_var_string(state)
        )
    count = len(entries) + draw(st.sampled_from([0, 0, 0, 1, -1])) if entries else 0
    payload = write_var_uint(max(count, 0)) + b"".join(entries)
    if draw(st.booleans()) and payload:
        payload = draw(mutated([payload]))
    return bytes([protocol.MESSAGE_AWARENESS]) + write_var_bytes(payload)


@st.composite
def envelopes(draw: st.DrawFn) -> bytes:
    """A y-protocols envelope with a random or wrong type, step, length and payload."""
    kind = draw(st.one_of(st.sampled_from([0, 0, 1, 2, 3]), var_uints))
    head = write_var_uint(kind)
    if kind == protocol.MESSAGE_SYNC:
        head += write_var_uint(draw(st.one_of(st.sampled_from([0, 1, 2]), var_uints)))
    payload = draw(small_bytes)
    length = draw(st.one_of(st.just(len(payload)), var_uints))
    tail = draw(st.sampled_from([b"", b"", b"\x00", b"\xff"]))
    return head + write_var_uint(length) + payload + tail


truncated_varints = st.builds(
    lambda prefix, n, end: prefix + b"\x80" * n + end,
    st.sampled_from([b"", b"\x00", b"\x00\x02", b"\x00\x00", b"\x01", b"\x02\x00"]),
    st.integers(1, 12),
    st.sampled_from([b"", b"\x01", b"\x7f\x00"]),
)

frames = st.one_of(
    st.binary(max_size=64),
    envelopes(),
    truncated_varints,
    st.sampled_from(UPDATES).map(lambda u: sync(protocol.SYNC_UPDATE, u)),
    mutated(UPDATES).map(lambda u: sync(protocol.SYNC_UPDATE, u)),
    mutated(UPDATES).map(lambda u: sync(protocol.SYNC_STEP2, u)),
    mutated(STATE_VECTORS).map(lambda sv: sync(protocol.SYNC_STEP1, sv)),
    mutated([sync(protocol.SYNC_UPDATE, u) for u in EDITS]),  # flips in the envelope too
    awareness_frames(),
    st.just(bytes([protocol.MESSAGE_QUERY_AWARENESS])),
    st.just(protocol.encode(protocol.PermissionDenied("let me in"))),
)


# The bulk: the same families from a seeded generator (Hypothesis draws the seed) -------
#
# Hypothesis's own generation costs ~1 ms a frame; 100,000 frames in well under a minute need
# a plainer source. Each example mixes a few Hypothesis-drawn frames (shrinkable) with
# GENERATED frames from `random.Random(seed)`, so a failure names its seed and frame.


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    pick = rng.randrange(9 if depth < 3 else 5)
    if pick == 0:
        return None
    if pick == 1:
        return rng.random() < 0.5
    if pick == 2:
        return rng.randint(-(2**62), 2**62)
    if pick == 3:
        return rng.uniform(-1e300, 1e300)
    if pick == 4:
        return (
            "".join(
                chr(rng.choice([rng.randrange(32, 127), rng.randrange(0x80, 0x2FFFF)]))
                for _ in range(rng.randrange(8))
            )
            .encode("utf-8", "replace")
            .decode()
        )
    if pick in (5, 6):
        return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]
    return {str(rng.randrange(100)): _random_json(rng, depth + 1) for _ in range(rng.randrange(4))}


def _random_bytes(rng: random.Random, most: int) -> bytes:
    return rng.randbytes(rng.randrange(most + 1))


def _mutate(rng: random.Random, sample: bytes, pool: list[bytes]) -> bytes:
    data = bytearray(sample)
    for _ in range(rng.randrange(5)):
        if data:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    how = rng.randrange(6)
    if how == 1 and data:
        del data[rng.randrange(len(data)) :]
    elif how == 2:
        other = rng.choice(pool)
        data = data[: rng.randrange(len(data) + 1)] + other[rng.randrange(len(other) + 1) :]
    elif how == 3:
        at = rng.randrange(len(data) + 1)
        data[at:at] = _random_bytes(rng, 16)
    elif how == 4 and data:
        del data[rng.randrange(len(data))]
    return bytes(data)


def _awareness(rng: random.Random) -> bytes:
    entries = []
    for _ in range(rng.randrange(4)):
        kind = rng.randrange(5)
        if kind == 0:
            state = "null"
        elif kind == 1:
            state = _random_bytes(rng, 12).decode("latin-1")  # not JSON, mostly
        else:
            value = _random_json(rng)
            state = json.dumps({"user": value} if kind == 2 else value)
        client = rng.choice([rng.randrange(4), rng.randrange(2**32), rng.randrange(2**53)])
        clock = rng.choice([0, 1, rng.randrange(2**53)])
        entries.append(write_var_uint(client) + write_var_uint(clock) + write_var_string(state))
    payload = write_var_uint(len(entries) + rng.choice([0, 0, 0, 1])) + b"".join(entries)
    if rng.random() < 0.3:
        payload = _mutate(rng, payload, [payload])
    return bytes([protocol.MESSAGE_AWARENESS]) + write_var_bytes(payload)


def _envelope(rng: random.Random) -> bytes:
    kind = rng.choice([0, 0, 1, 2, 3, rng.randrange(2**20)])
    head = write_var_uint(kind)
    if kind == protocol.MESSAGE_SYNC:
        head += write_var_uint(rng.choice([0, 1, 2, rng.randrange(300)]))
    payload = _random_bytes(rng, 48)
    length = rng.choice([len(payload), len(payload), rng.randrange(2**35)])
    return head + write_var_uint(length) + payload + rng.choice([b"", b"", b"\x00", b"\xff"])


def generated(rng: random.Random) -> bytes:
    family = rng.randrange(10)
    if family == 0:
        return _random_bytes(rng, 64)
    if family == 1:
        return _envelope(rng)
    if family == 2:
        prefix = rng.choice([b"", b"\x00", b"\x00\x02", b"\x00\x00", b"\x01", b"\x02\x00"])
        return prefix + b"\x80" * rng.randrange(1, 12) + rng.choice([b"", b"\x01"])
    if family == 3:
        return sync(protocol.SYNC_UPDATE, rng.choice(UPDATES))
    if family in (4, 5):
        step = rng.choice([protocol.SYNC_UPDATE, protocol.SYNC_STEP2])
        return sync(step, _mutate(rng, rng.choice(UPDATES), UPDATES))
    if family == 6:
        return sync(protocol.SYNC_STEP1, _mutate(rng, rng.choice(STATE_VECTORS), STATE_VECTORS))
    if family == 7:
        return _mutate(rng, rng.choice(EDIT_FRAMES), EDIT_FRAMES)
    if family == 8:
        return _awareness(rng)
    return rng.choice([bytes([protocol.MESSAGE_QUERY_AWARENESS]), DENIED])


DENIED = protocol.encode(protocol.PermissionDenied("let me in"))
EDIT_FRAMES = [sync(protocol.SYNC_UPDATE, update) for update in EDITS]


# A room on a real Journal over an in-memory update log --------------------------------------


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


def integrated(doc: Doc[Any]) -> tuple[dict[int, int], str]:
    """What a document holds: its state vector and its content (the log may encode the
    same document in other bytes)."""
    vector = decode_state_vector(doc.get_state())
    content = {name: doc.get(name, type=kind).to_py() for name, kind in ROOTS}
    return vector, json.dumps(content, sort_keys=True, default=repr)


ROOTS = [("items", Map), ("meta", Map), ("steps", Array)]


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


# Over real websockets to a real server ---------------------------------------------------

WIRE_FRAMES = 2_000
PROBE = bytes([protocol.MESSAGE_QUERY_AWARENESS])


def wire_frame(rng: random.Random) -> bytes:
    """Mostly frames a server must accept, a third of anything: each refusal costs a
    reconnect (~20 ms), and accepted frames are what a hostile peer would really send."""
    if rng.random() < 0.35:
        return generated(rng)
    pick = rng.randrange(4)
    if pick == 0:
        return sync(protocol.SYNC_UPDATE, rng.choice(UPDATES))
    if pick == 1:
        return sync(protocol.SYNC_STEP1, rng.choice(STATE_VECTORS))
    if pick == 2:
        state = {"user": _random_json(rng), "cursor": _random_json(rng)}
        entry = write_var_uint(rng.randrange(2**32)) + write_var_uint(rng.randrange(9))
        payload = write_var_uint(1) + entry + write_var_string(json.dumps(state))
        return bytes([protocol.MESSAGE_AWARENESS]) + write_var_bytes(payload)
    return PROBE


async def fuzz_connection(
    srv: RunningServer, meeting: dict[str, Any], role: str, frames: list[bytes]
) -> list[tuple[int | None, str]]:
    """Send each frame, then a probe that answers once the frame was handled; reconnect
    whenever the server closes. Returns every close (code, reason)."""
    closes: list[tuple[int | None, str]] = []
    client = await srv.client(meeting, role, name=f"Fuzzer {role}")
    try:
        for frame in frames:
            if client.closed.is_set():
                closes.append((client.close_code, client.close_reason))
                await client.connect()
            heard = len(client.received)
            await client.send(frame)
            await client.send(PROBE)
            await client.wait_for(
                lambda c=client, n=heard: (
                    c.closed.is_set()  # type: ignore[misc]
                    or any(f[0] == protocol.MESSAGE_AWARENESS for f in c.received[n:])
                ),
                timeout=10,
            )
        if client.closed.is_set():
            closes.append((client.close_code, client.close_reason))
    finally:
        await client.disconnect()
    return closes


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    # Hundreds of reconnects and fast frames on purpose: the rate limits must not cut in.
    async with running_server(
        tmp_path,
        SAFETYMAP_MESSAGE_LIMIT="0/1",
        SAFETYMAP_JOIN_LIMIT="0/1",
        SAFETYMAP_LINK_JOIN_LIMIT="0/1",
        SAFETYMAP_PARTICIPANT_BYTE_LIMIT="0/1",
    ) as running:
        yield running


async def test_a_real_server_survives_fuzzed_frames(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    meeting = await server.meeting()
    witness = await server.client(meeting, "facilitator", name="Sam")
    await asyncio.wait_for(witness.synced.wait(), 5)
    witness.add_card("base", "strengths", "Nan visits weekly")
    rng = random.Random(2026)
    frames = [wire_frame(rng) for _ in range(WIRE_FRAMES)]
    # Four connections at once: editors and a viewer, each with its share of the frames.
    roles = ["professional", "family", "viewer", "facilitator"]
    shares = [frames[n :: len(roles)] for n in range(len(roles))]
    runs = [fuzz_connection(server, meeting, r, f) for r, f in zip(roles, shares, strict=True)]
    results = await asyncio.gather(*runs)
    closes = [close for result in results for close in result]
    assert closes, "the fuzzer never had a frame refused"
    for code, reason in closes:
        assert code is not None and 4000 <= code <= 4999, (code, reason)
        assert reason.strip()

    # The room is intact: what a newcomer syncs is what the witness saw, and what the log holds.
    assert not witness.closed.is_set()
    witness.add_card("after", "goals", "Mia sleeps at home")
    fresh = await server.client(meeting, "viewer", name="Checker")
    await asyncio.wait_for(fresh.synced.wait(), 5)
    await fresh.wait_for(lambda: "after" in fresh.cards())
    await witness.wait_for(lambda: witness.dump() == fresh.dump())
    assert {"base", "after"} <= set(fresh.cards())
    await server.services.journal.flush()
    logged_doc = crdt.doc_from_updates(await server.services.store.load(meeting["id"], Layer.MAIN))
    assert integrated(logged_doc) == integrated(fresh.doc)
    async with httpx.AsyncClient(base_url=server.address) as http:
        assert (await http.get("/healthz")).status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "server errors logged"
    for client in (witness, fresh):
        await client.disconnect()


# Found by this fuzzer --------------------------------------------------------------------

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


# Empty structs and empty deleted ranges: what yrs would apply without reporting a change ----
#
# Yjs never writes either. yrs applies them but fires no update event (a zero-length deleted
# range splits the block at its clock; a zero-length GC struct is kept, and a later encoding
# panics), so the room's document would change while the log stays as it was. These run as
# explicit examples whatever Hypothesis version is installed.

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
