"""Issue 18, "The family keeps the plan": after the meeting ends, someone who was let in by the
family or professional link opens their own link again, in the browser they joined from, and
reads the plan as agreed (read-only) and downloads it as a PDF, for SAFETYMAP_LINK_DAYS after
the end: family members the family copy only, professionals the full record. Everyone else (a
forwarded link, someone never let in, turned away or taken out, the shared screen) gets the
page a wrong link gets. Real servers, real HTTP clients with real cookies, real websockets,
SQLite and PostgreSQL; the names and cards are fictional."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from server.services import KEPT_PAGE_RATE, KEPT_PDF_RATE
from server.store import audit, now
from server.store.schema import meetings
from tests.conftest import RunningServer
from tests.databases import BACKENDS
from tests.integration.test_meeting_capacity import Owner, capacity_server, owner_of
from tests.integration.test_participant_keys import board_socket, join, knock, link
from tests.waiting import within
from tests.webclient import Browser

SHARED = "Grandma Dee collects Mia from nursery on Fridays"  # on the shared map
NOTES = "Police note: the bail conditions end in March"  # professionals only
WRONG = "/join/" + "A" * 43  # a token nobody was given


def pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


@dataclass
class Ended:
    """An ended meeting with a card on each layer; Jo (family) and Alex (professional) were
    let in from their own browsers."""

    server: RunningServer
    owner: Owner
    meeting: dict[str, Any]
    jo: Browser
    alex: Browser

    @property
    def id(self) -> str:
        return str(self.meeting["id"])

    async def person(self, name: str) -> dict[str, Any]:
        [found] = [p for p in await self.owner.people(self.id) if p["shownAs"] == name]
        return found

    async def let_in(self, name: str) -> None:
        assert (await self.owner.act(self.id, await self.person(name), "admit")).is_success

    async def end(self) -> None:
        ended = await self.owner.api.post(f"/api/meetings/{self.id}/end")
        assert ended.status_code == 200, ended.text


@contextlib.asynccontextmanager
async def meeting_with_a_plan(
    server: RunningServer, *, end: bool = True, **joins: Browser
) -> AsyncIterator[Ended]:
    """Jo and Alex join and are let in; the chair writes a card on each layer, which Jo and
    Alex each see (so it is in the log); the meeting ends (unless `end=False`). `joins`: more
    browsers that join by a link before the end (name -> browser; left waiting)."""
    async with owner_of(server) as owner, Browser(server) as jo, Browser(server) as alex:
        meeting = await owner.meeting()
        plan = Ended(server, owner, meeting, jo, alex)
        assert "Please wait" in await join(jo, link(meeting, "family"), "Jo", "Mum")
        assert "Please wait" in await join(alex, link(meeting, "professional"), "Alex")
        await plan.let_in("Jo")
        await plan.let_in("Alex")
        for name, browser in joins.items():
            assert "Please wait" in await join(browser, link(meeting, "family"), name)
        jo_map = board_socket(server, jo, plan.id)
        alex_notes = board_socket(server, alex, f"{plan.id}/professional")
        chair = await server.client(meeting, "facilitator", name="Sam")
        chair_notes = await server.client(meeting, "facilitator", layer="professional")
        try:
            assert await knock(jo_map) is None and await knock(alex_notes) is None
            await within(chair.synced.wait(), 20, "the chair's map synced")
            await within(chair_notes.synced.wait(), 20, "the chair's notes synced")
            chair.add_card("shared", "strengths", SHARED)
            chair_notes.add_card("notes", "complicating", NOTES)
            # Relayed only once in the log: the snapshot will hold both.
            await jo_map.wait_for(lambda: "shared" in jo_map.cards())
            await alex_notes.wait_for(lambda: "notes" in alex_notes.cards())
            if end:
                await plan.end()
            yield plan
        finally:
            for client in (jo_map, alex_notes, chair, chair_notes):
                await client.disconnect()


async def not_working(browser: Browser, *paths: str) -> None:
    """Each of `paths` answers exactly as a link nobody was given does."""
    wrong = await browser.get(WRONG)
    assert wrong.status_code == 404 and "This link does not work" in wrong.text
    for path in paths:
        got = await browser.get(path)
        assert (got.status_code, got.text) == (404, wrong.text), path


def everywhere(plan: Ended, role: str) -> tuple[str, ...]:
    """Every way to the plan: the link, the board, the kept page and its PDF."""
    return (
        link(plan.meeting, role),
        f"/m/{plan.id}",
        f"/m/{plan.id}/kept",
        f"/m/{plan.id}/kept.pdf",
    )


async def keeps(browser: Browser, meeting: dict[str, Any], role: str) -> httpx.Response:
    """The browser opens its link again: taken to its kept plan."""
    opened = await browser.get(link(meeting, role))
    assert opened.status_code == 303, opened.text
    assert opened.headers["location"] == f"/m/{meeting['id']}/kept"
    page = await browser.get(opened.headers["location"])
    assert page.status_code == 200, page.text
    return page


@pytest.fixture(params=BACKENDS)
async def server(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with capacity_server(request.param, tmp_path) as running:
        yield running


async def test_a_family_member_keeps_the_family_copy_in_the_same_browser(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with meeting_with_a_plan(server) as plan:
        page = await keeps(plan.jo, plan.meeting, "family")
        assert "This is the plan as it stood when the meeting ended, on" in page.text
        assert "nobody can change it" in page.text
        assert SHARED in page.text and NOTES not in page.text
        assert "board.js" not in page.text and "<form" not in page.text  # read-only
        headers = page.headers
        assert headers["cache-control"] == "no-store"
        assert headers["referrer-policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        # The board's address takes them there too.
        board = await plan.jo.get(f"/m/{plan.id}")
        assert (board.status_code, board.headers["location"]) == (303, f"/m/{plan.id}/kept")

        pdf = await plan.jo.get(f"/m/{plan.id}/kept.pdf")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        assert pdf.headers["cache-control"] == "no-store"
        text = pdf_text(pdf.content)
        assert SHARED in text and "Family copy" in text and NOTES not in text
        assert "-family.pdf" in pdf.headers["content-disposition"]
        trail = await audit.for_meeting(server.services.store.engine, plan.id)
        [exported] = [e.event for e in trail if e.event.action == audit.EXPORT]
        jo = await plan.person("Jo")
        assert (exported.actor.id, exported.actor.label) == (jo["id"], "family")
        assert exported.details["variant"] == "family" and exported.details["snapshot"] == 1

        # The browser was closed (its session cookie is gone); the key its link's join page
        # holds still knows it.
        plan.jo.http.cookies.delete("sm_joined")
        assert (await plan.jo.get(f"/m/{plan.id}/kept")).status_code == 404
        await keeps(plan.jo, plan.meeting, "family")
    # The server's own lines and uvicorn's (database drivers are held at WARNING when served:
    # tests/integration/test_logs.py) never carry the card text.
    ours = [r.getMessage() for r in caplog.records if r.name.split(".")[0] in {"server", "uvicorn"}]
    assert ours and not [line for line in ours if SHARED in line or NOTES in line]


async def test_a_professional_keeps_the_full_record(server: RunningServer) -> None:
    async with meeting_with_a_plan(server) as plan:
        page = await keeps(plan.alex, plan.meeting, "professional")
        assert SHARED in page.text and NOTES in page.text and "professionals only" in page.text
        pdf = await plan.alex.get(f"/m/{plan.id}/kept.pdf")
        assert pdf.status_code == 200
        text = pdf_text(pdf.content)
        assert SHARED in text and NOTES in text and "Family copy" not in text
        # Jo's cookies name Jo, in this meeting only: nothing of Alex's copy.
        assert NOTES not in (await keeps(plan.jo, plan.meeting, "family")).text


async def test_one_participant_cannot_keep_the_server_rendering(server: RunningServer) -> None:
    """Each download renders a PDF (about a second of CPU): past the burst a participant waits,
    and someone else's download is not held up by it."""
    async with meeting_with_a_plan(server) as plan:
        burst = KEPT_PDF_RATE.count
        for _ in range(burst):
            assert (await plan.jo.get(f"/m/{plan.id}/kept.pdf")).status_code == 200
        refused = await plan.jo.get(f"/m/{plan.id}/kept.pdf")
        assert refused.status_code == 429
        assert 0 < int(refused.headers["retry-after"]) <= 60
        assert "Try again in a minute" in refused.text
        assert (await plan.alex.get(f"/m/{plan.id}/kept.pdf")).status_code == 200


async def test_one_participant_cannot_keep_the_server_reading_the_plan(
    server: RunningServer,
) -> None:
    """Each view of the page reads the snapshot and renders the copy: past the burst a
    participant waits (429, before any of that work), and nobody else does."""
    async with meeting_with_a_plan(server) as plan:
        for _ in range(KEPT_PAGE_RATE.count):
            assert (await plan.jo.get(f"/m/{plan.id}/kept")).status_code == 200
        refused = await plan.jo.get(f"/m/{plan.id}/kept")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert SHARED not in refused.text
        assert (await plan.alex.get(f"/m/{plan.id}/kept")).status_code == 200


async def test_nobody_else_gets_anything_after_the_end(server: RunningServer) -> None:
    """A forwarded link, someone still waiting, turned away, taken out, and the shared screen:
    the same answer as a wrong link, on every way in."""
    async with (
        Browser(server) as forwarded,
        Browser(server) as kim,
        Browser(server) as lee,
        Browser(server) as pat,
        Browser(server) as screen,
        meeting_with_a_plan(server, end=False, Kim=kim, Lee=lee, Pat=pat) as plan,
    ):
        assert "Please wait" in await join(screen, link(plan.meeting, "viewer"), "Screen")
        await plan.let_in("Pat")
        await plan.let_in("Screen")
        assert (await plan.owner.act(plan.id, await plan.person("Pat"), "remove")).is_success
        assert (await plan.owner.act(plan.id, await plan.person("Lee"), "reject")).is_success
        await plan.end()
        await keeps(plan.jo, plan.meeting, "family")  # the plan is kept, by Jo
        for browser, role in (
            (forwarded, "family"),  # never opened the link before the end
            (kim, "family"),  # waiting when it ended
            (lee, "family"),  # turned away
            (pat, "family"),  # taken out
            (screen, "viewer"),  # the shared screen, let in
        ):
            await not_working(browser, *everywhere(plan, role))
        # Someone else's cookie in a forwarded browser is still not theirs: the join cookie
        # names Jo only when signed by this server, and the key only on Jo's link.
        forwarded.http.cookies.set("sm_joined", "forged", path="/")
        await not_working(forwarded, f"/m/{plan.id}/kept")


async def test_the_facilitator_can_still_take_someone_out_after_the_end(
    server: RunningServer,
) -> None:
    async with meeting_with_a_plan(server) as plan:
        await keeps(plan.jo, plan.meeting, "family")
        await keeps(plan.alex, plan.meeting, "professional")
        assert (await plan.owner.act(plan.id, await plan.person("Jo"), "remove")).is_success
        revoked = await plan.owner.api.post(f"/api/meetings/{plan.id}/links/professional/revoke")
        assert revoked.status_code == 200, revoked.text
        for browser, role in ((plan.jo, "family"), (plan.alex, "professional")):
            await not_working(browser, *everywhere(plan, role))


async def test_the_plan_is_kept_for_link_days_after_the_end_then_only_the_account_has_it(
    server: RunningServer,
) -> None:
    async with meeting_with_a_plan(server) as plan:
        await keeps(plan.jo, plan.meeting, "family")
        days = server.settings.link_days
        # The end, moved back: one minute short of SAFETYMAP_LINK_DAYS ago, then just past.
        for ago, kept in ((timedelta(days=days, minutes=-1), True), (timedelta(days=days), False)):
            async with server.services.store.engine.begin() as conn:
                await conn.execute(
                    update(meetings).where(meetings.c.id == plan.id).values(ended_at=now() - ago)
                )
            if kept:
                page = await keeps(plan.jo, plan.meeting, "family")
                assert 'data-testid="kept-until"' in page.text
                continue
            await not_working(plan.jo, *everywhere(plan, "family"))
            await not_working(plan.alex, link(plan.meeting, "professional"))
        # The facilitator's account still has the record.
        record = await plan.owner.browser.get(f"/meetings/{plan.id}/export?format=pdf&family=1")
        assert record.status_code == 200 and SHARED in pdf_text(record.content)


async def test_a_deleted_meeting_leaves_nothing_to_keep(server: RunningServer) -> None:
    async with meeting_with_a_plan(server) as plan:
        await keeps(plan.jo, plan.meeting, "family")
        deleted = await plan.owner.api.delete(f"/api/meetings/{plan.id}")
        assert deleted.status_code == 200, deleted.text
        for browser, role in ((plan.jo, "family"), (plan.alex, "professional")):
            await not_working(browser, *everywhere(plan, role))


async def test_while_the_meeting_is_open_there_is_nothing_to_keep_yet(
    server: RunningServer,
) -> None:
    async with meeting_with_a_plan(server, end=False) as plan:
        board = await plan.jo.get(f"/m/{plan.id}")
        assert board.status_code == 200 and "board.js" in board.text  # the board, as today
        await not_working(plan.jo, f"/m/{plan.id}/kept", f"/m/{plan.id}/kept.pdf")
        await plan.end()
        await keeps(plan.jo, plan.meeting, "family")


async def test_one_participant_renders_one_pdf_at_a_time(server: RunningServer) -> None:
    """The burst is a rate, not a licence to render five at once: a render of a large map
    takes minutes of CPU on the threads room loads share, so a participant whose download
    is still being rendered is told to wait, and their other downloads render nothing."""
    async with meeting_with_a_plan(server) as plan:
        path = f"/m/{plan.id}/kept.pdf"
        got = await asyncio.gather(*(plan.jo.get(path) for _ in range(KEPT_PDF_RATE.count)))
        codes = sorted(r.status_code for r in got)
        assert codes[0] == 200 and 429 in codes, codes
        trail = await audit.for_meeting(server.services.store.engine, plan.id)
        exported = [e for e in trail if e.event.action == audit.EXPORT]
        assert len(exported) == codes.count(200)
        # Once it is done, the next one renders (the burst is not spent by the refusals).
        assert (await plan.jo.get(path)).status_code == 200
        assert (await plan.alex.get(path)).status_code == 200
