"""Pictures on cards, attacked as a hostile participant would, through a real server: the
family link's holder (who may be the person the child needs protecting from), a forwarded or
revoked link, the shared screen, a stock client speaking the protocol directly. What held is
here as well as what was fixed, so that it keeps holding."""

from __future__ import annotations

import asyncio
import io
import logging
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from pycrdt import Array, Map, Text

from server.board.permissions import Role
from server.live import meetings
from server.services import PICTURE_UPLOADS_AT_ONCE
from tests.conftest import RunningServer, running_server
from tests.integration.test_meeting_pages import signed_in
from tests.integration.test_page_json import embedded_config
from tests.integration.test_participant_keys import join, link
from tests.integration.test_pictures import _board, _joined, _stock, _synced
from tests.integration.test_review_marks import LAST_OVERALL, ended_and_reviewed
from tests.pictures import drawing_png, photo_with_gps, send
from tests.waiting import eventually, within
from tests.webclient import Browser
from tests.yclient import YClient

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
    server: RunningServer, caplog: pytest.LogCaptureFixture
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
    for writer, _ in slow:  # closed before the test ends, not left to the garbage collector
        await within(writer.wait_closed(), 10, "a slow upload's connection closed")
    await eventually(lambda: not uploads, 20)  # a stalled upload ends with its connection
    # A phone that lost its signal mid-upload is no error of the server's.
    assert "Exception in ASGI application" not in caplog.text
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


def _encoded(image: Image.Image, fmt: str, **how: Any) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **how)
    return out.getvalue()


def _huge_gif() -> bytes:
    """A small GIF whose header says it is 65535 x 65535."""
    data = bytearray(_encoded(Image.new("P", (10, 10)), "GIF"))
    data[6:10] = b"\xff\xff\xff\xff"
    return bytes(data)


async def test_what_is_sent_is_never_served_as_anything_but_a_picture(
    server: RunningServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Polyglots (a JPEG that is also a web page, a script, a ZIP), SVG, a GIF of many huge
    frames, a form of many parts or a giant field: what is kept is pixels
    re-encoded, served as an image the browser may not sniff; nothing of it, nor the
    description, reaches the logs."""
    caplog.set_level(logging.DEBUG)
    meeting = await server.meeting("Polyglots (fictional)")
    mid = meeting["id"]
    page = b"<html><script>alert('Qz9')</script></html>"
    photo = photo_with_gps()
    polyglots = {
        "html after the picture": photo + page,
        "html in a comment": photo[:2] + b"\xff\xfe\x00\x30" + page + photo[2:],
        "a zip after the picture": photo + b"PK\x03\x04" + page * 20,
    }
    async with Browser(server) as mum:
        board = _board(await _joined(mum, meeting, "family", "Jo"))
        for why, data in polyglots.items():
            sent = await send(mum.http, mid, data, board, description="Marker Vw4 drawing")
            assert sent.status_code == 201, why
            read = await mum.http.get(sent.json()["url"])
            assert read.headers["content-type"] == "image/jpeg", why
            assert read.headers["x-content-type-options"] == "nosniff", why
            assert b"<script" not in read.content and b"PK\x03\x04" not in read.content, why
        svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
        refused = {
            "svg": (svg, 415),
            "html named .jpg": (page, 415),
            "a gif of 4 billion pixels": (_huge_gif(), 413),
        }
        for why, (data, status) in refused.items():
            answer = await send(mum.http, mid, data, board, filename="a.svg")
            assert answer.status_code == status, (why, answer.text)
        # An animated GIF of many large frames: its first frame alone is decoded and kept.
        frames = [Image.new("P", (2000, 2000), n % 200) for n in range(60)]
        gif = _encoded(frames[0], "GIF", save_all=True, append_images=frames[1:])
        kept = await send(mum.http, mid, gif, board)
        assert kept.status_code == 201 and kept.json()["type"] == "image/jpeg"
        # Forms built to cost the server: many parts, one giant text field.
        many = b"".join(
            b'--bound\r\nContent-Disposition: form-data; name="f%d"\r\n\r\nx\r\n' % n
            for n in range(2000)
        )
        giant = b'--bound\r\nContent-Disposition: form-data; name="description"\r\n\r\n'
        for body in (many, giant + b"x" * 200_000 + b"\r\n"):
            answer = await mum.http.post(
                f"/m/{mid}/pictures", content=body + b"--bound--\r\n", headers=board | MULTIPART
            )
            assert answer.status_code == 400, answer.text
    logged = caplog.text
    assert "picture kept" in logged  # it did log the uploads ...
    for secret in ("Vw4", "Qz9", "<script"):
        assert secret not in logged  # ... without their descriptions or content


async def test_only_those_who_may_read_a_layer_ever_read_its_pictures(
    server: RunningServer,
) -> None:
    """A professionals-only picture, asked for by the family, the shared screen, a revoked
    link's cookie, a cross-site form with the family's cookie and another meeting's
    participant; a picture asked for by someone still waiting; and a picture of one meeting
    or layer named where it does not belong."""
    meeting = await server.meeting("Readers (fictional)")
    mid = meeting["id"]
    pro = await _synced(await server.client(meeting, "professional", agency="Police"))
    async with httpx.AsyncClient(base_url=server.address) as http:
        pro_query = _stock(server, pro, "professional", meeting)
        notes = await send(http, mid, drawing_png(), query=pro_query, layer="professional")
        shared = await send(http, mid, drawing_png(), query=pro_query)
    hidden, main = notes.json()["url"], shared.json()["url"]
    other = await server.meeting("Another family (fictional)")
    async with Browser(server) as mum, Browser(server) as screen, Browser(server) as kim:
        board = _board(await _joined(mum, meeting, "family", "Jo"))
        await _joined(screen, meeting, "viewer", "Screen")
        for reader in (mum, screen):
            assert (await reader.http.get(hidden)).status_code == 404
            assert (await reader.http.get(main)).status_code == 200
        # Another meeting's family: neither picture, nor an upload here.
        theirs = _board(await _joined(kim, other, "family", "Kim"))
        for url in (hidden, main):
            assert (await kim.http.get(url)).status_code == 403
        assert (await send(kim.http, mid, drawing_png(), theirs)).status_code == 403
        # A cross-site form posted with the family's cookie: no header it could not send.
        forged = await mum.http.post(
            f"/m/{mid}/pictures",
            headers={"Origin": "https://evil.example", "Content-Type": MULTIPART["Content-Type"]},
            content=b'--bound\r\nContent-Disposition: form-data; name="layer"\r\n\r\nmain\r\n'
            b"--bound--\r\n",
        )
        assert forged.status_code == 403
        assert (await send(mum.http, mid, drawing_png(), {"Origin": "null"})).status_code == 403
        # The family's link revoked: its cookie reads and sends nothing any more.
        assert await server.services.store.revoke_link(mid, Role.FAMILY)
        assert (await mum.http.get(main)).status_code == 403
        assert (await send(mum.http, mid, drawing_png(), board)).status_code == 403
    # Someone still in the waiting room reads no picture of the meeting yet.
    waiting = await meetings.create(
        server.settings, server.services.store, "Waiting room (fictional)", waiting_room=True
    )
    waiting["tokens"] = {r: u.rsplit("/", 1)[1] for r, u in waiting["links"].items()}
    chair = await _synced(await server.client(waiting, "facilitator"))
    async with httpx.AsyncClient(base_url=server.address) as http:
        query = _stock(server, chair, "facilitator", waiting)
        theirs_url = (await send(http, waiting["id"], drawing_png(), query=query)).json()["url"]
    async with Browser(server) as ana:
        assert "Please wait" in await join(ana, link(waiting, "professional"), "Ana")
        assert (await ana.http.get(theirs_url)).status_code == 403
    await chair.disconnect()

    # Cards: a picture of one layer named in the other, and ids replayed from elsewhere.
    async def kept(client: YClient, card: str, pictures: Any) -> bool:
        card_fields: dict[str, Any] = {"section": "child_voice", "text": Text("A drawing")}
        card_fields |= {"order": "V", "author": await client.whoami(), "pictures": pictures}
        client.items[card] = Map(card_fields)
        await client.wait_for(lambda: client.closed.is_set() or card in watcher.items)
        return not client.closed.is_set()

    watcher = await _synced(await server.client(meeting, "facilitator", layer="professional"))
    main_id = shared.json()["id"]
    in_notes = await _synced(await server.client(meeting, "professional", layer="professional"))
    assert not await kept(in_notes, "n1", [{"id": main_id, "alt": "the family's drawing"}])
    assert in_notes.close_code == 4403
    in_notes = await _synced(await server.client(meeting, "professional", layer="professional"))
    assert await kept(in_notes, "n2", [{"id": notes.json()["id"], "alt": "our notes"}])
    await in_notes.disconnect()
    await watcher.disconnect()
    await pro.disconnect()


async def test_a_cards_pictures_and_the_facilitators_switch_hold_against_a_stock_client(
    server: RunningServer,
) -> None:
    """Shared types where plain JSON belongs, the facilitator's `picturesEverywhere` written by
    someone else, and a scale's wording changed by a professional: refused (4403), the
    document as it was."""
    meeting = await server.meeting("Stock client (fictional)")
    mid = meeting["id"]
    async with Browser(server) as mum:
        board = _board(await _joined(mum, meeting, "family", "Jo"))
        picture = (await send(mum.http, mid, drawing_png(), board)).json()["id"]
    chair = await _synced(await server.client(meeting, "facilitator"))

    async def refused(role: str, write: Any) -> bool:
        client = await _synced(await server.client(meeting, role, name="Jo"))
        write(client, await client.whoami())
        await client.wait_for(lambda: client.closed.is_set(), 10)
        return client.close_code == 4403

    def nested(client: YClient, me: str) -> None:
        entry = Map({"id": picture, "alt": "a drawing"})
        fields = {"section": "child_voice", "text": Text("x"), "order": "V", "author": me}
        client.items["nested"] = Map(fields | {"pictures": Array([entry])})

    def everywhere(client: YClient, me: str) -> None:
        client.doc.get("meta", type=Map)["picturesEverywhere"] = True

    assert await refused("family", nested)
    assert await refused("professional", everywhere)
    assert "nested" not in chair.items
    assert "picturesEverywhere" not in chair.doc.get("meta", type=Map)
    await chair.disconnect()


async def test_nobody_but_the_facilitator_rewords_a_scale_by_removing_or_replacing_it(
    server: RunningServer,
) -> None:
    """The facilitator's worry scale, not marked yet: the family link's holder removes it and
    adds it again reworded (two updates), or writes a reworded one over it (one). Either way
    the record would show a question nobody was asked, beside last meeting's marks in a
    review (they go by the scale's id). Refused (4403); the wording stays the facilitator's."""
    meeting = await server.meeting("Rewording (fictional)")
    question = "On a scale of 0 to 10, how safe are the children from this worry: “Dad drinks”?"
    scale = {"question": question, "low": "Not safe", "high": "Safe", "about": "d1"}
    chair = await _synced(await server.client(meeting, "facilitator", name="Sam"))
    chair.doc.get("scales", type=Map)["w1"] = Map({**scale, "ratings": Map()})

    def reworded() -> Map[Any]:
        return Map({**scale, "question": "How good a father is Dad?", "ratings": Map()})

    async def attempt(two_updates: bool) -> int | None:
        mum = await _synced(await server.client(meeting, "family", name="Jo"))
        await mum.wait_for(lambda: "w1" in mum.doc.get("scales", type=Map))
        scales = mum.doc.get("scales", type=Map)
        if two_updates:
            del scales["w1"]
        scales["w1"] = reworded()
        await mum.wait_for(lambda: mum.closed.is_set(), 10)
        return mum.close_code

    assert await attempt(two_updates=True) == 4403
    assert await attempt(two_updates=False) == 4403
    check = await _synced(await server.client(meeting, "professional", name="Check"))
    assert check.doc.get("scales", type=Map)["w1"]["question"] == question
    for client in (check, chair):
        await client.disconnect()


def _noise_png(side: int = 1580) -> bytes:
    """A PNG that no compression makes smaller: just under 10 MB, and as much once kept."""
    return _encoded(Image.frombytes("RGBA", (side, side), os.urandom(side * side * 4)), "PNG")


async def test_one_link_cannot_fill_the_meeting_with_pictures(server: RunningServer) -> None:
    """The family link's holder uploads pictures of noise, never put on any card, until the
    server says no: the professionals and the facilitator can still add theirs."""
    meeting = await server.meeting("Full of noise (fictional)")
    mid = meeting["id"]
    noise = _noise_png()
    assert 9_900_000 < len(noise) <= server.settings.picture_max_bytes
    hostile = await _synced(await server.client(meeting, "family", name="Jo"))
    pro = await _synced(await server.client(meeting, "professional", agency="Police"))
    async with httpx.AsyncClient(base_url=server.address, timeout=60) as http:
        query = _stock(server, hostile, "family", meeting)
        answers = []
        while not answers or answers[-1].status_code == 201:
            answers.append(await send(http, mid, noise, query=query))
            assert len(answers) <= 11
        assert answers[-1].status_code == 413
        assert "Ask the facilitator" in answers[-1].json()["error"]
        assert len(answers) - 1 == 5  # half the meeting's 100 MB
        theirs = await send(http, mid, noise, query=_stock(server, pro, "professional", meeting))
        assert theirs.status_code == 201, theirs.text
    for client in (hostile, pro):
        await client.disconnect()
