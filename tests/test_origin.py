"""The websocket refuses pages from other sites (cross-site websocket hijacking)."""

from __future__ import annotations

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server.web.websocket import same_origin

from .conftest import RunningServer
from .yclient import YClient

BASE = "https://map.example.org"


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        (None, "map.example.org", True),  # not a browser
        ("https://map.example.org", "10.0.0.5:8001", True),  # the base URL, behind a proxy
        ("http://127.0.0.1:8000", "127.0.0.1:8000", True),  # the host it was sent to
        ("https://evil.example", "map.example.org", False),
        ("https://map.example.org.evil.example", "map.example.org", False),
        ("http://map.example.org", "10.0.0.5:8001", False),  # downgraded scheme
        ("null", "map.example.org", False),  # sandboxed frame or file page
        ("chrome-extension://abc", "map.example.org", False),
    ],
)
def test_same_origin(origin: str | None, host: str, allowed: bool) -> None:
    assert same_origin(origin, BASE, host) is allowed


async def test_a_page_on_another_site_cannot_open_the_meeting(server: RunningServer) -> None:
    meeting = await server.meeting()
    token = meeting["tokens"]["family"]
    url = f"{server.ws_url}/{meeting['id']}?token={token}"
    async with connect(url, origin="https://evil.example") as ws:  # type: ignore[arg-type]
        with pytest.raises(ConnectionClosed):
            await ws.recv()
    assert ws.close_code == 4403 and "origin" in (ws.close_reason or "")
    # The same link from the product's own page works.
    async with connect(url, origin=server.address) as ws:  # type: ignore[arg-type]
        assert await ws.recv()
    client = YClient(server.ws_url, meeting["id"], token, name="No origin (a Node client)")
    await client.connect()
    await client.synced.wait()
    await client.disconnect()
