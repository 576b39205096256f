"""Updates that arrive before what they build on are held, not handed to yrs (which loses content
integrating several such updates); `structs` reads what an update needs. Here the pure checks
(no server, database or process); the checks against a real server and database are in
tests/integration/test_out_of_order.py."""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text, merge_updates

from server.sync import structs
from tests.out_of_order_cases import offline_session


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
