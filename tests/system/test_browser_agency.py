"""A professional's agency in a real browser (Debian's Chromium): the join page asks which
service they are from and will not let them in without an answer (with an error summary that
links to the question), and then everyone's board names them with it, in the roster and on
the cards they write ("Written by DC Dana Reid, Police")."""

from __future__ import annotations

import re

from playwright.async_api import Browser, expect

from tests.browser import chromium, new_page  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.system.test_browser_a11y import serious_violations
from tests.system.test_browser_board import add_card, board_online, card, join, sign_in


async def test_a_professional_names_their_service_and_the_board_shows_it(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    meeting = await server.meeting("Planning for Leo (fictional)")
    links = meeting["links"]
    pro_context, pro = await new_page(chromium, server.address, bypass_csp=True)
    await pro.goto(links["professional"])
    await pro.get_by_label("Your name").fill("DC Dana Reid")
    await pro.get_by_role("button", name="Join the meeting").click()
    # Not in without a service: the summary says so and takes them to the question.
    summary = pro.get_by_role("alert")
    await expect(summary).to_contain_text("Choose which service you are from")
    assert await serious_violations(pro) == []
    await summary.get_by_role("link", name="Choose which service you are from").click()
    await expect(pro).to_have_url(f"{links['professional']}#agency_choice")
    await expect(pro.get_by_label("Your name")).to_have_value("DC Dana Reid")
    await pro.get_by_text("Police", exact=True).click()  # the whole label is the target
    await expect(pro.get_by_label("Police", exact=True)).to_be_checked()
    await pro.get_by_role("button", name="Join the meeting").click()
    # The browser keeps the error link's fragment across the redirect (as for "#name").
    await pro.wait_for_url(re.compile(r"/m/[^/?#]+(#agency_choice)?$"))
    await board_online(pro)

    family_context, family = await new_page(chromium, server.address)
    await join(family, links["family"], "Jo", "Mum")
    roster = family.get_by_test_id("roster-list")
    await expect(roster).to_contain_text("DC Dana Reid, Police (Professional)")
    await expect(roster).to_contain_text("Jo, Family (Mum)")
    worry = await add_card(pro, "danger", "Leo could be hurt if the arguments carry on")
    await expect(card(family, worry).get_by_test_id("card-by")).to_have_text(
        "Written by DC Dana Reid, Police"
    )
    # The name cache in the document keeps it once she has gone.
    await pro_context.close()
    await expect(roster).not_to_contain_text("DC Dana Reid")
    await expect(card(family, worry).get_by_test_id("card-by")).to_have_text(
        "Written by DC Dana Reid, Police"
    )
    await family_context.close()


async def test_the_facilitator_records_agreement_on_the_meeting_page(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    """Read back and agree: the meeting page lists each person let in, with their service,
    and records what they said from the keyboard or a tap; it can be changed until the end."""
    chair_context, chair = await sign_in(chromium, server, bypass_csp=True)
    await chair.get_by_label("Meeting title").fill("Planning for Leo (fictional)")
    await chair.get_by_label("Use a waiting room").uncheck()
    await chair.get_by_role("button", name="Create meeting").click()
    await expect(chair.get_by_role("heading", name="Planning for Leo (fictional)")).to_be_visible()
    pro_link = await chair.locator("#url-professional").input_value()
    family_link = await chair.locator("#url-family").input_value()
    pro_context, pro = await new_page(chromium, server.address)
    await join(pro, pro_link, "DC Dana Reid", agency="Police")
    family_context, family = await new_page(chromium, server.address)
    await join(family, family_link, "Jo", "Mum")

    await chair.reload()
    section = chair.get_by_test_id("agreement")
    dana = section.get_by_role("group", name="DC Dana Reid, Police")
    await expect(dana).to_be_visible()
    assert await serious_violations(chair) == []
    await dana.get_by_label("Did not agree").check()
    await dana.get_by_label("Their words (optional)").fill("Not until the school has been asked")
    await section.get_by_role("button", name="Save what DC Dana Reid said").click()
    await expect(dana.get_by_test_id("agreement-recorded")).to_have_text(
        "Recorded: did not agree · “Not until the school has been asked”"
    )
    jo = section.get_by_role("group", name="Jo (Mum)")
    await jo.get_by_label("Agreed the plan").focus()
    await chair.keyboard.press("Space")
    await section.get_by_role("button", name="Save what Jo said").press("Enter")
    await expect(jo.get_by_test_id("agreement-recorded")).to_have_text("Recorded: agreed the plan")
    await expect(dana.get_by_label("Did not agree")).to_be_checked()  # kept, as recorded
    for context in (chair_context, pro_context, family_context):
        await context.close()
