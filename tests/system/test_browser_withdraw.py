"""Nothing silently disappears (real server, real Chromium): a family member cannot destroy a
professional's card; they withdraw it, after saying yes to a plain question. The card stays in
the document with who withdrew it and when, every screen lists it under "Withdrawn cards", the
goal that answered it says so, and only the facilitator puts it back (or deletes it for good,
after which the goal says the worry was deleted)."""

from __future__ import annotations

import json
import re
from datetime import datetime

from playwright.async_api import Browser, Locator, Page, expect

from tests.browser import chromium, new_page, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.system.test_browser_a11y import serious_violations
from tests.system.test_browser_board import add_card, card, cards_in, join

WORRY = "The police are worried that Leo will be hurt if Dad drinks and looks after him alone"
GOAL = "Leo is always looked after by a sober adult from the safety network"


async def participant_id(page: Page) -> str:
    config = json.loads(await page.locator("#board-config").text_content() or "{}")
    pid = config["participant"]["id"]
    assert isinstance(pid, str) and pid
    return pid


def withdrawn(page: Page, item_id: str) -> Locator:
    return page.locator(f'[data-testid="withdrawn-card"][data-item-id="{item_id}"]')


async def add_goal(page: Page, text: str, answers: str) -> str:
    """A goal answering the worry `answers`, through the "Add a card" form."""
    before = await cards_in(page, "goals").count()
    await page.get_by_test_id("add-goals").click()
    composer = page.get_by_test_id("composer-goals")
    await composer.get_by_test_id("new-card-answers").select_option(answers)
    await composer.get_by_test_id("new-card-text").fill(text)
    await composer.get_by_test_id("new-card-text").press("Enter")
    await composer.get_by_test_id("new-card-text").press("Escape")
    await expect(cards_in(page, "goals")).to_have_count(before + 1)
    item_id = await cards_in(page, "goals").nth(before).get_attribute("data-item-id")
    assert item_id
    return item_id


async def open_options(page: Page, item_id: str) -> Locator:
    panel = card(page, item_id).get_by_test_id("card-panel")
    if not await panel.is_visible():
        await card(page, item_id).get_by_test_id("card-menu").click()
    await expect(panel).to_be_visible()
    return panel


async def test_a_family_member_withdraws_a_professionals_card_and_only_the_facilitator_restores_it(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo")
    links = meeting["links"]
    pro_context, pro = await new_page(chromium, server.address)
    await join(pro, links["professional"], "Ana")
    family_context, family = await new_page(chromium, server.address)
    await join(family, links["family"], "Jo", "Mum")
    chair_context, chair = await new_page(chromium, server.address, bypass_csp=True)
    await join(chair, links["facilitator"], "Sam")
    observer = await server.client(meeting, "viewer")  # what the server holds and sends
    jo = await participant_id(family)

    worry = await add_card(pro, "danger", WORRY)
    goal = await add_goal(pro, GOAL, worry)
    goal_line = card(family, goal).get_by_test_id("card-answers-line")
    await expect(goal_line).to_have_text(re.compile("^Answers the worry: “The police are worried"))
    await expect(goal_line).to_have_attribute("data-link", "shown")

    # The family member's options on the professional's card: Withdraw, never Delete.
    panel = await open_options(family, worry)
    await expect(panel.get_by_test_id("card-delete")).to_have_count(0)
    withdraw = panel.get_by_test_id("card-withdraw")
    await expect(withdraw).to_have_text("Withdraw card")

    # First they change their mind: the question names the card, "No" keeps it.
    await withdraw.click()
    dialog = family.get_by_test_id("confirm-dialog")
    await expect(dialog).to_be_visible()
    await expect(dialog).to_have_attribute("data-kind", "withdraw")
    await expect(dialog.get_by_role("heading")).to_have_text("Withdraw this card?")
    await expect(dialog.get_by_test_id("confirm-card")).to_have_text(WORRY)
    keep = dialog.get_by_test_id("confirm-no")
    await expect(keep).to_be_focused()  # Enter by mistake keeps the card
    box = await keep.bounding_box()
    assert box is not None and box["height"] >= 44  # a large target
    await screenshot(family, "withdraw-confirm")
    await keep.click()
    await expect(dialog).to_be_hidden()
    await expect(cards_in(family, "danger")).to_have_count(1)
    await expect(cards_in(pro, "danger")).to_have_count(1)
    await expect(family.get_by_test_id("withdrawn")).to_be_hidden()
    assert "withdrawn" not in observer.items[worry]

    # Then they withdraw it.
    await withdraw.click()
    await expect(dialog).to_be_visible()
    await dialog.get_by_test_id("confirm-yes").click()
    await expect(dialog).to_be_hidden()
    for page in (family, pro, chair):
        await expect(cards_in(page, "danger")).to_have_count(0)
        await expect(withdrawn(page, worry)).to_be_visible()

    # The card is still in the document, with who withdrew it and when, written whole.
    await observer.wait_for(lambda: "withdrawn" in observer.items.get(worry, {}))
    mark = dict(observer.items[worry]["withdrawn"])
    assert set(mark) == {"by", "at"}
    assert mark["by"] == jo
    assert datetime.fromisoformat(mark["at"]).utcoffset() is not None
    assert observer.cards()[worry] == WORRY

    # Every screen lists it with who withdrew it and when; the goal says its worry was withdrawn.
    entry = withdrawn(pro, worry)
    await expect(entry.get_by_test_id("card-text")).to_have_text(WORRY)
    await expect(entry.get_by_test_id("withdrawn-by")).to_have_text(
        re.compile(r"^Withdrawn by Jo \(Family, Mum\) at \d{1,2}[:.]\d{2}")
    )
    await expect(entry.get_by_test_id("card-by")).to_contain_text("Ana")
    await expect(entry.get_by_test_id("withdrawn-was")).to_have_text(re.compile("^Was in: "))
    await expect(pro.get_by_test_id("announcer")).to_contain_text("Jo withdrew a card from")
    # On a phone the list is a tab of its own, saying how many cards it holds.
    await pro.set_viewport_size({"width": 390, "height": 844})
    await pro.get_by_test_id("tab-withdrawn").click()
    await expect(pro.get_by_test_id("tab-withdrawn")).to_have_text("Withdrawn (1)")
    await expect(entry).to_be_visible()
    await expect(pro.get_by_test_id("column-worries")).to_be_hidden()
    await screenshot(pro, "withdrawn-phone")
    await pro.set_viewport_size({"width": 1280, "height": 720})
    for page in (family, pro, chair):
        line = card(page, goal).get_by_test_id("card-answers-line")
        await expect(line).to_have_text(
            re.compile("^The worry this answers was withdrawn: “The police")
        )
        await expect(line).to_have_attribute("data-link", "withdrawn")

    # Neither the family member nor the professional may put it back or delete it.
    for page in (family, pro):
        await expect(withdrawn(page, worry).locator("button")).to_have_count(0)
        await expect(page.get_by_test_id("withdrawn-restore")).to_have_count(0)
        await expect(page.get_by_test_id("withdrawn-delete")).to_have_count(0)

    # Your own card you may delete (after saying yes); there is no Withdraw on it.
    own = await add_card(family, "strengths", "Gran collects Leo from school")
    panel = await open_options(family, own)
    await expect(panel.get_by_test_id("card-withdraw")).to_have_count(0)
    await panel.get_by_test_id("card-delete").click()
    await expect(dialog).to_have_attribute("data-kind", "delete")
    await dialog.get_by_test_id("confirm-yes").click()
    await expect(card(family, own)).to_have_count(0)
    await observer.wait_for(lambda: own not in observer.items)

    # The facilitator sees Withdraw (not Delete) on someone else's card on the map...
    panel = await open_options(chair, goal)
    await expect(panel.get_by_test_id("card-withdraw")).to_be_visible()
    await expect(panel.get_by_test_id("card-delete")).to_have_count(0)
    await card(chair, goal).get_by_test_id("card-menu").click()
    # ...and Restore and Delete for good in the withdrawn list.
    entry = withdrawn(chair, worry)
    await expect(entry.get_by_test_id("withdrawn-restore")).to_be_visible()
    await expect(entry.get_by_test_id("withdrawn-delete")).to_be_visible()
    await screenshot(chair, "withdrawn-facilitator")
    assert await serious_violations(chair) == []

    # The facilitator puts it back: in its section again on every screen, the goal linked.
    await entry.get_by_test_id("withdrawn-restore").click()
    for page in (family, pro, chair):
        await expect(cards_in(page, "danger")).to_have_count(1)
        await expect(card(page, worry)).to_have_attribute("data-section", "danger")
        await expect(page.get_by_test_id("withdrawn")).to_be_hidden()
        await expect(card(page, goal).get_by_test_id("card-answers-line")).to_have_attribute(
            "data-link", "shown"
        )
    await expect(card(chair, worry).get_by_test_id("card-text")).to_be_focused()
    await expect(family.get_by_test_id("announcer")).to_contain_text(
        "A withdrawn card was put back in"
    )
    await observer.wait_for(lambda: "withdrawn" not in observer.items[worry])
    assert observer.cards()[worry] == WORRY

    # Deleting for good is the facilitator's, from the withdrawn list, after saying yes; the
    # goal then says its worry was deleted, also on a screen opened afterwards.
    await (await open_options(chair, worry)).get_by_test_id("card-withdraw").click()
    chair_dialog = chair.get_by_test_id("confirm-dialog")
    await chair_dialog.get_by_test_id("confirm-yes").click()
    await expect(withdrawn(family, worry)).to_be_visible()
    await withdrawn(chair, worry).get_by_test_id("withdrawn-delete").click()
    await expect(chair_dialog).to_have_attribute("data-kind", "forGood")
    assert await serious_violations(chair) == []  # the question itself, open
    await chair_dialog.get_by_test_id("confirm-yes").click()
    await observer.wait_for(lambda: worry not in observer.items)
    await family.reload()
    await expect(family.get_by_test_id("connection-status")).to_have_attribute(
        "data-state", "online"
    )
    for page in (family, pro, chair):
        await expect(withdrawn(page, worry)).to_have_count(0)
        line = card(page, goal).get_by_test_id("card-answers-line")
        await expect(line).to_have_text("The worry this answers was deleted.")
        await expect(line).to_have_attribute("data-link", "deleted")

    # Nobody was offered anything the server refused: every screen is still connected.
    for page in (family, pro, chair):
        await expect(page.get_by_test_id("connection-status")).to_have_attribute(
            "data-state", "online"
        )
        await expect(page.get_by_test_id("connection-problem")).to_be_hidden()
    await observer.disconnect()
    for context in (chair_context, family_context, pro_context):
        await context.close()
