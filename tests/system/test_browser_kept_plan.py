"""Issue 18, "The family keeps the plan", in real Chromium on a phone: a parent who was let in
opens her link again after the meeting ended and reads the agreed plan (read-only, large
targets, no serious accessibility violations) and downloads it as a PDF; the same link
forwarded to another browser shows nothing of the meeting. Names and cards are fictional."""

from __future__ import annotations

from pathlib import Path

import httpx
from playwright.async_api import Browser, expect

from tests.browser import chromium, new_page, screenshot  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.integration.test_api_meetings import api_token
from tests.integration.test_kept_plan import pdf_text
from tests.system.test_browser_a11y import serious_violations
from tests.system.test_browser_board import join
from tests.waiting import within

PHONE = {"viewport": {"width": 360, "height": 800}, "is_mobile": True, "has_touch": True}
AGREED = "Mum walks Mia to nursery every morning"
NOTES = "Police note: the bail conditions end in March"


async def test_a_parent_reads_and_downloads_the_plan_after_the_end(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
    tmp_path: Path,
) -> None:
    owner = {"Authorization": f"Bearer {await api_token(server)}"}
    async with httpx.AsyncClient(base_url=server.address, headers=owner) as http:
        created = await http.post(
            "/api/meetings", json={"title": "Planning for Mia", "waitingRoom": False}
        )
        assert created.status_code == 201, created.text
        meeting = created.json()
        meeting["tokens"] = {r: u.rsplit("/", 1)[1] for r, u in meeting["links"].items()}
        family_link = meeting["links"]["family"]

        # Jo joins from her phone; the chair writes on the map and in the professionals' notes.
        jo_context, jo = await new_page(chromium, server.address, bypass_csp=True, **PHONE)
        await join(jo, family_link, "Jo", "Mum")
        chair = await server.client(meeting, "facilitator", name="Sam")
        notes = await server.client(meeting, "facilitator", layer="professional", name="Sam")
        await within(chair.synced.wait(), 20, "the chair's map synced")
        await within(notes.synced.wait(), 20, "the chair's notes synced")
        chair.add_card("agreed", "safety", AGREED)
        notes.add_card("notes", "complicating", NOTES)
        # Jo's board announces it (so it is saved: relayed only once in the log).
        announced = jo.get_by_text("Someone added a card to What already keeps the child safe")
        await expect(announced).to_be_attached(timeout=15_000)
        await notes.wait_for(lambda: "notes" in notes.cards())
        await server.services.journal.flush()
        for client in (chair, notes):
            await client.disconnect()
        ended = await http.post(f"/api/meetings/{meeting['id']}/end")
        assert ended.status_code == 200, ended.text

    # Later, the same phone opens the link from her messages again.
    await jo.goto(family_link)
    await expect(jo).to_have_url(f"{server.address}/m/{meeting['id']}/kept")
    await expect(jo.get_by_role("heading", name="Planning for Mia")).to_be_visible()
    ended = "This is the plan as it stood when the meeting ended"
    await expect(jo.get_by_test_id("kept-agreed")).to_contain_text(ended)
    await expect(jo.get_by_test_id("kept-agreed")).to_contain_text("nobody can change it")
    await expect(jo.get_by_text(AGREED)).to_be_visible()
    await expect(jo.get_by_text(NOTES)).to_have_count(0)
    await expect(jo.get_by_role("textbox")).to_have_count(0)  # nothing to edit
    download = jo.get_by_test_id("kept-pdf")
    box = await download.bounding_box()
    assert box is not None and box["height"] >= 44 and box["x"] + box["width"] <= 360
    found = await serious_violations(jo)
    assert not found, "\n".join(found)
    await screenshot(jo, "kept-plan-phone")
    async with jo.expect_download() as downloading:
        await download.click()
    saved = tmp_path / "plan.pdf"
    await (await within(downloading.value, 20, "the PDF downloaded")).save_as(saved)
    text = pdf_text(saved.read_bytes())
    assert AGREED in text and NOTES not in text

    # The link forwarded to another phone: nothing of the meeting.
    other_context, other = await new_page(chromium, server.address, **PHONE)
    await other.goto(family_link)
    await expect(other.get_by_role("heading", name="This link does not work")).to_be_visible()
    await expect(other.get_by_text("Planning for Mia")).to_have_count(0)
    await other.goto(f"/m/{meeting['id']}/kept")
    await expect(other.get_by_role("heading", name="This link does not work")).to_be_visible()
    for context in (other_context, jo_context):
        await context.close()
