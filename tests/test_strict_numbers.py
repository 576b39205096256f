"""Numbers a client sends are read strictly: ASCII digits, within range, or 400/404, never a
server error and never a look-alike digit read as another number."""

from __future__ import annotations

import httpx
import pytest

from server.web.numbers import INT32_MAX, whole_number

from .conftest import RunningServer
from .test_meeting_pages import create_meeting, signed_in

# Each of these once answered 500 (the database cannot hold the number, or `int()` refused
# what `str.isdigit()` let through) or, like Arabic-Indic one, was read as snapshot 1.
ODD = [
    "99999999999999999999",
    "9223372036854775808",  # 2**63: past SQLite's INTEGER
    "2147483648",  # 2**31: past PostgreSQL's integer
    "\u00b2",
    "\u2460",
    "\u0661",  # Arabic-Indic one
    "\uff11",  # full-width one
    "+1",
    "-1",
    "0",
    " 1",
    "1_0",
    "1.0",
    "0x1",
    "",
]


def test_whole_numbers_are_ascii_digits_within_range() -> None:
    assert whole_number("1") == 1 and whole_number("007") == 7
    assert whole_number(str(INT32_MAX)) == INT32_MAX
    assert whole_number("5", minimum=1, maximum=4) is None
    for text in [*ODD, None, "9" * 5000]:
        assert whole_number(text, minimum=1) is None, text


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
