"""The board on a 360x800 phone (issue 19, "The phone"), in Debian's Chromium: the map comes
first (the first card within the first 200 px), the roster folds into a count that opens the
names, the tools sit in a menu, the tabs stay in view while scrolling; on the scale, 0-10 sit
on one row and the name chips never overlap, even with 8 people on one number (also at 1920).
And an ended meeting's board offers neither "End the meeting" nor "Present".

Everyone else in the meeting is a stock client on their own link (a YClient): each is present
(their awareness entry) and writes their own name and their own mark, as the server requires.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from playwright.async_api import Browser, FloatRect, Locator, Page, expect
from pycrdt import Map

from server.board import model
from tests.browser import chromium, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.system.test_browser_a11y import serious_violations
from tests.system.test_browser_board import (
    BOARD_URL,
    add_card,
    board_online,
    card,
    cards_in,
    joined,
    sign_in,
    text_of,
)
from tests.waiting import within

PHONE: dict[str, Any] = {
    "viewport": {"width": 360, "height": 800},
    "is_mobile": True,
    "has_touch": True,
    "device_scale_factor": 2,
}
SCREEN: dict[str, Any] = {"viewport": {"width": 1920, "height": 1080}}
SCALE_ID = "overall"
SHARED_VALUE = 5  # where the 8 people of the test put their mark
CHIPS = '[data-testid="scale-chip"], [data-testid="scale-chip-group"]'

# Everyone else in the meeting (fictional): role, name, how they know the child, their mark.
OTHERS: list[tuple[str, str, str, int]] = [
    ("facilitator", "Sam Taylor", "", SHARED_VALUE),
    ("professional", "DC Sam Okafor", "", SHARED_VALUE),
    ("family", "Dee Brown", "Gran", SHARED_VALUE),
    ("family", "Chris Example", "Dad", SHARED_VALUE),
    ("professional", "Alex Morgan", "", SHARED_VALUE),
    ("professional", "Priya Shah", "", SHARED_VALUE),
    ("professional", "Tom Reid", "", SHARED_VALUE),
    ("family", "Aunt May Example", "Aunt", SHARED_VALUE),
    ("professional", "Mr Shah", "", 4),
    ("family", "Sami's Mum", "Neighbour", 6),
    ("professional", "Nurse Kay Lowe", "", 7),
]

CARDS: dict[str, list[str]] = {
    "harm": [
        "Leo (6) was left at home alone overnight twice in March",
        "School saw bruising on Leo's arm on 14 April; Dad said he fell off his bike",
        "Leo missed 20 school days this term",
    ],
    "danger": ["Children's services are worried that Leo will be hurt if Dad drinks"],
    "strengths": [
        "Leo loves football and goes to practice every Saturday with Dad",
        "Gran lives ten minutes away and sees Leo most days",
    ],
    "safety": ["Gran has collected Leo from school every day since April"],
    "goals": ["Leo will go to school every day and be on time"],
    "next_steps": ["Write the safety plan with the family and Gran"],
}


@asynccontextmanager
async def meeting_with_people(
    server: RunningServer, others: list[tuple[str, str, str, int]] = OTHERS
) -> AsyncIterator[dict[str, Any]]:
    """A meeting whose map holds CARDS and one scale, with `others` present (connected, each
    with their own name and mark on the scale); they leave when the block ends."""
    meeting = await server.meeting("Planning for Leo")
    clients = [
        await server.client(meeting, role, name=name, relationship=relationship)
        for role, name, relationship, _ in others
    ]
    try:
        for client in clients:
            await within(client.synced.wait(), 20, "a stock client synced")
        ids = [await client.whoami() for client in clients]
        chair = clients[0]
        n = 0
        cards = []
        for section, texts in CARDS.items():
            for text in texts:
                n += 1
                cards.append({"id": f"c{n}", "section": section, "text": text, "author": ids[0]})
        model.write_map(
            chair.doc,
            {
                "title": "Planning for Leo",
                "people": {ids[0]: {"name": others[0][1], "role": others[0][0]}},
                "scales": [{"id": SCALE_ID}],
                "cards": cards,
                "createdAt": "2031-05-02T10:00:00Z",
            },
        )
        for client in clients[1:]:
            await client.wait_for(lambda c=client: SCALE_ID in c.doc.get("scales", type=Map), 20)  # type: ignore[misc]
        for client, pid, (role, name, relationship, value) in zip(
            clients, ids, others, strict=True
        ):
            person = {"name": name, "role": role} | (
                {"relationship": relationship} if relationship else {}
            )
            if client is not chair:
                model.write_map(client.doc, {"people": {pid: person}})
            ratings = client.doc.get("scales", type=Map)[SCALE_ID]["ratings"]
            ratings[pid] = {"value": value, "reason": "", "at": "2031-05-02T10:30:00Z"}
        await chair.wait_for(
            lambda: len(chair.doc.get("scales", type=Map)[SCALE_ID]["ratings"]) == len(others),
            20,
        )
        yield meeting
    finally:
        for client in clients:
            await client.disconnect()


async def first_card_top(page: Page) -> float:
    """The top of the first card on screen, at scroll 0, in CSS pixels."""
    await page.evaluate("window.scrollTo(0, 0)")
    box = await page.get_by_test_id("card").first.bounding_box()
    assert box is not None
    return float(box["y"])


async def boxes(locator: Locator) -> list[FloatRect]:
    return [b for b in [await item.bounding_box() for item in await locator.all()] if b]


def intersect(a: FloatRect, b: FloatRect) -> bool:
    return (
        a["x"] < b["x"] + b["width"] - 0.5
        and b["x"] < a["x"] + a["width"] - 0.5
        and a["y"] < b["y"] + b["height"] - 0.5
        and b["y"] < a["y"] + a["height"] - 0.5
    )


def inside(inner: FloatRect, outer: FloatRect) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


async def expect_no_overlap(page: Page, scale: Locator) -> int:
    """No two chips on the scale's line intersect; each lies inside the scale and the page's
    width. Returns how many chips there are."""
    chips = await boxes(scale.locator(CHIPS))
    area = await scale.bounding_box()
    width = await page.evaluate("document.documentElement.clientWidth")
    assert area is not None and chips
    for i, a in enumerate(chips):
        assert inside(a, area), (a, area)
        assert a["x"] >= 0 and a["x"] + a["width"] <= width, (a, width)
        for b in chips[i + 1 :]:
            assert not intersect(a, b), (a, b)
    return len(chips)


async def expect_one_row_of_numbers(scale: Locator) -> tuple[float, float]:
    """0-10 on one row: every number's box shares one top. Returns the smallest width and
    height of a number."""
    numbers = await boxes(scale.locator(".mark-number"))
    assert len(numbers) == 11
    assert max(b["y"] for b in numbers) - min(b["y"] for b in numbers) < 1, numbers
    return min(b["width"] for b in numbers), min(b["height"] for b in numbers)


# Tests ------------------------------------------------------------------------------------


async def test_a_family_phone_shows_the_map_first_and_folds_the_rest(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    async with meeting_with_people(server) as meeting:
        context, page = await joined(chromium, server, meeting["links"]["family"], "Jo", **PHONE)
        await expect(page.get_by_test_id("card")).to_have_count(9)
        top = await first_card_top(page)
        print(f"family, 360x800: first card at {top:.0f} px")
        assert top <= 200

        # The roster is a count that opens the names (everyone here, Jo too).
        toggle = page.get_by_test_id("roster-toggle")
        await expect(toggle).to_have_text(f"{len(OTHERS) + 1} here")
        await expect(toggle).to_have_attribute("aria-expanded", "false")
        await expect(page.get_by_test_id("roster-list")).to_be_hidden()
        await toggle.click()
        await expect(toggle).to_have_attribute("aria-expanded", "true")
        await expect(page.get_by_test_id("roster-person")).to_have_count(len(OTHERS) + 1)
        await expect(page.get_by_test_id("roster-person").last).to_be_visible()
        await toggle.click()
        await expect(page.get_by_test_id("roster-list")).to_be_hidden()

        # Undo and Redo are in the menu, and work; Ctrl+Z too.
        added = await add_card(page, "harm", "Leo told his teacher he was scared at night")
        await page.get_by_test_id("composer-harm").get_by_test_id("new-card-text").press("Escape")
        await expect(page.get_by_test_id("undo")).to_be_hidden()
        menu = page.get_by_test_id("board-menu")
        await menu.click()
        await expect(menu).to_have_attribute("aria-expanded", "true")
        await page.get_by_test_id("undo").click()
        await expect(card(page, added)).to_have_count(0)
        await page.get_by_test_id("redo").click()
        await expect(text_of(page, added)).to_have_value(
            "Leo told his teacher he was scared at night"
        )
        await page.keyboard.press("Escape")  # closes the menu, the focus back on its button
        await expect(page.get_by_test_id("undo")).to_be_hidden()
        await expect(menu).to_be_focused()
        await page.keyboard.press("Control+z")
        await expect(card(page, added)).to_have_count(0)
        await screenshot(page, "phone-board-360x800")

        # The tabs stay at the top while the part scrolls.
        await page.get_by_test_id("add-complicating").click()  # a longer part to scroll
        await page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
        assert await page.evaluate("scrollY") > 200
        tabs = await page.get_by_test_id("tabs").bounding_box()
        assert tabs is not None and -0.5 <= tabs["y"] <= 0.5, tabs
        await page.get_by_test_id("tab-working_well").click()
        await expect(cards_in(page, "strengths")).to_have_count(2)
        await expect(cards_in(page, "strengths").first).to_be_in_viewport()
        await context.close()


async def test_a_professional_and_the_facilitator_see_the_map_first_on_a_phone(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    async with meeting_with_people(server) as meeting:
        for role, name in [("professional", "Ana Lee"), ("facilitator", "Sam")]:
            context, page = await joined(chromium, server, meeting["links"][role], name, **PHONE)
            await expect(page.get_by_test_id("card")).to_have_count(9)
            top = await first_card_top(page)
            print(f"{role}, 360x800: first card at {top:.0f} px")
            assert top <= 200
            if role == "facilitator":
                # The facilitator's tools are in the menu too.
                await expect(page.get_by_test_id("end-meeting")).to_be_hidden()
                await page.get_by_test_id("board-menu").click()
                await expect(page.get_by_test_id("end-meeting")).to_be_visible()
                await expect(page.get_by_test_id("present")).to_be_visible()
                await screenshot(page, "phone-facilitator-menu-360x800")
            await context.close()

    # The facilitator signed in, on their own board (the site bar has their links too).
    context, chair = await sign_in(chromium, server, **PHONE)
    await chair.get_by_label("Meeting title").fill("Planning for Ava")
    await chair.get_by_label("Use a waiting room").uncheck()
    await chair.get_by_role("button", name="Create meeting").click()
    await chair.get_by_test_id("open-board").click()
    await chair.wait_for_url(BOARD_URL)
    await board_online(chair)
    await add_card(chair, "harm", "Ava was left alone at home on 3 March")
    # The form stays open for the next card, above the cards; closed, the map comes first.
    await chair.get_by_test_id("composer-harm").get_by_test_id("new-card-text").press("Escape")
    top = await first_card_top(chair)
    print(f"facilitator signed in, 360x800: first card at {top:.0f} px")
    assert top <= 200
    await screenshot(chair, "phone-facilitator-board-360x800")
    await context.close()


async def test_the_scale_on_a_phone_and_a_big_screen_with_8_people_on_one_number(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    async with meeting_with_people(server) as meeting:
        for options, name in [(PHONE, "phone-scale-360x800"), (SCREEN, "scale-1920x1080")]:
            context, page = await joined(
                chromium, server, meeting["links"]["family"], "Jo", bypass_csp=True, **options
            )
            if options is PHONE:
                await page.get_by_test_id("tab-scales").click()
            scale = page.get_by_test_id("scale")
            await expect(scale.get_by_test_id("scale-mark")).to_have_count(len(OTHERS))
            width, height = await expect_one_row_of_numbers(scale)
            print(f"{name}: numbers {width:.1f} x {height:.1f} px")
            assert width >= 24 and height >= 44
            # 8 people on 5 fold into "8 people"; the 3 others have their names.
            group = scale.get_by_test_id("scale-chip-group")
            await expect(group).to_have_text(re.compile(r"^8 people"))
            await expect(group).to_have_attribute("data-value", str(SHARED_VALUE))
            target = await group.bounding_box()
            assert target is not None
            print(f"{name}: '8 people' {target['width']:.0f} x {target['height']:.0f} px")
            assert options is not PHONE or target["height"] >= 44
            await expect(scale.get_by_test_id("scale-chip")).to_have_count(3)
            assert await expect_no_overlap(page, scale) == 4
            # "8 people" opens their names, stacked: still nothing overlaps.
            await group.click()
            await expect(group).to_have_attribute("aria-expanded", "true")
            await expect(scale.get_by_test_id("scale-chip")).to_have_count(len(OTHERS))
            assert await expect_no_overlap(page, scale) == len(OTHERS) + 1
            found = await serious_violations(page)
            assert not found, "\n".join(found)
            await page.evaluate("window.scrollTo(0, 0)")  # sticky tabs in their own place
            await screenshot(page, name)
            await context.close()


async def test_an_ended_meeting_board_offers_neither_end_nor_present(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo")
    context, page = await joined(chromium, server, meeting["links"]["facilitator"], "Sam", **SCREEN)
    await expect(page.get_by_test_id("end-meeting")).to_be_visible()
    await expect(page.get_by_test_id("present")).to_be_visible()
    # A shared screen on (the board grows its "Shared screen" control) and someone the
    # facilitator may take out: neither is offered once the meeting has ended.
    screen_context, _ = await joined(
        chromium, server, meeting["links"]["viewer"], "Room screen", **SCREEN
    )
    await expect(page.get_by_test_id("screen-control")).to_be_visible()
    family = await server.client(meeting, "family", name="Jo")
    await family.set_presence({"user": {}})
    await expect(page.get_by_test_id("take-out")).to_have_count(2, timeout=15_000)  # Jo, the screen
    async with httpx.AsyncClient(base_url=server.address) as http:
        response = await http.post(
            f"/api/meetings/{meeting['id']}/end",
            headers={"Authorization": f"Bearer {meeting['tokens']['facilitator']}"},
        )
        assert response.status_code == 200
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "ended")
    await expect(page.get_by_test_id("ended-banner")).to_be_visible()
    for tool in ["end-meeting", "present", "lock-toggle", "undo", "redo", "screen-control"]:
        await expect(page.get_by_test_id(tool)).to_be_hidden()
    await expect(page.get_by_test_id("take-out")).to_have_count(0)
    await screen_context.close()
    await page.reload()
    await expect(page.get_by_test_id("ended-banner")).to_be_visible()
    for tool in ["end-meeting", "present", "lock-toggle", "undo", "redo"]:
        await expect(page.get_by_test_id(tool)).to_be_hidden()
    await context.close()
