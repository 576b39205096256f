"""The facilitator's board at 1920x1080 with 25 cards: the first five cards of each column and
the scale's heading are on the first screen (issue 19), and the card's stance buttons are
large targets on a phone."""

from __future__ import annotations

from playwright.async_api import Browser, Page, expect

from tests.browser import chromium, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.system.test_browser_board import TYPICAL_MAP, add_card, joined, populate

SCREEN = {"viewport": {"width": 1920, "height": 1080}}
PHONE = {"viewport": {"width": 360, "height": 800}, "is_mobile": True, "has_touch": True}
COLUMNS = ("worries", "working_well", "needs_to_happen")

# The typical map cut to 25 cards (4 + 3 + 3 | 5 + 4 | 3 + 3), all fictional.
MAP_25: dict[str, list[str]] = {
    section: TYPICAL_MAP[section][:count]
    for section, count in [
        ("harm", 4),
        ("danger", 3),
        ("complicating", 3),
        ("strengths", 5),
        ("safety", 4),
        ("goals", 3),
        ("next_steps", 3),
    ]
}


async def box(page: Page, selector: str, nth: int = 0) -> dict[str, float]:
    """An element's box in page coordinates (the page scrolled to the top)."""
    found = await page.evaluate(
        """([selector, nth]) => {
            scrollTo(0, 0)
            const el = document.querySelectorAll(selector)[nth]
            if (!el) return null
            const r = el.getBoundingClientRect()
            return { top: r.top + scrollY, bottom: r.bottom + scrollY, height: r.height }
        }""",
        [selector, nth],
    )
    assert found, f"no {selector} #{nth}"
    return found


async def test_a_board_of_25_cards_shows_five_cards_a_column_and_the_scale_on_one_screen(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    assert sum(len(texts) for texts in MAP_25.values()) == 25
    meeting = await server.meeting("Planning for Leo")
    context, page = await joined(chromium, server, meeting["links"]["facilitator"], "Sam", **SCREEN)
    await populate(page, MAP_25)
    await expect(page.get_by_test_id("card")).to_have_count(25)
    # As in a real meeting: ten people here and the shared screen on (its "Shared screen"
    # control shows on the board). Ten chips with "Take out" took three rows above the map.
    screen_context, _ = await joined(
        chromium, server, meeting["links"]["viewer"], "Room screen", **SCREEN
    )
    await expect(page.get_by_test_id("screen-control")).to_be_visible()
    people = []
    for n, role in enumerate(["family"] * 4 + ["professional"] * 5):
        person = await server.client(meeting, role, name=f"Person {n} with a longer name")
        await person.set_presence({"user": {}})
        people.append(person)
    await expect(page.get_by_test_id("roster-toggle")).to_have_text("11 here")
    await page.mouse.move(0, 0)
    await page.evaluate("document.activeElement.blur()")
    height = await page.evaluate("document.documentElement.scrollHeight")
    print(f"board height at 1920x1080 with 25 cards: {height} px")
    measured = {}
    for column in COLUMNS:
        fifth = await box(page, f'[data-testid="column-{column}"] [data-testid="card"]', 4)
        measured[column] = fifth["bottom"]
    scale = await box(page, '[data-testid="scale-title"]')
    print(f"5th card bottoms: {measured}; scale heading top: {scale['top']}")
    path = await screenshot(page, "board-25-1920x1080")
    assert path.stat().st_size > 10_000
    for column, bottom in measured.items():
        assert bottom <= 1080, f"the 5th card of {column} ends at {bottom} px"
    assert scale["top"] <= 1080, f"the scale's heading starts at {scale['top']} px"
    # The names are a click away.
    await page.get_by_test_id("roster-toggle").click()
    await expect(page.get_by_test_id("roster-person")).to_have_count(11)
    await screen_context.close()
    await context.close()


async def test_on_a_phone_the_stance_buttons_are_on_the_card_and_large(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo")
    pro_context, pro = await joined(chromium, server, meeting["links"]["professional"], "Ana")
    item = await add_card(pro, "strengths", "Gran lives ten minutes away")
    family_context, family = await joined(
        chromium, server, meeting["links"]["family"], "Jo", **PHONE
    )
    await family.get_by_test_id("tab-working_well").click()
    card = family.locator(f'[data-testid="card"][data-item-id="{item}"]')
    await expect(card).to_be_visible()
    agree = card.get_by_test_id("stance-agree")
    for stance in ("agree", "dispute", "unsure"):
        button = card.get_by_test_id(f"stance-{stance}")
        await expect(button).to_be_visible()  # without opening "More"
        found = await button.bounding_box()
        assert found and found["height"] >= 44, f"{stance}: {found}"
    await expect(card.get_by_test_id("card-panel")).to_be_hidden()
    await agree.tap()
    await expect(agree).to_have_attribute("aria-pressed", "true")
    await expect(card.get_by_test_id("card-stances")).to_have_text("Agree: Jo")
    # The others see who agreed, and the professional's own buttons stay as they were.
    ana_card = pro.locator(f'[data-testid="card"][data-item-id="{item}"]')
    await expect(ana_card.get_by_test_id("card-stances")).to_have_text("Agree: Jo")
    await expect(ana_card.get_by_test_id("stance-agree")).to_have_attribute("aria-pressed", "false")
    # The shared screen shows the read-only line, no buttons.
    viewer_context, viewer = await joined(
        chromium, server, meeting["links"]["viewer"], "Screen", **SCREEN
    )
    shown = viewer.locator(f'[data-testid="card"][data-item-id="{item}"]')
    await expect(shown.get_by_test_id("card-stances")).to_have_text("Agree: Jo")
    await expect(shown.locator('[data-testid^="stance-"]')).to_have_count(0)
    await viewer_context.close()
    await agree.tap()  # taken back
    await expect(agree).to_have_attribute("aria-pressed", "false")
    await expect(ana_card.get_by_test_id("card-stances")).to_be_hidden()
    path = await screenshot(family, "board-stances-360x800")
    assert path.stat().st_size > 5_000
    for context in (family_context, pro_context):
        await context.close()
