"""The shared screen never shows the professionals-only layer (issue 14.4), in Debian's Chromium.

Whoever opens the presentation view (the facilitator from their meeting page or their board, a
professional by its address) gets the main map only: the page tells the board not to open the
professional room, the board does not, and the server refuses that room to a connection marked
`present=1`. And the main room's presence says nothing about professionals-only cards: who is
typing in one is told in the professional room only.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from playwright.async_api import Browser, Page, expect

from server.board.permissions import Layer
from server.sync import awareness, protocol
from server.sync.closes import FORBIDDEN
from tests.browser import chromium, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.system.test_browser_board import (
    BOARD_URL,
    Traffic,
    add_card,
    board_online,
    card,
    joined,
    sign_in,
    text_of,
)
from tests.waiting import within
from tests.yclient import YClient

PRESENT_URL = re.compile(r"/m/[^/?#]+/present$")
SCREEN = {"viewport": {"width": 1920, "height": 1080}}

# Fictional, and distinctive enough that no other text on the page contains them.
SECRET = "Referral source is the neighbour at no. 12 - please do not share with the family"
SECRET_STEP = "Police officer Quill to confirm the lodger's record by Friday"
SHARED = "Grandad Tomas walks Ava to school every morning"


def professional_peers(server: RunningServer, meeting_id: str) -> int:
    room = server.services.rooms.loaded(meeting_id, Layer.PROFESSIONAL)
    return 0 if room is None else len(room.peers)


async def professional_peers_stay(server: RunningServer, meeting_id: str, count: int) -> None:
    """The professional room has `count` connections, and still has after a moment."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10
    while professional_peers(server, meeting_id) != count:
        assert loop.time() < deadline, f"{professional_peers(server, meeting_id)} connections"
        await asyncio.sleep(0.05)
    for _ in range(10):  # 0.5 s: a connection opened with the page would be here by now
        await asyncio.sleep(0.05)
        assert professional_peers(server, meeting_id) == count


async def expect_presentation_without_the_layer(
    page: Page, traffic: Traffic, meeting_id: str, secret_ids: list[str], shared_id: str
) -> None:
    """The page is the presentation view, shows the shared map, and holds nothing else."""
    await page.wait_for_url(PRESENT_URL)
    await board_online(page)
    await expect(text_of(page, shared_id)).to_have_text(SHARED)
    # Obviously a presentation: the large read-only view, with no way to edit from it.
    await expect(page.locator("#board.board--present")).to_be_visible()
    await expect(page.get_by_test_id("presenting")).to_be_visible()
    for selector in ["textarea", "input", "select"]:
        await expect(page.locator(selector)).to_have_count(0)
    await expect(page.get_by_test_id("undo")).to_be_hidden()
    # No text of the professionals-only layer anywhere in the DOM (nor its cards' ids)...
    await expect(page.locator('[data-layer="professional"]')).to_have_count(0)
    html = await page.evaluate("document.documentElement.outerHTML")
    for text in [SECRET, SECRET_STEP, "neighbour at no. 12", "Quill", *secret_ids]:
        assert text not in html
    # ... nor on the wire: the page opened one websocket, to the main room only.
    assert traffic.urls, "the page's websockets were not recorded"
    assert traffic.rooms() == {meeting_id}
    assert not traffic.carried(SECRET) and not traffic.carried(SECRET_STEP)


async def test_presenting_on_the_shared_screen_never_opens_the_professionals_layer(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    chair_context, chair = await sign_in(chromium, server, **SCREEN)
    await chair.get_by_label("Meeting title").fill("Planning for Ava")
    await chair.get_by_label("Use a waiting room").uncheck()
    await chair.get_by_role("button", name="Create meeting").click()
    await expect(chair.get_by_role("heading", name="Planning for Ava")).to_be_visible()
    meeting_page = chair.url
    meeting_id = meeting_page.rstrip("/").rsplit("/", 1)[1]

    # The facilitator's own board: a professionals-only card and step, and a shared card.
    edit_traffic = Traffic(chair)
    await chair.get_by_test_id("open-board").click()
    await chair.wait_for_url(BOARD_URL)
    await board_online(chair)
    secret_id = await add_card(chair, "complicating", SECRET, layer="professional")
    step_id = await add_card(chair, "next_steps", SECRET_STEP, layer="professional")
    shared_id = await add_card(chair, "strengths", SHARED)
    await expect(card(chair, secret_id)).to_have_attribute("data-layer", "professional")
    # The same Traffic sees the layer where it belongs: on the editing board.
    assert edit_traffic.rooms() == {meeting_id, f"{meeting_id}/professional"}

    # 1. "Present on the shared screen" on the meeting page (the path).
    await chair.goto(meeting_page)
    traffic = Traffic(chair)
    await chair.get_by_test_id("present").click()
    await expect_presentation_without_the_layer(
        chair, traffic, meeting_id, [secret_id, step_id], shared_id
    )
    await screenshot(chair, "present-facilitator-1920x1080")

    # 2. The board's own "Present on the shared screen" (a new tab): the editing board keeps
    # its one professional connection, the presentation adds none.
    await chair.close()
    board = await chair_context.new_page()
    await board.goto(f"/m/{meeting_id}")
    await board_online(board)
    await expect(card(board, secret_id)).to_be_visible()
    await professional_peers_stay(server, meeting_id, 1)
    async with chair_context.expect_page() as opened:
        await board.get_by_test_id("present").click()
    shown = await within(opened.value, 10, "the board opened the presentation tab")
    await shown.wait_for_url(PRESENT_URL)
    await board_online(shown)
    await expect(text_of(shown, shared_id)).to_have_text(SHARED)
    await expect(shown.locator('[data-layer="professional"]')).to_have_count(0)
    html = await shown.evaluate("document.documentElement.outerHTML")
    assert SECRET not in html and SECRET_STEP not in html
    await professional_peers_stay(server, meeting_id, 1)
    await chair_context.close()


async def test_a_professional_opening_the_presentation_view_gets_the_main_map_only(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Ava")
    meeting_id = meeting["id"]
    pro_context, pro = await joined(chromium, server, meeting["links"]["professional"], "Ana")
    secret_id = await add_card(pro, "danger", SECRET, layer="professional")
    shared_id = await add_card(pro, "strengths", SHARED)
    traffic = Traffic(pro)
    await pro.goto(f"/m/{meeting_id}/present")
    await expect_presentation_without_the_layer(pro, traffic, meeting_id, [secret_id], shared_id)
    await pro_context.close()


async def test_the_server_refuses_the_professional_room_to_a_presentation_connection(
    server: RunningServer,
) -> None:
    meeting = await server.meeting("Planning for Ava")
    room = f"{meeting['id']}/professional"
    for role in ("facilitator", "professional"):
        marked = YClient(server.ws_url, room, meeting["tokens"][role], name="Ana")
        marked.url += "&present=1"
        await marked.connect()
        await marked.wait_closed()
        assert marked.close_code == FORBIDDEN
        assert not marked.synced.is_set()
        # Without the marker the same link opens it, as before.
        plain = await server.client(meeting, role, layer="professional", name="Ana")
        await asyncio.wait_for(plain.synced.wait(), 5)
        await plain.disconnect()


def presence_sent(frames: list[bytes]) -> list[dict[str, Any] | None]:
    """Every presence state in the frames a client received, in order."""
    states: list[dict[str, Any] | None] = []
    for frame in frames:
        message = protocol.decode(frame)
        if isinstance(message, protocol.AwarenessUpdate):
            states.extend(entry.state for entry in awareness.decode_update(message.payload))
    return states


async def test_main_room_presence_says_nothing_about_professionals_only_cards(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Ava")
    ana_context, ana = await joined(chromium, server, meeting["links"]["professional"], "Ana")
    bo_context, bo = await joined(chromium, server, meeting["links"]["professional"], "Bo")
    secret_id = await add_card(ana, "complicating", SECRET, layer="professional")
    shared_id = await add_card(ana, "strengths", SHARED)
    # The family, through a stock websocket client on the main room, hears everything there.
    family = await server.client(meeting, "family", name="Jo")
    await within(family.synced.wait(), 20, "family synced")

    # Ana types in the professionals-only card: Bo (a professional) is told who is in it...
    await text_of(ana, secret_id).focus()
    await ana.keyboard.press("End")
    await ana.keyboard.type(" (confirmed)")
    editing = card(bo, secret_id).get_by_test_id("card-editing")
    await expect(editing).to_contain_text("Ana")
    # ... then moves to a shared card, which the family is told about: the main room's
    # presence is in order, so everything Ana said there before has arrived by then.
    await text_of(ana, shared_id).focus()
    await expect(editing).to_be_hidden()
    await expect(card(bo, shared_id).get_by_test_id("card-editing")).to_contain_text("Ana")
    await family.wait_for(
        lambda: any(
            isinstance(s, dict) and s.get("editing") == f"main:{shared_id}"
            for s in family.presence.values()
        )
    )

    states = [s for s in presence_sent(family.received) if s is not None]
    assert states, "the family's client heard no presence"
    said = json.dumps(states)
    assert secret_id not in said
    assert "professional:" not in said
    for state in states:
        editing_value = state.get("editing")
        assert editing_value is None or str(editing_value).startswith("main:")
        # Nothing but who they are and the shared card they are in (and the server's word).
        assert set(state) <= {"user", "editing", "server"}
    assert not any(secret_id.encode() in frame for frame in family.received)
    await family.disconnect()
    await bo_context.close()
    await ana_context.close()
