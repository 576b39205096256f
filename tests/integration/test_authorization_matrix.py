"""The authorization matrix: every role against every action, over the real HTTP and websocket
interfaces of one real server. The promise is the table below; each cell is one test, run on
meetings of its own (ending, revoking and deleting must not spoil another cell).

How a cell is judged, for every action the same way: "ok" needs the effect to be there (the
observer saw the card, the board is locked, the record holds the professionals' notes...),
"denied" needs a refusal (HTTP 401/403, a websocket closed with 44xx) AND no effect. Anything
else (a 200 without the effect, a refusal that changed things anyway, a 500) fails the cell
whatever the table says, with the evidence in the message.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio

from tests.authorization_matrix_cases import (
    ACTIONS,
    EXPECTED,
    NA,
    PERFORM,
    Cell,
    World,
)
from tests.conftest import running_server
from tests.integration.test_api_meetings import api_token
from tests.webclient import Browser


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    data_dir: Path = tmp_path_factory.mktemp("matrix") / "data"
    # Every cell comes from 127.0.0.1, and several send tokens that match nothing on purpose:
    # the per-address guess limit (tested in test_ratelimit.py) would soon answer them all 429.
    async with running_server(data_dir, SAFETYMAP_TOKEN_GUESS_LIMIT="0/1") as server:
        owner = {"Authorization": f"Bearer {await api_token(server)}"}
        async with Browser(server) as browser:
            login = {"email": "sam@example.org", "password": "a long enough secret"}
            assert (await browser.submit("/login", login)).status_code == 303
            yield World(server, owner, browser)


WAITING_ROOM = {"impostor", "forwarded_screen", "returning", "stock_returning"}


CELLS = [
    pytest.param(who, action, expected, id=f"{who}-{action}")
    for who, row in EXPECTED.items()
    for action, expected in zip(ACTIONS, row, strict=True)
    if expected != NA
]


BARE = {"lock", "end", "revoke"}  # need no content: every other cell seeds the meeting first


ENDED_FIRST = {"export_full", "export_family", "delete"}  # need an ended meeting with content


@pytest.mark.asyncio(loop_scope="module")  # the module's one server lives in that loop
@pytest.mark.parametrize(("who", "action", "expected"), CELLS)
async def test_cell(world: World, who: str, action: str, expected: str) -> None:
    async with contextlib.AsyncExitStack() as stack:
        cell = Cell(world, stack)
        try:
            meeting = await cell.meeting(waiting_room=who in WAITING_ROOM)
            if action not in BARE:
                await cell.seed(meeting)
            subject = await cell.subject(who, meeting)  # joined (or taken out) while open
            if action in ENDED_FIRST:
                await cell.end(meeting)
            outcome, evidence = await PERFORM[action](cell, meeting, subject)
        finally:
            for client in cell.clients:
                await client.disconnect()
    assert outcome == expected, f"{who} / {action}: expected {expected}, got {outcome}: {evidence}"
