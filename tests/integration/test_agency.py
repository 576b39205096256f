"""A professional's agency: asked on the join page of the professional link (one must be
chosen, "Other" with words of their own), taken from a stock client's `agency=`, stored on the
participant and shown wherever people are listed: presence, the participants API, the meeting
page, and the snapshot's roster. A typed agency proves nothing and opens nothing."""

from __future__ import annotations

import re
from typing import Any

import httpx
from pycrdt import Map

from tests.conftest import RunningServer
from tests.integration.test_api_meetings import api_token
from tests.integration.test_participant_keys import link
from tests.waiting import within
from tests.webclient import Browser


async def _meeting(server: RunningServer) -> tuple[dict[str, object], dict[str, str]]:
    owner = {"Authorization": f"Bearer {await api_token(server)}"}
    async with httpx.AsyncClient(base_url=server.address, headers=owner) as http:
        made = await http.post("/api/meetings", json={"title": "Agency (fictional)"})
    created = made.json()
    return {
        **created,
        "tokens": {r: u.rsplit("/", 1)[1] for r, u in created["links"].items()},
    }, owner


async def _people(
    server: RunningServer, meeting_id: str, auth: dict[str, str]
) -> list[dict[str, Any]]:
    async with httpx.AsyncClient(base_url=server.address, headers=auth) as http:
        listed = await http.get(f"/api/meetings/{meeting_id}/participants")
    assert listed.status_code == 200, listed.text
    return list(listed.json()["participants"])


async def test_the_professional_join_page_asks_which_service_and_will_not_join_without_one(
    server: RunningServer,
) -> None:
    meeting, owner = await _meeting(server)
    professional = link(meeting, "professional")
    async with Browser(server) as browser:
        page = await browser.get(professional)
        assert (
            "Which service are you from?" in page.text and "Children&#39;s social care" in page.text
        )
        # Nothing chosen: a clear error linked from the summary, nobody added.
        none = await browser.submit(professional, {"name": "DC Dana Reid"})
        assert none.status_code == 400 and 'href="#agency_choice"' in none.text
        assert "Choose which service you are from" in none.text
        assert 'value="DC Dana Reid"' in none.text  # what they typed is kept
        # "Other" without words: asked for the words.
        other = await browser.submit(
            professional, {"name": "DC Dana Reid", "agency_choice": "other", "agency_other": " "}
        )
        assert other.status_code == 400 and 'href="#agency_other"' in other.text
        # A choice the page never offered is no answer either.
        odd = await browser.submit(professional, {"name": "DC Dana Reid", "agency_choice": "mi5"})
        assert odd.status_code == 400 and 'href="#agency_choice"' in odd.text
        assert await _people(server, str(meeting["id"]), owner) == []
        joined = await browser.submit(
            professional, {"name": "DC Dana Reid", "agency_choice": "police"}
        )
        assert joined.status_code == 303, joined.text
    async with Browser(server) as browser:
        words = "Youth\x00 offending   team " + "x" * 100  # cleaned, and cut to 60
        joined = await browser.submit(
            professional, {"name": "Lee", "agency_choice": "other", "agency_other": words}
        )
        assert joined.status_code == 303, joined.text
    people = await _people(server, str(meeting["id"]), owner)
    assert [(p["name"], p["agency"]) for p in people] == [
        ("DC Dana Reid", "Police"),
        ("Lee", ("Youth offending team " + "x" * 100)[:60]),
    ]


async def test_family_and_screen_links_are_not_asked_and_keep_no_agency(
    server: RunningServer,
) -> None:
    meeting, owner = await _meeting(server)
    async with Browser(server) as browser:
        page = await browser.get(link(meeting, "family"))
        assert "Which service are you from?" not in page.text
        # A hand-made post with an agency on the family link: joined, the agency dropped.
        joined = await browser.submit(
            link(meeting, "family"),
            {"name": "Jo", "relationship": "Mum", "agency_choice": "police"},
        )
        assert joined.status_code == 303
    family = await server.client(meeting, "family", name="Kim", agency="Police")
    await family.wait_closed()  # waiting room: kept, but without the agency
    people = await _people(server, str(meeting["id"]), owner)
    assert [("agency" in p) for p in people] == [False, False]


async def test_a_stock_client_gives_its_agency_as_a_query_parameter(
    server: RunningServer,
) -> None:
    meeting = await server.meeting("Stock agency (fictional)")  # no waiting room
    dana = await server.client(meeting, "professional", name="DC Dana Reid", agency="Police\x07\n ")
    jo = await server.client(meeting, "family", name="Jo", relationship="Mum", agency="Police")
    await within(dana.synced.wait(), 20, "Dana synced")
    await within(jo.synced.wait(), 20, "Jo synced")
    me = await dana.whoami()
    # Presence is stamped by the server: the agency as cleaned, on her entry only.
    await dana.set_presence({"cursor": None, "user": {"agency": "MI5"}})
    await jo.wait_for(lambda: any(s and s["user"]["id"] == me for s in jo.presence.values()))
    [seen] = [s for s in jo.presence.values() if s and s["user"]["id"] == me]
    assert seen["user"]["agency"] == "Police"
    await jo.whoami()
    family = [s["user"] for s in jo.presence.values() if s and s["user"]["role"] == "family"]
    assert family and all("agency" not in user for user in family)
    # Her own entry in the document's name cache may carry it, exactly as the server knows it.
    entry = {"name": "DC Dana Reid", "role": "professional", "agency": "Police"}
    dana.doc.get("meta", type=Map)["people"] = Map({me: entry})
    await jo.wait_for(lambda: me in jo.doc.get("meta", type=Map).get("people", {}))
    assert dana.close_code is None
    # Any other agency in it is someone else's word for her, and refused whole.
    people = dana.doc.get("meta", type=Map)["people"]
    people[me] = {**entry, "agency": "Children's social care"}
    await dana.wait_closed()
    assert dana.close_code == 4403
    assert jo.doc.get("meta", type=Map)["people"][me]["agency"] == "Police"


async def test_the_agency_is_in_the_snapshot_roster_and_on_the_meeting_page(
    server: RunningServer,
) -> None:
    from tests.integration.test_meeting_pages import create_meeting, link_on, signed_in

    async with await signed_in(server) as chair:
        meeting_id = await create_meeting(chair, "Roster agency (fictional)")
        page = await chair.get(f"/meetings/{meeting_id}")
        token = link_on(page.text, "professional").rsplit("/", 1)[1]
        async with Browser(server) as pro:
            fields = {"name": "DC Dana Reid", "agency_choice": "police"}
            assert (await pro.submit(f"/join/{token}", fields)).status_code == 303
        page = await chair.get(f"/meetings/{meeting_id}")
        assert "DC Dana Reid, Police" in page.text  # waiting, with her service
        listed = await chair.get(f"/api/meetings/{meeting_id}/participants")
        [dana] = [p for p in listed.json()["participants"] if p["name"] == "DC Dana Reid"]
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found
        csrf = found.group(1)
        let_in = await chair.http.post(
            f"/meetings/{meeting_id}/people/{dana['id']}/admit", data={"csrf": csrf}
        )
        assert let_in.status_code == 303
        ended = await chair.http.post(f"/meetings/{meeting_id}/end", data={"csrf": csrf})
        assert ended.status_code == 303
        snapshot = await chair.get(f"/api/meetings/{meeting_id}/snapshots/1")
    participants = snapshot.json()["map"]["participants"]
    by_name = {p["name"]: p for p in participants}
    assert by_name["DC Dana Reid"]["agency"] == "Police"
    assert all(isinstance(p["agency"], str) for p in participants)  # "" when none
    assert by_name["Sam Chair"]["agency"] == ""
