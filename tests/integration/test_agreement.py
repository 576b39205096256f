"""Agreement with the plan: only the facilitator records, per person, "agreed the plan" or
"did not agree" with their words; it can change until the meeting ends and is refused after;
the snapshot (and so the JSON export) keeps it in the roster's order; the audit trail says
who recorded it for whom, never the words; a participant of another meeting changes nothing."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import jsonschema

from server.store import audit
from tests.conftest import RunningServer
from tests.integration.test_api_meetings import api_token
from tests.integration.test_participant_keys import board_socket, join, link
from tests.waiting import within
from tests.webclient import Browser

SCHEMA = json.loads((Path(__file__).parents[2] / "schemas" / "map.schema.json").read_text())
WORDS = "I agree, as long as Gran can still collect the children on Fridays"


async def _meeting(
    server: RunningServer, owner: dict[str, str], title: str = "Agreement (fictional)"
) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.address, headers=owner) as http:
        made = await http.post("/api/meetings", json={"title": title, "waitingRoom": False})
    created = made.json()
    return {**created, "tokens": {r: u.rsplit("/", 1)[1] for r, u in created["links"].items()}}


async def _person(server: RunningServer, meeting: dict[str, Any], role: str, name: str) -> str:
    """A stock client of this role, connected; their participant id."""
    client = await server.client(
        meeting, role, name=name, agency="Police" if role == "professional" else ""
    )
    await within(client.synced.wait(), 20, f"{name} synced")
    return await client.whoami()


async def _put(
    server: RunningServer, auth: dict[str, str], meeting_id: str, who: str, body: Any
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.address, headers=auth) as http:
        return await http.put(f"/api/meetings/{meeting_id}/agreement/{who}", json=body)


async def _recorded(server: RunningServer, auth: dict[str, str], meeting_id: str) -> list[Any]:
    async with httpx.AsyncClient(base_url=server.address, headers=auth) as http:
        listed = await http.get(f"/api/meetings/{meeting_id}/agreement")
    assert listed.status_code == 200, listed.text
    return list(listed.json()["agreement"])


async def test_only_the_facilitator_records_and_it_changes_until_the_end(
    server: RunningServer,
) -> None:
    owner = {"Authorization": f"Bearer {await api_token(server)}"}
    meeting = await _meeting(server, owner)
    mid = meeting["id"]
    jo = await _person(server, meeting, "family", "Jo")
    dana = await _person(server, meeting, "professional", "DC Dana Reid")
    # Everyone else is refused, and nothing is recorded.
    for role in ("family", "professional", "viewer"):
        other = {"Authorization": f"Bearer {meeting['tokens'][role]}"}
        assert (await _put(server, other, mid, jo, {"agreed": True})).status_code == 403
        async with httpx.AsyncClient(base_url=server.address, headers=other) as http:
            assert (await http.get(f"/api/meetings/{mid}/agreement")).status_code == 403
    nobody = {"Authorization": "Bearer " + "x" * 43}
    assert (await _put(server, nobody, mid, jo, {"agreed": True})).status_code == 401
    assert await _recorded(server, owner, mid) == []
    # The facilitator's account records, and changes it; the facilitator's link may too.
    first = await _put(server, owner, mid, jo, {"agreed": False})
    assert first.status_code == 200, first.text
    assert first.json() | {"recordedAt": None} == {
        "participantId": jo,
        "agreed": False,
        "words": "",
        "recordedAt": None,
    }
    chair_link = {"Authorization": f"Bearer {meeting['tokens']['facilitator']}"}
    changed = await _put(server, chair_link, mid, jo, {"agreed": True, "words": f" {WORDS}\n"})
    assert changed.status_code == 200 and changed.json()["words"] == WORDS
    assert (
        await _put(server, owner, mid, dana, {"agreed": False, "words": "No"})
    ).status_code == 200
    recorded = {a["participantId"]: a for a in await _recorded(server, owner, mid)}
    assert (recorded[jo]["agreed"], recorded[jo]["words"]) == (True, WORDS)
    assert (recorded[dana]["agreed"], recorded[dana]["words"]) == (False, "No")
    # The trail says who recorded it, for whom and which way (the words are in no log:
    # tests/integration/test_logs.py).
    trail = await audit.for_meeting(server.services.store.engine, mid)
    rows = [e.event for e in trail if e.event.action == "agreement"]
    assert [(r.actor.kind, dict(r.details)) for r in rows] == [
        ("facilitator", {"participant": jo, "agreed": False}),
        ("link", {"participant": jo, "agreed": True}),  # by the facilitator's link
        ("facilitator", {"participant": dana, "agreed": False}),
    ]
    # Ended: frozen, and refused after.
    async with httpx.AsyncClient(base_url=server.address, headers=owner) as http:
        assert (await http.post(f"/api/meetings/{mid}/end")).status_code == 200
    late = await _put(server, owner, mid, jo, {"agreed": False, "words": "changed my mind"})
    assert late.status_code == 409 and "ended" in late.json()["error"]
    recorded_after = {a["participantId"]: a for a in await _recorded(server, owner, mid)}
    assert recorded_after[jo]["agreed"] is True


async def test_bad_input_and_other_meetings_people_change_nothing(server: RunningServer) -> None:
    owner = {"Authorization": f"Bearer {await api_token(server)}"}
    meeting = await _meeting(server, owner)
    elsewhere = await _meeting(server, owner, "Another family (fictional)")
    jo = await _person(server, meeting, "family", "Jo")
    kim = await _person(server, elsewhere, "family", "Kim")
    mid = meeting["id"]
    refused = {
        "someone of another meeting": (kim, {"agreed": True}, 404),
        "nobody at all": ("not-a-participant", {"agreed": True}, 404),
        "no answer": (jo, {"words": "yes"}, 422),
        "not a boolean": (jo, {"agreed": "yes"}, 422),
        "words not text": (jo, {"agreed": True, "words": 7}, 422),
        "an unknown field": (jo, {"agreed": True, "name": "Mum"}, 422),
        "words too long": (jo, {"agreed": True, "words": "x" * 501}, 422),
        "not an object": (jo, [True], 400),
    }
    for what, (who, body, status) in refused.items():
        answer = await _put(server, owner, mid, who, body)
        assert answer.status_code == status, (what, answer.text)
        assert answer.json()["error"], what
    async with httpx.AsyncClient(base_url=server.address, headers=owner) as http:
        not_json = await http.put(
            f"/api/meetings/{mid}/agreement/{jo}",
            content=b"{",
            headers={"content-type": "application/json"},
        )
        assert not_json.status_code == 400
    assert await _recorded(server, owner, mid) == []
    assert await _recorded(server, owner, elsewhere["id"]) == []
    # At most 500 characters is kept as said.
    said = await _put(server, owner, mid, jo, {"agreed": True, "words": "y" * 500})
    assert said.status_code == 200 and said.json()["words"] == "y" * 500


async def test_someone_never_let_in_has_nothing_recorded(server: RunningServer) -> None:
    owner = {"Authorization": f"Bearer {await api_token(server)}"}
    async with httpx.AsyncClient(base_url=server.address, headers=owner) as http:
        made = (await http.post("/api/meetings", json={"title": "Waiting (fictional)"})).json()
        meeting = {**made, "tokens": {r: u.rsplit("/", 1)[1] for r, u in made["links"].items()}}
        waiting = await server.client(meeting, "family", name="Unknown")
        await waiting.wait_closed()
        [person] = (await http.get(f"/api/meetings/{made['id']}/participants")).json()[
            "participants"
        ]
        answer = await http.put(
            f"/api/meetings/{made['id']}/agreement/{person['id']}", json={"agreed": True}
        )
    assert answer.status_code == 409 and "never let in" in answer.json()["error"]


async def test_nobody_agrees_for_the_shared_screen(server: RunningServer) -> None:
    """The screen on the wall is let in, but it is not a person: the record never says it
    agreed the plan."""
    owner = {"Authorization": f"Bearer {await api_token(server)}"}
    meeting = await _meeting(server, owner)
    screen = await _person(server, meeting, "viewer", "Meeting room screen")
    answer = await _put(server, owner, meeting["id"], screen, {"agreed": True})
    assert answer.status_code == 422 and "not a person" in answer.json()["error"]
    assert await _recorded(server, owner, meeting["id"]) == []


async def test_a_board_of_a_family_member_cannot_record_even_with_its_csrf_token(
    server: RunningServer,
) -> None:
    owner = {"Authorization": f"Bearer {await api_token(server)}"}
    meeting = await _meeting(server, owner)
    async with Browser(server) as browser:
        page = await join(browser, link(meeting, "family"), "Jo", "Mum")
        found = re.search(r'"csrfToken":\s*"([^"]+)"', page)
        assert found
        socket = board_socket(server, browser, meeting["id"])
        await socket.connect()
        await within(socket.synced.wait(), 20, "the board synced")
        me = await socket.whoami()
        answer = await browser.http.put(
            f"/api/meetings/{meeting['id']}/agreement/{me}",
            json={"agreed": True, "words": "I agree with everything"},
            headers={"X-CSRF-Token": found.group(1)},
        )
    assert answer.status_code == 403
    assert await _recorded(server, owner, meeting["id"]) == []


async def test_the_snapshot_and_its_json_export_keep_it_in_the_rosters_order(
    server: RunningServer,
) -> None:
    owner = {"Authorization": f"Bearer {await api_token(server)}"}
    meeting = await _meeting(server, owner)
    mid = meeting["id"]
    people = {
        name: await _person(server, meeting, role, name)
        for role, name in (("family", "Jo"), ("professional", "DC Dana Reid"), ("family", "Al"))
    }
    for name, agreed in (("Jo", True), ("DC Dana Reid", False)):
        answer = await _put(server, owner, mid, people[name], {"agreed": agreed, "words": name})
        assert answer.status_code == 200
    async with httpx.AsyncClient(base_url=server.address, headers=owner) as http:
        assert (await http.post(f"/api/meetings/{mid}/end")).status_code == 200
        snapshot = (await http.get(f"/api/meetings/{mid}/snapshots/1")).json()["map"]
    order = [p["id"] for p in snapshot["participants"]]
    agreement = snapshot["agreement"]
    assert [a["participantId"] for a in agreement] == [
        pid for pid in order if pid in (people["Jo"], people["DC Dana Reid"])
    ]
    assert {a["participantId"]: (a["agreed"], a["words"]) for a in agreement} == {
        people["Jo"]: (True, "Jo"),
        people["DC Dana Reid"]: (False, "DC Dana Reid"),
    }
    assert all(a["recordedAt"].startswith("20") for a in agreement)
    jsonschema.validate(snapshot, SCHEMA)
    # The facilitator's JSON download of the record holds it as the snapshot does.
    exported = await server.services.store.snapshot(mid, 1)
    assert exported is not None and exported.rendered["agreement"] == agreement
    from server.record import exports

    document = await exports.document(server.services.store, mid, snapshot=None, family=False)
    assert document["agreement"] == agreement
    jsonschema.validate(document, SCHEMA)


async def test_a_draft_of_the_open_meeting_shows_what_is_recorded_so_far(
    server: RunningServer,
) -> None:
    """The draft the facilitator exports before ending says who has agreed so far, as the
    snapshot will, in every copy."""
    from server.record import exports

    owner = {"Authorization": f"Bearer {await api_token(server)}"}
    meeting = await _meeting(server, owner)
    jo = await _person(server, meeting, "family", "Jo")
    assert (await _put(server, owner, meeting["id"], jo, {"agreed": True})).status_code == 200
    for family in (False, True):
        draft = await exports.document(
            server.services.store, meeting["id"], snapshot=None, family=family
        )
        assert draft["export"]["draft"]
        assert [(a["participantId"], a["agreed"]) for a in draft["agreement"]] == [(jo, True)]
        jsonschema.validate(draft, SCHEMA)


async def test_the_meeting_page_records_it_with_a_form(server: RunningServer) -> None:
    from tests.integration.test_meeting_pages import create_meeting, link_on, signed_in

    async with await signed_in(server) as chair:
        meeting_id = await create_meeting(chair, "Read back (fictional)")
        page = await chair.get(f"/meetings/{meeting_id}")
        token = link_on(page.text, "professional").rsplit("/", 1)[1]
        async with Browser(server) as pro:
            fields = {"name": "DC Dana Reid", "agency_choice": "police"}
            assert (await pro.submit(f"/join/{token}", fields)).status_code == 303
        listed = await chair.get(f"/api/meetings/{meeting_id}/participants")
        [dana] = listed.json()["participants"]
        page = await chair.get(f"/meetings/{meeting_id}")  # no waiting room: she is in
        assert "Agreement with the plan" in page.text and "DC Dana Reid, Police" in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf
        action = f"/meetings/{meeting_id}/agreement/{dana['id']}"
        # No choice: nothing recorded, and the page says what to do.
        blank = await chair.http.post(action, data={"csrf": csrf.group(1), "words": "hm"})
        assert blank.status_code == 400 and "Nothing was recorded" in blank.text
        # Without the CSRF token: refused.
        forged = await chair.http.post(action, data={"agreed": "agreed"})
        assert forged.status_code == 403
        saved = await chair.http.post(
            action, data={"csrf": csrf.group(1), "agreed": "not_agreed", "words": "Not yet"}
        )
        assert saved.status_code == 303
        page = await chair.get(f"/meetings/{meeting_id}")
        assert "Recorded: did not agree" in page.text and "Not yet" in page.text
        assert "Recorded that DC Dana Reid did not agree the plan" in page.text  # the trail
        assert (
            await chair.http.post(f"/meetings/{meeting_id}/end", data={"csrf": csrf.group(1)})
        ).status_code == 303
        late = await chair.http.post(
            action, data={"csrf": csrf.group(1), "agreed": "agreed", "words": ""}
        )
        assert late.status_code == 409
        recorded = await chair.get(f"/api/meetings/{meeting_id}/agreement")
    assert [(a["agreed"], a["words"]) for a in recorded.json()["agreement"]] == [(False, "Not yet")]


async def test_recording_while_people_type_is_never_refused_by_the_database(
    server: RunningServer,
) -> None:
    """The journal appends all the time in a live meeting: a recording never trips over it
    (on SQLite a transaction that read first could not take the write lock afterwards)."""
    owner = {"Authorization": f"Bearer {await api_token(server)}"}
    meeting = await _meeting(server, owner)
    typist = await server.client(meeting, "family", name="Jo")
    await within(typist.synced.wait(), 20, "Jo synced")
    jo = await typist.whoami()
    for i in range(30):
        typist.add_card(f"c{i}", "strengths", f"Walks to school together, day {i}")
        answer = await _put(server, owner, meeting["id"], jo, {"agreed": i % 2 == 0})
        assert answer.status_code == 200, answer.text
    await typist.wait_for(lambda: len(typist.cards()) == 30)
    [final] = await _recorded(server, owner, meeting["id"])
    assert final["agreed"] is False
