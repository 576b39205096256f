"""The facilitator's dashboard and meeting page, joining by link, and the board page."""

from __future__ import annotations

import json
import re
from pathlib import Path

from websockets.asyncio.client import connect

from server.sync import protocol
from tests.conftest import RunningServer, running_server
from tests.waiting import within
from tests.webclient import Browser
from tests.yclient import YClient


async def signed_in(server: RunningServer, email: str = "sam@example.org") -> Browser:
    await server.services.accounts.add(email, "Sam Chair", "a long enough secret")
    browser = Browser(server)
    await browser.submit("/login", {"email": email, "password": "a long enough secret"})
    return browser


async def create_meeting(browser: Browser, title: str = "Planning for Leo") -> str:
    created = await browser.submit("/", {"title": title, "label_set": "early_help"})
    assert created.status_code == 303, created.text
    return str(created.headers["location"]).rsplit("/", 1)[1]


def link_on(page: str, role: str) -> str:
    match = re.search(rf'id="url-{role}" type="text" readonly value="([^"]+)"', page)
    assert match, f"no {role} link on the page"
    return match.group(1)


async def test_dashboard_creates_and_lists_meetings(server: RunningServer) -> None:
    async with await signed_in(server) as browser:
        blank = await browser.submit("/", {"title": "  ", "label_set": "early_help"})
        assert blank.status_code == 400 and 'href="#title"' in blank.text
        meeting_id = await create_meeting(browser)
        dashboard = await browser.get("/")
        assert "Planning for Leo" in dashboard.text and f"/meetings/{meeting_id}" in dashboard.text
        page = await browser.get(f"/meetings/{meeting_id}")
        assert page.status_code == 200
        assert page.text.count("<svg") == 4  # a QR code per link
        links = {
            role: link_on(page.text, role)
            for role in ("facilitator", "professional", "family", "viewer")
        }
        assert len(set(links.values())) == 4
        # The page shows the same links every time (they are derived, not stored).
        again = await browser.get(f"/meetings/{meeting_id}")
        assert link_on(again.text, "family") == links["family"]
    async with await signed_in(server, "other@example.org") as stranger:
        assert (await stranger.get(f"/meetings/{meeting_id}")).status_code == 404
        assert "Planning for Leo" not in (await stranger.get("/")).text


async def test_joining_by_link_then_the_board_syncs_by_cookie(server: RunningServer) -> None:
    async with await signed_in(server) as chair:
        meeting_id = await create_meeting(chair)
        page = await chair.get(f"/meetings/{meeting_id}")
        family_link = link_on(page.text, "family")
    path = family_link.split("127.0.0.1", 1)[1].split("/", 1)[1]
    async with Browser(server) as family:
        invite = await family.get("/" + path)
        assert invite.status_code == 200
        assert "Planning for Leo" in invite.text and "family" in invite.text
        unnamed = await family.submit("/" + path, {"name": " "})
        assert unnamed.status_code == 400 and 'href="#name"' in unnamed.text
        joined = await family.submit("/" + path, {"name": "Jo", "relationship": "Mum"})
        assert joined.status_code == 303 and joined.headers["location"] == f"/m/{meeting_id}"
        board = await family.get(f"/m/{meeting_id}")
        assert board.status_code == 200
        config = json.loads(
            re.search(
                r'<script id="board-config" type="application/json">(.+?)</script>',
                board.text,
                re.S,
            ).group(1)  # type: ignore[union-attr]
        )
        assert config["participant"]["name"] == "Jo" and config["participant"]["role"] == "family"
        assert config["professional"] is False and config["canEdit"] is True
        assert config["sections"]["danger"]["label"] == "Worries"  # the early-help label set
        assert "token" not in board.text
        # The websocket signs in with the join cookie: no token in the URL.
        url = f"{server.ws_url}/{meeting_id}"
        async with connect(url, additional_headers={"Cookie": family.cookie_header()}) as ws:
            frame = await within(ws.recv(), 20, "the board's first frame")
            first = protocol.decode(frame)  # type: ignore[arg-type]
            assert isinstance(first, protocol.SyncStep1)
        async with connect(
            f"{url}/professional", additional_headers={"Cookie": family.cookie_header()}
        ) as ws:
            closed = ws.wait_closed()
            await within(closed, 20, "the server closed the professional layer to the family")
            assert ws.close_code == 4403
    async with Browser(server) as nobody:
        assert (await nobody.get(f"/m/{meeting_id}")).status_code == 404
        wrong = await nobody.get("/join/" + "x" * 43)
        assert wrong.status_code == 404 and "does not work" in wrong.text


async def test_replacing_a_link_on_the_page_closes_its_connections(server: RunningServer) -> None:
    async with await signed_in(server) as chair:
        meeting_id = await create_meeting(chair)
        page = await chair.get(f"/meetings/{meeting_id}")
        token = link_on(page.text, "family").rsplit("/", 1)[1]
        jo = YClient(server.ws_url, meeting_id, token, name="Jo")
        await jo.connect()
        await within(jo.synced.wait(), 20, "jo synced")
        replaced = await chair.submit(
            f"/meetings/{meeting_id}", {}, action=f"/meetings/{meeting_id}/links/family/regenerate"
        )
        assert replaced.status_code == 303
        await jo.wait_closed()
        assert jo.close_code == 4401
        page = await chair.get(f"/meetings/{meeting_id}")
        assert link_on(page.text, "family").rsplit("/", 1)[1] != token
        revoked = await chair.submit(
            f"/meetings/{meeting_id}", {}, action=f"/meetings/{meeting_id}/links/viewer/revoke"
        )
        assert revoked.status_code == 303
        page = await chair.get(f"/meetings/{meeting_id}")
        assert 'id="url-viewer"' not in page.text and "was revoked" in page.text


async def test_facilitator_opens_board_and_ends_meeting(server: RunningServer) -> None:
    async with await signed_in(server) as chair:
        meeting_id = await create_meeting(chair)
        opened = await chair.get(f"/meetings/{meeting_id}/board")
        assert opened.headers["location"] == f"/m/{meeting_id}"
        board = await chair.get(f"/m/{meeting_id}")
        assert '"role": "facilitator"' in board.text and '"professional": true' in board.text
        assert "content-security-policy" in board.headers
        assert "script-src 'self'" in board.headers["content-security-policy"]
        ended = await chair.submit(
            f"/meetings/{meeting_id}", {}, action=f"/meetings/{meeting_id}/end"
        )
        assert ended.status_code == 303
        page = await chair.get(f"/meetings/{meeting_id}")
        assert "Ended" in page.text and "Snapshot" in page.text
        # No dead links, copy buttons or QR codes to send; what the links still do, and until.
        assert 'data-testid="links-ended"' in page.text
        assert 'id="url-family"' not in page.text and "Show QR code" not in page.text
        assert re.search(r"to read and download the plan until \d{1,2} \w+ \d{4}\.", page.text)
        board = await chair.get(f"/m/{meeting_id}")
        assert '"status": "ended"' in board.text and '"canEdit": false' in board.text


async def test_the_pages_show_times_in_the_servers_zone_named(tmp_path: Path) -> None:
    """SAFETYMAP_TIMEZONE holds for the facilitator's pages as for the record: the end, each
    snapshot and the dashboard's lists say their time in that zone, and name it."""
    zoned = r"\d{1,2} \w+ \d{4}, \d\d:\d\d UTC\+14:00"  # Kiritimati: no abbreviation
    zone = {"SAFETYMAP_TIMEZONE": "Pacific/Kiritimati"}
    async with (
        running_server(tmp_path / "data", **zone) as server,
        await signed_in(server) as chair,
    ):
        meeting_id = await create_meeting(chair)
        listed = await chair.get("/")
        assert re.search(rf'<span class="meta">{zoned}</span>', listed.text), listed.text
        await chair.submit(f"/meetings/{meeting_id}", {}, action=f"/meetings/{meeting_id}/end")
        page = (await chair.get(f"/meetings/{meeting_id}")).text
        assert re.search(rf"Ended {zoned}</p>", page), page
        assert re.search(rf"<h3>Snapshot 1: {zoned}</h3>", page), page
        listed = await chair.get("/")
        assert re.search(rf"ended {zoned}</span>", listed.text), listed.text
