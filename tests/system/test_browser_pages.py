"""The facilitator's journey in a real browser: sign in, create a meeting, copy a link, and
someone joins with it from another browser."""

from __future__ import annotations

from playwright.async_api import Browser, expect

from tests.browser import chromium, new_page, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer


async def test_facilitator_creates_a_meeting_and_family_joins(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    await server.services.accounts.add("sam@example.org", "Sam Chair", "a long enough secret")
    chair_context, chair = await new_page(chromium, server.address)
    await chair_context.grant_permissions(["clipboard-read", "clipboard-write"])
    await chair.goto("/login")
    await chair.get_by_label("E-mail address").fill("sam@example.org")
    await chair.get_by_label("Password").fill("a long enough secret")
    await chair.get_by_role("button", name="Sign in").click()
    await expect(chair.get_by_role("heading", name="Your meetings")).to_be_visible()

    await chair.get_by_label("Meeting title").fill("Planning for Leo")
    await chair.get_by_label("Early help").check()
    await chair.get_by_label("Use a waiting room").uncheck()  # the family joins at once here
    await chair.get_by_role("button", name="Create meeting").click()
    await expect(chair.get_by_role("heading", name="Planning for Leo")).to_be_visible()
    await screenshot(chair, "meeting-page")

    family_card = chair.get_by_test_id("link-family")
    await family_card.get_by_role("button", name="Copy link").click()
    await expect(family_card.get_by_text("Link copied")).to_be_visible()
    link = await chair.evaluate("navigator.clipboard.readText()")
    assert "/join/" in link

    family_context, family = await new_page(chromium, server.address)
    await family.goto(link)
    await expect(family.get_by_role("heading", name="Planning for Leo")).to_be_visible()
    await expect(family.get_by_test_id("join-role")).to_contain_text("family")
    await screenshot(family, "join-page")
    await family.get_by_role("button", name="Join the meeting").click()
    error = family.get_by_role("link", name="Enter your name, so others know who is here")
    await expect(error).to_be_visible()
    await family.get_by_label("Your name").fill("Jo")
    await family.get_by_label("How you know the child (optional)").fill("Mum")
    await family.get_by_role("button", name="Join the meeting").click()
    await family.wait_for_url("**/m/**")
    assert "/join/" not in family.url  # the token does not stay in the address bar
    await expect(family.get_by_role("heading", name="Planning for Leo")).to_be_visible()
    await family_context.close()
    await chair_context.close()
