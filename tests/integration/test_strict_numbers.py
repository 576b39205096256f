"""Numbers a client sends are read strictly: ASCII digits, within range, or 400/404, never a
server error and never a look-alike digit read as another number."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import RunningServer
from tests.integration.test_meeting_pages import create_meeting, signed_in
from tests.strict_numbers_cases import ODD


async def _ended(server: RunningServer) -> dict[str, object]:
    meeting = await server.meeting("Numbers (example)")
    chair = {"Authorization": f"Bearer {meeting['tokens']['facilitator']}"}
    async with httpx.AsyncClient(base_url=server.address) as http:
        ended = await http.post(f"/api/meetings/{meeting['id']}/end", headers=chair)
        assert ended.status_code == 200, ended.text
    return meeting


@pytest.mark.parametrize("number", [n for n in ODD if n])
async def test_odd_snapshot_numbers_in_the_api_are_not_found(
    server: RunningServer, number: str
) -> None:
    meeting = await _ended(server)
    chair = {"Authorization": f"Bearer {meeting['tokens']['facilitator']}"}  # type: ignore[index]
    path = f"/api/meetings/{meeting['id']}/snapshots/"
    async with httpx.AsyncClient(base_url=server.address) as http:
        assert (await http.get(path + "1", headers=chair)).status_code == 200
        odd = await http.get(path + number, headers=chair)
    assert odd.status_code == 404, (number, odd.status_code, odd.text[:200])
    assert odd.json() == {"error": "no such snapshot"}


async def test_odd_snapshot_numbers_on_the_export_page_are_not_found(
    server: RunningServer,
) -> None:
    async with await signed_in(server) as chair:
        meeting_id = await create_meeting(chair, "Export numbers")
        await chair.submit(f"/meetings/{meeting_id}", {}, action=f"/meetings/{meeting_id}/end")
        page = f"/meetings/{meeting_id}/export"

        async def status(**params: str) -> int:
            return (await chair.http.get(page, params={"format": "md", **params})).status_code

        assert await status() == 200  # the latest snapshot
        assert await status(snapshot="1") == 200
        assert await status(snapshot="2") == 404
        seen = {number: await status(snapshot=number) for number in ODD}
        assert seen == dict.fromkeys(ODD, 404)
