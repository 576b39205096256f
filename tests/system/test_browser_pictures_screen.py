"""Pictures on the shared screen (`/m/{id}/present`) in Debian's Chromium: each with its
description, in boxes of fixed height, so that the screen measures its pages before the
pictures arrive and every page still lies inside the viewport (tests/system/test_browser_screen.py
measures the same way)."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser, expect

from tests.browser import chromium, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.pictures import photo_with_gps
from tests.system.test_browser_a11y import serious_violations
from tests.system.test_browser_board import joined
from tests.system.test_browser_pictures import loaded, share_photo
from tests.system.test_browser_screen import MEASURE, map_of, pages_of


async def test_the_shared_screen_shows_pictures_with_descriptions_inside_its_pages(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    """A 30-card map, two of its cards with pictures: every page still fits the screen (the
    thumbnails have fixed heights), and the pictures show with their descriptions."""
    meeting, chair_client, ids = await map_of(server, 30)
    links = meeting["links"]
    size = {"viewport": {"width": 1920, "height": 1080}}
    chair_context, chair = await joined(chromium, server, links["facilitator"], "Sam", **size)
    await chair.get_by_test_id("sections-toggle").click()
    await chair.get_by_test_id("pictures-everywhere").check()
    await chair.get_by_test_id("sections-toggle").click()
    await share_photo(chair, "c8", photo_with_gps((1200, 900)), "Mia's drawing of Grandma Dee")
    await share_photo(chair, "c12", photo_with_gps((600, 900)), "The bedtime chart on the fridge")

    for width, height in ((1920, 1080), (1366, 768)):
        context, screen = await joined(
            chromium,
            server,
            links["viewer"],
            "Room screen",
            viewport={"width": width, "height": height},
            bypass_csp=True,  # to inject axe-core
        )
        await expect(screen.locator("[data-testid=card]")).to_have_count(30)
        pages = await pages_of(screen)
        found_pictures = set()
        shown: list[str] = []
        for number in range(1, pages + 1):
            if number > 1:
                await screen.keyboard.press("PageDown")
                await expect(screen.get_by_test_id("screen-page")).to_have_text(
                    f"Page {number} of {pages}"
                )
            measured: dict[str, Any] = await screen.evaluate(MEASURE)
            assert measured["outside"] == [], (width, number, measured["outside"])
            assert measured["scroll"] == [width, height], measured["scroll"]
            shown += measured["cards"]
            for picture in await screen.get_by_test_id("picture").filter(visible=True).all():
                await loaded(screen, picture.get_by_test_id("picture-img"))
                caption = await picture.get_by_test_id("picture-description").inner_text()
                found_pictures.add(caption)
            # Once loaded, still inside the screen.
            measured = await screen.evaluate(MEASURE)
            assert measured["outside"] == [], (width, number, measured["outside"])
            await screenshot(screen, f"present-pictures-{width}x{height}-page{number}")
        assert sorted(shown) == sorted(ids), "every card on exactly one page"
        assert await serious_violations(screen) == []
        assert found_pictures == {
            "Mia's drawing of Grandma Dee",
            "The bedtime chart on the fridge",
        }
        await context.close()
    await chair_client.disconnect()
    await chair_context.close()
