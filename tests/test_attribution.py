"""Who added each card, as the server saw it: the record says so beside the card's claimed
author, and nobody can write with a Yjs clientID another participant owns."""

from __future__ import annotations

import httpx
from pycrdt import Doc, Map, Text

from server import protocol

from .conftest import RunningServer


async def test_the_record_names_who_added_each_card(server: RunningServer) -> None:
    meeting = await server.meeting()
    sam = await server.client(meeting, "facilitator", name="Sam")
    jo = await server.client(meeting, "family", name="Jo")
    alex = await server.client(meeting, "professional", name="Alex")
    for client in (sam, jo, alex):
        await client.synced.wait()
    # Jo's card claims Sam wrote it; the server knows better.
    jo.items["c1"] = Map({"section": "strengths", "text": Text("Gran helps"), "author": "sam"})
    alex.add_card("c2", "harm", "Missed appointments")
    await sam.wait_for(lambda: set(sam.cards()) == {"c1", "c2"})

    # Another participant writing with Jo's clientID is refused, and nothing of it is kept.
    forged: Doc = Doc(client_id=jo.doc.client_id)
    forged.apply_update(jo.doc.get_update())
    forged.get("items", type=Map)["c3"] = Map({"section": "safety", "text": Text("forged")})
    await alex.send(protocol.encode(protocol.SyncUpdate(forged.get_update(jo.doc.get_state()))))
    await alex.wait_closed()
    assert alex.close_code == 4422 and "another participant" in alex.close_reason

    auth = {"Authorization": f"Bearer {meeting['tokens']['facilitator']}"}
    async with httpx.AsyncClient(base_url=server.address, headers=auth) as http:
        assert (await http.post(f"/api/meetings/{meeting['id']}/end")).status_code == 200
        full = (await http.get(f"/api/meetings/{meeting['id']}/snapshots/1")).json()["map"]
        family = (
            await http.get(
                f"/api/meetings/{meeting['id']}/snapshots/1", params={"variant": "family"}
            )
        ).json()["map"]
    for record in (full, family):
        cards = {c["id"]: c for section in record["sections"].values() for c in section}
        assert set(cards) == {"c1", "c2"}
        assert cards["c1"]["author"] == "sam"  # what the client claimed
        assert cards["c1"]["addedBy"]["name"] == "Jo"  # what the server saw
        assert cards["c2"]["addedBy"] == {
            "id": cards["c2"]["addedBy"]["id"],
            "name": "Alex",
            "role": "professional",
        }
