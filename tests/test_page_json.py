"""JSON the server puts in a page (the board's configuration) cannot break the page: a meeting
title or a name with `</script>`, `<!--<script>`, `&` or a line separator in it comes back
from the page's JSON exactly as typed, and the board still starts in a real browser."""

from __future__ import annotations

import json
import re
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from playwright.async_api import Browser, expect

from server.web.page_json import script_json

from .browser import chromium, new_page  # noqa: F401 - the fixture
from .conftest import RunningServer
from .test_browser_board import board_online, join, sign_in
from .test_meeting_pages import create_meeting, link_on, signed_in
from .webclient import Browser as WebBrowser

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


@settings(max_examples=300, deadline=None)
@given(st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
))  # fmt: skip
def test_script_json_round_trips_without_html_characters(value: Any) -> None:
    text = str(script_json(value))
    assert json.loads(text) == value
    assert not any(ch in text for ch in UNSAFE)


def test_script_json_escapes_as_javascript_reads_it() -> None:
    text = str(script_json({"title": "a</script><!--<b>&\u2028\u2029"}))
    assert text == (
        '{"title": "a\\u003c/script\\u003e\\u003c!--\\u003cb\\u003e\\u0026\\u2028\\u2029"}'
    )


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


async def test_the_board_starts_in_a_browser_under_a_hostile_title(
    server: RunningServer,
    chromium: Browser,  # noqa: F811
) -> None:
    chair_context, chair = await sign_in(chromium, server)
    dialogs: list[str] = []
    chair.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await chair.get_by_label("Meeting title").fill(TITLE)
    await chair.get_by_label("Use a waiting room").uncheck()
    await chair.get_by_role("button", name="Create meeting").click()
    link = await chair.locator("#url-family").input_value()
    await chair.get_by_test_id("open-board").click()
    await board_online(chair)
    await expect(chair.get_by_test_id("board-title")).to_have_text(TITLE)

    family_context, family = await new_page(chromium, server.address)
    family.on("dialog", lambda dialog: dialogs.append(dialog.message))
    await join(family, link, NAME, "Mum")  # waits until the board is online
    await expect(family.get_by_test_id("board-title")).to_have_text(TITLE)
    await expect(chair.get_by_test_id("roster-list")).to_contain_text("Jo")
    assert dialogs == []
    for page in (chair, family):
        # Nothing of the title or the name became an element of the page.
        assert await page.locator("img[src=x]").count() == 0
        assert await page.locator("script").count() == 2
    await family_context.close()
    await chair_context.close()
