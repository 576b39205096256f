"""The board in other languages, in a real browser: both pseudo-locales (en-XA, every word
accented and 40% longer; ar-XB, right to left) leave no word of the board untranslated and
overflow no box at 360x800 and 1366x768, and ar-XB mirrors the board; a family member
chooses Polish on the join page and changes language from the board's menu. Screenshots of
the board in Polish and right to left go to tests/artifacts/."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from server.translation.catalogues import translations
from tests.browser import ARTIFACTS, chromium, new_page  # noqa: F401 - the fixture
from tests.conftest import RunningServer, running_server
from tests.example_meeting import example_meeting
from tests.system.test_browser_board import BOARD_URL, board_online
from tests.system.test_browser_facilitator_pages import screen
from tests.system.test_screenshots import errors_of, shoot

SIZES = (1366, 360)
# What people wrote (cards, names, the meeting's title) is theirs, never translated: the
# walker skips it. Everything else the board shows must carry the pseudo-locale's mark.
THEIRS = (
    ".card-text, .board-name, [data-own-words], [translate='no'], .scale-chip, .roster-list, "
    ".scale-marks, textarea, input, select, script, style, noscript, [hidden]"
)
MARK = {"en-XA": "[·Ååƀçðéĝĥîĵķļñöþŕšţûṽŵýž", "ar-XB": "\u202e"}

UNMARKED = """([skip, mark]) => {
  const found = []
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim()
    const el = node.parentElement
    if (!/\\p{L}/u.test(text) || !el || el.closest(skip)) continue
    if (!el.getClientRects().length || getComputedStyle(el).visibility === 'hidden') continue
    if (el.closest('.visually-hidden') === null && el.offsetWidth === 0) continue
    if (![...mark].some((c) => text.includes(c))) found.push(text.slice(0, 80))
  }
  return found
}"""

# Boxes whose content may pass their edges by design: form fields scroll their own text, and
# the scale's 0 and 10 are centred on the line's ends, in its margin.
MAY_PASS = "input, textarea, select, .scale-line"
OVERFLOWING = """(mayPass) => {
  const found = []
  const width = document.documentElement.clientWidth
  const boxes = ['block', 'inline-block', 'flex', 'inline-flex', 'grid', 'list-item', 'table-cell']
  for (const el of document.querySelectorAll('body *')) {
    if (!el.getClientRects().length || el.closest('.visually-hidden, .skip-link')) continue
    const style = getComputedStyle(el)
    if (el.clientWidth <= 1 || !boxes.includes(style.display)) continue // hidden for the eye
    const rect = el.getBoundingClientRect()
    const name = `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`
    // Past the viewport's sides (the page never scrolls sideways).
    if (rect.right > width + 1 || rect.left < -1) found.push(`${name}: ${rect.left}..${rect.right}`)
    // Its own content wider than its box, where the box is not meant to scroll or clip.
    const scrolls = ['auto', 'scroll'].includes(style.overflowX)
    const clips = style.textOverflow === 'ellipsis'
    if (!scrolls && !clips && !el.matches(mayPass) && el.scrollWidth > el.clientWidth + 1) {
      found.push(`${name}: ${el.scrollWidth} > ${el.clientWidth}`)
    }
  }
  return found
}"""


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(tmp_path / "data", SAFETYMAP_PSEUDO_LOCALES="1") as running:
        yield running


async def _meeting(server: RunningServer) -> dict[str, Any]:
    """The example meeting (cards, scales with marks, people), still open."""
    meeting, _, _ = await example_meeting(server, end=False)
    return meeting


async def join_in(
    browser: Browser,
    server: RunningServer,
    link: str,
    language: str,
    width: int,
    name: str = "Sam Taylor",
) -> Page:
    """A link, joined choosing `language` on the join page."""
    _, page = await new_page(browser, server.address, **screen(width))
    await page.goto(link)
    await page.get_by_test_id("language").select_option(language)
    await page.locator("#name").fill(name)
    await page.locator("form button[type=submit]").click()
    await page.wait_for_url(BOARD_URL)
    await board_online(page)
    return page


async def check_page(page: Page, code: str, where: str) -> None:
    unmarked = await page.evaluate(UNMARKED, [THEIRS, MARK[code]])
    assert unmarked == [], f"{where}: words left in English: {unmarked}"
    overflowing = await page.evaluate(OVERFLOWING, MAY_PASS)
    assert overflowing == [], f"{where}: boxes overflow: {overflowing}"


@pytest.mark.parametrize("code", ["en-XA", "ar-XB"])
async def test_the_board_in_a_pseudo_locale_is_all_translated_and_fits(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
    code: str,
) -> None:
    meeting = await _meeting(server)
    link = f"/join/{meeting['tokens']['facilitator']}"
    for width in SIZES:
        page = await join_in(chromium, server, link, code, width)
        errors = errors_of(page)
        where = f"{code} at {width}px"
        await expect(page.get_by_test_id("card").first).to_be_visible()
        await check_page(page, code, where)
        if width < 400:  # the phone's menu, opened: the language control is in it
            await page.get_by_test_id("board-menu").click()
            await expect(page.get_by_test_id("language-select")).to_be_visible()
            await check_page(page, code, f"{where}, menu open")
        assert errors == [], errors
        await page.context.close()


async def test_right_to_left_mirrors_the_board(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await _meeting(server)
    link = f"/join/{meeting['tokens']['facilitator']}"
    page = await join_in(chromium, server, link, "ar-XB", 1366)
    assert await page.evaluate("document.dir") == "rtl"
    assert await page.evaluate("document.documentElement.lang") == "ar-XB"
    # The first column (the worries) sits at the right, the last at the left.
    columns = page.locator(".columns > .column")
    first, last = await columns.first.bounding_box(), await columns.last.bounding_box()
    assert first and last and first["x"] > last["x"], (first, last)
    # The header mirrors: the title at the right, the menu and people at the left.
    title = await page.get_by_test_id("board-title").bounding_box()
    buttons = await page.locator(".board-header-buttons").bounding_box()
    assert title and buttons and title["x"] > buttons["x"], (title, buttons)
    # The composer's text starts at the right.
    await page.get_by_test_id("add-danger").click()
    composer = page.get_by_test_id("composer-danger").get_by_test_id("new-card-text")
    align = await composer.evaluate(
        "el => [getComputedStyle(el).direction, getComputedStyle(el).textAlign]"
    )
    assert align[0] == "rtl" and align[1] in ("start", "right"), align
    # The scale reads right to left: 0 at the right.
    ticks = page.get_by_test_id("scale").first.locator(".scale-tick")
    zero, ten = await ticks.first.bounding_box(), await ticks.last.bounding_box()
    assert zero and ten and zero["x"] > ten["x"], (zero, ten)
    await page.keyboard.press("Escape")
    await shoot(page, "board-ar-XB-1366x768")
    await page.context.close()
    phone = await join_in(chromium, server, link, "ar-XB", 360)
    await shoot(phone, "board-ar-XB-360x800")
    await phone.context.close()


async def test_a_family_member_chooses_polish_then_changes_language_on_the_board(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await _meeting(server)
    polish = translations("pl")
    menu = polish.pgettext("toolbar.menu", "Menu")
    link = f"/join/{meeting['tokens']['family']}"
    for width, height in ((1366, 768), (360, 800)):
        page = await join_in(chromium, server, link, "pl", width, name=f"Jo at {width}")
        assert await page.evaluate("document.documentElement.lang") == "pl"
        await expect(page.get_by_test_id("board-menu")).to_have_text(menu, use_inner_text=True)
        await expect(page.get_by_test_id("card").first).to_be_visible()
        await check_words(page, polish)
        await shoot(page, f"board-pl-{width}x{height}")
        if width < 400:
            await page.get_by_test_id("board-menu").click()
        await page.get_by_test_id("language-select").select_option("en")
        # The page comes back in English, the map as it was.
        await expect(page.locator("html")).to_have_attribute("lang", "en-GB")
        await board_online(page)
        await expect(page.get_by_test_id("board-menu")).to_have_text("Menu", use_inner_text=True)
        await expect(page.get_by_test_id("card").first).to_be_visible()
        await page.context.close()
    people = await server.services.store.people(meeting["id"])
    assert {p.name: p.language for p in people if p.name.startswith("Jo at")} == {
        "Jo at 1366": "en",
        "Jo at 360": "en",
    }


async def check_words(page: Page, polish: Any) -> None:
    """The board's headings are the catalogue's Polish."""
    worried = polish.gettext("What are we worried about?")
    assert worried != "What are we worried about?"
    await expect(page.get_by_text(worried).first).to_be_attached()
