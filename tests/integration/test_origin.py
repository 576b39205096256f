"""The websocket refuses pages from other sites (cross-site websocket hijacking)."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.conftest import RunningServer
from tests.waiting import within
from tests.yclient import YClient


async def test_a_page_on_another_site_cannot_open_the_meeting(server: RunningServer) -> None:
    meeting = await server.meeting()
    token = meeting["tokens"]["family"]
    url = f"{server.ws_url}/{meeting['id']}?token={token}"
    async with connect(url, origin="https://evil.example") as ws:  # type: ignore[arg-type]
        with pytest.raises(ConnectionClosed):
            await within(ws.recv(), 20, "the server closed a socket opened from another site")
    assert ws.close_code == 4403 and "origin" in (ws.close_reason or "")
    # The same link from the product's own page works.
    async with connect(url, origin=server.address) as ws:  # type: ignore[arg-type]
        assert await within(ws.recv(), 20, "the server's first frame to its own page")
    client = YClient(server.ws_url, meeting["id"], token, name="No origin (a Node client)")
    await client.connect()
    await within(client.synced.wait(), 20, "client synced")
    await client.disconnect()
