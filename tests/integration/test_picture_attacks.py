"""Pictures on cards, attacked as a hostile participant would, through a real server: the
family link's holder (who may be the person the child needs protecting from), a forwarded or
revoked link, the shared screen, a stock client speaking the protocol directly. What held is
here as well as what was fixed, so that it keeps holding."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from server.services import PICTURE_UPLOADS_AT_ONCE
from tests.conftest import RunningServer, running_server
from tests.integration.test_meeting_pages import signed_in
from tests.integration.test_page_json import embedded_config
from tests.integration.test_pictures import _stock, _synced
from tests.integration.test_review_marks import LAST_OVERALL, ended_and_reviewed
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


async def test_a_deleted_meetings_marks_leave_memory_without_its_review_being_opened(
    tmp_path: Path,
) -> None:
    """Last meeting's marks (names and numbers) are kept in memory for its review's board.
    Once that meeting is deleted they go from memory too, whether or not anyone opens the
    review's board again (retention deletes the meetings nobody opens any more)."""
    recheck = running_server(tmp_path, SAFETYMAP_RECHECK_INTERVAL="0.2")
    async with recheck as server, await signed_in(server) as chair:
        made = await ended_and_reviewed(server, chair)
        opened = await chair.get(f"/meetings/{made['review']}/board")
        board = await chair.get(opened.headers["location"])
        assert embedded_config(board.text)[1]["lastMarks"]["main:overall"] == LAST_OVERALL
        marks = server.services.review_marks
        assert len(marks) == 1
        first = made["first"]
        deleted = await chair.submit(
            f"/meetings/{first}", {"confirm": "yes"}, action=f"/meetings/{first}/delete"
        )
        assert deleted.status_code == 303
        await eventually(lambda: len(marks) == 0, 20)
