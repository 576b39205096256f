"""JSON the server puts in a page (the board's configuration) cannot break the page: a meeting
title or a name with `</script>`, `<!--<script>`, `&` or a line separator in it comes back from
the page's JSON exactly as typed, and the board still starts in a real browser. Here the checks
through a browser or several processes; the pure checks (no server, database or process) are in
tests/unit/test_page_json.py."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser import chromium, new_page  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.system.test_browser_board import board_online, join, sign_in

# Each would end the config's <script> element early, or (`<!--<script>`) keep it open past
# its own end tag, so that it swallows the board's script and the rest of the page.
TITLE = (
    "</script><script>alert(1)</script> <!--<script> & &amp; > </SCRIPT > "
    "<img src=x onerror=alert(2)> ]]>"
)


NAME = "<!--<script> Jo </script><script>alert(3)</script> & >"


async def test_the_board_starts_in_a_browser_under_a_hostile_title(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    chair_context, chair = await sign_in(chromium, server)
    dialogs: list[str] = []
    chair.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await chair.get_by_label("Meeting title").fill(TITLE)
    await chair.get_by_label("Use a waiting room").uncheck()
    await chair.get_by_role("button", name="Create meeting").click()
    link = await chair.locator("#url-family").input_value()
    await chair.get_by_test_id("open-board").click()
    await board_online(chair)
    await expect(chair.get_by_test_id("board-title")).to_have_text(TITLE)

    family_context, family = await new_page(chromium, server.address)
    family.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await join(family, link, NAME, "Mum")  # waits until the board is online
    await expect(family.get_by_test_id("board-title")).to_have_text(TITLE)
    await expect(chair.get_by_test_id("roster-list")).to_contain_text("Jo")
    assert dialogs == []
    for page in (chair, family):
        # Nothing of the title or the name became an element of the page.
        assert await page.locator("img[src=x]").count() == 0
        assert await page.locator("script").count() == 2
    await family_context.close()
    await chair_context.close()
