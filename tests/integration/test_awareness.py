"""Presence: the awareness codec and table without sockets, then one live check of identities.
Here the checks against a real server and database; the pure checks (no server, database or
process) are in tests/unit/test_awareness.py."""

from __future__ import annotations

import asyncio

from server.sync import protocol
from server.sync.awareness import Entry, encode_update
from tests.conftest import RunningServer


async def test_presence_shows_server_identities_and_cannot_be_hijacked(
    server: RunningServer,
) -> None:
    meeting = await server.meeting()
    a = await server.client(meeting, "facilitator", name="Sam")
    b = await server.client(meeting, "family", name="Jo")
    c = await server.client(meeting, "viewer", name="Wall screen")
    for client in (a, b, c):
        await asyncio.wait_for(client.synced.wait(), 5)
    a_id, b_id = a.doc.client_id, b.doc.client_id

    await b.set_presence({"user": {"name": "Fake", "role": "facilitator"}, "card": "c1"}, 1)
    await a.wait_for(lambda: a.presence.get(b_id) is not None)
    b_seen = a.presence[b_id]
    assert b_seen is not None
    assert b_seen["user"]["name"] == "Jo"
    assert b_seen["user"]["role"] == "family"
    assert b_seen["card"] == "c1"

    await a.set_presence({"user": {"name": "Sam"}, "card": "c2"}, 1)
    await c.wait_for(lambda: a_id in c.presence)
    a_seen = c.presence[a_id]
    assert a_seen is not None
    assert (a_seen["user"]["name"], a_seen["user"]["role"]) == ("Sam", "facilitator")

    # B speaks for A's clientID, with a newer clock, then moves its own cursor as a marker:
    # frames from one connection are handled and relayed in order, so once C has the
    # marker, C would already have the forgery if the server had let it through.
    forged = {"user": {"name": "Sam", "role": "facilitator"}, "card": "forged"}
    await b.send(_awareness_frame([Entry(a_id, 50, forged)]))
    await b.set_presence({"card": "marker"}, 2)
    await c.wait_for(lambda: (c.presence.get(b_id) or {}).get("card") == "marker")
    assert c.presence[a_id] == a_seen
    assert not b.closed.is_set()

    late = await server.client(meeting, "professional", name="Alex")
    await late.wait_for(lambda: a_id in late.presence and b_id in late.presence)
    assert late.presence[a_id] == a_seen
    late_b = late.presence[b_id]
    assert late_b is not None
    assert (late_b["user"]["name"], late_b["user"]["role"]) == ("Jo", "family")

    await b.disconnect()
    await c.wait_for(lambda: c.presence.get(b_id, "here") is None)
    assert c.presence[a_id] == a_seen
    for client in (a, c, late):
        await client.disconnect()


def _awareness_frame(items: list[Entry]) -> bytes:
    return protocol.encode(protocol.AwarenessUpdate(encode_update(items)))
