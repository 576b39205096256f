"""JSON the server puts in a page (the board's configuration) cannot break the page: a meeting
title or a name with `</script>`, `<!--<script>`, `&` or a line separator in it comes back from
the page's JSON exactly as typed, and the board still starts in a real browser. Here the checks
against a real server and database; the pure checks (no server, database or process) are in
tests/unit/test_page_json.py."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.browser import chromium, new_page  # noqa: F401 - the fixture
from tests.conftest import RunningServer
from tests.integration.test_meeting_pages import create_meeting, link_on, signed_in
from tests.webclient import Browser as WebBrowser

# Each would end the config's <script> element early, or (`<!--<script>`) keep it open past
# its own end tag, so that it swallows the board's script and the rest of the page.
TITLE = (
    "</script><script>alert(1)</script> <!--<script> & &amp; > </SCRIPT > "
    "<img src=x onerror=alert(2)> ]]>"
)


NAME = "<!--<script> Jo </script><script>alert(3)</script> & >"


CONFIG = re.compile(r'<script id="board-config" type="application/json">(.*?)</script>', re.S)


UNSAFE = ("<", ">", "&", "\u2028", "\u2029")


def embedded_config(page: str) -> tuple[str, dict[str, Any]]:
    """The text of the page's board-config element, up to the first `</script>` (where an
    HTML parser ends it), and the JSON it holds."""
    found = CONFIG.search(page)
    assert found, "no board-config in the page"
    payload = found.group(1)
    config: dict[str, Any] = json.loads(payload)
    return payload, config


async def test_a_hostile_title_and_name_come_back_from_the_board_page(
    server: RunningServer,
) -> None:
    async with await signed_in(server) as chair:
        meeting_id = await create_meeting(chair, TITLE)
        meeting_page = await chair.get(f"/meetings/{meeting_id}")
        family_link = link_on(meeting_page.text, "family")
        opened = await chair.get(f"/meetings/{meeting_id}/board")
        assert opened.status_code == 303
        chair_board = await chair.get(opened.headers["location"])
    title = (await server.services.store.meeting(meeting_id)).title  # type: ignore[union-attr]
    assert title == TITLE  # nothing in it is taken out on the way in
    path = "/" + family_link.split("://", 1)[1].split("/", 1)[1]
    async with WebBrowser(server) as family:
        joined = await family.submit(path, {"name": NAME, "relationship": "Mum"})
        assert joined.status_code == 303
        family_board = await family.get(joined.headers["location"])
    for board in (chair_board, family_board):
        assert board.status_code == 200
        payload, config = embedded_config(board.text)
        assert config["title"] == TITLE
        assert not any(ch in payload for ch in UNSAFE), payload
        # The board's own script still follows the config, as its own element.
        assert board.text.count("<script") == 2
        assert '<script type="module" src="/static/board.js"></script>' in board.text
    assert embedded_config(family_board.text)[1]["participant"]["name"] == NAME
