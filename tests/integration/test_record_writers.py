"""The record names writers as the server saw them (issue 14 parts 2 and 3): who added each card
and everyone who wrote in it after; a withdrawn card stays in the record, in its own list, with
who withdrew it; a goal answering a withdrawn worry says so; the withdrawal is in the audit
trail with no card text; and a card's own `author`, where it disagrees with the server, is
never printed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import jsonschema
from pycrdt import Doc, Map, Text

from server.board.permissions import Layer
from server.store import LogEntry, audit
from tests.conftest import RunningServer
from tests.integration.test_export import SCHEMA, run_export
from tests.waiting import within
from tests.yclient import YClient

AT = "2026-05-12T10:00:00+01:00"


async def person(server: RunningServer, meeting: dict[str, Any], role: str, name: str,
                 relationship: str = "") -> YClient:  # fmt: skip
    client = YClient(server.ws_url, meeting["id"], meeting["tokens"][role], name=name)
    if relationship:
        client.url += f"&relationship={relationship}"
    await client.connect()
    await within(client.synced.wait(), 20, "client synced")
    return client


def card(author: str, section: str, text: str, **more: Any) -> Map[Any]:
    fields = {"section": section, "text": Text(text), "order": "a0", "author": author}
    return Map({**fields, "createdAt": AT, **more})


def cards_of(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for section in record["sections"].values() for c in section}


async def test_the_record_says_who_wrote_edited_and_withdrew_each_card(
    server: RunningServer, tmp_path: Path
) -> None:
    meeting = await server.meeting()
    sam = await person(server, meeting, "facilitator", "Sam Taylor")
    kelly = await person(server, meeting, "family", "Kelly Brown", "Mum")
    dana = await person(server, meeting, "professional", "DC Dana Reid")
    ids = {c: await c.whoami() for c in (sam, kelly, dana)}

    # Kelly writes a worry; Dana adds to its words. Dana writes a danger statement and Sam a
    # goal that answers it; Kelly withdraws Dana's statement instead of deleting it.
    kelly.items["w1"] = card(ids[kelly], "complicating", "Money is tight")
    await dana.wait_for(lambda: "w1" in dana.cards())
    words = dana.items["w1"]["text"]
    words.insert(len(words), " since the move")
    dana.items["d1"] = card(ids[dana], "danger", "Police worry about evenings alone")
    await sam.wait_for(lambda: "d1" in sam.cards())
    sam.items["g1"] = card(ids[sam], "goals", "An adult is home every evening", answers="d1")
    await kelly.wait_for(lambda: {"w1", "d1", "g1"} <= set(kelly.cards()))
    kelly.items["d1"]["withdrawn"] = {"by": ids[kelly], "at": AT}
    await sam.wait_for(lambda: isinstance(sam.items["d1"].get("withdrawn"), dict))
    await sam.wait_for(lambda: sam.cards().get("w1") == "Money is tight since the move")

    auth = {"Authorization": f"Bearer {meeting['tokens']['facilitator']}"}
    async with httpx.AsyncClient(base_url=server.address, headers=auth) as http:
        assert (await http.post(f"/api/meetings/{meeting['id']}/end")).status_code == 200
        full = (await http.get(f"/api/meetings/{meeting['id']}/snapshots/1")).json()["map"]
    jsonschema.validate(full, SCHEMA)
    found = cards_of(full)
    assert found["w1"]["addedBy"]["id"] == ids[kelly]
    assert [p["id"] for p in found["w1"]["editedBy"]] == [ids[dana]]
    assert "editedBy" not in found["d1"] and "editedBy" not in found["g1"]  # a withdrawal is not
    assert found["d1"]["withdrawn"] == {"by": ids[kelly], "at": AT}

    md = await run_export(server, meeting["id"], tmp_path / "r.md", "--format", "md")
    assert "Written by Kelly Brown (Mum); edited by DC Dana Reid (Professional)." in md
    worries, withdrawn = md.split("## Withdrawn")
    assert "- Police worry about evenings alone" not in worries  # not among the worries
    assert "- Worries for the future: Police worry about evenings alone" in withdrawn
    assert "Withdrawn by Kelly Brown (Mum)" in withdrawn
    assert "Answers the worry: “Police worry about evenings alone” (withdrawn)." in worries

    trail = await audit.for_meeting(server.services.store.engine, meeting["id"])
    withdrawals = [e for e in trail if e.event.action == audit.WITHDRAW]
    assert [
        (e.event.actor.id, e.event.actor.label, dict(e.event.details)) for e in withdrawals
    ] == [(ids[kelly], "family", {"card": "d1", "layer": "main"})]
    assert "Police" not in str([e.event for e in trail])  # ids, never text
    assert "Withdrew a card" in md


async def test_a_claimed_author_that_disagrees_with_the_server_is_never_printed(
    server: RunningServer, tmp_path: Path
) -> None:
    """A card from before the rule (seeded straight into the log): it names the facilitator as
    its author, but the server bound its clientID to the family member who sent it."""
    meeting = await server.meeting()
    sam = await person(server, meeting, "facilitator", "Fiona Facilitator")
    jo = await person(server, meeting, "family", "Jo Example", "Mum")
    ids = {c: await c.whoami() for c in (sam, jo)}
    forged: Doc[Any] = Doc()
    forged.get("items", type=Map)["f1"] = card(ids[sam], "safety", "Children are completely safe")
    store = server.services.store
    bound = ((forged.client_id, ids[jo]),)
    entry = LogEntry(meeting["id"], Layer.MAIN, forged.get_update(), bound)
    assert not await store.append([entry])
    md = await run_export(server, meeting["id"], tmp_path / "d.md", "--format", "md")
    assert "Children are completely safe" in md
    assert "Written by Jo Example (Mum)." in md
    assert "Written by Fiona Facilitator" not in md
