"""The board by keyboard on a big screen (issue 19): skip links bring each column and the scale
within a few Tabs of the top of the page, "N" opens "Add a card" where the person is, and the
card's tools show on hover and focus but stay one Tab stop."""

from __future__ import annotations

from playwright.async_api import Browser, Locator, Page, expect

from tests.browser import chromium, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.system.test_browser_board import (
    add_card,
    card,
    cards_in,
    is_focused,
    joined,
    populate,
    text_of,
)
from tests.system.test_browser_density import MAP_25, SCREEN

# From the design: Tab to the skip link (after the site's own "Skip to main content"), Enter,
# then the part's first control. A handful of presses, however many cards the map holds.
MOST_TABS = 6
FIRST_ADD = {"worries": "harm", "working_well": "strengths", "needs_to_happen": "goals"}


async def tabs_until(page: Page, done: Locator, limit: int = 400) -> int:
    """Press Tab from where the focus is until `done` has it; how many presses it took."""
    for presses in range(limit + 1):
        if await is_focused(done):
            return presses
        await page.keyboard.press("Tab")
    raise AssertionError(f"Tab did not reach {done} in {limit} presses")


async def from_the_top(page: Page) -> None:
    """The focus back at the top of the document, as after loading the page."""
    await page.evaluate("document.activeElement?.blur(); scrollTo(0, 0)")
    await page.locator("body").focus()
    await page.evaluate(
        """() => {
            // The sequential focus starting point: the document's start.
            const a = document.createElement('span'); a.tabIndex = -1
            document.body.prepend(a); a.focus(); a.remove()
        }"""
    )


async def tabs_via_skip_link(page: Page, part: str, target: Locator) -> int:
    """Tabs from the top of the page to `target` through the skip link to `part` (its Enter
    is not a Tab)."""
    await from_the_top(page)
    link = page.get_by_test_id(f"skip-{part}")
    presses = await tabs_until(page, link, limit=20)
    await expect(link).to_be_visible()  # shown while it has the focus
    await page.keyboard.press("Enter")
    return presses + await tabs_until(page, target, limit=40)


async def test_skip_links_reach_each_column_and_the_scale_in_a_few_tabs(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo")
    context, page = await joined(chromium, server, meeting["links"]["facilitator"], "Sam", **SCREEN)
    await populate(page, MAP_25)
    await expect(page.get_by_test_id("card")).to_have_count(25)

    await from_the_top(page)
    plain = await tabs_until(page, page.get_by_test_id("add-strengths"))
    print(f"Tabs to Strengths' Add a card without the skip links: {plain}")
    in_scales = page.locator('[data-testid="scales"] :focus')
    more = 0
    while not await in_scales.count() and more < 400:
        await page.keyboard.press("Tab")
        more += 1
    print(f"then Tabs to the scale's first control: {more}")

    counts = {}
    for column, section in FIRST_ADD.items():
        counts[column] = await tabs_via_skip_link(
            page, column, page.get_by_test_id(f"add-{section}")
        )
    scale = page.get_by_test_id("scale")
    counts["scales"] = await tabs_via_skip_link(page, "scales", page.get_by_test_id("scales"))
    # The scale's first control is next: its wording (the facilitator's), or the numbers.
    await page.keyboard.press("Tab")
    await expect(scale.locator(":focus")).to_have_count(1)
    print(f"Tabs through the skip links: {counts}")
    await from_the_top(page)
    await tabs_until(page, page.get_by_test_id("skip-working_well"), limit=20)
    await screenshot(page, "board-skip-link-1920x1080")
    for part, presses in counts.items():
        assert presses <= MOST_TABS, f"{presses} Tabs to {part}"
    # Hidden until focused: the skip links take no room on the board.
    await page.mouse.click(5, 5)
    links = page.get_by_test_id("skip-links")
    found = await links.bounding_box()
    assert found is None or found["height"] <= 1
    await context.close()


async def test_n_opens_add_a_card_where_the_focus_is_and_enter_adds_it(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo")
    context, page = await joined(chromium, server, meeting["links"]["facilitator"], "Sam", **SCREEN)
    keyboard = page.keyboard

    # Focus on a card in "What already keeps the child safe": N opens that section's form.
    await page.get_by_test_id("add-safety").click()
    await keyboard.type("Gran collects Leo from school")
    await keyboard.press("Enter")
    await keyboard.press("Escape")
    await expect(cards_in(page, "safety")).to_have_count(1)
    item = await cards_in(page, "safety").first.get_attribute("data-item-id") or ""
    tools = card(page, item).get_by_role("toolbar")
    await text_of(page, item).focus()
    await keyboard.press("Tab")  # to the card's stances, then its tools
    await keyboard.press("Tab")
    await expect(tools.locator(":focus")).to_have_count(1)
    await keyboard.press("n")
    composer = page.get_by_test_id("composer-safety")
    await expect(composer.get_by_test_id("new-card-text")).to_be_focused()
    # Typing "n" in a field is typing: the letter goes in, no form opens elsewhere.
    await keyboard.type("Aunt May phones every night")
    await keyboard.press("Enter")
    await expect(cards_in(page, "safety")).to_have_count(2)
    await expect(cards_in(page, "safety").nth(1).get_by_test_id("card-text")).to_have_value(
        "Aunt May phones every night"
    )
    await expect(page.locator('[data-testid^="composer-"]:visible')).to_have_count(1)
    await keyboard.press("Escape")
    await expect(page.get_by_test_id("add-safety")).to_be_focused()

    # Nothing focused (after a click on the page's margin): the first column in view.
    await page.mouse.click(5, 1070)
    await keyboard.press("n")
    await expect(
        page.get_by_test_id("composer-harm").get_by_test_id("new-card-text")
    ).to_be_focused()
    await keyboard.type("Leo was left alone overnight")
    await keyboard.press("Enter")
    await expect(cards_in(page, "harm")).to_have_count(1)
    await keyboard.press("Escape")

    # From the skip link to a column: that column's first section.
    await page.get_by_test_id("skip-needs_to_happen").focus()
    await keyboard.press("Enter")
    await keyboard.press("n")
    await expect(
        page.get_by_test_id("composer-goals").get_by_test_id("new-card-text")
    ).to_be_focused()
    await keyboard.press("Escape")

    # Listed in the shortcuts dialog.
    await page.get_by_test_id("shortcuts").click()
    await expect(page.get_by_test_id("shortcuts-dialog")).to_contain_text("N: add a card")
    await context.close()


async def test_card_tools_show_on_hover_and_focus_and_stay_one_tab_stop(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo")
    context, page = await joined(chromium, server, meeting["links"]["facilitator"], "Sam", **SCREEN)
    first, second, _ = [await add_card(page, "strengths", text) for text in MAP_25["strengths"][:3]]
    tools = card(page, second).locator(".card-tools")

    async def shown() -> float:
        return float(await tools.evaluate("el => getComputedStyle(el).opacity"))

    await page.mouse.move(0, 0)
    await page.evaluate("document.activeElement.blur()")
    await expect(tools).to_have_css("opacity", "0")
    assert await tools.evaluate("el => getComputedStyle(el).visibility") == "visible"
    await card(page, second).hover()
    await expect(tools).to_have_css("opacity", "1")
    await screenshot(page, "board-card-tools-hover-1920x1080")
    await page.mouse.move(0, 0)
    await expect(tools).to_have_css("opacity", "0")

    # By keyboard: from the card's text, Tab (stances) and Tab again reach its tools, which show.
    await text_of(page, second).focus()
    await page.keyboard.press("Tab")
    await expect(card(page, second).get_by_test_id("stance-agree")).to_be_focused()
    await page.keyboard.press("Tab")
    await expect(card(page, second).get_by_test_id("move-up")).to_be_focused()
    assert await shown() == 1
    await page.keyboard.press("ArrowRight")
    await expect(card(page, second).get_by_test_id("move-down")).to_be_focused()
    await page.keyboard.press("End")
    await expect(card(page, second).get_by_test_id("card-menu")).to_be_focused()
    # One Tab stop: the next Tab leaves the card for the next card's text.
    await page.keyboard.press("Tab")
    third = cards_in(page, "strengths").nth(2)
    await expect(third.get_by_test_id("card-text")).to_be_focused()
    # Back into the tools with Shift+Tab; Home and Enter move the card up.
    await page.keyboard.press("Shift+Tab")
    await page.keyboard.press("Home")
    await expect(card(page, second).get_by_test_id("move-up")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(cards_in(page, "strengths").first).to_have_attribute("data-item-id", second)
    await expect(cards_in(page, "strengths").nth(1)).to_have_attribute("data-item-id", first)
    await context.close()
