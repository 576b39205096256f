"""What tests/*/test_fuzz_frames.py shares between its tiers (the pure checks in
tests/unit and the ones against a real server)."""

from __future__ import annotations

import json
import random
from typing import Any

from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text

from server.sync import crdt, protocol
from server.sync.protocol import write_var_bytes, write_var_string, write_var_uint
from server.sync.structs import decode_state_vector


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


def integrated(doc: Doc[Any]) -> tuple[dict[int, int], str]:
    """What a document holds: its state vector and its content (the log may encode the
    same document in other bytes)."""
    vector = decode_state_vector(doc.get_state())
    content = {name: doc.get(name, type=kind).to_py() for name, kind in ROOTS}
    return vector, json.dumps(content, sort_keys=True, default=repr)


ROOTS = [("items", Map), ("meta", Map), ("steps", Array)]
