"""The facilitator's own pages in real Chromium, measured (issue 19, "The facilitator's pages"):
the meeting page stays short (the links in a compact table, each QR code drawn only when
asked for), "Delete this meeting" sits inside the page column, the facilitator's own link
has no "Revoke", an ended meeting offers no dead link, and the dashboard's waiting-room
label stays on one line."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser, Locator, Page, expect

from tests.browser import chromium, new_page, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.system.test_browser_board import PASSWORD
from tests.waiting import eventually, within
from tests.yclient import YClient

WIDTHS = {1920: 1080, 1366: 768, 360: 800}
ROLES = ("facilitator", "professional", "family", "viewer")
# The meeting page at 1920x1080 with everyone joined fits in about two screens (it was about
# 3,100 px: a tall card per link, and a tall form per person to record their agreement).
MOST_HEIGHT = 2 * 1080


def screen(width: int) -> dict[str, Any]:
    """A browser context's options at this width: a phone (touch) below 400 px."""
    size = {"viewport": {"width": width, "height": WIDTHS[width]}}
    return size | ({"is_mobile": True, "has_touch": True} if width < 400 else {})


async def signed_in(
    browser: Browser, server: RunningServer, width: int, name: str = "Sam Chair"
) -> Page:
    """The facilitator signed in at this width, on the dashboard (one account per server)."""
    if await server.services.accounts.by_email("sam@example.org") is None:
        await server.services.accounts.add("sam@example.org", name, PASSWORD)
    _, page = await new_page(browser, server.address, **screen(width))
    await page.goto("/login")
    await page.get_by_label("E-mail address").fill("sam@example.org")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Your meetings")).to_be_visible()
    return page


async def new_meeting(page: Page, title: str = "Planning for Leo") -> str:
    """Create a meeting without a waiting room from the dashboard; its meeting page's path."""
    await page.get_by_label("Meeting title").fill(title)
    await page.get_by_label("Use a waiting room").uncheck()
    await page.get_by_role("button", name="Create meeting").click()
    await expect(page.get_by_role("heading", name=title)).to_be_visible()
    return page.url.split(page.url.split("/meetings/")[0], 1)[1]


async def everyone_joins(server: RunningServer, page: Page) -> list[YClient]:
    """Mum on the family link, three professionals on theirs, the room's screen on its own:
    a typical meeting's people, all let in. Their connections, to close afterwards."""
    tokens = {
        role: (await page.locator(f"#url-{role}").input_value()).rsplit("/", 1)[1]
        for role in ("professional", "family", "viewer")
    }
    meeting_id = page.url.rsplit("/", 1)[1].split("#")[0]
    people = [
        ("family", "Jo Example", {"relationship": "Mum"}),
        ("professional", "Alex Morgan", {"agency": "Social worker"}),
        ("professional", "Priya Shah", {"agency": "Health visitor"}),
        ("professional", "DC Sam Okafor", {"agency": "Police"}),
        ("viewer", "Meeting room screen", {}),
    ]
    clients = []
    for role, name, more in people:
        client = YClient(server.ws_url, meeting_id, tokens[role], name=name, **more)
        await client.connect()
        await within(client.synced.wait(), 20, f"{name} synced")
        clients.append(client)
    await page.reload()
    await expect(page.get_by_test_id("admitted").get_by_role("listitem")).to_have_count(5)
    return clients


async def box(target: Locator) -> dict[str, float]:
    found = await target.bounding_box()
    assert found is not None, f"{target} is not rendered"
    return found


async def inside(inner: Locator, outer: Locator) -> bool:
    a, b = await box(inner), await box(outer)
    return (
        a["x"] >= b["x"] - 0.5
        and a["y"] >= b["y"] - 0.5
        and a["x"] + a["width"] <= b["x"] + b["width"] + 0.5
        and a["y"] + a["height"] <= b["y"] + b["height"] + 0.5
    )


async def page_height(page: Page) -> int:
    height: int = await page.evaluate("document.documentElement.scrollHeight")
    return height


async def test_the_meeting_page_is_short_and_each_qr_code_opens_on_request(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    page = await signed_in(chromium, server, 1920)
    await new_meeting(page)
    clients = await everyone_joins(server, page)
    # A long meeting: people drop and come back (a phone on poor signal), and each join and
    # leave is a row of "Who did what, and when". The page stays short: the list opens on
    # request.
    for _ in range(8):  # the link's join allowance slows more (SAFETYMAP_LINK_JOIN_LIMIT)
        for client in clients:
            await client.disconnect()
            await client.connect()
            await within(client.synced.wait(), 20, "a rejoin synced")
    trail = page.get_by_test_id("audit-list")

    async def long_trail() -> bool:
        await page.reload()
        return await trail.locator("tbody tr").count() >= 80

    await eventually(long_trail, timeout=20, interval=0.5)
    await expect(trail.locator("table")).to_be_hidden()
    height = await page_height(page)
    print(f"meeting page at 1920x1080 with everyone let in, 80+ events: {height} px")
    await screenshot(page, "facilitator-meeting-page-1920")
    assert height <= MOST_HEIGHT, f"the meeting page is {height} px tall"

    # Every link is a row of one table; no QR code is drawn until its row asks for it.
    links = page.get_by_test_id("links")
    for role in ROLES:
        await expect(links.get_by_test_id(f"link-{role}")).to_be_visible()
    qr = page.locator(".qr svg")
    await expect(qr).to_have_count(4)
    for n in range(4):
        await expect(qr.nth(n)).to_be_hidden()
    family = links.get_by_test_id("link-family")
    await family.get_by_text("Show QR code").click()
    shown = family.locator(".qr svg")
    await expect(shown).to_be_visible()
    drawn = await box(shown)
    assert drawn["width"] >= 150 and drawn["height"] >= 150, drawn  # big enough to scan
    assert await qr.evaluate_all("all => all.filter(q => q.checkVisibility()).length") == 1
    await expect(shown.locator("title")).to_have_text(
        "QR code for the Family and their network link"
    )

    # The facilitator's own link has no "Revoke" (it would lock them out); the others do.
    own = links.get_by_test_id("link-facilitator")
    await expect(own.get_by_role("button", name="Revoke")).to_have_count(0)
    await expect(own.get_by_role("button", name="Copy link")).to_be_visible()
    for role in ("professional", "family", "viewer"):
        await expect(
            links.get_by_test_id(f"link-{role}").get_by_role("button", name="Revoke")
        ).to_be_visible()
    await trail.locator("summary").click()
    await expect(trail.locator("table")).to_be_visible()
    for client in clients:
        await client.disconnect()


async def test_delete_this_meeting_sits_inside_the_page_column(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    path = await new_meeting(await signed_in(chromium, server, 1920))
    for width in WIDTHS:
        page = await signed_in(chromium, server, width)
        await page.goto(path)
        column = page.locator("main#main")
        delete = page.get_by_role("region", name="Delete this meeting")
        await delete.scroll_into_view_if_needed()
        assert await inside(delete, column), (width, await box(delete), await box(column))
        assert await inside(page.get_by_test_id("delete"), column), width
        await screenshot(page, f"facilitator-meeting-page-{width}")
        await page.context.close()


async def test_an_ended_meeting_offers_no_dead_link(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    page = await signed_in(chromium, server, 1366)
    await new_meeting(page)
    clients = await everyone_joins(server, page)
    for client in clients:
        await client.disconnect()
    await page.get_by_test_id("end-meeting").click()
    await expect(page.get_by_text("Ended", exact=False).first).to_be_visible()
    await expect(page.get_by_test_id("links-ended")).to_be_visible()
    # Who may reopen the plan (docs/security.md: the facilitator can stop it for one person
    # after the end): the family and professionals let in, not the shared screen.
    keeping = page.get_by_test_id("keeping-plan").get_by_role("listitem")
    await expect(keeping).to_have_count(4)
    await expect(keeping.filter(has_text="Meeting room screen")).to_have_count(0)
    jo = keeping.filter(has_text="Jo Example")
    await jo.get_by_role("button", name="Stop their access to the plan").click()
    await expect(keeping).to_have_count(3)
    await expect(keeping.filter(has_text="Jo Example")).to_have_count(0)
    for name in ("Copy link", "Revoke", "Replace with a new link", "Create a new link"):
        await expect(page.get_by_role("button", name=name)).to_have_count(0)
    await expect(page.get_by_text("Show QR code")).to_have_count(0)
    await expect(page.locator("svg title", has_text="QR code")).to_have_count(0)
    await expect(page.locator("input.link-url")).to_have_count(0)
    assert "/join/" not in await page.content()
    await expect(page.get_by_test_id("present")).to_have_count(0)  # nothing left to present
    await expect(page.get_by_test_id("open-board")).to_be_visible()  # the map, to read
    await screenshot(page, "facilitator-meeting-page-ended")


async def test_the_waiting_room_label_is_on_one_line(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    for width in WIDTHS:
        page = await signed_in(chromium, server, width)
        label = page.locator("label[for=waiting_room]")
        height = (await box(label))["height"]
        line: float = await label.evaluate(
            "l => parseFloat(getComputedStyle(l).lineHeight) || 1.5 * parseFloat("
            "getComputedStyle(l).fontSize)"
        )
        print(f"waiting-room label at {width}: {height} px high, line {line} px")
        assert height <= 1.6 * line, (width, height, line)
        checkbox = await box(page.get_by_label("Use a waiting room"))
        assert checkbox["width"] >= 24 and checkbox["height"] >= 24
        await screenshot(page, f"facilitator-dashboard-{width}")
        await page.context.close()
