"""The live board in a real browser (Debian's Chromium): people in separate browser contexts
edit one map together, the shared screen follows without editing controls, family screens
never receive the professionals-only layer, everything works from the keyboard alone, and
edits made offline arrive after reconnecting."""

from __future__ import annotations

import asyncio
import re
from typing import Any
from urllib.parse import urlsplit

from playwright.async_api import Browser, BrowserContext, Locator, Page, WebSocket, expect

from server.board.permissions import Layer
from tests.browser import chromium, new_page, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer

PASSWORD = "a long enough secret"
BOARD_URL = re.compile(r"/m/[^/?#]+(/present)?$")


# Joining and finding things ---------------------------------------------------------------


async def sign_in(
    browser: Browser, server: RunningServer, **options: Any
) -> tuple[BrowserContext, Page]:
    """A facilitator account, signed in at /login; the page is on the dashboard."""
    await server.services.accounts.add("sam@example.org", "Sam Chair", PASSWORD)
    context, page = await new_page(browser, server.address, **options)
    await page.goto("/login")
    await page.get_by_label("E-mail address").fill("sam@example.org")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Your meetings")).to_be_visible()
    return context, page


async def join(
    page: Page, link: str, name: str, relationship: str = "", agency: str = "Health"
) -> Page:
    """Open an invitation link, give a name (and on a professional's link, their service),
    and wait for the board to be connected."""
    await page.goto(link)
    await page.get_by_label("Your name").fill(name)
    if relationship:
        await page.get_by_label("How you know the child (optional)").fill(relationship)
    if await page.get_by_test_id("agency").count() and agency:
        await page.get_by_test_id("agency").get_by_label(agency, exact=True).check()
    await page.get_by_role("button", name="Join the meeting").click()
    await page.wait_for_url(BOARD_URL)
    await board_online(page)
    return page


async def joined(
    browser: Browser, server: RunningServer, link: str, name: str, **options: Any
) -> tuple[BrowserContext, Page]:
    context, page = await new_page(browser, server.address, **options)
    return context, await join(page, link, name)


async def board_online(page: Page) -> None:
    await expect(page.get_by_test_id("connection-status")).to_have_attribute("data-state", "online")


def card(page: Page, item_id: str) -> Locator:
    return page.locator(f'[data-testid="card"][data-item-id="{item_id}"]')


def text_of(page: Page, item_id: str) -> Locator:
    return card(page, item_id).get_by_test_id("card-text")


def cards_in(page: Page, section: str) -> Locator:
    return page.get_by_test_id(f"section-{section}").get_by_test_id("card")


async def add_card(page: Page, section: str, text: str, *, layer: str = "") -> str:
    """Add a card through the section's "Add a card" form; returns the new card's id."""
    before = await cards_in(page, section).count()
    await page.get_by_test_id(f"add-{section}").click()
    composer = page.get_by_test_id(f"composer-{section}")
    if layer:
        await composer.get_by_test_id("new-card-layer").select_option(layer)
    await composer.get_by_test_id("new-card-text").fill(text)
    await composer.get_by_test_id("new-card-text").press("Enter")
    await expect(cards_in(page, section)).to_have_count(before + 1)
    added = cards_in(page, section).nth(before)  # a new card goes to the end of its section
    await expect(added.get_by_test_id("card-text")).to_have_value(text)
    item_id = await added.get_attribute("data-item-id")
    assert item_id
    return item_id


async def expect_order(page: Page, section: str, ids: list[str]) -> None:
    cards = cards_in(page, section)
    await expect(cards).to_have_count(len(ids))
    for i, item_id in enumerate(ids):
        await expect(cards.nth(i)).to_have_attribute("data-item-id", item_id)


async def is_focused(target: Locator) -> bool:
    return bool(await target.evaluate("el => el === document.activeElement"))


async def tab_to(page: Page, target: Locator, *, back: bool = False, limit: int = 80) -> None:
    """Press Tab (or Shift+Tab) until `target` has the focus: proves it is reachable."""
    key = "Shift+Tab" if back else "Tab"
    for _ in range(limit):
        if await is_focused(target):
            return
        await page.keyboard.press(key)
    raise AssertionError(f"{key} did not reach {target} in {limit} presses")


def connected(server: RunningServer, meeting: dict[str, Any], name: str) -> bool:
    """Whether the server has a connection from `name` to the meeting's shared map now."""
    room = server.services.rooms.loaded(meeting["id"], Layer.MAIN)
    return room is not None and any(peer.identity.get("name") == name for peer in room.peers)


class Traffic:
    """Every websocket a page opens, and every frame it sends or receives on them."""

    def __init__(self, page: Page) -> None:
        self.urls: list[str] = []
        self.frames: list[bytes] = []
        page.on("websocket", self._opened)

    def _opened(self, ws: WebSocket) -> None:
        self.urls.append(ws.url)
        ws.on("framereceived", self._frame)
        ws.on("framesent", self._frame)

    def _frame(self, payload: bytes | str) -> None:
        self.frames.append(payload.encode() if isinstance(payload, str) else payload)

    def rooms(self) -> set[str]:
        """The rooms' paths after /ws/, e.g. {"<id>", "<id>/professional"}."""
        return {urlsplit(url).path.split("/ws/", 1)[1] for url in self.urls}

    def carried(self, text: str) -> bool:
        needle = text.encode()
        return any(needle in frame for frame in self.frames)


# A typical meeting's map (about 30 cards), all fictional.
TYPICAL_MAP: dict[str, list[str]] = {
    "harm": [
        "Leo (6) was left at home alone overnight twice in March",
        "School saw bruising on Leo's arm on 14 April; Dad said he fell off his bike",
        "Leo missed 20 school days this term",
        "Neighbours called the police after shouting at the flat in February",
    ],
    "danger": [
        "Children's services are worried that Leo will be hurt if Dad drinks and looks after "
        "him alone",
        "The school is worried Leo will fall behind and lose his friends",
        "Gran is worried Leo will not tell anyone if something goes wrong at home",
    ],
    "complicating": [
        "Dad works night shifts and there is no set plan for who looks after Leo",
        "Mum and Dad do not agree about what happened in March",
        "The family moved house twice this year",
        "Mum's phone is often cut off, so school cannot reach her",
    ],
    "strengths": [
        "Leo loves football and goes to practice every Saturday with Dad",
        "Gran lives ten minutes away and sees Leo most days",
        "Mum has come to every meeting and asked for help",
        "Leo says his teacher Mr Shah is kind and helps him read",
        "Dad has stopped drinking since May and goes to a support group",
        "Leo has a best friend, Sami, whose family he visits at weekends",
    ],
    "safety": [
        "Gran has collected Leo from school every day since April",
        "Aunt May phones every evening at bedtime",
        "Leo knows Gran's phone number by heart",
        "Dad rang Gran to collect Leo when he felt unwell in June",
        "Mum and Dad agreed Leo sleeps at Gran's when Dad works nights",
    ],
    "goals": [
        "Everyone will know that Leo is never left alone overnight, because an adult on the "
        "safety network is always with him",
        "Leo will go to school every day and be on time",
        "Leo will say he feels safe at home when asked by his teacher",
    ],
    "next_steps": [
        "Write the safety plan with the family and Gran",
        "Ask school for weekly attendance updates",
        "Book a family network meeting with Aunt May",
        "Review the plan together in six weeks",
        "Ask Leo what he thinks of the plan, with Mr Shah",
    ],
}


async def populate(page: Page, cards: dict[str, list[str]] = TYPICAL_MAP) -> None:
    """Fill empty sections through their "Add a card" forms, and place a mark on a scale."""
    for section, texts in cards.items():
        await page.get_by_test_id(f"add-{section}").click()
        box = page.get_by_test_id(f"composer-{section}").get_by_test_id("new-card-text")
        for text in texts:
            await box.fill(text)
            await box.press("Enter")
        await box.press("Escape")
        await expect(cards_in(page, section)).to_have_count(len(texts))
    steps = cards_in(page, "next_steps")
    await steps.nth(0).get_by_test_id("step-owner").fill("Priya (social worker)")
    await steps.nth(0).get_by_test_id("step-due").fill("2031-06-30")
    await steps.nth(0).get_by_test_id("step-status").select_option("in_progress")
    await page.get_by_test_id("add-scale").click()
    scale = page.get_by_test_id("scale")
    await scale.get_by_test_id("scale-value-6").check()
    await scale.get_by_test_id("scale-reason").fill("Gran is there every day now")
    await scale.get_by_test_id("scale-save").click()
    await expect(scale.get_by_test_id("scale-chip")).to_have_count(1)


# Tests ------------------------------------------------------------------------------------


async def test_facilitator_and_family_edit_and_move_cards_together(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    chair_context, chair = await sign_in(chromium, server)
    await chair_context.grant_permissions(["clipboard-read", "clipboard-write"])
    await chair.get_by_label("Meeting title").fill("Planning for Leo")
    await chair.get_by_label("Use a waiting room").uncheck()  # the family joins at once here
    await chair.get_by_role("button", name="Create meeting").click()
    await expect(chair.get_by_role("heading", name="Planning for Leo")).to_be_visible()
    family_link = chair.get_by_test_id("link-family")
    await family_link.get_by_role("button", name="Copy link").click()
    await expect(family_link.get_by_text("Link copied")).to_be_visible()
    link = await chair.evaluate("navigator.clipboard.readText()")
    assert "/join/" in link

    family_context, family = await new_page(chromium, server.address)
    await join(family, link, "Jo", "Mum")
    await chair.get_by_test_id("open-board").click()
    await chair.wait_for_url(BOARD_URL)
    await board_online(chair)
    roster = chair.get_by_test_id("roster-list")
    await expect(roster).to_contain_text("Jo")

    # A card added by the family appears on the facilitator's board, and typing in it there
    # appears on the family's.
    gran = await add_card(family, "strengths", "Gran collects Leo from school")
    await expect(text_of(chair, gran)).to_have_value("Gran collects Leo from school")
    await expect(card(chair, gran).get_by_test_id("card-by")).to_contain_text("Jo")
    await text_of(chair, gran).click()
    await chair.keyboard.press("Control+End")
    await chair.keyboard.type(" on Fridays")
    await expect(text_of(family, gran)).to_have_value("Gran collects Leo from school on Fridays")

    # Moves: the family by keyboard (Alt+Up), the facilitator with the move controls.
    teacher = await add_card(chair, "strengths", "Leo's teacher knows the plan")
    await expect_order(family, "strengths", [gran, teacher])
    await text_of(family, teacher).focus()
    await family.keyboard.press("Alt+ArrowUp")
    await expect_order(family, "strengths", [teacher, gran])
    await expect(text_of(family, teacher)).to_be_focused()
    await expect_order(chair, "strengths", [teacher, gran])

    await card(chair, gran).get_by_test_id("card-menu").click()
    await card(chair, gran).get_by_test_id("move-to").select_option("safety")
    await card(chair, gran).get_by_test_id("move-to-submit").click()
    await expect_order(family, "safety", [gran])
    await expect_order(family, "strengths", [teacher])
    await expect_order(chair, "safety", [gran])
    await family_context.close()
    await chair_context.close()


async def test_two_people_typing_in_one_card_at_once_both_survive(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Mia")
    pro_context, pro = await joined(chromium, server, meeting["links"]["professional"], "Ana")
    family_context, family = await joined(chromium, server, meeting["links"]["family"], "Jo")
    item = await add_card(pro, "goals", "will help at home")
    await expect(text_of(family, item)).to_have_value("will help at home")

    await text_of(pro, item).focus()
    await pro.keyboard.press("Control+Home")
    await text_of(family, item).focus()
    await family.keyboard.press("Control+End")
    # Both type at the same time, keystroke by keystroke, at opposite ends of the text.
    await asyncio.gather(
        pro.keyboard.type("Mum and Gran ", delay=15),
        family.keyboard.type(" every evening", delay=15),
    )
    merged = "Mum and Gran will help at home every evening"
    await expect(text_of(pro, item)).to_have_value(merged)
    await expect(text_of(family, item)).to_have_value(merged)
    await family_context.close()
    await pro_context.close()


async def test_viewer_follows_live_and_family_never_receives_the_professional_layer(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Sam")
    pro_context, pro = await new_page(chromium, server.address)
    pro_traffic = Traffic(pro)
    await join(pro, meeting["links"]["professional"], "Ana")
    secret = "Police record check pending for the lodger"
    secret_id = await add_card(pro, "complicating", secret, layer="professional")
    await expect(card(pro, secret_id)).to_have_attribute("data-layer", "professional")

    # The family joins after the professionals-only card exists (initial sync), the viewer too.
    family_context, family = await new_page(chromium, server.address)
    family_traffic = Traffic(family)
    await join(family, meeting["links"]["family"], "Jo")
    viewer_context, viewer = await new_page(chromium, server.address)
    viewer_traffic = Traffic(viewer)
    await join(viewer, meeting["links"]["viewer"], "Shared screen")
    assert viewer.url.endswith("/present")

    # Live changes: another professionals-only card, then a card for everyone.
    note = "Health visitor to share the hospital letter with professionals"
    note_id = await add_card(pro, "next_steps", note, layer="professional")
    shared = await add_card(pro, "strengths", "Dad takes Sam to football every Saturday")
    await expect(text_of(viewer, shared)).to_have_text("Dad takes Sam to football every Saturday")
    await expect(text_of(family, shared)).to_have_value("Dad takes Sam to football every Saturday")
    await text_of(pro, shared).focus()
    await pro.keyboard.press("Control+End")
    await pro.keyboard.type(" and Sunday")
    await expect(text_of(viewer, shared)).to_have_text(
        "Dad takes Sam to football every Saturday and Sunday"
    )

    # The shared screen has no editing controls at all.
    for selector in ["textarea", "input", "select"]:
        await expect(viewer.locator(selector)).to_have_count(0)
    await expect(viewer.locator('[data-testid^="add-"]').filter(visible=True)).to_have_count(0)
    for testid in ["move-up", "move-down", "card-menu", "card-drag", "new-card-text"]:
        await expect(viewer.get_by_test_id(testid)).to_have_count(0)
    await expect(viewer.get_by_test_id("undo")).to_be_hidden()

    # Neither screen shows, asks for, or receives the professionals-only layer.
    meeting_id = meeting["id"]
    await expect(pro.locator('[data-layer="professional"]')).to_have_count(2)
    for page, traffic in [(family, family_traffic), (viewer, viewer_traffic)]:
        await expect(page.locator('[data-layer="professional"]')).to_have_count(0)
        await expect(page.get_by_test_id("new-card-layer")).to_have_count(0)
        assert traffic.rooms() == {meeting_id}
        assert traffic.frames, "the websocket traffic was not recorded"
        assert not traffic.carried(secret)  # not in the first sync
        assert not traffic.carried(note)  # nor live
        assert not traffic.carried(note_id)
    # The same checks see the layer where it belongs: in the professional's own traffic.
    assert pro_traffic.rooms() == {meeting_id, f"{meeting_id}/professional"}
    assert pro_traffic.carried(secret) and pro_traffic.carried(note)
    assert family_traffic.carried("Dad takes Sam to football every Saturday")
    for context in (viewer_context, family_context, pro_context):
        await context.close()


async def test_keyboard_only_add_edit_move_delete_and_mark_a_scale(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Ava")
    context, page = await joined(chromium, server, meeting["links"]["facilitator"], "Sam")
    observer = await server.client(meeting, "viewer")  # what everyone else receives
    keyboard = page.keyboard
    strengths = cards_in(page, "strengths")

    # From the top of the page, Tab to "Add a card" under Strengths; add two cards.
    await tab_to(page, page.get_by_test_id("add-strengths"))
    await keyboard.press("Enter")
    await expect(page.get_by_test_id("composer-strengths").get_by_role("textbox")).to_be_focused()
    await keyboard.type("Gran walks Ava to school")
    await keyboard.press("Enter")
    await keyboard.type("Aunt May phones every evening")
    await keyboard.press("Enter")
    await keyboard.press("Escape")
    await expect(page.get_by_test_id("composer-strengths")).to_be_hidden()
    await expect(page.get_by_test_id("add-strengths")).to_be_focused()
    await expect(strengths).to_have_count(2)
    gran, may = [await c.get_attribute("data-item-id") or "" for c in await strengths.all()]
    await expect(text_of(page, gran)).to_have_value("Gran walks Ava to school")

    # Edit: on to the first card's text ("Add a card" sits above the cards), type at its end.
    await tab_to(page, text_of(page, gran))
    await keyboard.press("Control+End")
    await keyboard.type(" on weekdays")
    await expect(text_of(page, gran)).to_have_value("Gran walks Ava to school on weekdays")

    # Move: Alt+Down within the section, Alt+Right to the next section; focus stays put.
    await keyboard.press("Alt+ArrowDown")
    await expect_order(page, "strengths", [may, gran])
    await expect(text_of(page, gran)).to_be_focused()
    await keyboard.press("Alt+ArrowRight")
    await expect_order(page, "safety", [gran])
    await expect_order(page, "strengths", [may])
    await expect(text_of(page, gran)).to_be_focused()
    await observer.wait_for(
        lambda: (
            observer.cards().get(gran) == "Gran walks Ava to school on weekdays"
            and observer.items[gran]["section"] == "safety"
        )
    )

    # Delete: Tab past the card's view (Agree…) to its tools, open "More", Tab to "Delete
    # card"; then undo it.
    await keyboard.press("Tab")
    await expect(card(page, gran).get_by_test_id("stance-agree")).to_be_focused()
    await keyboard.press("Tab")
    await keyboard.press("End")
    menu = card(page, gran).get_by_test_id("card-menu")
    await expect(menu).to_be_focused()
    await keyboard.press("Enter")
    await expect(card(page, gran).get_by_test_id("card-panel")).to_be_visible()
    await tab_to(page, card(page, gran).get_by_test_id("card-delete"))
    await keyboard.press("Enter")
    # It asks first, with "No, keep it" focused: Tab to "Yes" and confirm.
    await expect(page.get_by_test_id("confirm-no")).to_be_focused()
    await tab_to(page, page.get_by_test_id("confirm-yes"))
    await keyboard.press("Enter")
    await expect(card(page, gran)).to_have_count(0)
    await expect(page.get_by_test_id("undo-toast")).to_be_visible()
    await expect(page.get_by_test_id("add-safety")).to_be_focused()
    await observer.wait_for(lambda: gran not in observer.cards())
    await keyboard.press("Control+z")
    await expect_order(page, "safety", [gran])
    await expect(text_of(page, gran)).to_have_value("Gran walks Ava to school on weekdays")

    # The safety scale: the facilitator adds it, then places a mark with a reason.
    await tab_to(page, page.get_by_test_id("add-scale"))
    await keyboard.press("Enter")
    scale = page.get_by_test_id("scale")
    await expect(scale).to_have_count(1)
    await tab_to(page, scale.get_by_test_id("scale-value-0"))
    for _ in range(6):
        await keyboard.press("ArrowRight")
    await expect(scale.get_by_test_id("scale-value-6")).to_be_checked()
    await keyboard.press("Tab")
    await expect(scale.get_by_test_id("scale-reason")).to_be_focused()
    await keyboard.type("Gran is there every day")
    await tab_to(page, scale.get_by_test_id("scale-save"))
    await keyboard.press("Enter")
    chip = scale.get_by_test_id("scale-chip")
    await expect(chip).to_have_attribute("data-value", "6")
    await expect(chip).to_have_text("Sam")
    await expect(scale.get_by_test_id("scale-mark")).to_contain_text("Gran is there every day")
    await observer.disconnect()
    await context.close()


async def test_edits_made_offline_arrive_after_reconnecting(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Noah")
    pro_context, pro = await joined(chromium, server, meeting["links"]["professional"], "Ana")
    family_context, family = await joined(chromium, server, meeting["links"]["family"], "Jo")
    item = await add_card(pro, "strengths", "Gran helps")
    await expect(text_of(family, item)).to_have_value("Gran helps")
    roster = family.get_by_test_id("roster-list")
    await expect(roster).to_contain_text("Ana")

    # The professional's network goes. Chromium's offline mode holds an open websocket's
    # frames but does not close it, so the server drops the connection too, as it would a
    # dead one: the edits below can only reach the others through the resync on reconnect.
    await pro_context.set_offline(True)
    dropped = server.services.rooms.close_where(
        meeting["id"], lambda peer: peer.identity.get("name") == "Ana", 1001, "network gone"
    )
    assert dropped == 2  # the map and the professionals-only layer
    await expect(pro.get_by_test_id("connection-status")).to_have_attribute("data-state", "offline")
    await expect(pro.get_by_test_id("offline-indicator")).to_have_attribute("data-state", "offline")
    await expect(roster).not_to_contain_text("Ana")

    await text_of(pro, item).focus()
    await pro.keyboard.press("Control+End")
    await pro.keyboard.type(" every morning")
    uncle = await add_card(pro, "safety", "Uncle Ray can babysit at short notice")
    # Meanwhile the family edits the same card.
    await text_of(family, item).focus()
    await family.keyboard.press("Control+Home")
    await family.keyboard.type("Mum says ")
    await expect(text_of(pro, item)).to_have_value("Gran helps every morning")
    await expect(text_of(family, item)).to_have_value("Mum says Gran helps")
    await expect(card(family, uncle)).to_have_count(0)
    assert not connected(server, meeting, "Ana")  # reconnecting fails while offline

    # Back online: it reconnects (backing off up to 5 s), and both sides merge.
    await pro_context.set_offline(False)
    merged = "Mum says Gran helps every morning"
    await expect(pro.get_by_test_id("connection-status")).to_have_attribute(
        "data-state", "online", timeout=15_000
    )
    await expect(pro.get_by_test_id("offline-indicator")).to_have_attribute("data-state", "back")
    assert connected(server, meeting, "Ana")  # a new connection: the old one was closed
    await expect(text_of(family, item)).to_have_value(merged)
    await expect(text_of(family, uncle)).to_have_value("Uncle Ray can babysit at short notice")
    await expect(text_of(pro, item)).to_have_value(merged)
    await family_context.close()
    await pro_context.close()


async def test_a_person_whose_connection_dropped_is_back_in_the_roster(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Eli")
    pro_context, pro = await joined(chromium, server, meeting["links"]["professional"], "Ana")
    family_context, family = await joined(chromium, server, meeting["links"]["family"], "Jo")
    roster = family.get_by_test_id("roster-list")
    await expect(roster).to_contain_text("Ana")
    server.services.rooms.close_where(
        meeting["id"], lambda peer: peer.identity.get("name") == "Ana", 1001, "network gone"
    )
    await expect(roster).not_to_contain_text("Ana")
    await board_online(pro)  # reconnected (after 0.1 s) and synced
    await expect(roster).to_contain_text("Ana")
    await family_context.close()
    await pro_context.close()


async def test_screenshots_of_a_typical_board_on_a_big_screen_and_a_phone(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo")
    screen = {"viewport": {"width": 1920, "height": 1080}}
    phone = {"viewport": {"width": 360, "height": 800}, "is_mobile": True, "has_touch": True}
    links = meeting["links"]
    chair_context, chair = await joined(chromium, server, links["facilitator"], "Sam", **screen)
    await populate(chair)
    family_context, family = await joined(chromium, server, links["family"], "Jo", **phone)
    viewer_context, viewer = await joined(chromium, server, links["viewer"], "Screen", **screen)
    total = sum(len(texts) for texts in TYPICAL_MAP.values())
    await expect(family.get_by_test_id("card")).to_have_count(total)
    await expect(viewer.get_by_test_id("card")).to_have_count(total)
    await expect(viewer.get_by_test_id("scale-chip")).to_have_count(1)
    await expect(family.get_by_test_id("tabs")).to_be_visible()  # columns become tabs
    # The shared screen shows the whole typical map without scrolling.
    await viewer.wait_for_function(
        "document.documentElement.scrollWidth <= innerWidth + 1"
        " && document.documentElement.scrollHeight <= innerHeight + 1"
    )
    for page, name in [
        (chair, "board-1920x1080"),
        (family, "board-360x800"),
        (viewer, "present-1920x1080"),
    ]:
        path = await screenshot(page, name)
        assert path.stat().st_size > 10_000
    for context in (viewer_context, family_context, chair_context):
        await context.close()
