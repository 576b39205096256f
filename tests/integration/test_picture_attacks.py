"""Pictures on cards, attacked as a hostile participant would, through a real server: the
family link's holder (who may be the person the child needs protecting from), a forwarded or
revoked link, the shared screen, a stock client speaking the protocol directly. What held is
here as well as what was fixed, so that it keeps holding."""

from __future__ import annotations

import asyncio

import httpx

from server.services import PICTURE_UPLOADS_AT_ONCE
from tests.conftest import RunningServer
from tests.integration.test_pictures import _stock, _synced
from tests.pictures import drawing_png, send
from tests.waiting import eventually

MULTIPART = {"Content-Type": "multipart/form-data; boundary=bound"}


async def _slow_upload(
    server: RunningServer, path: str
) -> tuple[asyncio.StreamWriter, asyncio.Task[bytes]]:
    """An upload whose body starts and never goes on (as a slow or stalled phone's would):
    the connection, and its answer's first line once the server gives one."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.settings.port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100000\r\n"
        "Content-Type: multipart/form-data; boundary=bound\r\n\r\n"
    )
    writer.write(head.encode() + b'--bound\r\nContent-Disposition: form-data; name="layer"\r\n\r\n')
    await writer.drain()
    return writer, asyncio.create_task(reader.readline())


async def test_one_link_cannot_hold_every_upload_under_way_with_slow_bodies(
    server: RunningServer,
) -> None:
    """A link's holder starts uploads whose bodies never finish: the process reads at most
    PICTURE_UPLOADS_AT_ONCE at once, and one link must not take them all, or nobody else in
    any meeting could add a picture while it waits."""
    meeting = await server.meeting("Slow uploads (fictional)")
    mid = meeting["id"]
    # Several participants of the one family link (a stock client joins with a new key each
    # time), each within their own rate: the link is what the hostile person holds.
    holders = [await _synced(await server.client(meeting, "family", name="Jo")) for _ in range(4)]
    uploads = server.services.picture_uploads
    slow = []
    for n in range(PICTURE_UPLOADS_AT_ONCE):
        before = len(uploads)
        query = _stock(server, holders[n % len(holders)], "family", meeting)
        writer, answer = await _slow_upload(server, f"/m/{mid}/pictures{query}")
        await eventually(lambda: answer.done() or len(uploads) > before, 20)  # noqa: B023
        slow.append((writer, answer))
    refused = [answer.result() for _, answer in slow if answer.done()]
    assert len(uploads) < PICTURE_UPLOADS_AT_ONCE
    assert refused and all(line.startswith(b"HTTP/1.1 429") for line in refused), refused
    # Someone on another link is not held back.
    pro = await _synced(await server.client(meeting, "professional", agency="Police"))
    async with httpx.AsyncClient(base_url=server.address) as http:
        query = _stock(server, pro, "professional", meeting)
        sent = await send(http, mid, drawing_png(), query=query)
    assert sent.status_code == 201, sent.text
    for writer, answer in slow:
        writer.close()
        answer.cancel()
    await eventually(lambda: not uploads, 20)  # a stalled upload ends with its connection
    for client in (*holders, pro):
        await client.disconnect()
