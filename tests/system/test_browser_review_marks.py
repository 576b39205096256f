"""Last meeting's marks in a review, in Debian's Chromium: a real meeting ended with marks, a
review made from it, and while people score each person's mark from last time shows faintly on
its scale: labelled ("Last meeting: Sam, 4"), dashed and unfilled in a row of its own under the
numbers, its text still AA-readable, said in words as last meeting's; today's marks stay apart
(their own chips and list, the count and the map hold only today's). The family's phone sees
the shared map's scales only; a professional also the professionals-only scale's."""

from __future__ import annotations

from playwright.async_api import Browser, Locator, Page, expect

from server.record import exports
from tests.browser import chromium, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.integration.test_meeting_pages import signed_in
from tests.integration.test_review_marks import ended_and_reviewed
from tests.system.test_browser_a11y import serious_violations
from tests.system.test_browser_board import joined
from tests.system.test_browser_phone import PHONE

R = "\u2019"
WORDS = f"Marks at the last meeting, for comparing (not today{R}s): Sam, 4; Jo, 7."


def scale(page: Page, scale_id: str) -> Locator:
    return page.locator(f'[data-testid="scale"][data-scale-id="{scale_id}"]')


def luminance(rgb: str) -> float:
    channels = [int(c) / 255 for c in rgb[rgb.index("(") + 1 : rgb.index(")")].split(",")[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


async def contrast(target: Locator) -> float:
    """The text's contrast against the first background behind it that is not transparent."""
    fg, bg = await target.evaluate(
        """(el) => {
            let node = el, bg = 'rgb(255, 255, 255)'
            while (node) {
                const c = getComputedStyle(node).backgroundColor
                if (c && c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') { bg = c; break }
                node = node.parentElement
            }
            return [getComputedStyle(el).color, bg]
        }"""
    )
    light, dark = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


async def test_last_meetings_marks_show_faintly_and_apart_from_todays(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    async with await signed_in(server) as chair:
        made = await ended_and_reviewed(server, chair)
    context, page = await joined(
        chromium, server, made["links"]["family"], "Jo", bypass_csp=True, **PHONE
    )
    await page.get_by_test_id("tab-scales").click()
    overall = scale(page, "overall")
    await expect(overall).to_be_visible()

    # Labelled, faint, in words: last meeting's, by last meeting's names.
    last = overall.get_by_test_id("last-mark")
    await expect(last).to_have_count(2)
    await expect(last.nth(0)).to_have_text("Sam")
    await expect(last.nth(0)).to_have_attribute("data-value", "4")
    await expect(last.nth(0)).to_have_attribute("title", "Last meeting: Sam, 4")
    await expect(last.nth(1)).to_have_attribute("title", "Last meeting: Jo, 7")
    await expect(overall.get_by_test_id("last-marks")).to_contain_text("Last meeting")
    await expect(overall.get_by_test_id("last-marks-words")).to_have_text(WORDS)
    style = await last.nth(0).evaluate(
        "(el) => { const s = getComputedStyle(el); return [s.borderTopStyle, s.backgroundColor] }"
    )
    assert style == ["dashed", "rgba(0, 0, 0, 0)"], style  # an outline, never a filled chip
    for text in (last.nth(0), overall.get_by_test_id("last-marks-words")):
        ratio = await contrast(text)
        print(f"last meeting's marks: text contrast {ratio:.2f}:1")
        assert ratio >= 4.5, ratio
    # Under the numbers, in a row of their own: never among today's chips on the line.
    ticks = await overall.locator(".scale-tick").first.bounding_box()
    box = await last.nth(0).bounding_box()
    assert ticks and box and box["y"] >= ticks["y"] + ticks["height"], (ticks, box)
    assert await overall.locator(".scale-chips [data-testid=last-mark]").count() == 0
    # Sam at 4 sits left of Jo at 7, each near its number.
    jo_box = await last.nth(1).bounding_box()
    assert jo_box and box["x"] < jo_box["x"]
    # Not today's: no chip, no mark in the list, the map says nobody has marked yet.
    await expect(overall.get_by_test_id("scale-chip")).to_have_count(0)
    await expect(overall.get_by_test_id("scale-mark")).to_have_count(0)
    await expect(overall).to_contain_text("Nobody has placed a mark yet.")
    # The worry's scale has its own; the professionals-only scale is not on this board.
    await expect(scale(page, "w1").get_by_test_id("last-mark")).to_have_text(["Jo"])
    await expect(scale(page, "p1")).to_have_count(0)
    found = await serious_violations(page)
    await screenshot(page, "review-last-marks-phone-360x800")

    # Today's mark: its own chip and list entry; last meeting's stay as they were.
    await overall.get_by_test_id("scale-value-6").check()
    await overall.get_by_test_id("scale-reason").fill("Gran is there every day now")
    await overall.get_by_test_id("scale-save").click()
    await expect(overall.get_by_test_id("scale-chip")).to_have_count(1)
    await expect(overall.get_by_test_id("scale-chip")).to_have_attribute("data-value", "6")
    await expect(overall.get_by_test_id("scale-mark")).to_have_count(1)
    await expect(overall.get_by_test_id("scale-marks")).not_to_contain_text("7")
    await expect(last).to_have_count(2)
    await expect(overall.get_by_test_id("last-marks-words")).to_have_text(WORDS)
    found += await serious_violations(page)

    # Today's record holds today's mark alone.
    document = await exports.document(
        server.services.store, made["review"], snapshot=None, family=True
    )
    [today] = [s for s in document["scales"] if s["id"] == "overall"]
    assert [r["value"] for r in today["ratings"]] == [6]

    # A professional also sees last time's mark on the professionals-only scale.
    pro_context, pro = await joined(chromium, server, made["links"]["professional"], "Dana")
    await expect(scale(pro, "p1").get_by_test_id("last-mark")).to_have_text(["Alex"])
    await expect(scale(pro, "overall").get_by_test_id("last-mark")).to_have_count(2)
    assert not found, "\n".join(found)
    await pro_context.close()
    await context.close()
