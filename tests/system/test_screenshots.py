"""Screenshots of a realistic meeting for a person to look at (issue 19, "Done when"): the
facilitator's board, the shared screen, the meeting page and the dashboard at 1920x1080,
1366x768 and a 360x800 phone. The example meeting (tests/data/) with a few cards more, two
scales with marks and reasons, and a few people present. Each page must have loaded, be
online where it syncs, and log no error. Written to tests/artifacts/screen-*.png (committed)."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Browser, ConsoleMessage, Error, Page, expect

from server.live.meetings import create
from tests.browser import ARTIFACTS, chromium  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.example_meeting import example_meeting
from tests.system.test_browser_board import BOARD_URL, add_card, board_online
from tests.system.test_browser_facilitator_pages import WIDTHS, signed_in
from tests.waiting import within
from tests.yclient import YClient

MORE_CARDS = {  # fictional, to bring the example's 21 cards on the shared map to 25
    "danger": "Nursery is worried Mia will be collected by an adult who has been drinking",
    "strengths": "Mia sings with Grandma Dee every Sunday at the community choir",
    "safety": "Dee has a key to the flat and checks in every evening at six",
    "goals": "Mia will always be collected from nursery by a sober adult from the network",
}
MAIN_CARDS = 21 + len(MORE_CARDS)
PROFESSIONALS_ONLY = 1  # the example's note, on the facilitator's board too


class OwnedBy(RunningServer):
    """The running server, whose new meetings belong to one facilitator: so the example
    meeting shows on their dashboard and meeting page."""

    def __init__(self, server: RunningServer, owner_id: str) -> None:
        super().__init__(server.settings, server.server, server.services)
        self.owner_id = owner_id

    async def meeting(self, title: str = "Test meeting") -> dict[str, Any]:
        created = await create(self.settings, self.services.store, title, owner_id=self.owner_id)
        created["tokens"] = {role: url.rsplit("/", 1)[1] for role, url in created["links"].items()}
        return created


def errors_of(page: Page) -> list[str]:
    """The page's console errors and uncaught exceptions, as they come."""
    found: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if message.type == "error":
            found.append(f"{page.url}: {message.text}")

    def thrown(error: Error) -> None:
        found.append(f"{page.url}: {error}")

    page.on("console", console)
    page.on("pageerror", thrown)
    return found


async def shoot(page: Page, name: str, *, full: bool = False) -> None:
    path = ARTIFACTS / f"{name}.png"
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(path), full_page=full)
    assert path.stat().st_size > 5_000, f"{name} is blank"


async def test_screenshots_of_every_page_at_three_sizes(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    first = await signed_in(chromium, server, 1920, "Sam Taylor")  # the example's chair
    chair = await server.services.accounts.by_email("sam@example.org")
    assert chair is not None
    meeting, data, _ = await example_meeting(OwnedBy(server, chair.id), end=False)
    meeting_id = meeting["id"]
    # A few people present while the pictures are taken: a parent and a police officer.
    present = []
    for role, name, more in [
        ("family", "Aunt May", {"relationship": "Aunt, safety network"}),
        ("professional", "DC Sam Okafor", {"agency": "Police"}),
    ]:
        client = YClient(server.ws_url, meeting_id, meeting["tokens"][role], name=name, **more)
        await client.connect()
        await within(client.synced.wait(), 20, f"{name} synced")
        # Here, as a board says who it is: in the roster of everyone's board.
        user = {"id": await client.whoami(), "name": name, "role": role, **more}
        await client.set_presence({"user": user})
        present.append(client)
    await first.goto(f"/meetings/{meeting_id}/board")
    await first.wait_for_url(BOARD_URL)
    await board_online(first)
    for section, text in MORE_CARDS.items():
        await add_card(first, section, text)
    await first.context.close()

    errors: list[str] = []
    for width, height in WIDTHS.items():
        size = f"{width}x{height}"
        page = await signed_in(chromium, server, width)
        errors += errors_of(page)
        await expect(page.get_by_role("link", name=data["title"])).to_be_visible()
        await shoot(page, f"screen-dashboard-{size}")

        await page.goto(f"/meetings/{meeting_id}")
        await expect(page.get_by_role("heading", name=data["title"])).to_be_visible()
        await expect(page.get_by_test_id("admitted")).to_contain_text("DC Sam Okafor")
        await shoot(page, f"screen-meeting-{size}")

        await page.get_by_test_id("open-board").click()
        await page.wait_for_url(BOARD_URL)
        await board_online(page)
        await expect(page.get_by_text("DC Sam Okafor").first).to_be_attached()  # present
        if width > 1000:  # every column at once; a phone shows one tab at a time
            cards = page.get_by_test_id("card")
            await expect(cards).to_have_count(MAIN_CARDS + PROFESSIONALS_ONLY)
        await expect(page.get_by_test_id("scale")).to_have_count(len(data["scales"]))
        await shoot(page, f"screen-board-{size}")
        await shoot(page, f"screen-board-full-{size}", full=True)

        await page.goto(f"/meetings/{meeting_id}/board?present=1")
        await page.wait_for_url(BOARD_URL)
        await board_online(page)
        await expect(page.get_by_test_id("card").first).to_be_visible()
        await expect(page.get_by_text(MORE_CARDS["strengths"])).to_have_count(1)
        await shoot(page, f"screen-present-{size}")
        await page.context.close()
    assert not errors, "\n".join(errors)
    for client in present:
        await client.disconnect()
