"""Who added each card, as the server saw it: the record says so beside the card's claimed
author, and nobody can write with (or appear under) a Yjs clientID another participant owns,
whether they used it first in presence or in an update, here, after a restart or on another
process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import jsonschema
from pycrdt import Doc, Map, Text

from server.sync import awareness, protocol
from tests.attribution_cases import forged_edit, present
from tests.conftest import RunningServer, running_server
from tests.integration.test_export import SCHEMA, run_export
from tests.waiting import within


async def test_the_record_names_who_added_each_card(server: RunningServer) -> None:
    meeting = await server.meeting()
    sam = await server.client(meeting, "facilitator", name="Sam")
    jo = await server.client(meeting, "family", name="Jo")
    alex = await server.client(meeting, "professional", name="Alex")
    for client in (sam, jo, alex):
        await within(client.synced.wait(), 20, "client synced")
    # Jo's card names no author (a client may leave it out); the server knows who added it.
    jo.items["c1"] = Map({"section": "strengths", "text": Text("Gran helps")})
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
        assert not cards["c1"].get("author")  # what the card itself says: nobody
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
        await within(client.synced.wait(), 20, "client synced")
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


async def test_a_client_id_seen_in_presence_is_its_owners_for_good(server: RunningServer) -> None:
    """The issue's attack: a family member writes one tiny update under the facilitator's
    clientID, which everyone sees in presence. Only the family member is refused; the
    facilitator keeps editing, also after reconnecting, and nobody appears under it."""
    meeting = await server.meeting()
    sam = await server.client(meeting, "facilitator", name="Sam Example")
    jo = await server.client(meeting, "family", name="Jo Example")
    screen = await server.client(meeting, "viewer", name="Screen")
    for client in (sam, jo, screen):
        await within(client.synced.wait(), 20, "client synced")
    await present(sam, jo)  # Sam has not written anything yet: only presence names the ID

    await jo.send(forged_edit(sam, jo, "forged"))
    await jo.wait_closed()
    assert jo.close_code == 4422 and "another participant" in jo.close_reason

    sam.add_card("first", "strengths", "Gran collects the children")
    await screen.wait_for(lambda: "first" in screen.cards())
    await sam.disconnect()
    await screen.wait_for(lambda: screen.presence.get(sam.doc.client_id) is None)  # gone
    await sam.connect()  # the same Yjs document, so the same clientID
    await within(sam.synced.wait(), 20, "sam synced")
    await present(sam, screen)
    sam.add_card("second", "goals", "Mia sleeps at home")
    await screen.wait_for(lambda: "second" in screen.cards())
    assert not sam.closed.is_set(), sam.close_reason
    assert "forged" not in screen.cards()

    # Once Sam has gone, Jo (on a new connection) cannot appear under that clientID either.
    await sam.disconnect()
    await screen.wait_for(lambda: screen.presence.get(sam.doc.client_id) is None)
    jo_again = await server.client(meeting, "family", name="Jo Example")
    await within(jo_again.synced.wait(), 20, "jo_again synced")
    entry = awareness.Entry(sam.doc.client_id, 10**9, {"cursor": "here"})
    payload = awareness.encode_update([entry])
    await jo_again.send(protocol.encode(protocol.AwarenessUpdate(payload)))
    await present(jo_again, screen)  # sent after it: heard once the forgery was handled
    assert screen.presence.get(sam.doc.client_id) is None
    assert not jo_again.closed.is_set()  # stock clients pass on what they hear: no reason
    for client in (jo_again, screen):
        await client.disconnect()


async def test_a_client_id_bound_by_presence_is_kept_across_a_restart(tmp_path: Path) -> None:
    """The binding is in the writers table: after the room unloads and the server restarts,
    the clientID the facilitator only appeared with is still theirs."""
    data = tmp_path / "data"
    async with running_server(data) as first:
        meeting = await first.meeting()
        sam = await first.client(meeting, "facilitator", name="Sam Example")
        screen = await first.client(meeting, "viewer", name="Screen")
        await within(sam.synced.wait(), 20, "sam synced")
        await within(screen.synced.wait(), 20, "screen synced")
        await present(sam, screen)
        await sam.disconnect()
        await screen.disconnect()
    async with running_server(data) as second:
        jo = await second.client(meeting, "family", name="Jo Example")
        await within(jo.synced.wait(), 20, "jo synced")
        await jo.send(forged_edit(sam, jo, "forged"))
        await jo.wait_closed()
        assert jo.close_code == 4422 and "another participant" in jo.close_reason
        sam.url = sam.url.replace(first.ws_url, second.ws_url)  # the same Yjs document
        await sam.connect()
        await within(sam.synced.wait(), 20, "sam synced")
        sam.add_card("mine", "strengths", "Gran collects the children")
        check = await second.client(meeting, "viewer", name="Checker")
        await check.wait_for(lambda: set(check.cards()) == {"mine"})
        assert not sam.closed.is_set(), sam.close_reason
        for client in (sam, check):
            await client.disconnect()
