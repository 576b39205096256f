"""Room in a meeting (issue 13, "one link can fill the meeting"): only people let in count
toward SAFETYMAP_MAX_PARTICIPANTS, one link holds a bounded number of people in the waiting
room, and "no room" is a close a stock client tries again after (4503), which the facilitator
sees on the meeting page. Real servers, real websockets, SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import RunningServer, running_server
from tests.databases import BACKENDS, migrated_postgresql
from tests.waiting import eventually
from tests.webclient import Browser
from tests.yclient import YClient

NO_ROOM = 4503


@contextlib.asynccontextmanager
async def capacity_server(
    backend: str, tmp_path: Path, **settings: str
) -> AsyncIterator[RunningServer]:
    if backend == "sqlite":
        async with running_server(tmp_path / "data", **settings) as server:
            yield server
        return
    async with (
        migrated_postgresql(tmp_path) as (url, _admin),
        running_server(tmp_path / "data", SAFETYMAP_DATABASE_URL=url, **settings) as server,
    ):
        yield server


class Owner:
    """The facilitator's account: an API token and a signed-in browser."""

    def __init__(self, server: RunningServer, token: str, browser: Browser) -> None:
        self.server = server
        self.api = httpx.AsyncClient(
            base_url=server.address, headers={"Authorization": f"Bearer {token}"}
        )
        self.browser = browser

    async def meeting(self, waiting_room: bool = True) -> dict[str, Any]:
        body = {"title": "Room test", "waitingRoom": waiting_room}
        created = (await self.api.post("/api/meetings", json=body)).json()
        tokens = {role: url.rsplit("/", 1)[1] for role, url in created["links"].items()}
        return {**created, "tokens": tokens}

    async def people(self, meeting_id: str) -> list[dict[str, Any]]:
        listed = await self.api.get(f"/api/meetings/{meeting_id}/participants")
        assert listed.status_code == 200, listed.text
        return list(listed.json()["participants"])

    async def act(self, meeting_id: str, person: dict[str, Any], action: str) -> httpx.Response:
        return await self.api.post(
            f"/api/meetings/{meeting_id}/participants/{person['id']}/{action}"
        )

    async def page(self, meeting_id: str, query: str = "") -> str:
        page = await self.browser.get(f"/meetings/{meeting_id}{query}")
        assert page.status_code == 200
        return page.text


@contextlib.asynccontextmanager
async def owner_of(server: RunningServer) -> AsyncIterator[Owner]:
    accounts = server.services.accounts
    account = await accounts.add("sam@example.org", "Sam Chair", "a long enough secret")
    token = await accounts.create_api_token(account)
    async with Browser(server) as browser:
        await browser.submit(
            "/login", {"email": "sam@example.org", "password": "a long enough secret"}
        )
        owner = Owner(server, token, browser)
        try:
            yield owner
        finally:
            await owner.api.aclose()


def person(
    server: RunningServer, meeting: dict[str, Any], role: str, name: str, relationship: str = ""
) -> YClient:
    client = YClient(server.ws_url, meeting["id"], meeting["tokens"][role], name=name)
    if relationship:
        client.url += f"&relationship={relationship}"
    return client


async def knock(client: YClient) -> int | None:
    """Open the socket once: None if it synced (in), else the close code."""
    await client.connect()
    await client.wait_for(lambda: client.synced.is_set() or client.closed.is_set())
    return None if client.synced.is_set() else client.close_code


async def keeps_trying(client: YClient) -> list[int]:
    """What a stock y-websocket provider does: after a 45xx close it connects again, until it
    is in; a 44xx close is permanent (it stops, and so does this). The closes it went through."""
    seen: list[int] = []
    while (code := await knock(client)) is not None:
        seen.append(code)
        if 4400 <= code < 4500:
            return seen  # a stock client gives up here
        await asyncio.sleep(0.1)  # its backoff before the next try
    return seen


def notice(page: str, testid: str) -> str:
    """The text of the meeting page's notice with this data-testid ("" if none)."""
    marker = f'data-testid="{testid}">'
    return page.split(marker, 1)[1].split("</p>", 1)[0] if marker in page else ""


@pytest.mark.parametrize("backend", BACKENDS)
async def test_one_link_under_many_names_fills_only_its_own_waiting_room(
    backend: str, tmp_path: Path
) -> None:
    """The measured attack: the family link opened under 110 invented names, with the default
    limits but for the joins per link (which would tell most of them to retry, 4529, before
    any lookup: tests/integration/test_link_limits.py). 20 wait, 90 are told to try again (4503) and
    nothing is kept of them; the meeting has all its places. The real family member keeps
    trying, and gets in once the facilitator has turned the invented names away and let her in."""
    unlimited = {"SAFETYMAP_LINK_JOIN_LIMIT": "0/1"}
    async with (
        capacity_server(backend, tmp_path, **unlimited) as server,
        owner_of(server) as owner,
    ):
        meeting = await owner.meeting()
        mid = str(meeting["id"])
        chair = person(server, meeting, "facilitator", "Sam")
        assert await knock(chair) is None
        invented = [person(server, meeting, "family", f"Invented {i}") for i in range(110)]
        codes: list[int | None] = []
        for batch in range(0, 110, 10):
            codes += await asyncio.gather(*(knock(c) for c in invented[batch : batch + 10]))
        assert Counter(codes) == {4510: 20, NO_ROOM: 90}, Counter(codes)
        refused = [c for c, code in zip(invented, codes, strict=True) if code == NO_ROOM]
        assert all("waiting on this link" in c.close_reason for c in refused)
        people = await owner.people(mid)
        assert Counter(p["admission"] for p in people) == {"waiting": 20, "admitted": 1}
        # Through the browser's join page too, the link's waiting room is full.
        family_link = meeting["tokens"]["family"]
        async with Browser(server) as browser:
            joined = await browser.submit(f"/join/{family_link}", {"name": "Invented browser"})
            assert joined.status_code == 400
        assert len(await owner.people(mid)) == 21
        page = await owner.page(mid)
        crowded = notice(page, "link-crowded")
        assert "20 people are waiting on the link for Family and their network" in crowded
        assert not notice(page, "meeting-full")

        # The real family member: told to try again, not that the meeting is closed to her.
        jo = person(server, meeting, "family", "Jo", "mum")
        assert await knock(jo) == NO_ROOM
        trying = asyncio.create_task(keeps_trying(jo))
        waiting = [p for p in people if p["admission"] == "waiting"]
        turned = await asyncio.gather(*(owner.act(mid, p, "reject") for p in waiting))
        assert {r.status_code for r in turned} == {200}

        async def jo_waits() -> bool:
            return any(p["name"] == "Jo" for p in await owner.people(mid))

        await eventually(jo_waits, timeout=10)
        [found] = [p for p in await owner.people(mid) if p["name"] == "Jo"]
        assert found["admission"] == "waiting" and found["relationship"] == "mum"
        assert (await owner.act(mid, found, "admit")).status_code == 200
        closes = await asyncio.wait_for(trying, 10)
        assert closes and set(closes) <= {NO_ROOM, 4510}, closes  # only "try again" on the way
        jo.add_card("c1", "strengths", "We walk to school together")
        await chair.wait_for(lambda: chair.cards() == {"c1": "We walk to school together"})
        # Turned away is still turned away: that name's link no longer works for it.
        again = invented[codes.index(4510)]
        assert await knock(again) == 4401
        for client in (chair, jo):
            await client.disconnect()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_full_meeting_keeps_people_waiting_and_says_try_again(
    backend: str, tmp_path: Path
) -> None:
    """A meeting that takes three. Waiting needs no place (the shared screen waits too);
    letting someone in while it is full leaves them waiting, and the page says why. In a
    meeting without a waiting room a newcomer is told to try again (4503), and gets in once
    someone is taken out. Turning someone away frees no place in the meeting; the
    facilitator is never kept out."""
    settings = {"SAFETYMAP_MAX_PARTICIPANTS": "3"}
    async with capacity_server(backend, tmp_path, **settings) as server, owner_of(server) as owner:
        meeting = await owner.meeting()
        mid = str(meeting["id"])

        def named(people: list[dict[str, Any]], name: str) -> dict[str, Any]:
            [found] = [p for p in people if p["name"] == name]
            return found

        async def let_in(name: str) -> None:
            assert (await owner.act(mid, named(await owner.people(mid), name), "admit")).is_success

        chair = person(server, meeting, "facilitator", "Sam")
        screen = person(server, meeting, "viewer", "Screen")
        assert await knock(chair) is None and await knock(screen) == 4510
        await let_in("Screen")
        assert await knock(screen) is None
        jo = person(server, meeting, "family", "Jo")
        assert await knock(jo) == 4510
        await let_in("Jo")
        assert await knock(jo) is None  # three let in: full
        kim = person(server, meeting, "family", "Kim")
        assert await knock(kim) == 4510  # waiting takes no place
        late = person(server, meeting, "viewer", "Screen 2")
        assert await knock(late) == 4510  # nor does a second screen's
        page = await owner.page(mid)
        assert "3 people are in, the most it can take" in notice(page, "meeting-full")
        # "Let in" on the page: Kim stays waiting, and the page says the meeting is full.
        admit = f"/meetings/{mid}/people/{named(await owner.people(mid), 'Kim')['id']}/admit"
        answer = await owner.browser.submit(f"/meetings/{mid}", {}, action=admit)
        assert answer.status_code == 303 and "full=1" in answer.headers["location"]
        assert "the meeting is full" in notice(await owner.page(mid, "?full=1"), "not-let-in")
        refused = await owner.act(mid, named(await owner.people(mid), "Kim"), "admit")
        assert refused.status_code == 409
        assert named(await owner.people(mid), "Kim")["admission"] == "waiting"
        assert await knock(kim) == 4510
        # Turning Kim away frees nothing in the meeting, and Kim stays out.
        assert (await owner.act(mid, named(await owner.people(mid), "Kim"), "reject")).is_success
        assert (
            await owner.act(mid, named(await owner.people(mid), "Screen 2"), "admit")
        ).status_code == 409
        assert await knock(kim) == 4401
        # The facilitator is never kept out (four let in now).
        co_chair = person(server, meeting, "facilitator", "Co-chair")
        assert await knock(co_chair) is None
        # Taking people out frees their places: the second screen can be let in.
        assert (await owner.act(mid, named(await owner.people(mid), "Jo"), "remove")).is_success
        await jo.wait_closed()
        assert jo.close_code == 4401
        assert (
            await owner.act(mid, named(await owner.people(mid), "Screen 2"), "admit")
        ).status_code == 409  # three still in
        assert (await owner.act(mid, named(await owner.people(mid), "Screen"), "remove")).is_success
        await let_in("Screen 2")
        assert await knock(late) is None
        admitted = [p for p in await owner.people(mid) if p["admission"] == "admitted"]
        assert sorted(p["name"] for p in admitted) == ["Co-chair", "Sam", "Screen 2"]
        assert not notice(await owner.page(mid), "not-let-in")

        # Without a waiting room, a newcomer to a full meeting is told to try again (4503,
        # not 4403, which would stop it), and gets in once someone is taken out.
        open_meeting = await owner.meeting(waiting_room=False)
        oid = str(open_meeting["id"])
        first = [person(server, open_meeting, "viewer", f"Screen {i}") for i in range(3)]
        assert [await knock(c) for c in first] == [None, None, None]
        later = person(server, open_meeting, "viewer", "Screen 4")
        assert await knock(later) == NO_ROOM and "full" in later.close_reason
        trying = asyncio.create_task(keeps_trying(later))
        [out] = [p for p in await owner.people(oid) if p["name"] == "Screen 0"]
        assert (await owner.act(oid, out, "remove")).is_success
        closes = await asyncio.wait_for(trying, 10)
        assert set(closes) <= {NO_ROOM}, closes
        for client in (chair, co_chair, late, screen, later, *first):
            if not client.closed.is_set():
                await client.disconnect()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_limit_holds_when_people_are_let_in_and_join_at_once(
    backend: str, tmp_path: Path
) -> None:
    """Eight family members and six shared screens wait (every link but the facilitator's
    does), and are all let in through the API at the same moment, while more screens open
    their link, into a meeting that takes four: exactly four get in."""
    settings = {"SAFETYMAP_MAX_PARTICIPANTS": "4"}
    async with capacity_server(backend, tmp_path, **settings) as server, owner_of(server) as owner:
        meeting = await owner.meeting()
        mid = str(meeting["id"])
        family = [person(server, meeting, "family", f"Person {i}") for i in range(8)]
        screens = [person(server, meeting, "viewer", f"Screen {i}") for i in range(6)]
        assert await asyncio.gather(*(knock(c) for c in family + screens)) == [4510] * 14
        waiting = await owner.people(mid)
        more = [person(server, meeting, "viewer", f"Screen {i}") for i in range(6, 9)]
        answers, joins = await asyncio.gather(
            asyncio.gather(*(owner.act(mid, p, "admit") for p in waiting)),
            asyncio.gather(*(knock(c) for c in more)),
        )
        assert {a.status_code for a in answers} <= {200, 409}
        assert set(joins) == {4510}, joins  # they wait, and take no place
        assert sum(a.status_code == 200 for a in answers) == 4, answers
        people = await owner.people(mid)
        assert sum(p["admission"] == "admitted" for p in people) == 4
