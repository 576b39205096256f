"""The waiting room: every link but the facilitator's waits until the facilitator lets them in
(the shared screen's too); the facilitator can turn people away, and take anyone out again."""

from __future__ import annotations

import re

import httpx

from tests.conftest import RunningServer
from tests.integration.test_api_meetings import api_token
from tests.waiting import within
from tests.webclient import Browser
from tests.yclient import YClient


async def _meeting(server: RunningServer) -> tuple[dict[str, object], dict[str, str]]:
    owner = {"Authorization": f"Bearer {await api_token(server)}"}
    async with httpx.AsyncClient(base_url=server.address, headers=owner) as http:
        created = (await http.post("/api/meetings", json={"title": "Waiting room test"})).json()
    tokens = {role: url.rsplit("/", 1)[1] for role, url in created["links"].items()}
    return {**created, "tokens": tokens}, owner


async def _people(server: RunningServer, meeting_id: str, auth: dict[str, str]) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=server.address, headers=auth) as http:
        listed = await http.get(f"/api/meetings/{meeting_id}/participants")
    assert listed.status_code == 200, listed.text
    return {p["shownAs"]: p["admission"] for p in listed.json()["participants"]}


async def _act(
    server: RunningServer, meeting_id: str, auth: dict[str, str], name: str, action: str
) -> httpx.Response:
    """`name` as the facilitator's lists show it ("Jo", or "Jo (2)" for a second Jo)."""
    async with httpx.AsyncClient(base_url=server.address, headers=auth) as http:
        people = (await http.get(f"/api/meetings/{meeting_id}/participants")).json()
        [person] = [p for p in people["participants"] if p["shownAs"] == name]
        return await http.post(f"/api/meetings/{meeting_id}/participants/{person['id']}/{action}")


async def test_a_stock_client_waits_until_admitted_and_removal_closes_it(
    server: RunningServer,
) -> None:
    meeting, owner = await _meeting(server)
    mid = str(meeting["id"])
    chair = await server.client(meeting, "facilitator", name="Sam")  # never held
    await within(chair.synced.wait(), 20, "chair synced")
    screen = await server.client(meeting, "viewer", name="Screen")  # held, like everyone else
    await screen.wait_closed()
    assert screen.close_code == 4510
    assert (await _act(server, mid, owner, "Screen", "admit")).status_code == 200
    await screen.connect()  # once let in, it comes back with its key: no waiting again
    await within(screen.synced.wait(), 20, "screen synced")
    jo = YClient(server.ws_url, mid, meeting["tokens"]["family"], name="Jo")  # type: ignore[index]
    await jo.connect()
    await jo.wait_closed()
    assert jo.close_code == 4510 and "waiting" in jo.close_reason  # 45xx: it keeps trying
    assert (await _people(server, mid, owner))["Jo"] == "waiting"
    # Only the facilitator sees who is waiting and lets them in.
    family = {"Authorization": f"Bearer {meeting['tokens']['family']}"}  # type: ignore[index]
    async with httpx.AsyncClient(base_url=server.address, headers=family) as http:
        assert (await http.get(f"/api/meetings/{mid}/participants")).status_code == 403
    assert (await _act(server, mid, owner, "Jo", "admit")).json()["admission"] == "admitted"
    await jo.connect()
    await within(jo.synced.wait(), 20, "jo synced")
    jo.add_card("c1", "strengths", "We walk to school together")
    await chair.wait_for(lambda: chair.cards() == {"c1": "We walk to school together"})
    # Taken out: closed at once, and the link no longer works for them.
    removed = await _act(server, mid, owner, "Jo", "remove")
    assert removed.json()["admission"] == "removed"
    await jo.wait_closed()
    assert jo.close_code == 4401
    await jo.connect()
    await jo.wait_closed()
    assert jo.close_code == 4401
    assert (await _act(server, mid, owner, "Jo", "admit")).status_code == 409  # no way back
    # From another client (another key), even under the same name, they are someone new:
    # they wait again, listed apart, and can be turned away.
    again = YClient(server.ws_url, mid, meeting["tokens"]["family"], name="Jo")  # type: ignore[index]
    await again.connect()
    await again.wait_closed()
    assert again.close_code == 4510
    assert (await _people(server, mid, owner)) == {
        "Sam": "admitted",
        "Screen": "admitted",
        "Jo": "removed",
        "Jo (2)": "waiting",
    }
    assert (await _act(server, mid, owner, "Jo (2)", "reject")).json()["admission"] == "rejected"
    await again.connect()
    await again.wait_closed()
    assert again.close_code == 4401
    assert not chair.closed.is_set() and not screen.closed.is_set()


async def test_a_browser_waits_on_a_page_that_checks_again(server: RunningServer) -> None:
    meeting, owner = await _meeting(server)
    mid = str(meeting["id"])
    token = meeting["tokens"]["professional"]  # type: ignore[index]
    async with Browser(server) as browser:
        joined = await browser.submit(f"/join/{token}", {"name": "Alex", "agency_choice": "police"})
        assert joined.status_code == 303 and joined.headers["location"] == f"/m/{mid}"
        waiting = await browser.get(f"/m/{mid}")
        assert waiting.status_code == 200
        assert "Please wait" in waiting.text and 'http-equiv="refresh"' in waiting.text
        assert "board.js" not in waiting.text  # no board, no websocket, until let in
        await _act(server, mid, owner, "Alex", "admit")
        board = await browser.get(f"/m/{mid}")
        assert board.status_code == 200 and "board.js" in board.text
        await _act(server, mid, owner, "Alex", "remove")
        out = await browser.get(f"/m/{mid}")
        assert out.status_code == 403 and "has not let you in" in out.text


async def test_the_meeting_page_lets_people_in_and_deletes_the_meeting(
    server: RunningServer,
) -> None:
    from tests.integration.test_meeting_pages import signed_in

    async with await signed_in(server) as chair:
        form = await chair.get("/")
        assert 'name="waiting_room" value="1" checked' in form.text  # on unless unticked
        fields = {"title": "Page waiting room", "label_set": "early_help", "waiting_room": "1"}
        created = await chair.submit("/", fields)
        meeting_id = str(created.headers["location"]).rsplit("/", 1)[1]
        page = await chair.get(f"/meetings/{meeting_id}")
        link = page.text.split('id="url-family" type="text" readonly value="', 1)[1].split('"')[0]
        async with Browser(server) as family:
            await family.submit(link.removeprefix(server.base_url), {"name": "Jo"})
            assert "Please wait" in (await family.get(f"/m/{meeting_id}")).text
            page = await chair.get(f"/meetings/{meeting_id}")
            waiting = page.text.split('data-testid="waiting"', 1)[1].split("</ul>", 1)[0]
            assert "Jo" in waiting
            admit = waiting.split('action="', 1)[1].split('"', 1)[0]
            assert admit.endswith("/admit")
            assert (
                await chair.submit(f"/meetings/{meeting_id}", {}, action=admit)
            ).status_code == 303
            assert "board.js" in (await family.get(f"/m/{meeting_id}")).text
            # The trail says whom the facilitator let in, by name, at a time in the server's
            # zone (SAFETYMAP_TIMEZONE, Europe/London by default), named.
            page = await chair.get(f"/meetings/{meeting_id}")
            shown = page.text.split('data-testid="audit"', 1)[1]
            assert re.search(
                r"<td>\d{1,2} \w+ \d{4}, \d\d:\d\d (GMT|BST)</td><td>You</td><td>Let Jo in</td>",
                shown,
            ), shown
        # Deleting needs the box ticked; then the meeting is gone.
        unticked = await chair.submit(
            f"/meetings/{meeting_id}", {}, action=f"/meetings/{meeting_id}/delete"
        )
        assert unticked.status_code == 303 and "delete=confirm" in unticked.headers["location"]
        assert await server.services.store.meeting(meeting_id) is not None
        deleted = await chair.submit(
            f"/meetings/{meeting_id}", {"confirm": "yes"}, action=f"/meetings/{meeting_id}/delete"
        )
        assert deleted.status_code == 303 and deleted.headers["location"] == "/"
        assert await server.services.store.meeting(meeting_id) is None
        assert (await chair.get(f"/meetings/{meeting_id}")).status_code == 404
