"""Wrong link tokens are counted per address on every way in (pages, API, websocket), and a
right token always passes, whatever others at its address guessed.

Addresses are told apart as behind a proxy: the test server trusts `X-Forwarded-For` from
127.0.0.1, as uvicorn does by default.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import RunningServer, running_server

OFFICE = "198.51.100.20"  # a council office: everyone there shares this address
ELSEWHERE = "203.0.113.9"
WRONG = "A" * 43  # the shape of a real token


def at(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


async def websocket(
    server: RunningServer, meeting: dict[str, Any], token: str, address: str
) -> tuple[int | None, str]:
    """Open the meeting's websocket with `token` from `address`: (close code, reason), or
    (None, "") when the server took the link and started the sync."""
    url = f"{server.ws_url}/{meeting['id']}?token={token}&name=Guess"
    async with connect(url, additional_headers=at(address)) as ws:
        try:
            first = await asyncio.wait_for(ws.recv(), 10)
        except ConnectionClosed:
            return ws.close_code, ws.close_reason or ""
        assert isinstance(first, bytes) and first[:2] == b"\x00\x00"  # sync step 1
        return None, ""


def assert_too_many(response: httpx.Response) -> None:
    assert response.status_code == 429, (response.status_code, response.text[:200])
    assert int(response.headers["Retry-After"]) >= 1


async def test_wrong_tokens_on_the_websocket_count_like_on_http(tmp_path: Path) -> None:
    async with running_server(tmp_path, SAFETYMAP_TOKEN_GUESS_LIMIT="3/600") as srv:
        meeting = await srv.meeting()
        for _ in range(3):
            assert (await websocket(srv, meeting, WRONG, OFFICE))[0] == 4401
        code, reason = await websocket(srv, meeting, WRONG, OFFICE)
        assert code == 4429 and "too many wrong links" in reason, (code, reason)
        async with httpx.AsyncClient(base_url=srv.address, headers=at(OFFICE)) as http:
            # The same count as HTTP's: this address is past the limit there too.
            assert_too_many(await http.get(f"/join/{WRONG}"))
        # Another address is counted apart; wrong tokens there are plain "not valid".
        assert (await websocket(srv, meeting, WRONG, ELSEWHERE))[0] == 4401
        # And wrong tokens on HTTP count for the websocket.
        async with httpx.AsyncClient(base_url=srv.address, headers=at(ELSEWHERE)) as http:
            for _ in range(2):
                assert (await http.get(f"/join/{WRONG}")).status_code == 404
        assert (await websocket(srv, meeting, WRONG, ELSEWHERE))[0] == 4429


async def test_a_right_token_passes_whatever_others_at_its_address_guessed(
    tmp_path: Path,
) -> None:
    # The limit as shipped (20 a minute), and 25 wrong tokens from one office address.
    async with running_server(tmp_path) as srv:
        meeting = await srv.meeting()
        setup = (await srv.services.accounts.setup_link()).rsplit("/", 1)[-1]
        async with httpx.AsyncClient(base_url=srv.address, headers=at(OFFICE)) as http:
            answers = [
                (await http.get(f"/join/{WRONG[:-2]}{i:02d}")).status_code for i in range(25)
            ]
            assert answers == [404] * 20 + [429] * 5

            # Right tokens from the same address all pass: the link page, the API by link,
            # the set-up link and the websocket.
            assert (await http.get(f"/join/{meeting['tokens']['family']}")).status_code == 200
            mine = f"/api/meetings/{meeting['id']}/snapshots"
            chair = {"Authorization": f"Bearer {meeting['tokens']['facilitator']}"}
            assert (await http.get(mine, headers=chair)).status_code == 200
            assert (await http.get(f"/setup/{setup}")).status_code == 200
            token = meeting["tokens"]["facilitator"]
            assert await websocket(srv, meeting, token, OFFICE) == (None, "")

            # Wrong ones are still 429, wherever they are tried.
            assert_too_many(await http.get(f"/join/{WRONG}"))
            assert "Too many tries" in (await http.get(f"/join/{WRONG}")).text
            assert_too_many(await http.get("/setup/" + WRONG))
            refused = await http.get(mine, headers={"Authorization": f"Bearer {WRONG}"})
            assert_too_many(refused)
            assert "too many wrong tokens" in refused.json()["error"]
            assert (await websocket(srv, meeting, WRONG, OFFICE))[0] == 4429


async def test_a_right_api_token_passes_whatever_others_at_its_address_guessed(
    tmp_path: Path,
) -> None:
    async with running_server(tmp_path, SAFETYMAP_TOKEN_GUESS_LIMIT="3/600") as srv:
        person = await srv.services.accounts.add("sam@example.org", "Sam", "a long enough secret")
        token = await srv.services.accounts.create_api_token(person)
        async with httpx.AsyncClient(base_url=srv.address, headers=at(OFFICE)) as http:

            async def meetings(bearer: str) -> httpx.Response:
                return await http.get(
                    "/api/meetings", headers={"Authorization": f"Bearer {bearer}"}
                )

            assert [(await meetings(f"guess-{i}")).status_code for i in range(3)] == [401] * 3
            assert_too_many(await meetings("guess-4"))
            assert (await meetings(token)).status_code == 200
