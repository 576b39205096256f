"""Presence: the awareness codec and table without sockets, then one live check of identities."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.sync.awareness import AwarenessTable, Entry, decode_update, encode_update, stamp
from server.sync.protocol import ProtocolError, write_var_string, write_var_uint

SAM = {"id": "p-sam", "name": "Sam", "role": "facilitator"}


JO = {"id": "p-jo", "name": "Jo", "role": "family", "relationship": "aunt"}


json_scalars = st.none() | st.booleans() | st.integers(-(2**31), 2**31) | st.text(max_size=20)


json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=10,
)


states = st.none() | st.dictionaries(st.text(max_size=10), json_values, max_size=5)


entries = st.builds(
    Entry,
    st.integers(min_value=0, max_value=2**53 - 1),
    st.integers(min_value=0, max_value=2**53 - 1),
    states,
)


def raw_update(*items: tuple[int, int, str]) -> bytes:
    """An awareness update with the state JSON written by hand (so it can be wrong)."""
    parts = [write_var_uint(len(items))]
    for client_id, clock, state in items:
        parts += [write_var_uint(client_id), write_var_uint(clock), write_var_string(state)]
    return b"".join(parts)


@settings(max_examples=60)
@given(st.lists(entries, max_size=6))
def test_update_round_trip(items: list[Entry]) -> None:
    assert decode_update(encode_update(items)) == items


def test_update_bytes_match_y_protocols() -> None:
    encoded = encode_update([Entry(5, 2, {"a": 1}), Entry(300, 0, None)])
    assert encoded == raw_update((5, 2, '{"a":1}'), (300, 0, "null"))
    assert encoded[:1] == b"\x02"


@pytest.mark.parametrize(
    ("payload", "error"),
    [
        (raw_update((1, 1, "{not json")), "not JSON"),
        (raw_update((1, 1, "[1, 2]")), "not an object"),
        (raw_update((1, 1, '"text"')), "not an object"),
        (raw_update((1, 1, "42")), "not an object"),
        (write_var_uint(1) + write_var_uint(1) + write_var_uint(1) + b"\x02\xff\xfe", "UTF-8"),
        (raw_update((1, 1, "{}")) + b"\x00", "trailing bytes"),
        (write_var_uint(2) + raw_update((1, 1, "{}"))[1:], "truncated varint"),
        (b"", "truncated varint"),
        (write_var_uint(1) + write_var_uint(1) + write_var_uint(1) + b"\x09{}", "declared length"),
    ],
)
def test_malformed_updates_are_refused(payload: bytes, error: str) -> None:
    with pytest.raises(ProtocolError, match=error):
        decode_update(payload)


def test_stamp_replaces_claimed_name_and_role() -> None:
    claimed = {"user": {"name": "Fake", "role": "facilitator", "id": "p-sam"}, "cursor": 3}
    stamped = stamp(claimed, JO)
    assert stamped == {"user": JO, "cursor": 3}
    assert claimed["user"]["name"] == "Fake"  # the client's dict is not modified


def test_stamp_keeps_only_short_colours_from_the_client() -> None:
    claimed = {"user": {"color": "#30bced", "colorLight": "#30bced33", "avatar": "x.png"}}
    assert stamp(claimed, SAM)["user"] == {**SAM, "color": "#30bced", "colorLight": "#30bced33"}
    too_long = {"user": {"color": "x" * 33, "colorLight": 7}}
    assert stamp(too_long, SAM)["user"] == SAM


@pytest.mark.parametrize("user", [None, "Fake", ["Fake"], 1])
def test_stamp_adds_user_whatever_was_claimed(user: Any) -> None:
    assert stamp({"user": user, "x": 1}, SAM) == {"user": SAM, "x": 1}
    assert stamp({}, SAM) == {"user": SAM}


@settings(max_examples=60)
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=5))
def test_stamped_user_is_always_the_servers_record(state: dict[str, Any]) -> None:
    user = stamp(state, JO)["user"]
    assert {k: user[k] for k in JO} == JO
    assert set(user) <= {*JO, "color", "colorLight"}


def test_a_connection_cannot_overwrite_another_connections_client_id() -> None:
    table = AwarenessTable()
    sam, jo = object(), object()
    [mine] = table.apply(sam, [Entry(11, 1, {"cursor": "a"})], SAM)
    assert table.apply(jo, [Entry(11, 9, {"cursor": "hijack"})], JO) == []
    assert table.apply(jo, [Entry(11, 10, None)], JO) == []  # nor make it leave
    assert table.present() == [mine]
    assert mine.state == {"cursor": "a", "user": SAM}


def test_first_connection_to_use_a_client_id_owns_it_until_it_leaves() -> None:
    table = AwarenessTable()
    sam, jo = object(), object()
    table.apply(sam, [Entry(11, 1, {})], SAM)
    accepted = table.apply(jo, [Entry(11, 2, {}), Entry(22, 1, {})], JO)
    assert [e.client_id for e in accepted] == [22]  # one good entry in a mixed batch still counts
    table.remove_owner(sam)
    [taken] = table.apply(jo, [Entry(11, 1, {"cursor": "b"})], JO)
    assert taken.state == {"cursor": "b", "user": JO}


def test_user_is_stamped_from_the_server_identity() -> None:
    table = AwarenessTable()
    claimed = {"user": {"name": "Fake", "role": "facilitator", "color": "#ee6352"}}
    [entry] = table.apply("jo", [Entry(7, 1, claimed)], JO)
    assert entry.state is not None
    assert entry.state["user"] == {**JO, "color": "#ee6352"}
    assert table.present() == [entry]


def test_stale_and_repeated_clocks_are_dropped() -> None:
    table = AwarenessTable()
    table.apply("sam", [Entry(7, 5, {"v": 5})], SAM)
    assert table.apply("sam", [Entry(7, 5, {"v": "again"})], SAM) == []
    assert table.apply("sam", [Entry(7, 4, {"v": "old"})], SAM) == []
    assert [e.state for e in table.present()] == [{"v": 5, "user": SAM}]
    [newer] = table.apply("sam", [Entry(7, 6, {"v": 6})], SAM)
    assert newer.clock == 6
    assert table.present() == [newer]


def test_a_null_state_means_gone_from_present() -> None:
    table = AwarenessTable()
    table.apply("sam", [Entry(7, 1, {"v": 1})], SAM)
    [left] = table.apply("sam", [Entry(7, 2, None)], SAM)
    assert left == Entry(7, 2, None)
    assert table.present() == []
    assert table.remove_owner("sam") == []  # already gone: nothing more to announce


def test_remove_owner_emits_removals_for_every_client_of_that_connection() -> None:
    table = AwarenessTable()
    table.apply("sam", [Entry(1, 3, {}), Entry(2, 8, {})], SAM)
    table.apply("jo", [Entry(3, 1, {})], JO)
    removals = table.remove_owner("sam")
    assert sorted(removals, key=lambda e: e.client_id) == [Entry(1, 4, None), Entry(2, 9, None)]
    assert [e.client_id for e in table.present()] == [3]
    assert table.remove_owner("sam") == []
    assert table.remove_owner("nobody") == []


def test_removals_are_accepted_by_a_stock_peer_clock_rule() -> None:
    # y-protocols applies an update only if its clock is newer: a removal must be newer too.
    table = AwarenessTable()
    [entry] = table.apply("sam", [Entry(1, 3, {})], SAM)
    [removal] = table.remove_owner("sam")
    assert removal.clock > entry.clock
    assert decode_update(encode_update([removal])) == [removal]


def test_relayed_left_entries_do_not_claim_a_client_id() -> None:
    """y-websocket clients pass on others' "left" entries; that must not take the clientID."""
    table = AwarenessTable()
    ana, jo, ana_again = object(), object(), object()
    table.apply(ana, [Entry(264, 1, {"user": {}})], {"name": "Ana"})
    gone = table.remove_owner(ana)
    assert [(e.client_id, e.state) for e in gone] == [(264, None)]
    assert table.apply(jo, gone, {"name": "Jo"}) == []  # passed on by Jo: ignored
    back = table.apply(ana_again, [Entry(264, 1, {"user": {}})], {"name": "Ana"})
    assert [e.state["user"]["name"] for e in back if e.state] == ["Ana"]
    # Relayed with a clock above the "left" entry, so every other client shows Ana again.
    assert back[0].clock > gone[0].clock


@pytest.mark.parametrize(
    "raw", ['{"cursor": NaN}', '{"x": Infinity}', "[" * 100_000 + "]" * 100_000]
)
def test_states_browsers_could_not_parse_are_refused(raw: str) -> None:
    payload = write_var_uint(1) + write_var_uint(5) + write_var_uint(1) + write_var_string(raw)
    with pytest.raises(ProtocolError):
        decode_update(payload)
