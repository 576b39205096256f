"""The shared screen, read across the room (issue 19), in Debian's Chromium.

The presentation view keeps card text at 24 px on a 1920x1080 screen and 18 px on a 1366x768
one whatever the map holds: the map flows through the whole screen in columns, then pages, one
screenful at a time. Measured in the browser: computed font sizes, and every element shown lies
inside the viewport; the pages together hold every card exactly once. The facilitator steers
the screen from their board through presence; anyone else writing `screen` into their own
presence moves nothing.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from server.board import model
from tests.browser import chromium, new_page, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.example_meeting import example_meeting
from tests.system.test_browser_a11y import serious_violations
from tests.system.test_browser_board import BOARD_URL, board_online, joined
from tests.waiting import within
from tests.yclient import YClient

# (width, height, smallest card text in px)
SIZES = [(1920, 1080, 24.0), (1366, 768, 18.0)]

# Fictional cards, added by the chair to the example meeting's 21 (Mia's review meeting).
MORE_CARDS: list[tuple[str, str]] = [
    ("harm", "In February the nursery saw Mia arrive twice in the same clothes as the day before."),
    (
        "harm",
        "Neighbours rang the police in April after hearing shouting late at night; officers "
        "found both parents had been drinking and Mia was awake and crying in her room.",
    ),
    ("danger", "Grandma Dee is worried Mia will stop telling anyone when she is scared."),
    (
        "danger",
        "The health visitor is worried that if Mum's late shifts carry on with no plan for the "
        "evenings, Mia could again be left with an adult who has been drinking.",
    ),
    ("complicating", "The flat is on the fourth floor and the lift is often broken."),
    ("complicating", "Mum's phone is often out of credit, so nursery cannot always reach her."),
    ("complicating", "Dad's brother, who used to help, moved to Leeds in the summer."),
    (
        "complicating",
        "Mum and Dad remember the night of 3 March differently, and talking about it still "
        "ends in an argument, so the plan for evenings has not been agreed yet.",
    ),
    (
        "strengths",
        "Dad reads Mia a story every night he is at home, and on Sundays they go to the library "
        "together to choose new books. Mia told her key worker that her favourite is the one "
        "about the bear who cannot sleep, and that Dad does all the voices. The nursery says "
        "Mia's talking has come on a lot since the spring, and she now tells the other "
        "children stories of her own at circle time. Dad says reading together is the part of "
        "the day he looks forward to most, and he wants to keep it going whatever else changes.",
    ),
    ("strengths", "Mia has a best friend at nursery, Zara, and they play together every day."),
    ("strengths", "Mum asked the health visitor for help with money and went to the food bank."),
    (
        "strengths",
        "Both parents said in this meeting that they want Mia to grow up safe and happy, and "
        "that they are ready to work with everyone here to make that happen.",
    ),
    ("strengths", "Mia sleeps well and has a bedtime routine she likes."),
    ("safety", "Aunt Rosa phones every evening at bedtime to say goodnight to Mia."),
    ("safety", "Dad has agreed not to drink at home on the nights he looks after Mia."),
    (
        "safety",
        "When Mum works late, Mia now goes to Grandma Dee's after nursery and Mum collects her "
        "there the next morning; this has happened every time for six weeks.",
    ),
    ("safety", "Mia knows the words to use if she feels scared: 'I want Grandma'."),
    ("goals", "Mia will go to nursery every day and be picked up on time by a sober adult."),
    (
        "goals",
        "Everyone at this meeting will know who looks after Mia each evening, and there will "
        "always be a back-up person on the plan who can come within half an hour.",
    ),
    ("goals", "Mum and Dad will have a plan for money that lasts to the end of each month."),
    ("next_steps", "Alex to share the written plan with nursery by Friday."),
    ("next_steps", "Grandma Dee to add Aunt Rosa as a back-up on the plan."),
    ("next_steps", "Priya to visit at bedtime once in the next month."),
    (
        "next_steps",
        "Mum to ask her manager in writing whether her late shifts can move to Fridays and "
        "Saturdays, when Grandma Dee already stays over.",
    ),
    ("next_steps", "Dad to bring his attendance letter to the next meeting."),
    ("harm", "Mia told nursery staff in May that she was 'scared of the loud'."),
    ("danger", "Nursery is worried Mia is often tired and hungry on Monday mornings."),
    ("complicating", "The family's housing benefit was stopped for two months by mistake."),
    ("strengths", "Grandma Dee and Mum get on well and talk on the phone every day."),
    ("safety", "The neighbour, Mrs Okafor, has a spare key and is home most evenings."),
    ("goals", "Mia will tell her key worker at nursery that home feels calm."),
    ("next_steps", "Sam to book the next review meeting and send the date to everyone."),
    ("strengths", "Dad walked Mia to nursery every day last month."),
    ("safety", "Mum and Dad agreed that only one of them drinks on any evening, never both."),
    ("complicating", "Mia's cousin, who she loves, lives with a parent who drinks heavily."),
    ("next_steps", "Tom to tell Mum and Dad each Friday how Mia's week went at nursery."),
    ("strengths", "Mia can say her address and Grandma Dee's phone number."),
    ("goals", "Mum and Dad will go to a parenting course together before the next review."),
    ("safety", "Grandma Dee can take Mia on any weekday with one day's notice."),
]
EXAMPLE_CARDS = 21


async def map_of(server: RunningServer, count: int) -> tuple[dict[str, Any], YClient, list[str]]:
    """The example meeting with `count` cards on its map (the chair's added to it); the chair's
    connection stays open; every card's id."""
    meeting, data, _ids = await example_meeting(server, end=False)
    chair = await server.client(meeting, "facilitator", name="Sam Taylor")
    await within(chair.synced.wait(), 20, "the chair synced")
    me = await chair.whoami()
    extra = [
        {"id": f"extra-{i}", "section": section, "text": text, "author": me}
        for i, (section, text) in enumerate(MORE_CARDS[: count - EXAMPLE_CARDS])
    ]
    model.write_map(
        chair.doc,
        {
            "cards": extra,
            "people": {me: {"name": "Sam Taylor", "role": "facilitator"}},
            "createdAt": data["held"],
        },
    )
    ids = [c["id"] for c in data["cards"]] + [c["id"] for c in extra]
    assert len(ids) == count
    return meeting, chair, ids


# What the screen shows, measured in the page: every element displayed (checkVisibility: not
# display:none, visibility:hidden or opacity 0) with a box outside the viewport; the computed
# size of every card text shown; the cards shown. Left out: the skip link (off-screen until it is
# focused) and 1 px "visually hidden" text for screen readers.
MEASURE = """() => {
  const vw = innerWidth, vh = innerHeight
  const seen = (el) => el.checkVisibility({ checkOpacity: true, checkVisibilityCSS: true })
  const shown = (sel) => [...document.querySelectorAll(sel)].filter(seen)
  const px = (el) => parseFloat(getComputedStyle(el).fontSize)
  const outside = []
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.skip-link') || !seen(el)) continue
    for (const r of el.getClientRects()) {
      if (r.width <= 1 && r.height <= 1) continue
      if (r.left < -0.5 || r.top < -0.5 || r.right > vw + 0.5 || r.bottom > vh + 0.5) {
        const box = [r.left, r.top, r.right, r.bottom].map(Math.round).join(',')
        outside.push(`${el.tagName.toLowerCase()}.${String(el.className)} [${box}]`)
      }
    }
  }
  return {
    outside,
    sizes: shown('[data-testid=card-text]').map(px),
    cards: shown('[data-testid=card]').map((el) => el.dataset.itemId),
    reasons: shown('.scale-mark-reason').map((el) => [el.textContent, px(el)]),
    scroll: [document.documentElement.scrollWidth, document.documentElement.scrollHeight]
  }
}"""


async def pages_of(page: Page) -> int:
    """How many pages the screen has now (1 when it says nothing: the map fits)."""
    indicator = page.get_by_test_id("screen-page")
    if not await indicator.is_visible():
        return 1
    found = re.fullmatch(r"Page (\d+) of (\d+)", (await indicator.inner_text()).strip())
    assert found, await indicator.inner_text()
    return int(found.group(2))


async def every_page(page: Page, name: str, smallest: float) -> tuple[list[str], list[Any]]:
    """Go through the screen's pages with PageDown, measuring each: the cards shown on each
    page, and the reasons for marks shown (text, font size)."""
    width, height = page.viewport_size["width"], page.viewport_size["height"]  # type: ignore[index]
    shown: list[str] = []
    reasons: list[Any] = []
    total = await pages_of(page)
    for number in range(1, total + 1):
        if number > 1:
            await page.keyboard.press("PageDown")
        if total > 1:
            await expect(page.get_by_test_id("screen-page")).to_have_text(
                f"Page {number} of {total}"
            )
        found = await page.evaluate(MEASURE)
        assert found["outside"] == [], (number, found["outside"])
        assert min(found["sizes"], default=smallest) >= smallest, (number, found["sizes"])
        assert found["scroll"] == [width, height], found["scroll"]  # nothing to scroll to
        shown += found["cards"]
        reasons += found["reasons"]
        await screenshot(page, f"{name}-page{number}" if number > 1 else name)
    return shown, reasons


@pytest.mark.parametrize("count", [30, 60])
async def test_the_shared_screen_is_readable_across_the_room_whatever_the_map_holds(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
    count: int,
) -> None:
    meeting, chair, ids = await map_of(server, count)
    for width, height, smallest in SIZES:
        size = {"viewport": {"width": width, "height": height}}
        context, screen = await joined(
            chromium, server, meeting["links"]["viewer"], "Room screen", **size
        )
        assert screen.url.endswith("/present")
        await expect(screen.locator("[data-testid=card]")).to_have_count(count)
        await expect(screen.get_by_test_id("scale-mark")).to_have_count(8)
        # No site header: the map alone, under the board's one slim line.
        await expect(screen.locator(".site-header")).to_have_count(0)
        header = await screen.locator(".board-header").bounding_box()
        assert header is not None and header["height"] <= 64, header

        shown, reasons = await every_page(screen, f"present-{count}-{width}x{height}", smallest)
        assert sorted(shown) == sorted(ids), "every card on exactly one page"
        # Every reason for a mark is on the screen (on the pages that hold the scales), large.
        assert len(reasons) == 8, reasons
        assert any("We have not left Mia alone since March" in text for text, _ in reasons)
        assert min(px for _, px in reasons) >= smallest * 0.85, reasons
        await context.close()
    await chair.disconnect()


async def test_the_facilitator_steers_the_screen_and_nobody_else_can(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting, chair, ids = await map_of(server, 60)
    links = meeting["links"]
    # bypass_csp: to inject axe-core (tests/system/test_browser_a11y.py).
    size = {"viewport": {"width": 1920, "height": 1080}, "bypass_csp": True}
    screen_context, screen = await joined(chromium, server, links["viewer"], "Room screen", **size)
    await expect(screen.locator("[data-testid=card]")).to_have_count(60)
    showing = screen.get_by_test_id("screen-showing")
    await expect(showing).to_have_text("Whole map")
    pages = await pages_of(screen)
    assert pages >= 2, "60 cards at 24 px take more than one screen"
    # A next step's due date reads as the record writes it, not as the ISO day stored.
    dues = [d.strip() for d in await screen.locator("td.step-due").all_text_contents()]
    assert any(dues), dues
    for due in filter(None, dues):
        assert re.fullmatch(r"\d{1,2} [A-Z][a-z]+ \d{4}", due), dues

    # A family member writing `screen` into their own presence (even claiming to be the
    # facilitator: the server stamps who they are) moves nothing.
    family = await server.client(meeting, "family", name="Jo Fake")
    await family.set_presence(
        {
            "user": {"name": "Jo Fake", "role": "facilitator"},
            "screen": {"show": "scales", "page": 1, "at": 9e15},
        }
    )
    # The screen has taken that presence in once it lists Jo in the roster (same message).
    await expect(screen.get_by_test_id("roster-person").filter(has_text="Jo Fake")).to_have_count(1)
    await expect(showing).to_have_text("Whole map")
    await expect(screen.get_by_test_id("screen-page")).to_have_text(f"Page 1 of {pages}")
    await expect(screen.get_by_test_id("column-worries")).to_be_visible()

    # The facilitator's board: the "Shared screen" control appears while a screen is on.
    chair_context, board = await joined(chromium, server, links["facilitator"], "Sam", **size)
    await board.wait_for_url(BOARD_URL)
    await board_online(board)
    control = board.get_by_test_id("screen-control")
    await expect(control).to_be_visible()
    await expect(control.get_by_test_id("screen-status")).to_have_text(f"Page 1 of {pages}")
    await screenshot(board, "board-screen-control-1920x1080")
    assert await serious_violations(board) == []

    # Next page.
    await control.get_by_test_id("screen-control-next").click()
    await expect(screen.get_by_test_id("screen-page")).to_have_text(f"Page 2 of {pages}")
    await expect(control.get_by_test_id("screen-status")).to_have_text(f"Page 2 of {pages}")

    # The scales: names and reasons, large; no column of the map.
    await control.get_by_test_id("screen-show").select_option(label="Safety scale")
    await expect(showing).to_have_text("Safety scale")
    await expect(screen.get_by_test_id("scales")).to_be_visible()
    await expect(screen.get_by_test_id("column-worries")).to_be_hidden()
    marks = screen.get_by_test_id("scale-mark")
    await expect(marks.filter(visible=True)).to_have_count(8)
    jo = marks.filter(has_text="Jo Example (Family, Mum): 7")
    await expect(jo).to_contain_text("Why: We have not left Mia alone since March")
    found = await screen.evaluate(MEASURE)
    assert found["outside"] == [], found["outside"]
    await screenshot(screen, "present-scales-1920x1080")
    assert await serious_violations(screen) == []

    # One column: only its cards.
    await control.get_by_test_id("screen-show").select_option(label="What are we worried about?")
    await expect(showing).to_have_text("What are we worried about?")
    await expect(screen.get_by_test_id("column-worries")).to_be_visible()
    await expect(screen.get_by_test_id("column-working_well")).to_be_hidden()
    await expect(screen.get_by_test_id("scales")).to_be_hidden()
    found = await screen.evaluate(MEASURE)
    assert found["outside"] == [], found["outside"]
    assert found["cards"] and min(found["sizes"]) >= 24
    assert all(ids.index(card) >= 0 for card in found["cards"])
    await screenshot(screen, "present-column-1920x1080")

    # Back to the whole map: page 1 again.
    await control.get_by_test_id("screen-show").select_option(label="Whole map")
    await expect(showing).to_have_text("Whole map")
    await expect(screen.get_by_test_id("screen-page")).to_have_text(f"Page 1 of {pages}")
    await family.disconnect()
    await chair.disconnect()
    await chair_context.close()
    await screen_context.close()


async def test_only_the_screen_tells_the_facilitator_what_it_shows(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    """A professional's link (not the room's screen, not the facilitator) writing `shown` into
    its presence, first in the room, must not stand in for the screen on the facilitator's
    control: it would say "Page 1 of 1" and hold Next on page 1 while the screen has more."""
    meeting, chair, _ids = await map_of(server, 60)
    links = meeting["links"]
    size = {"viewport": {"width": 1920, "height": 1080}}
    liar = await server.client(meeting, "professional", name="Pat Liar")
    await liar.set_presence({"shown": {"show": "map", "page": 1, "pages": 1}})
    screen_context, screen = await joined(chromium, server, links["viewer"], "Room screen", **size)
    await expect(screen.locator("[data-testid=card]")).to_have_count(60)
    pat = screen.get_by_test_id("roster-person").filter(has_text="Pat Liar")
    await expect(pat).to_have_count(1)
    pages = await pages_of(screen)
    assert pages >= 2, "60 cards at 24 px take more than one screen"

    chair_context, board = await joined(chromium, server, links["facilitator"], "Sam", **size)
    await board.wait_for_url(BOARD_URL)
    await board_online(board)
    control = board.get_by_test_id("screen-control")
    await expect(control.get_by_test_id("screen-status")).to_have_text(f"Page 1 of {pages}")
    await control.get_by_test_id("screen-control-next").click()
    await expect(screen.get_by_test_id("screen-page")).to_have_text(f"Page 2 of {pages}")
    await expect(control.get_by_test_id("screen-status")).to_have_text(f"Page 2 of {pages}")
    await liar.disconnect()
    await chair.disconnect()
    await chair_context.close()
    await screen_context.close()


# Frames the page draws in `ms`, and how long its main thread was busy with long tasks.
FRAMES = """async (ms) => {
  let busy = 0
  let frames = 0
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) busy += e.duration
  })
  observer.observe({ type: 'longtask' })
  const began = performance.now()
  await new Promise((resolve) => {
    const frame = () => {
      frames++
      if (performance.now() - began < ms) requestAnimationFrame(frame)
      else resolve()
    }
    requestAnimationFrame(frame)
  })
  observer.disconnect()
  return { busy, frames }
}"""


async def test_a_flood_of_presence_from_a_family_link_does_not_stall_the_screen(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    """Every render laid the whole screen out again, page by page (a third of a second for 60
    cards): a family link changing its presence every 10 ms held the screen to 8 frames in 3 s,
    its main thread busy all the time, so it neither drew nor answered keys."""
    meeting, chair, ids = await map_of(server, 60)
    size = {"viewport": {"width": 1920, "height": 1080}}
    context, screen = await joined(chromium, server, meeting["links"]["viewer"], "Room", **size)
    await expect(screen.locator("[data-testid=card]")).to_have_count(60)
    pages = await pages_of(screen)
    family = await server.client(meeting, "family", name="Jo Flood")
    flooding = True

    async def flood() -> None:
        # A field of its own, and "typing in a card" on and off (the screen never shows who
        # is typing, so neither may make it lay its pages out again).
        clock = 1
        while flooding:
            clock += 1
            editing = f"main:{ids[0]}" if clock % 2 else None
            await family.set_presence({"n": clock, "editing": editing}, clock=clock)
            await asyncio.sleep(0.01)

    task = asyncio.create_task(flood())
    layouts = "performance.getEntriesByName('screen:layout').length"
    try:
        # The flood reaches the screen (it lists Jo), and goes on while the screen is watched.
        await expect(
            screen.get_by_test_id("roster-person").filter(has_text="Jo Flood")
        ).to_have_count(1)
        before = await screen.evaluate(layouts)
        drawn = await screen.evaluate(FRAMES, 3000)
        laid_out = await screen.evaluate(layouts) - before
        print(f"3 s of a presence flood: {drawn['frames']} frames, {laid_out} layouts")
        # Counted, not timed: before, every presence frame laid the whole screen out again.
        assert laid_out <= 3, f"presence alone laid the screen out {laid_out} times"
        await screen.keyboard.press("PageDown")
        await expect(screen.get_by_test_id("screen-page")).to_have_text(f"Page 2 of {pages}")
    finally:
        flooding = False
        await within(task, 10, "the presence flood stopped")
    await family.disconnect()
    await chair.disconnect()
    await context.close()
