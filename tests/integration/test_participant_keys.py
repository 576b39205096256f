"""Issue 14: a typed name is not an identity. A participant comes back by a secret the server
gave their browser (a cookie) or that their stock client sends (`key=`), never by the name
they type: typing an admitted person's exact name on a forwarded link makes nobody that
person. Real server, real websockets, real HTTP; the names are fictional."""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path
from typing import Any

from sqlalchemy import event

from server.store import audit
from tests.conftest import RunningServer, free_port
from tests.integration.test_meeting_capacity import owner_of
from tests.servers import create_meeting, read_log, serve, server_env
from tests.webclient import CSRF, Browser
from tests.yclient import YClient, new_key


async def join(browser: Browser, link: str, name: str, relationship: str = "") -> str:
    """Join by the link's page as a browser does; the page it lands on."""
    fields = {"name": name, **({"relationship": relationship} if relationship else {})}
    fields["agency_choice"] = "health"  # asked of professionals only; ignored on other links
    joined = await browser.submit(link, fields)
    assert joined.status_code == 303, joined.text
    page = await browser.get(joined.headers["location"])
    assert page.status_code == 200
    return page.text


def board_socket(server: RunningServer, browser: Browser, room: str) -> YClient:
    """The board's own websocket: no token, this browser's join cookie."""
    return YClient(server.ws_url, room, None, cookie=browser.cookie_header())


async def knock(client: YClient) -> int | None:
    """Open the socket: None if it synced, else how the server closed it."""
    await client.connect()
    await client.wait_for(lambda: client.synced.is_set() or client.closed.is_set(), 10)
    return None if client.synced.is_set() else client.close_code


def listed(people: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(p["shownAs"], p["admission"]) for p in people]


def shown(people: list[dict[str, Any]], label: str) -> dict[str, Any]:
    [found] = [p for p in people if p["shownAs"] == label]
    return found


def link(meeting: dict[str, Any], role: str) -> str:
    return "/join/" + meeting["tokens"][role]


async def test_typing_an_admitted_persons_name_makes_nobody_that_person(
    server: RunningServer,
) -> None:
    """The attack: a forwarded professional link, and the exact name of a professional who
    was let in. The impostor waits, receives nothing of either layer, and the roster, the
    audit trail and the record's addedBy name only what the real person did."""
    async with owner_of(server) as owner, Browser(server) as ana, Browser(server) as impostor:
        meeting = await owner.meeting()
        mid = str(meeting["id"])
        assert "Please wait" in await join(ana, link(meeting, "professional"), "Ana Example")
        [real] = await owner.people(mid)
        assert (await owner.act(mid, real, "admit")).is_success
        ana_main = board_socket(server, ana, mid)
        ana_notes = board_socket(server, ana, f"{mid}/professional")
        assert await knock(ana_main) is None and await knock(ana_notes) is None
        ana_main.add_card("ana-card", "strengths", "Gran collects Leo on Fridays")
        ana_notes.add_card("ana-note", "complicating", "Health visitor to call on Monday")

        # The impostor's browser types the same name: it waits, and gets no board.
        page = await join(impostor, link(meeting, "professional"), "Ana Example")
        assert "Please wait" in page and "board.js" not in page
        sockets = [
            board_socket(server, impostor, mid),
            board_socket(server, impostor, f"{mid}/professional"),
            # As a stock client: with a key of its own, and with none.
            YClient(server.ws_url, f"{mid}/professional", meeting["tokens"]["professional"],
                    name="Ana Example"),
            YClient(server.ws_url, f"{mid}/professional", meeting["tokens"]["professional"],
                    name="Ana Example", key=False),
        ]  # fmt: skip
        assert [await knock(s) for s in sockets] == [4510] * 4
        assert all(not s.synced.is_set() and s.cards() == {} for s in sockets)
        # A later edit from a socket the server closed goes nowhere.
        sockets[1].add_card("forged", "complicating", "Written by the impostor")

        # The facilitator sees two people who gave that name, apart, and is warned.
        people = await owner.people(mid)
        assert listed(people) == [
            ("Ana Example", "admitted"),
            ("Ana Example (2)", "waiting"),
            ("Ana Example (3)", "waiting"),
            ("Ana Example (4)", "waiting"),
        ]
        assert len({p["id"] for p in people}) == 4
        assert shown(people, "Ana Example")["id"] == real["id"]
        page = await owner.page(mid)
        waiting = page.split('data-testid="waiting"', 1)[1].split("</ul>", 1)[0]
        assert "Ana Example (2)" in waiting and 'data-testid="name-shared"' in waiting

        # The roster, the audit trail and the record: only Ana, for what Ana did.
        roster = await server.services.store.roster(mid)
        assert [p["id"] for p in roster] == [real["id"]], (roster, people)
        trail = await audit.for_meeting(server.services.store.engine, mid)
        joins = [e.event.actor.id for e in trail if e.event.action == audit.JOIN]
        assert joins == [real["id"], real["id"]]  # her two layers, nobody else
        await ana_notes.wait_for(lambda: "ana-note" in ana_notes.cards())
        for client in (ana_main, ana_notes):
            await client.disconnect()
        ended = await owner.api.post(f"/api/meetings/{mid}/end")
        assert ended.status_code == 200, ended.text
        record = (await owner.api.get(f"/api/meetings/{mid}/snapshots/1")).json()["map"]
        cards = {c["id"]: c for section in record["sections"].values() for c in section}
        assert set(cards) == {"ana-card", "ana-note"}  # the impostor's note never landed
        assert {c["addedBy"]["id"] for c in cards.values()} == {real["id"]}
        # (and the owner, who ended it)
        named = [p["id"] for p in record["participants"] if p["name"] == "Ana Example"]
        assert named == [real["id"]] and len(record["participants"]) == 2
        assert "Written by the impostor" not in str(record)


async def test_two_people_with_the_same_name_are_two_participants_listed_apart(
    server: RunningServer,
) -> None:
    """Two browsers, one family link, the same name and relationship: two people, each
    let in (or not) on their own; the facilitator's lists number the second."""
    async with owner_of(server) as owner, Browser(server) as first, Browser(server) as second:
        meeting = await owner.meeting()
        mid = str(meeting["id"])
        for browser in (first, second):
            assert "Please wait" in await join(browser, link(meeting, "family"), "Jo", "Mum")
        people = await owner.people(mid)
        assert listed(people) == [("Jo", "waiting"), ("Jo (2)", "waiting")]
        assert {p["relationship"] for p in people} == {"Mum"} and people[0]["id"] != people[1]["id"]
        assert all(p["joinedAt"] for p in people)
        page = await owner.page(mid)
        waiting = page.split('data-testid="waiting"', 1)[1].split("</ul>", 1)[0]
        assert len(re.findall(r"/admit\"", waiting)) == 2
        assert "Jo (2) (Mum) · Family and their network · opened the link at" in waiting
        # Letting the first Jo in lets in the first browser only.
        assert (await owner.act(mid, shown(people, "Jo"), "admit")).is_success
        assert "board.js" in (await first.get(f"/m/{mid}")).text
        assert "Please wait" in (await second.get(f"/m/{mid}")).text
        page = await owner.page(mid)
        admitted = page.split('data-testid="admitted"', 1)[1].split("</ul>", 1)[0]
        assert "Jo (Mum)" in admitted and "Jo (2)" not in admitted


async def test_two_taps_on_join_are_one_person(server: RunningServer) -> None:
    """The key comes with the form, so a double tap on "Join" (two posts at once, from a
    browser that never joined) is one participant, not "Jo" and "Jo (2)"."""
    async with owner_of(server) as owner, Browser(server) as jo:
        meeting = await owner.meeting()
        mid = str(meeting["id"])
        form = await jo.get(link(meeting, "family"))
        assert "sm_key" in jo.http.cookies and 'data-testid="returning"' not in form.text
        csrf = CSRF.search(form.text)
        assert csrf is not None
        fields = {"csrf": csrf.group(1), "name": "Jo", "relationship": "Mum"}
        taps = await asyncio.gather(
            *(jo.http.post(link(meeting, "family"), data=fields) for _ in range(2))
        )
        assert [t.status_code for t in taps] == [303, 303]
        assert listed(await owner.people(mid)) == [("Jo", "waiting")]


async def test_an_admitted_browser_comes_back_without_waiting_again(
    server: RunningServer,
) -> None:
    """A reload, and opening the link again in the same browser, are the same person, still
    let in. The same browser under another name is someone new."""
    async with owner_of(server) as owner, Browser(server) as jo:
        meeting = await owner.meeting()
        mid = str(meeting["id"])
        assert "Please wait" in await join(jo, link(meeting, "family"), "Jo", "Mum")
        [person] = await owner.people(mid)
        assert (await owner.act(mid, person, "admit")).is_success
        assert "board.js" in (await jo.get(f"/m/{mid}")).text
        assert "board.js" in (await jo.get(f"/m/{mid}")).text  # a reload
        # The link again: the page offers the name this browser joined under ...
        form = await jo.get(link(meeting, "family"))
        assert 'name="name" type="text" autocomplete="name" maxlength="100" value="Jo"' in form.text
        assert 'data-testid="returning"' in form.text
        # ... and joining under it is the same person, straight onto the board.
        assert "board.js" in await join(jo, link(meeting, "family"), "Jo", "Mum")
        assert listed(await owner.people(mid)) == [("Jo", "admitted")]
        assert await knock(board_socket(server, jo, mid)) is None
        # The same browser, another name: someone new, who waits.
        assert "Please wait" in await join(jo, link(meeting, "family"), "Kim")
        assert listed(await owner.people(mid)) == [("Jo", "admitted"), ("Kim", "waiting")]


async def test_a_stock_client_comes_back_by_its_key_and_without_one_is_someone_new(
    server: RunningServer,
) -> None:
    """docs/protocol.md "Connecting": `key=` (32 to 128 random URL-safe characters) is who
    a stock client is. Reconnecting with it, even from a new process, is the same participant,
    found with the link in one query; without it every connection is someone new."""
    async with owner_of(server) as owner:
        meeting = await owner.meeting()
        mid = str(meeting["id"])
        token = meeting["tokens"]["family"]
        key = new_key()
        jo = YClient(server.ws_url, mid, token, name="Jo", key=key)
        assert await knock(jo) == 4510
        [person] = await owner.people(mid)
        assert (await owner.act(mid, person, "admit")).is_success
        assert await knock(jo) is None
        await jo.disconnect()

        # A new process with the same key: the same person, let in, found in one query.
        statements: list[str] = []
        engine = server.services.store.engine.sync_engine

        def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements.append(statement.lower())

        event.listen(engine, "before_cursor_execute", seen)
        try:
            again = YClient(server.ws_url, mid, token, name="Someone else", key=key)
            assert await knock(again) is None
        finally:
            event.remove(engine, "before_cursor_execute", seen)
        about_people = [s for s in statements if "participants" in s]
        assert len(about_people) == 1 and "from links" in about_people[0], about_people
        assert listed(await owner.people(mid)) == [("Jo", "admitted")]
        # Under the name it first came with, whatever it sends now.
        await again.set_presence({"user": {"name": "Someone else"}})

        def names() -> set[str]:
            states = [st for st in again.presence.values() if st and "user" in st]
            return {str(st["user"]["name"]) for st in states}

        await again.wait_for(lambda: bool(names()))
        assert names() == {"Jo"}

        # Without a key: someone new each time, who waits, whatever the name.
        keyless = [YClient(server.ws_url, mid, token, name="Jo", key=False) for _ in range(2)]
        assert [await knock(c) for c in keyless] == [4510, 4510]
        assert await knock(keyless[0]) == 4510  # and again: a third Jo
        assert listed(await owner.people(mid)) == [
            ("Jo", "admitted"),
            ("Jo (2)", "waiting"),
            ("Jo (3)", "waiting"),
            ("Jo (4)", "waiting"),
        ]
        # The key on another link is nobody there yet.
        elsewhere = YClient(server.ws_url, mid, meeting["tokens"]["professional"], key=key)
        assert await knock(elsewhere) == 4510
        # A key that is not 32 to 128 random URL-safe characters is refused, before anything.
        for bad in ("short", "a" * 40, "ab" * 20, key + "!", "k" * 20 + "é" * 20):
            client = YClient(server.ws_url, mid, token, name="Jo", key=bad)
            assert await knock(client) == 4400, bad
            assert "key" in client.close_reason
        assert len(await owner.people(mid)) == 5
        await again.disconnect()


async def test_a_forwarded_screen_link_waits_until_the_facilitator_lets_it_in_once(
    server: RunningServer,
) -> None:
    """The shared screen's link shows the whole family-visible map: forwarded, it waits like
    any other. Let in once, the screen comes straight back; presenting from the facilitator's
    own page still works at once."""
    async with owner_of(server) as owner, Browser(server) as screen:
        meeting = await owner.meeting()
        mid = str(meeting["id"])
        stock = YClient(server.ws_url, mid, meeting["tokens"]["viewer"], name="Screen")
        assert await knock(stock) == 4510 and stock.cards() == {}
        joined = await screen.submit(link(meeting, "viewer"), {"name": "Shared screen"})
        assert joined.headers["location"] == f"/m/{mid}/present"
        page = (await screen.get(f"/m/{mid}/present")).text
        assert "This screen will show the map once the facilitator lets it in." in page
        assert "board.js" not in page
        assert await knock(board_socket(server, screen, mid)) == 4510
        # The meeting page says so, and lists the screen under "Waiting to join".
        page = await owner.page(mid)
        assert 'data-testid="screen-waits"' in page
        waiting = page.split('data-testid="waiting"', 1)[1].split("</ul>", 1)[0]
        assert "Shared screen · Shared screen (view only)" in waiting
        assert (
            await owner.act(mid, shown(await owner.people(mid), "Shared screen"), "admit")
        ).is_success
        assert "board.js" in (await screen.get(f"/m/{mid}/present")).text
        assert "board.js" in (await screen.get(f"/m/{mid}/present")).text  # reloaded: still in
        assert await knock(board_socket(server, screen, mid)) is None
        # "Present on the shared screen" from the facilitator's own page needs no letting in.
        presented = await owner.browser.get(f"/meetings/{mid}/board?present=1")
        assert presented.headers["location"] == f"/m/{mid}/present"
        assert "board.js" in (await owner.browser.get(f"/m/{mid}/present")).text


async def test_a_participant_key_never_reaches_the_logs(tmp_path: Path) -> None:
    """The key travels in the websocket URL, like the token: uvicorn logs that URL, and the
    server's filter must hide it (server/logs.py)."""
    port = free_port()
    env = server_env(tmp_path, port, SAFETYMAP_LOG_LEVEL="DEBUG")
    log = tmp_path / "server.log"
    meeting = await create_meeting(env, "Key log check")
    key = new_key()
    async with serve(env, port, log, stop=signal.SIGINT):
        client = YClient(meeting["ws_url"], meeting["id"], meeting["tokens"]["family"], key=key)
        assert await knock(client) is None
        await client.disconnect()
    text = read_log(log)
    assert "WebSocket" in text and "key=…" in text  # logged, without the key
    assert key not in text
