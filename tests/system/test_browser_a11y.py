"""axe-core (from npm: client/node_modules/axe-core) in real Chromium finds no serious or
critical accessibility violation on the join page, the board, the shared screen and the
dashboard. The pages' Content-Security-Policy forbids inline script, so the browser contexts
here bypass it to inject axe; nothing else about the pages changes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, expect

from tests.browser import chromium, new_page  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.system.test_browser_board import BOARD_URL, board_online, join, populate, sign_in
from tests.waiting import within
from tests.yclient import YClient

AXE = Path(__file__).parents[2] / "client" / "node_modules" / "axe-core" / "axe.min.js"
SERIOUS = {"serious", "critical"}


async def serious_violations(page: Page) -> list[str]:
    """Run axe on the page as it is now; one line per serious or critical violation."""
    if not AXE.exists():
        pytest.fail("axe-core is missing: `npm ci --prefix client`")
    if not await page.evaluate("typeof window.axe === 'object'"):
        await page.add_script_tag(path=AXE)
    results: dict[str, Any] = await page.evaluate(
        "axe.run(document, { resultTypes: ['violations'] })"
    )
    return [
        f"{page.url} {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:5])
        for v in results["violations"]
        if v["impact"] in SERIOUS
    ]


async def test_no_serious_accessibility_violations_on_the_main_pages(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    found: list[str] = []

    # The meeting page (links, QR codes) and the dashboard, with the meeting on it.
    chair_context, chair = await sign_in(chromium, server, bypass_csp=True)
    await chair.get_by_label("Meeting title").fill("Planning for Leo")
    await chair.get_by_label("Use a waiting room").uncheck()  # the family joins at once here
    await chair.get_by_role("button", name="Create meeting").click()
    await expect(chair.get_by_role("heading", name="Planning for Leo")).to_be_visible()
    found += await serious_violations(chair)
    family_link = await chair.locator("#url-family").input_value()
    viewer_link = await chair.locator("#url-viewer").input_value()
    await chair.goto("/")
    await expect(chair.get_by_role("link", name="Planning for Leo")).to_be_visible()
    found += await serious_violations(chair)

    # The facilitator's board with a typical map, a card's options and a new card's form open.
    await chair.get_by_role("link", name="Planning for Leo").click()
    await chair.get_by_test_id("open-board").click()
    await chair.wait_for_url(BOARD_URL)
    await board_online(chair)
    await populate(chair)
    first = chair.get_by_test_id("section-danger").get_by_test_id("card").first
    await first.get_by_test_id("card-menu").click()
    await expect(first.get_by_test_id("card-panel")).to_be_visible()
    await chair.get_by_test_id("add-goals").click()
    await expect(chair.get_by_test_id("composer-goals")).to_be_visible()
    found += await serious_violations(chair)

    # The join page (and its error state), then the family's board on a phone.
    phone = {"viewport": {"width": 360, "height": 800}, "is_mobile": True, "has_touch": True}
    family_context, family = await new_page(chromium, server.address, bypass_csp=True, **phone)
    await family.goto(family_link)
    await expect(family.get_by_label("Your name")).to_be_visible()
    found += await serious_violations(family)
    await family.get_by_role("button", name="Join the meeting").click()
    await expect(family.get_by_role("link", name="Enter your name")).to_be_visible()
    found += await serious_violations(family)
    await join(family, family_link, "Jo", "Mum")
    total = await chair.get_by_test_id("card").count()
    await expect(family.get_by_test_id("card")).to_have_count(total)
    found += await serious_violations(family)

    # The shared screen.
    viewer_context, viewer = await new_page(
        chromium, server.address, bypass_csp=True, viewport={"width": 1920, "height": 1080}
    )
    await join(viewer, viewer_link, "Shared screen")
    await expect(viewer.get_by_test_id("scale-chip")).to_have_count(1)
    found += await serious_violations(viewer)

    assert not found, "\n".join(found)
    # The same check does fail: a button without a name is a critical violation.
    await viewer.evaluate("document.body.append(document.createElement('button'))")
    assert any(" button-name (critical)" in line for line in await serious_violations(viewer))
    for context in (viewer_context, family_context, chair_context):
        await context.close()


async def test_no_serious_accessibility_violations_on_the_meeting_page_in_each_state(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    """The meeting page with people let in (its table of links with a QR code open, the
    agreement form), on a big screen and a phone, and once the meeting has ended."""
    found: list[str] = []
    chair_context, chair = await sign_in(
        chromium, server, bypass_csp=True, viewport={"width": 1920, "height": 1080}
    )
    await chair.get_by_label("Meeting title").fill("Planning for Leo")
    await chair.get_by_label("Use a waiting room").uncheck()
    await chair.get_by_role("button", name="Create meeting").click()
    await expect(chair.get_by_role("heading", name="Planning for Leo")).to_be_visible()
    meeting_id = chair.url.rsplit("/", 1)[1]
    family = (await chair.locator("#url-family").input_value()).rsplit("/", 1)[1]
    jo = YClient(server.ws_url, meeting_id, family, name="Jo", relationship="Mum")
    await jo.connect()
    await within(jo.synced.wait(), 20, "Jo synced")
    await chair.reload()
    await expect(chair.get_by_test_id("agreement")).to_be_visible()
    await chair.get_by_test_id("link-family").get_by_text("Show QR code").click()
    found += await serious_violations(chair)
    await chair.set_viewport_size({"width": 360, "height": 800})
    found += await serious_violations(chair)
    await chair.get_by_test_id("end-meeting").click()
    await expect(chair.get_by_test_id("links-ended")).to_be_visible()
    found += await serious_violations(chair)
    assert not found, "\n".join(found)
    await jo.disconnect()
    await chair_context.close()
