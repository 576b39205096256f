"""The waiting room on the facilitator's board, in real Chromium: people who open the family
link wait on "Please wait" until the facilitator lets them in (or turns them away) from the
board, and can be taken out again; and every board says so while the server cannot save.

Issue 14: a typed name is not an identity. A second browser typing the exact name of someone
let in waits like any newcomer (and the board tells the two apart); a browser that was let in
comes back after a reload, or through the link again, without waiting; a forwarded shared-
screen link waits until the facilitator lets the screen in, once."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Browser, Page, expect

from tests.browser import chromium, new_page, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer, running_server
from tests.databases import migrated_postgresql
from tests.integration.test_api_meetings import api_token
from tests.system.test_browser_a11y import serious_violations
from tests.system.test_browser_board import BOARD_URL, add_card, board_online, join

PHONE = {"viewport": {"width": 360, "height": 800}, "is_mobile": True, "has_touch": True}
NOT_SAVED = "Your changes are not being saved right now."


async def waiting_room_meeting(
    server: RunningServer, *, waiting_room: bool = True, email: str = "sam@example.org"
) -> dict[str, Any]:
    """A meeting made through the API, with the waiting room on (the API's default) or off."""
    owner = {"Authorization": f"Bearer {await api_token(server, email)}"}
    title = "Planning for Leo" if waiting_room else "Planning for Mia"
    async with httpx.AsyncClient(base_url=server.address, headers=owner) as http:
        created = await http.post(
            "/api/meetings", json={"title": title, "waitingRoom": waiting_room}
        )
    assert created.status_code == 201, created.text
    meeting: dict[str, Any] = created.json()
    return meeting


async def ask_to_join(page: Page, link: str, name: str, relationship: str | None) -> None:
    await page.goto(link)
    await page.get_by_label("Your name").fill(name)
    if relationship is not None:
        await page.get_by_label("How you know the child (optional)").fill(relationship)
    if await page.get_by_test_id("agency").count():  # a professional's link asks their service
        await page.get_by_test_id("agency").get_by_label("Health", exact=True).check()
    await page.get_by_role("button", name="Join the meeting").click()
    await expect(page.get_by_role("heading", name="Please wait")).to_be_visible()


async def open_meeting(server: RunningServer) -> dict[str, Any]:
    """A meeting made through the API without a waiting room."""
    return await waiting_room_meeting(server, waiting_room=False, email="owner@example.org")


async def test_the_facilitator_lets_people_in_turns_them_away_and_takes_them_out(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await waiting_room_meeting(server)
    links = meeting["links"]
    # The facilitator runs the meeting from a phone; the axe check needs the CSP bypassed.
    chair_context, chair = await new_page(chromium, server.address, bypass_csp=True, **PHONE)
    await join(chair, links["facilitator"], "Sam")
    panel = chair.get_by_test_id("waiting-room")
    await expect(panel).to_be_hidden()  # nobody waits yet

    jo_context, jo = await new_page(chromium, server.address)
    kim_context, kim = await new_page(chromium, server.address)
    await ask_to_join(jo, links["family"], "Jo", "Mum")
    await ask_to_join(kim, links["family"], "Kim", "Neighbour")

    # The board lists them (polled every 3 s) and says so in its polite live region.
    await expect(panel).to_be_visible(timeout=10_000)
    await expect(panel.get_by_role("heading", name="Waiting to join")).to_be_visible()
    people = panel.get_by_test_id("waiting-person")
    await expect(people).to_have_text(
        [re.compile(r"^Jo, Family \(Mum\)Let in"), re.compile(r"^Kim, Family \(Neighbour\)Let in")],
        timeout=10_000,
    )
    await expect(chair.get_by_test_id("announcer")).to_contain_text("is waiting to join.")
    jo_row = people.filter(has_text="Jo, Family (Mum)")
    let_in = jo_row.get_by_role("button", name="Let in")
    await expect(let_in).to_have_accessible_description("Jo, Family (Mum)")
    box = await let_in.bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 360
    found = await serious_violations(chair)
    assert not found, "\n".join(found)
    await screenshot(chair, "waiting-room-phone")

    # From the keyboard: after Jo is let in, the focus moves on to the next person waiting.
    await let_in.focus()
    await chair.keyboard.press("Enter")
    kim_row = people.filter(has_text="Kim")
    await expect(people).to_have_count(1)
    await expect(kim_row.get_by_role("button", name="Let in")).to_be_focused()
    await chair.keyboard.press("Tab")
    await expect(kim_row.get_by_role("button", name="Turn away")).to_be_focused()
    await chair.keyboard.press("Enter")
    await expect(panel).to_be_hidden()
    await expect(chair.get_by_test_id("announcer")).to_contain_text("was turned away.")

    # Jo's waiting page checks again by itself and becomes the board; Kim's does not.
    # (The same address: the page that waits is the board's own, until the board replaces it.)
    await expect(jo.get_by_test_id("connection-status")).to_have_attribute(
        "data-state", "online", timeout=15_000
    )
    await expect(
        kim.get_by_role("heading", name="The facilitator has not let you in")
    ).to_be_visible(timeout=15_000)

    # Jo is in the facilitator's list of who is here (on a phone it opens from its count, "2
    # here"), with "Take out", which asks first.
    await chair.get_by_test_id("roster-toggle").click()
    jo_here = chair.get_by_test_id("roster-person").filter(has_text="Jo, Family (Mum)")
    await expect(jo_here).to_be_visible()
    take_out = jo_here.get_by_role("button", name="Take out")
    await screenshot(chair, "take-out-phone")
    await take_out.click()
    dialog = chair.get_by_test_id("take-out-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_role("heading")).to_have_text("Take Jo out of the meeting?")
    found = await serious_violations(chair)
    assert not found, "\n".join(found)
    await dialog.get_by_role("button", name="Keep them in").click()
    await expect(dialog).to_be_hidden()
    await expect(jo.get_by_test_id("connection-status")).to_have_attribute("data-state", "online")
    await take_out.click()
    await dialog.get_by_role("button", name="Take them out").click()
    await expect(dialog).to_be_hidden()

    # Their board closes at once, and they are gone from the list.
    await expect(jo.get_by_test_id("connection-status")).to_have_attribute("data-state", "closed")
    await expect(jo.get_by_test_id("connection-problem")).to_contain_text("not valid any more")
    await expect(jo_here).to_have_count(0)
    await expect(chair.get_by_test_id("announcer")).to_contain_text("taken out of the meeting")
    # Nobody else is offered for taking out: the facilitator cannot take themselves out.
    await expect(chair.get_by_role("button", name="Take out")).to_have_count(0)
    for context in (kim_context, jo_context, chair_context):
        await context.close()


async def test_every_board_says_while_changes_are_not_being_saved(
    tmp_path: Path,
    chromium: Browser,  # noqa: F811
) -> None:
    async with (
        migrated_postgresql(tmp_path) as (url, admin),
        running_server(tmp_path, SAFETYMAP_DATABASE_URL=url) as server,
    ):
        meeting = await server.meeting()
        context, chair = await new_page(chromium, server.address)
        await join(chair, meeting["links"]["facilitator"], "Sam")
        banner = chair.get_by_test_id("unsaved-banner")
        await expect(banner).to_have_count(0)
        await add_card(chair, "strengths", "Gran walks Leo to school")

        # The update log disappears: the next edit cannot be saved.
        await admin.execute("ALTER TABLE updates RENAME TO updates_away")
        await chair.get_by_test_id("add-strengths").click()
        composer = chair.get_by_test_id("composer-strengths")
        await composer.get_by_test_id("new-card-text").fill("Aunt May phones at bedtime")
        await composer.get_by_test_id("new-card-text").press("Enter")
        await expect(banner).to_be_visible()
        await expect(banner).to_have_text(
            NOT_SAVED + " Keep this page open: they will be saved when the server can "
            "reach its database again."
        )
        # Inside a polite live region that is always on the page.
        region = chair.get_by_role("status").filter(has=banner)
        await expect(region).to_have_count(1)

        # Someone opening the board meanwhile is told too (the server's first word).
        viewer_context, viewer = await new_page(chromium, server.address)
        # Not "online": nobody is sent a map the server has not saved.
        await viewer.goto(meeting["links"]["viewer"])
        await viewer.get_by_role("button", name="Join the meeting").click()
        await viewer.wait_for_url(BOARD_URL)
        await expect(viewer.get_by_test_id("unsaved-banner")).to_contain_text(NOT_SAVED)

        await admin.execute("ALTER TABLE updates_away RENAME TO updates")
        await expect(banner).to_have_count(0, timeout=15_000)
        await expect(viewer.get_by_test_id("unsaved-banner")).to_have_count(0)
        await expect(viewer.get_by_test_id("card")).to_have_count(2)
        await viewer_context.close()
        await context.close()


async def test_no_room_says_which_and_the_join_page_tries_again_by_itself(
    tmp_path: Path,
    chromium: Browser,  # noqa: F811
) -> None:
    """A meeting with one place to wait per link, and one without a waiting room that takes
    two. Opening the family link of the first while someone already waits on it, and the
    shared-screen link of the second while two are in, each page says which in plain words
    and tries again by itself with the name given: once there is room, one is waiting and
    the other is on the board, without touching a key."""
    from tests.yclient import YClient

    settings = {"SAFETYMAP_MAX_PARTICIPANTS": "2", "SAFETYMAP_MAX_WAITING": "1"}
    async with running_server(tmp_path / "data", **settings) as server:
        meeting = await waiting_room_meeting(server)
        crowded = await open_meeting(server)
        mid, cid = str(meeting["id"]), str(crowded["id"])
        tokens = {role: url.rsplit("/", 1)[1] for role, url in meeting["links"].items()}
        crowded_tokens = {role: url.rsplit("/", 1)[1] for role, url in crowded["links"].items()}
        ws: dict[str, YClient] = {}
        for meeting_id, token, name in (
            (mid, tokens["family"], "Invented"),
            (cid, crowded_tokens["facilitator"], "Sam"),
            (cid, crowded_tokens["viewer"], "Screen"),
        ):
            ws[name] = YClient(server.ws_url, meeting_id, token, name=name)
            await ws[name].connect()
            await ws[name].wait_for(lambda c=ws[name]: c.synced.is_set() or c.closed.is_set())
        assert ws["Invented"].close_code == 4510  # waiting: the family link's one place
        assert ws["Screen"].synced.is_set()  # two in: the second meeting is full

        jo_context, jo = await new_page(chromium, server.address, **PHONE)
        await jo.goto(meeting["links"]["family"])
        await jo.get_by_label("Your name").fill("Jo")
        await jo.get_by_label("How you know the child (optional)").fill("Mum")
        await jo.get_by_role("button", name="Join the meeting").click()
        screen_context, screen = await new_page(chromium, server.address)
        await screen.goto(crowded["links"]["viewer"])
        await screen.get_by_role("button", name="Join the meeting").click()

        await expect(jo.get_by_role("status")).to_have_text(
            "Too many people are waiting on this link. Please wait a moment; this page will "
            "try again."
        )
        await expect(screen.get_by_role("status")).to_have_text(
            "This meeting already has as many people as it can take. Please wait a moment; "
            "this page will try again."
        )
        await expect(jo.get_by_text("as many people as it can take")).to_have_count(0)
        for page in (jo, screen):
            await expect(page.get_by_role("button", name="Try again now")).to_be_visible()
        await expect(jo.get_by_text("You are joining Planning for Leo as Jo.")).to_be_visible()
        await screenshot(jo, "waiting-room-full-phone")

        async def act(meeting_id: str, token: str, name: str, action: str) -> None:
            chair = {"Authorization": f"Bearer {token}"}
            async with httpx.AsyncClient(base_url=server.address, headers=chair) as http:
                people = (await http.get(f"/api/meetings/{meeting_id}/participants")).json()
                [who] = [p for p in people["participants"] if p["name"] == name]
                path = f"/api/meetings/{meeting_id}/participants/{who['id']}/{action}"
                done = await http.post(path)
                assert done.status_code == 200, done.text

        # Room to wait on the family link: Jo's page gets her into the waiting room itself,
        # under the name and relationship she gave.
        await act(mid, tokens["facilitator"], "Invented", "reject")
        await expect(jo.get_by_role("heading", name="Please wait")).to_be_visible(timeout=25_000)
        chair = {"Authorization": f"Bearer {tokens['facilitator']}"}
        async with httpx.AsyncClient(base_url=server.address, headers=chair) as http:
            people = (await http.get(f"/api/meetings/{mid}/participants")).json()
        [found] = [p for p in people["participants"] if p["name"] == "Jo"]
        assert found["admission"] == "waiting" and found["relationship"] == "Mum"
        # Still full: the screen's page keeps saying so, and keeps trying.
        await expect(screen.get_by_role("status")).to_contain_text("as many people as it")
        # Room in the meeting: the second screen's page becomes the board itself.
        await act(cid, crowded_tokens["facilitator"], "Screen", "remove")
        await screen.wait_for_url(BOARD_URL, timeout=25_000)
        await expect(screen.get_by_test_id("connection-status")).to_have_attribute(
            "data-state", "online"
        )
        for client in ws.values():
            await client.disconnect()
        for context in (screen_context, jo_context):
            await context.close()


async def test_a_typed_name_does_not_make_a_second_browser_the_person_let_in(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    """A forwarded professional link, and the exact name of the professional let in: the
    second browser waits with no board and no websocket, and the facilitator's board lists
    it apart ("Ana Example (2)"). The real one comes back after a reload, and through the
    link again, without waiting."""
    meeting = await waiting_room_meeting(server)
    links = meeting["links"]
    chair_context, chair = await new_page(chromium, server.address)
    await join(chair, links["facilitator"], "Sam")
    panel = chair.get_by_test_id("waiting-room")
    people = panel.get_by_test_id("waiting-person")

    ana_context, ana = await new_page(chromium, server.address)
    await ask_to_join(ana, links["professional"], "Ana Example", None)
    first = re.compile(r"^Ana Example, Health \(Professional\)")
    await expect(people).to_have_text([first], timeout=10_000)
    await people.get_by_role("button", name="Let in").click()
    await board_online(ana)

    impostor_context, impostor = await new_page(chromium, server.address)
    sockets: list[str] = []
    impostor.on("websocket", lambda ws: sockets.append(ws.url))
    await ask_to_join(impostor, links["professional"], "Ana Example", None)
    await expect(people).to_have_text(
        [re.compile(r"^Ana Example \(2\), Health \(Professional\)")], timeout=10_000
    )
    await screenshot(chair, "same-name-waiting")
    await impostor.reload()  # what the waiting page does by itself every 5 seconds
    await expect(impostor.get_by_role("heading", name="Please wait")).to_be_visible()
    await expect(impostor.get_by_test_id("connection-status")).to_have_count(0)
    assert sockets == []  # no board, so no websocket: nothing of either layer

    # The real Ana: a reload, then the link again, and she is straight back on the board.
    await ana.reload()
    await board_online(ana)
    await ana.goto(links["professional"])
    await expect(ana.get_by_label("Your name")).to_have_value("Ana Example")
    await ana.get_by_role("button", name="Join the meeting").click()
    await ana.wait_for_url(BOARD_URL)
    await board_online(ana)
    await expect(people).to_have_count(1)  # still only the impostor waiting
    for context in (impostor_context, ana_context, chair_context):
        await context.close()


async def test_a_forwarded_screen_link_waits_and_the_facilitator_lets_the_screen_in_once(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await waiting_room_meeting(server)
    links = meeting["links"]
    chair_context, chair = await new_page(chromium, server.address)
    await join(chair, links["facilitator"], "Sam")
    await add_card(chair, "strengths", "Gran walks Leo to school")

    screen_context, screen = await new_page(chromium, server.address)
    await screen.goto(links["viewer"])
    await screen.get_by_role("button", name="Join the meeting").click()
    await expect(screen.get_by_role("heading", name="Please wait")).to_be_visible()
    await expect(
        screen.get_by_text("This screen will show the map once the facilitator lets it in.")
    ).to_be_visible()
    await expect(screen.get_by_text("Gran walks Leo to school")).to_have_count(0)

    people = chair.get_by_test_id("waiting-room").get_by_test_id("waiting-person")
    await expect(people).to_have_count(1, timeout=10_000)
    await people.get_by_role("button", name="Let in").click()
    # The waiting page checks again by itself and becomes the shared screen's board.
    await expect(screen.get_by_text("Gran walks Leo to school")).to_be_visible(timeout=15_000)
    await board_online(screen)
    assert screen.url.endswith("/present")
    await screen.reload()  # let in once: it comes straight back
    await board_online(screen)
    await expect(screen.get_by_text("Gran walks Leo to school")).to_be_visible()
    for context in (screen_context, chair_context):
        await context.close()
