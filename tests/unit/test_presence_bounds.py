"""Presence is bounded (issue 15.1): one connection announces at most a few clientIDs, each state
is at most MAX_STATE_BYTES, and a room's whole table at most MAX_TABLE_BYTES, so one family or
shared-screen socket cannot grow the server's memory, flood everyone, or send every newcomer
megabytes of fake people. Here the pure checks (no server, database or process); the checks
against a real server and database are in tests/integration/test_presence_bounds.py."""

from __future__ import annotations

from server.sync import awareness, protocol
from server.sync.awareness import MAX_CLIENTS_PER_CONNECTION


def test_too_many_clients_in_one_frame_are_refused_before_any_state_is_parsed() -> None:
    """The cap is counted on the clientIDs alone: a frame claiming five is refused whatever its
    states hold (here the fifth is not even JSON), so it costs no JSON parsing."""
    states = [b'{"cursor":null}'] * MAX_CLIENTS_PER_CONNECTION + [b"{not json"]
    payload = protocol.write_var_uint(len(states)) + b"".join(
        protocol.write_var_uint(10_000 + i) + protocol.write_var_uint(1)
        + protocol.write_var_bytes(raw)
        for i, raw in enumerate(states)
    )  # fmt: skip
    try:
        awareness.decode_update(payload, one_connection=True)
    except awareness.PresenceLimit as refused:
        assert "at most" in str(refused)
    else:
        raise AssertionError("five claimed clientIDs in one frame were accepted")
    # Removals of others (no state) are not claims: a browser relays a timed-out peer's.
    gone = [awareness.Entry(20_000 + i, 2, None) for i in range(8)]
    mine = [awareness.Entry(1, 1, {"cursor": None})]
    decoded = awareness.decode_update(awareness.encode_update(mine + gone), one_connection=True)
    assert len(decoded) == 9


def test_others_entries_passed_on_are_not_claims() -> None:
    """A stock provider passes on what it hears: a newcomer's first frame names everyone
    present. Entries under others' clientIDs are left out unparsed and do not count."""
    theirs = [awareness.Entry(30_000 + i, 3, {"user": {"name": f"P{i}"}}) for i in range(8)]
    mine = [awareness.Entry(7, 1, {"cursor": None})]
    payload = awareness.encode_update(theirs + mine)
    decoded = awareness.decode_update(
        payload, one_connection=True, others=lambda client_id: client_id >= 30_000
    )
    assert [entry.client_id for entry in decoded] == [7]
    # Unknown clientIDs still count: the same frame from a connection that owns none of them
    # claims nine.
    try:
        awareness.decode_update(payload, one_connection=True)
    except awareness.PresenceLimit:
        pass
    else:
        raise AssertionError("nine claimed clientIDs in one frame were accepted")
