"""Who added each card, as the server saw it: the record says so beside the card's claimed
author, and nobody can write with a Yjs clientID another participant owns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema
from pycrdt import Doc, Map, Text

from server import protocol

from .conftest import RunningServer
from .test_export import SCHEMA, run_export


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


async def test_cards_sharing_an_id_across_layers_keep_their_own_writers(
    server: RunningServer, tmp_path: Path
) -> None:
    """A main-layer card and a professionals-only card with the same id: each names the
    person who wrote it, in the full and the family snapshot and export alike."""
    meeting = await server.meeting()
    jo = await server.client(meeting, "family", name="Jo Example")
    alex = await server.client(meeting, "professional", layer="professional", name="Alex Example")
    for client in (jo, alex):
        await client.synced.wait()
    jo.add_card("same", "strengths", "Gran collects the children")
    alex.add_card("same", "harm", "Referral from school")
    main_check = await server.client(meeting, "facilitator", name="Sam")
    pro_check = await server.client(meeting, "facilitator", layer="professional", name="Sam")
    await main_check.wait_for(lambda: set(main_check.cards()) == {"same"})
    await pro_check.wait_for(lambda: set(pro_check.cards()) == {"same"})

    auth = {"Authorization": f"Bearer {meeting['tokens']['facilitator']}"}
    snapshot_url = f"/api/meetings/{meeting['id']}/snapshots/1"
    async with httpx.AsyncClient(base_url=server.address, headers=auth) as http:
        assert (await http.post(f"/api/meetings/{meeting['id']}/end")).status_code == 200
        full = (await http.get(snapshot_url)).json()["map"]
        family = (await http.get(snapshot_url, params={"variant": "family"})).json()["map"]
    full_export = json.loads(
        await run_export(server, meeting["id"], tmp_path / "full.json", "--format", "json")
    )
    family_export = json.loads(
        await run_export(
            server, meeting["id"], tmp_path / "family.json", "--format", "json", "--family"
        )
    )

    def writers(record: dict[str, Any]) -> dict[tuple[str, str], tuple[str, str] | None]:
        jsonschema.validate(record, SCHEMA)
        return {
            (card["layer"], card["id"]): (
                (card["addedBy"]["name"], card["addedBy"]["role"]) if "addedBy" in card else None
            )
            for section in record["sections"].values()
            for card in section
        }

    both = {
        ("main", "same"): ("Jo Example", "family"),
        ("professional", "same"): ("Alex Example", "professional"),
    }
    assert writers(full) == both
    assert writers(full_export) == both
    for copy in (family, family_export):
        assert writers(copy) == {("main", "same"): ("Jo Example", "family")}
        assert "Alex Example" not in json.dumps(copy["sections"])
