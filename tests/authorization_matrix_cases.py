"""What tests/*/test_authorization_matrix.py shares between its tiers (the pure checks in
tests/unit and the ones against a real server)."""

from __future__ import annotations

import contextlib
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
from pycrdt import Doc, Map, Text
from sqlalchemy import update

from server.board.permissions import Layer
from server.store import LogEntry, now
from server.store.schema import links
from tests.conftest import RunningServer
from tests.waiting import eventually
from tests.webclient import CSRF, Browser
from tests.yclient import YClient, new_key

OK, NO, NA = "ok", "denied", "n/a"


ACTIONS = (
    "open_main",  # the shared map's websocket syncs (vs closed 44xx)
    "open_professional",  # the professionals-only layer's websocket syncs
    "edit",  # add a card: an observer sees it (vs 4403, or no connection at all)
    "rate",  # set one's own mark on a scale (an edit of the map too)
    "as_other",  # add a card naming the facilitator watching (someone else) as its author
    "mark_other",  # move someone else's mark on a scale
    "meta",  # change the meeting's title in the map (`meta.title`)
    "delete_other",  # delete a card someone else wrote
    "withdraw_other",  # withdraw a card someone else wrote (it stays, marked withdrawn)
    "restore",  # restore a withdrawn card (take `withdrawn` away)
    "lock",  # POST /api/meetings/{id}/lock
    "end",  # POST /api/meetings/{id}/end
    "export_full",  # GET .../snapshots/1 of an ended meeting: the full record
    "export_family",  # GET .../snapshots/1?variant=family: the family copy
    "audit",  # the meeting page /meetings/{id} with its "Who did what" section
    "revoke",  # POST .../links/viewer/revoke
    "delete",  # DELETE /api/meetings/{id} of an ended meeting with content
)


# The promise (docs/architecture.md "Meetings, links and roles", "HTTP API"). Rows: who;
# columns: ACTIONS; OK = "ok", NO = "denied", NA = "n/a".
# owner: the facilitator's account (API token; a signed-in browser for pages): no websocket.
# removed: a family participant the facilitator took out (their browser's cookies).
# expired: a family link older than SAFETYMAP_LINK_DAYS.
# Issue 14, in a meeting with a waiting room (a typed name is not an identity):
# impostor: a second browser on the professional link types the exact name of a professional
#   who was let in (its own cookies; the link's token is theirs too).
# forwarded_screen: the shared-screen link, opened by a browser nobody let in.
# returning: a family member let in, who opens the link again in the same browser and joins
#   under the same name (their browser's cookies).
# stock_returning: a stock client let in, reconnecting from a new process with its `key=`.
# Issue 14 part 2: writing as someone else is nobody's right, the facilitator's included (a card
# naming another as its author, another's mark: docs/document-model.md, "Who may write what");
# the meeting's details and deleting another's card are the facilitator's.
# Issue 14 part 3: anyone who edits may withdraw another's card (it stays on the record);
# only the facilitator restores one.
# fmt: off
EXPECTED: dict[str, tuple[str, ...]] = {
    #                   mn  pro edt rat aso mko met dlo wdr rst lck end ful fam aud rvk del
    "facilitator":     (OK, OK, OK, OK, NO, NO, OK, OK, OK, OK, OK, OK, OK, OK, NO, OK, NO),
    "owner":           (NA, NA, NA, NA, NA, NA, NA, NA, NA, NA, OK, OK, OK, OK, OK, OK, OK),
    "professional":    (OK, OK, OK, OK, NO, NO, NO, NO, OK, NO, NO, NO, NO, NO, NO, NO, NO),
    "family":          (OK, NO, OK, OK, NO, NO, NO, NO, OK, NO, NO, NO, NO, NO, NO, NO, NO),
    "viewer":          (OK, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO),
    "removed":         (NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO),
    "no_token":        (NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO),
    "other_meeting":   (NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO),
    "expired":         (NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO),
    "impostor":        (NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO),
    "forwarded_screen": (NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO, NO),
    "returning":       (OK, NO, OK, OK, NO, NO, NO, NO, OK, NO, NO, NO, NO, NO, NO, NO, NO),
    "stock_returning": (OK, NO, OK, OK, NO, NO, NO, NO, OK, NO, NO, NO, NO, NO, NO, NO, NO),
}


WAIT = 10.0  # seconds; the machine is shared, and a refusal must have time to show


WAITING = 4510  # held in the waiting room: nothing is sent, nothing accepted


# One server for the module: ninety-odd cells each starting one would cost most of a minute.
@dataclass
class World:
    server: RunningServer
    owner: dict[str, str]  # the owner's API token as a header
    owner_browser: Browser  # the owner signed in, for pages




@dataclass
class Meeting:
    id: str
    tokens: dict[str, str]
    main_mark: str = ""  # text of a card on the shared map
    theirs: str = ""  # text of a card someone else (OTHER) wrote, on the shared map
    pro_mark: str = ""  # text of a card in the professionals-only notes
    observer: YClient | None = None  # the facilitator, watching the shared map


@dataclass
class Subject:
    """One row of the table: how this person calls over HTTP, and opens a websocket."""

    http: httpx.AsyncClient
    headers: dict[str, str]
    websocket: Callable[[str], YClient] | None  # room -> an unconnected client; None: n/a

    async def call(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.request(method, path, headers=self.headers, **kwargs)


@dataclass
class Cell:
    world: World
    stack: contextlib.AsyncExitStack
    clients: list[YClient] = field(default_factory=list)

    @property
    def server(self) -> RunningServer:
        return self.world.server

    async def meeting(self, title: str = "Matrix meeting", waiting_room: bool = False) -> Meeting:
        body = {"title": title, "waitingRoom": waiting_room}
        async with httpx.AsyncClient(base_url=self.server.address, headers=self.world.owner) as h:
            created = await h.post("/api/meetings", json=body)
        assert created.status_code == 201, created.text
        body = created.json()
        tokens = {role: url.rsplit("/", 1)[1] for role, url in body["links"].items()}
        return Meeting(body["id"], tokens)

    async def connect(self, client: YClient) -> YClient:
        """Connect and wait until it is synced or closed, whichever the server decides."""
        self.clients.append(client)
        await client.connect()
        await eventually(lambda: client.synced.is_set() or client.closed.is_set(), WAIT)
        return client

    async def facilitator(self, meeting: Meeting, layer: str = "", name: str = "Sam") -> YClient:
        room = meeting.id + (f"/{layer}" if layer else "")
        client = YClient(self.server.ws_url, room, meeting.tokens["facilitator"], name=name)
        await self.connect(client)
        assert client.synced.is_set() and not client.closed.is_set(), client.close_reason
        return client

    async def seed(self, meeting: Meeting) -> None:
        """A card on each layer and a scale, then the facilitator watching the shared map.

        The content goes straight into the update log (the rooms load from it): it is set-up,
        not under test, and writing it through websockets cost a third of the run.
        """
        meeting.main_mark = f"main-{uuid.uuid4().hex}"
        meeting.pro_mark = f"notes-{uuid.uuid4().hex}"
        meeting.theirs = f"theirs-{uuid.uuid4().hex}"
        main: Doc[Any] = Doc()
        notes: Doc[Any] = Doc()
        main.get("items", type=Map)["seed"] = _card("strengths", meeting.main_mark)
        main.get("items", type=Map)["theirs"] = _card("harm", meeting.theirs, author=OTHER)
        main.get("items", type=Map)["withdrawn"] = _card(
            "danger", f"withdrawn-{uuid.uuid4().hex}", author=OTHER, withdrawn=WITHDREW
        )
        ratings = Map({OTHER: {"value": 3, "reason": "", "at": "2026-05-12T09:00:00Z"}})
        scale = Map({"question": "How safe?", "low": "Not", "high": "Very", "ratings": ratings})
        main.get("scales", type=Map)["s1"] = scale
        notes.get("items", type=Map)["seed"] = _card("complicating", meeting.pro_mark)
        refused = await self.server.services.store.append(
            [
                LogEntry(meeting.id, Layer.MAIN, main.get_update()),
                LogEntry(meeting.id, Layer.PROFESSIONAL, notes.get_update()),
            ]
        )
        assert not refused
        observer = await self.facilitator(meeting, name="Observer")
        assert {"seed", "theirs", "withdrawn"} == set(observer.cards())
        assert _scale(observer) is not None
        meeting.observer = observer

    async def end(self, meeting: Meeting) -> None:
        async with httpx.AsyncClient(base_url=self.server.address, headers=self.world.owner) as h:
            ended = await h.post(f"/api/meetings/{meeting.id}/end")
        assert ended.status_code == 200, ended.text

    async def browser(self) -> Browser:
        return await self.stack.enter_async_context(Browser(self.server))

    async def subject(self, who: str, meeting: Meeting) -> Subject:
        server = self.server

        def stock(token: str, name: str, key: str | bool = True) -> Callable[[str], YClient]:
            return lambda room: YClient(server.ws_url, room, token, name=name, key=key)

        def board(browser: Browser) -> Callable[[str], YClient]:
            """The board's own websocket: no token, the browser's join cookie."""
            return lambda room: YClient(server.ws_url, room, None, cookie=browser.cookie_header())

        def as_browser(browser: Browser) -> Subject:
            csrf = {"X-CSRF-Token": browser.http.cookies["sm_csrf"]}  # so CSRF is not the reason
            return Subject(browser.http, csrf, board(browser))

        if who == "owner":
            return Subject(self.world.owner_browser.http, self.world.owner, None)
        if who == "no_token":

            def bare(room: str) -> YClient:
                client = YClient(server.ws_url, room, "")
                client.url = f"{server.ws_url}/{room}"  # no token, no cookie
                return client

            return Subject((await self.browser()).http, {}, bare)
        if who == "removed":
            token = meeting.tokens["family"]
            browser = await self.browser()
            joined = await _join(browser, token, "Jo")
            assert joined is not None and joined.status_code == 303, "Jo could not join"
            await self._remove(meeting, "Jo")
            return as_browser(browser)
        if who == "impostor":
            token = meeting.tokens["professional"]
            real = await self.browser()
            assert (await _join(real, token, "Ana Example")) is not None
            await self._admit(meeting, "Ana Example")
            impostor = await self.browser()
            joined = await _join(impostor, token, "Ana Example")
            assert joined is not None and joined.status_code == 303
            return as_browser(impostor)
        if who == "forwarded_screen":
            screen = await self.browser()
            joined = await _join(screen, meeting.tokens["viewer"], "Shared screen")
            assert joined is not None and joined.status_code == 303
            return as_browser(screen)
        if who == "returning":
            token = meeting.tokens["family"]
            browser = await self.browser()
            assert (await _join(browser, token, "Jo")) is not None
            await self._admit(meeting, "Jo")
            again = await _join(browser, token, "Jo")  # the link again, the same browser
            assert again is not None and again.status_code == 303
            return as_browser(browser)
        if who == "stock_returning":
            token, key = meeting.tokens["family"], new_key()
            first = YClient(server.ws_url, meeting.id, token, name="Jo", key=key)
            await self.connect(first)
            assert first.close_code == WAITING, first.close_reason
            await self._admit(meeting, "Jo")
            return Subject((await self.browser()).http, {}, stock(token, "Jo", key))
        if who == "other_meeting":
            other = await server.meeting("Another meeting")
            token = other["tokens"]["facilitator"]
            grant = await server.services.store.resolve(token)
            assert grant is not None and grant.meeting_id == other["id"]  # a working link
        elif who == "expired":
            token = meeting.tokens["family"]
            await self._expire(meeting.id, token)
        else:
            token = meeting.tokens[who]
        # A link holder both joins by the link (a join cookie) and sends it as a bearer token.
        browser = await self.browser()
        await _join(browser, token, f"Matrix {who}")
        return Subject(browser.http, {"Authorization": f"Bearer {token}"}, stock(token, who))

    async def _admit(self, meeting: Meeting, name: str) -> None:
        base = f"/api/meetings/{meeting.id}/participants"
        async with httpx.AsyncClient(base_url=self.server.address, headers=self.world.owner) as h:
            people = (await h.get(base)).json()["participants"]
            [person] = [p for p in people if p["name"] == name]
            admitted = await h.post(f"{base}/{person['id']}/admit")
        assert admitted.status_code == 200 and admitted.json()["admission"] == "admitted"

    async def _remove(self, meeting: Meeting, name: str) -> None:
        base = f"/api/meetings/{meeting.id}/participants"
        async with httpx.AsyncClient(base_url=self.server.address, headers=self.world.owner) as h:
            people = (await h.get(base)).json()["participants"]
            [person] = [p for p in people if p["name"] == name]
            assert person["admission"] == "admitted"
            removed = await h.post(f"{base}/{person['id']}/remove")
        assert removed.status_code == 200 and removed.json()["admission"] == "removed"

    async def _expire(self, meeting_id: str, token: str) -> None:
        store = self.server.services.store
        assert await store.resolve(token) is not None  # it worked until now
        too_old = now() - timedelta(days=self.server.settings.link_days + 1)
        async with store.engine.begin() as conn:
            await conn.execute(
                update(links)
                .where(links.c.meeting_id == meeting_id, links.c.role == "family")
                .values(created_at=too_old)
            )


async def _join(browser: Browser, token: str, name: str) -> httpx.Response | None:
    """Join by the link's page, as a browser does; None when the page offers no form."""
    page = await browser.get(f"/join/{token}")
    found = CSRF.search(page.text)
    if page.status_code != 200 or not found:
        return None
    # A professional gives their service (ignored on other links).
    fields = {"csrf": found.group(1), "name": name, "agency_choice": "health"}
    return await browser.http.post(f"/join/{token}", data=fields)


def _card(section: str, text: str, **more: Any) -> Map[Any]:
    return Map({"section": section, "text": Text(text), "order": "a0", **more})


def _scale(client: YClient) -> Map[Any] | None:
    scale = client.doc.get("scales", type=Map).get("s1")
    return scale if isinstance(scale, Map) else None


# Someone else in the meeting: the author of the card "theirs" and of a mark on the scale,
# who also withdrew the card "withdrawn".
OTHER = "someone-else"


WITHDREW = {"by": OTHER, "at": "2026-05-12T09:10:00Z"}


def _rating(client: YClient, who: str) -> object:
    scale = _scale(client)
    ratings = scale.get("ratings") if scale is not None else None
    rating = ratings.get(who) if isinstance(ratings, Map) else None
    return rating.get("value") if isinstance(rating, dict) else None


Outcome = tuple[str, str]


def _ws(client: YClient) -> Outcome:
    reason = f"closed {client.close_code} {client.close_reason!r}"
    if client.synced.is_set() and not client.closed.is_set():
        return OK, "synced"
    code = client.close_code or 0
    if not client.synced.is_set() and (4400 <= code < 4500 or code == WAITING):
        return NO, reason
    return "unclear", f"synced={client.synced.is_set()}, {reason}"


def _http(response: httpx.Response, effect: bool, what: str) -> Outcome:
    evidence = f"HTTP {response.status_code} {response.text[:160]!r}; {what}: {effect}"
    if response.status_code == 200 and effect:
        return OK, evidence
    if response.status_code in (401, 403) and not effect:
        return NO, evidence
    return "unclear", evidence


async def open_layer(cell: Cell, meeting: Meeting, subject: Subject, layer: str) -> Outcome:
    assert subject.websocket is not None
    client = await cell.connect(subject.websocket(meeting.id + (f"/{layer}" if layer else "")))
    outcome, evidence = _ws(client)
    mark = meeting.pro_mark if layer else meeting.main_mark
    if outcome == OK and mark not in client.cards().values():
        return "unclear", "synced, but without the layer's content"
    return outcome, evidence


async def change(
    cell: Cell, meeting: Meeting, subject: Subject, edit: Callable[[YClient], None]
) -> tuple[YClient, Outcome | None]:
    """Open the shared map and make `edit`; an outcome now if the connection was refused."""
    assert subject.websocket is not None
    client = await cell.connect(subject.websocket(meeting.id))
    outcome, evidence = _ws(client)
    if outcome != OK:
        return client, (outcome, f"no connection: {evidence}")
    edit(client)
    return client, None


async def refused(
    cell: Cell, meeting: Meeting, client: YClient, seen: Callable[[YClient], bool]
) -> Outcome:
    """After an edit the observer did not see: refused with 4403, and not on the server."""
    fresh = await cell.facilitator(meeting, name="Checker")
    if client.close_code == 4403 and not seen(fresh):
        return NO, f"closed 4403 {client.close_reason!r}; not on the server"
    return "unclear", f"closed {client.close_code}; on the server: {seen(fresh)}"


async def act_edit(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    mark = f"edit-{uuid.uuid4().hex}"
    client, early = await change(
        cell, meeting, subject, lambda c: c.add_card("new", "strengths", mark)
    )
    if early:
        return early
    observer = meeting.observer
    assert observer is not None

    def seen(c: YClient) -> bool:
        return mark in c.cards().values()

    await eventually(lambda: seen(observer) or client.closed.is_set(), WAIT)
    if seen(observer):
        return OK, "the observer saw the card"
    return await refused(cell, meeting, client, seen)


async def act_rate(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    return await mark(cell, meeting, subject, own=True)


async def act_mark_other(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    return await mark(cell, meeting, subject, own=False)


async def mark(cell: Cell, meeting: Meeting, subject: Subject, own: bool) -> Outcome:
    """Place one's own mark at 7, or move OTHER's from 3 to 7."""
    client, early = await change(cell, meeting, subject, lambda c: None)
    if early:
        return early
    who = await client.whoami() if own else OTHER
    scale = _scale(client)
    assert scale is not None, "the scale was not synced"
    scale["ratings"][who] = {"value": 7, "reason": "", "at": "2026-05-12T09:30:00Z"}
    return await judged(cell, meeting, client, lambda c: _rating(c, who) == 7, "the mark")


async def act_as_other(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    observer = meeting.observer
    assert observer is not None
    facilitator = await observer.whoami()
    text = f"as-other-{uuid.uuid4().hex}"
    client, early = await change(cell, meeting, subject, lambda c: None)
    if early:
        return early
    assert await client.whoami() != facilitator, "the subject is the observer"
    client.items["claimed"] = _card("strengths", text, author=facilitator)
    return await judged(cell, meeting, client, lambda c: text in c.cards().values(), "the card")


async def act_meta(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    title = f"title-{uuid.uuid4().hex}"

    def retitle(client: YClient) -> None:
        client.doc.get("meta", type=Map)["title"] = title

    client, early = await change(cell, meeting, subject, retitle)
    if early:
        return early

    def seen(c: YClient) -> bool:
        return c.doc.get("meta", type=Map).get("title") == title

    return await judged(cell, meeting, client, seen, "the title")


async def act_delete_other(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    client, early = await change(cell, meeting, subject, lambda c: c.items.pop("theirs"))
    if early:
        return early
    return await judged(cell, meeting, client, lambda c: "theirs" not in c.cards(), "the deletion")


async def act_withdraw_other(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    client, early = await change(cell, meeting, subject, lambda c: None)
    if early:
        return early
    me = await client.whoami()
    card = client.items["theirs"]
    card["withdrawn"] = {"by": me, "at": "2026-05-12T09:40:00Z"}

    def seen(c: YClient) -> bool:
        return _withdrawn_by(c, "theirs") == me and "theirs" in c.cards()

    return await judged(cell, meeting, client, seen, "the withdrawal")


async def act_restore(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    client, early = await change(
        cell, meeting, subject, lambda c: c.items["withdrawn"].pop("withdrawn")
    )
    if early:
        return early
    return await judged(
        cell, meeting, client, lambda c: _withdrawn_by(c, "withdrawn") is None, "the restore"
    )


def _withdrawn_by(client: YClient, card_id: str) -> object:
    card = client.items.get(card_id)
    mark = card.get("withdrawn") if isinstance(card, Map) else None
    return mark.get("by") if isinstance(mark, dict) else None


async def judged(
    cell: Cell, meeting: Meeting, client: YClient, seen: Callable[[YClient], bool], what: str
) -> Outcome:
    """After an edit: "ok" once the observer sees it, else it must have been refused."""
    observer = meeting.observer
    assert observer is not None
    await eventually(lambda: seen(observer) or client.closed.is_set(), WAIT)
    if seen(observer):
        return OK, f"the observer saw {what}"
    return await refused(cell, meeting, client, seen)


async def act_lock(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    response = await subject.call("POST", f"/api/meetings/{meeting.id}/lock", json={"locked": True})
    found = await cell.server.services.store.meeting(meeting.id)
    return _http(response, found is not None and found.locked, "locked")


async def act_end(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    response = await subject.call("POST", f"/api/meetings/{meeting.id}/end")
    found = await cell.server.services.store.meeting(meeting.id)
    return _http(response, found is not None and found.status.value == "ended", "ended")


async def export(meeting: Meeting, subject: Subject, family: bool) -> Outcome:
    query = "?variant=family" if family else ""
    response = await subject.call("GET", f"/api/meetings/{meeting.id}/snapshots/1{query}")
    body = response.text
    main, notes = meeting.main_mark in body, meeting.pro_mark in body
    evidence = f"HTTP {response.status_code}; map card: {main}, notes card: {notes}"
    if response.status_code == 200 and main and notes != family:
        return OK, evidence
    if response.status_code in (401, 403) and not (main or notes):
        return NO, evidence
    return "unclear", evidence + f" {body[:160]!r}"


async def act_export_full(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    return await export(meeting, subject, family=False)


async def act_export_family(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    return await export(meeting, subject, family=True)


async def act_audit(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    response = await subject.call("GET", f"/meetings/{meeting.id}")
    section = response.text.partition('data-testid="audit"')[2]
    rows = len(re.findall(r"<tr><td>", section))
    evidence = f"HTTP {response.status_code}; audit section: {bool(section)}, rows: {rows}"
    if response.status_code == 200 and rows:
        return OK, evidence
    if response.status_code != 200 and not section:
        return NO, evidence + f" (location {response.headers.get('location')!r})"
    return "unclear", evidence


async def act_revoke(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    response = await subject.call("POST", f"/api/meetings/{meeting.id}/links/viewer/revoke")
    gone = await cell.server.services.store.resolve(meeting.tokens["viewer"]) is None
    return _http(response, gone, "viewer link revoked")


async def act_delete(cell: Cell, meeting: Meeting, subject: Subject) -> Outcome:
    response = await subject.call("DELETE", f"/api/meetings/{meeting.id}")
    gone = await cell.server.services.store.meeting(meeting.id) is None
    return _http(response, gone, "deleted")


Action = Callable[[Cell, Meeting, Subject], Awaitable[Outcome]]


PERFORM: dict[str, Action] = {
    "open_main": lambda cell, m, s: open_layer(cell, m, s, ""),
    "open_professional": lambda cell, m, s: open_layer(cell, m, s, "professional"),
    "edit": act_edit,
    "rate": act_rate,
    "as_other": act_as_other,
    "mark_other": act_mark_other,
    "meta": act_meta,
    "delete_other": act_delete_other,
    "withdraw_other": act_withdraw_other,
    "restore": act_restore,
    "lock": act_lock,
    "end": act_end,
    "export_full": act_export_full,
    "export_family": act_export_family,
    "audit": act_audit,
    "revoke": act_revoke,
    "delete": act_delete,
}
