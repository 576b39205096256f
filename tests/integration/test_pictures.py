"""Pictures on cards, through a real server: an upload is re-encoded with no metadata left
(a photo with GPS EXIF reads back with none, through the fetch and from the database), read
back only by those who may read its layer, and refused in plain words when it should be; the
document rules hold a card's `pictures` to ids uploaded to that meeting and layer, and to
the child's voice section unless the facilitator allows them everywhere."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import httpx
from PIL import Image
from pycrdt import Map, Text
from sqlalchemy import update

from server.board import picture_ids
from server.board.permissions import Layer
from server.live import meetings
from server.store import audit, schema
from tests.conftest import RunningServer
from tests.integration.test_meeting_capacity import owner_of
from tests.integration.test_participant_keys import join, link
from tests.pictures import carries_no_metadata, drawing_png, photo_with_gps, send
from tests.waiting import within
from tests.webclient import Browser
from tests.yclient import YClient

CONFIG = re.compile(r'<script id="board-config" type="application/json">(.*?)</script>', re.S)


async def _joined(
    browser: Browser, meeting: dict[str, Any], role: str, name: str
) -> dict[str, Any]:
    """Join by the link's page; the board's config (its CSRF token, the pictures' url)."""
    page = await join(browser, link(meeting, role), name, "Mum" if role == "family" else "")
    found = CONFIG.search(page)
    assert found, "no board config"
    return dict(json.loads(found.group(1)))


def _board(config: dict[str, Any]) -> dict[str, str]:
    return {"X-CSRF-Token": config["csrfToken"]}


async def _synced(client: YClient) -> YClient:
    await client.connect()
    await within(client.synced.wait(), 20, "synced")
    return client


def _stock(server: RunningServer, client: YClient, role: str, meeting: dict[str, Any]) -> str:
    """A stock client's query: its link's token and the key it joined with."""
    return f"?token={meeting['tokens'][role]}&key={client.key}"


async def test_a_photo_keeps_no_metadata_and_only_its_layers_readers_read_it(
    server: RunningServer,
) -> None:
    meeting = await server.meeting("Pictures (fictional)")
    mid = meeting["id"]
    photo = photo_with_gps(orientation=6)  # turned on its side, as phones save them
    async with Browser(server) as mum, Browser(server) as screen:
        config = await _joined(mum, meeting, "family", "Jo")
        assert config["pictures"] == {
            "uploadUrl": f"/m/{mid}/pictures",
            "maxBytes": server.settings.picture_max_bytes,
        }
        sent = await send(mum.http, mid, photo, _board(config))
        assert sent.status_code == 201, sent.text
        body = sent.json()
        assert body["type"] == "image/jpeg" and (body["width"], body["height"]) == (900, 1200)
        assert body["url"] == f"{config['pictures']['uploadUrl']}/{body['id']}"
        assert picture_ids.signed_for(server.settings.secret_key, mid, "main", body["id"])
        read = await mum.http.get(body["url"])
        assert read.status_code == 200 and read.headers["content-type"] == "image/jpeg"
        assert read.headers["cache-control"] == "no-store"
        assert read.headers["x-content-type-options"] == "nosniff"
        assert read.headers["content-disposition"] == "inline"
        assert carries_no_metadata(read.content)
        assert Image.open(io.BytesIO(read.content)).size == (900, 1200)
        stored = await server.services.store.picture(mid, body["id"])
        assert stored is not None and stored.file.data == read.content
        assert stored.layer is Layer.MAIN and carries_no_metadata(stored.file.data)
        # The shared screen shows the map's pictures.
        await _joined(screen, meeting, "viewer", "Screen")
        assert (await screen.http.get(body["url"])).status_code == 200

        # A professional's picture in their notes: never read by the family or the screen.
        pro = await _synced(await server.client(meeting, "professional", agency="Police"))
        async with httpx.AsyncClient(base_url=server.address) as http:
            query = _stock(server, pro, "professional", meeting)
            notes = await send(http, mid, drawing_png(), query=query, layer="professional")
        assert notes.status_code == 201, notes.text
        assert notes.json()["type"] == "image/png"
        hidden = f"/m/{mid}/pictures/{notes.json()['id']}"
        for browser in (mum, screen):
            answer = await browser.http.get(hidden)
            assert answer.status_code == 404 and "error" in answer.json()
        async with httpx.AsyncClient(base_url=server.address) as http:
            query = _stock(server, pro, "professional", meeting)
            seen = await http.get(hidden + query)
            assert seen.status_code == 200 and seen.headers["content-type"] == "image/png"
            assert Image.open(io.BytesIO(seen.content)).mode == "RGBA"  # a drawing's transparency
            assert (await http.get(hidden)).status_code == 403  # nobody
        # Unknown ids, and another meeting's picture under this meeting's address: 404.
        other = await server.meeting("Another family (fictional)")
        async with Browser(server) as elsewhere:
            their = await _joined(elsewhere, other, "family", "Kim")
            theirs = await send(elsewhere.http, other["id"], photo, _board(their))
            assert theirs.status_code == 201
        for missing in ("x" * 38, theirs.json()["id"], "nope"):
            assert (await mum.http.get(f"/m/{mid}/pictures/{missing}")).status_code == 404
        await pro.disconnect()


async def test_uploads_are_refused_in_plain_words(server: RunningServer) -> None:
    meeting = await server.meeting("Refusals (fictional)")
    mid = meeting["id"]
    photo = photo_with_gps()
    async with Browser(server) as mum, Browser(server) as screen, Browser(server) as pro:
        config = await _joined(mum, meeting, "family", "Jo")
        board = _board(config)
        text = b"Leo lives at 1 Example Road" * 10

        async def refused(answer: httpx.Response, status: int, words: str) -> None:
            assert answer.status_code == status, answer.text
            assert words in answer.json()["error"], answer.json()

        # Not from the board's page: no token, a wrong one, another site.
        await refused(await send(mum.http, mid, photo), 403, "Reload")
        await refused(await send(mum.http, mid, photo, {"X-CSRF-Token": "wrong"}), 403, "Reload")
        cross = {**board, "Origin": "https://evil.example"}
        await refused(await send(mum.http, mid, photo, cross), 403, "may not")
        # A link holder's board may say X-Requested-With instead of the token.
        ok = await send(mum.http, mid, photo, {"X-Requested-With": "safetymap"})
        assert ok.status_code == 201, ok.text
        # Bad fields.
        await refused(await send(mum.http, mid, photo, board, description=" "), 400, "Describe")
        long = "x" * 301
        await refused(await send(mum.http, mid, photo, board, description=long), 400, "Describe")
        await refused(await send(mum.http, mid, photo, board, layer="elsewhere"), 400, "main or")
        # Not a picture, whatever its name and type say; a picture in a format not taken.
        await refused(await send(mum.http, mid, text, board), 415, "not a picture")
        bmp = io.BytesIO()
        Image.new("RGB", (40, 40)).save(bmp, "BMP")
        await refused(await send(mum.http, mid, bmp.getvalue(), board), 415, "JPEG, PNG or WebP")
        # A decompression bomb: a small file of 400 million pixels.
        bomb = io.BytesIO()
        Image.new("1", (20000, 20000)).save(bomb, "PNG")
        assert len(bomb.getvalue()) < 100_000
        await refused(await send(mum.http, mid, bomb.getvalue(), board), 413, "too many pixels")
        # The family never adds to the professionals' notes.
        await refused(
            await send(mum.http, mid, photo, board, layer="professional"), 403, "professionals"
        )
        # The shared screen adds nothing.
        screen_config = await _joined(screen, meeting, "viewer", "Screen")
        await refused(await send(screen.http, mid, photo, _board(screen_config)), 403, "screen")
        # Someone who never joined.
        async with httpx.AsyncClient(base_url=server.address) as nobody:
            await refused(await send(nobody, mid, photo), 403, "your link")
        # Locked: the family waits, the facilitator goes on (by its stock client's key).
        assert await server.services.rooms.set_locked(mid, True)
        await refused(await send(mum.http, mid, photo, board), 403, "locked")
        chair = await _synced(await server.client(meeting, "facilitator"))
        query = _stock(server, chair, "facilitator", meeting)
        async with httpx.AsyncClient(base_url=server.address) as http:
            assert (await send(http, mid, photo, query=query)).status_code == 201
            # The facilitator's link still works once the meeting has ended: 409.
            found = await server.services.store.meeting(mid)
            assert found is not None
            await meetings.end(server.services, found, None, audit.SYSTEM)
            await refused(await send(http, mid, photo, query=query), 409, "ended")
        await chair.disconnect()
        # The professional who waits in the waiting room sends nothing.
        waiting = await meetings.create(
            server.settings, server.services.store, "Waiting room (fictional)", waiting_room=True
        )
        waiting["tokens"] = {r: u.rsplit("/", 1)[1] for r, u in waiting["links"].items()}
        page = await join(pro, link(waiting, "professional"), "Ana")
        assert "Please wait" in page
        answer = await pro.http.post(
            f"/m/{waiting['id']}/pictures", headers={"X-Requested-With": "safetymap"},
            files={"picture": ("a.jpg", photo, "image/jpeg")},
            data={"description": "A drawing", "layer": "main"},
        )  # fmt: skip
        await refused(answer, 403, "not let you in")


async def test_too_large_bodies_are_refused_before_they_are_read(server: RunningServer) -> None:
    meeting = await server.meeting("Sizes (fictional)")
    mid = meeting["id"]
    async with Browser(server) as mum:
        board = _board(await _joined(mum, meeting, "family", "Jo"))
        limit = server.settings.picture_max_bytes
        huge = b"\xff\xd8" + b"0" * (limit + 100_000)
        answer = await send(mum.http, mid, huge, board)
        assert answer.status_code == 413, answer.text
        assert answer.json()["error"] == "This picture is too big. The limit is 10 MB."

        async def chunks() -> Any:  # no Content-Length: the bound cuts it off as it is read
            boundary = b"--bound"
            yield boundary + b'\r\nContent-Disposition: form-data; name="description"\r\n\r\nA\r\n'
            yield boundary + b'\r\nContent-Disposition: form-data; name="layer"\r\n\r\nmain\r\n'
            yield boundary + b'\r\nContent-Disposition: form-data; name="picture"; filename="a.jpg"'
            yield b"\r\nContent-Type: image/jpeg\r\n\r\n"
            for _ in range(limit // 65536 + 4):
                yield b"0" * 65536
            yield b"\r\n--bound--\r\n"

        streamed = await mum.http.post(
            f"/m/{mid}/pictures",
            content=chunks(),
            headers={**board, "Content-Type": "multipart/form-data; boundary=bound"},
        )
        assert streamed.status_code == 413, streamed.text


async def _card_with(
    client: YClient, card_id: str, section: str, pictures: Any, author: str
) -> None:
    fields: dict[str, Any] = {"section": section, "text": Text("Leo's drawing"), "order": "V"}
    fields |= {"author": author, "createdAt": "2026-01-01T10:00:00+00:00", "pictures": pictures}
    client.items[card_id] = Map(fields)


async def test_cards_name_only_pictures_of_their_meeting_and_layer_where_allowed(
    server: RunningServer,
) -> None:
    meeting = await server.meeting("Rules (fictional)")
    mid = meeting["id"]
    async with Browser(server) as mum:
        board = _board(await _joined(mum, meeting, "family", "Jo"))
        sent = await send(mum.http, mid, drawing_png(), board)
        picture = sent.json()["id"]
    pro = await _synced(await server.client(meeting, "professional", agency="Police"))
    async with httpx.AsyncClient(base_url=server.address) as http:
        query = _stock(server, pro, "professional", meeting)
        notes = await send(http, mid, drawing_png(), query=query, layer="professional")
    hidden = notes.json()["id"]
    other = await server.meeting("Another family (fictional)")
    async with Browser(server) as kim:
        elsewhere = await send(
            kim.http, other["id"], drawing_png(), _board(await _joined(kim, other, "family", "K"))
        )
    foreign = elsewhere.json()["id"]

    async def attempt(section: str, pictures: Any) -> int | None:
        """A family member's card with these pictures: None once the professional sees it
        (kept), else the close code (refused)."""
        client = await _synced(await server.client(meeting, "family", name="Jo"))
        card_id = f"card-{len(attempts)}"
        attempts.append(card_id)
        await _card_with(client, card_id, section, pictures, await client.whoami())
        await client.wait_for(lambda: client.closed.is_set() or card_id in pro.items)
        if client.closed.is_set():
            return client.close_code
        await client.disconnect()
        return None

    attempts: list[str] = []
    one = [{"id": picture, "alt": "Leo's three houses"}]
    assert await attempt("child_voice", one) is None
    # Moved elsewhere, it keeps its pictures; written again the same, it adds nothing.
    mover = await _synced(await server.client(meeting, "family", name="Jo"))
    mover.items[attempts[0]]["section"] = "danger"
    mover.items[attempts[0]]["pictures"] = [dict(p) for p in one]
    await pro.wait_for(lambda: pro.items[attempts[0]]["section"] == "danger")
    assert not mover.closed.is_set()
    await mover.disconnect()
    refusals = {
        "another section": ("danger", one),
        "an unknown id": ("child_voice", [{"id": "A" * 38, "alt": "a drawing"}]),
        "a professionals' picture": ("child_voice", [{"id": hidden, "alt": "notes"}]),
        "another meeting's picture": ("child_voice", [{"id": foreign, "alt": "theirs"}]),
        "no description": ("child_voice", [{"id": picture, "alt": "   "}]),
        "a long description": ("child_voice", [{"id": picture, "alt": "x" * 301}]),
        "too many": ("child_voice", [{"id": picture, "alt": f"{n}"} for n in range(7)]),
        "not a list": ("child_voice", {"id": picture, "alt": "a drawing"}),
        "bytes": ("child_voice", [{"id": picture, "alt": "a", "data": "iVBORw0KGgo="}]),
    }
    for why, (section, pictures) in refusals.items():
        assert await attempt(section, pictures) == 4403, why
    check = await _synced(await server.client(meeting, "professional", agency="Police"))
    assert set(check.items) == {attempts[0]}  # nothing refused was kept
    await check.disconnect()
    # Once the facilitator allows them everywhere, any card takes them.
    chair = await _synced(await server.client(meeting, "facilitator"))
    chair.doc.get("meta", type=Map)["picturesEverywhere"] = True
    assert await attempt("danger", one) is None
    await chair.disconnect()
    await pro.disconnect()


async def test_one_participant_cannot_keep_the_server_re_encoding(server: RunningServer) -> None:
    """Twelve uploads at once, then one every five seconds, per participant: the thirteenth
    is 429 with Retry-After, and the other parent on the same link is not held back."""
    meeting = await server.meeting("Many pictures (fictional)")
    mid = meeting["id"]
    small = drawing_png((20, 20))
    async with Browser(server) as mum, Browser(server) as dad:
        board = _board(await _joined(mum, meeting, "family", "Jo"))
        answers = [await send(mum.http, mid, small, board) for _ in range(13)]
        assert [a.status_code for a in answers] == [201] * 12 + [429]
        assert int(answers[-1].headers["retry-after"]) >= 1
        assert "Try again in" in answers[-1].json()["error"]
        other = _board(await _joined(dad, meeting, "family", "Sam"))
        assert (await send(dad.http, mid, small, other)).status_code == 201


async def test_the_signed_in_facilitator_uploads_with_the_csrf_token_only(
    server: RunningServer,
) -> None:
    """By their session alone (not the board's join cookie): the facilitator's calls must
    carry the CSRF token; `X-Requested-With`, enough for a link holder, is not."""
    async with owner_of(server) as owner:
        meeting = await owner.meeting(waiting_room=False)
        mid = meeting["id"]
        session = owner.browser.http
        assert "sm_joined" not in session.cookies  # the session is what speaks here
        token = session.cookies.get("sm_csrf")
        assert token
        photo = drawing_png()
        assert (await send(session, mid, photo)).status_code == 403
        by_header = await send(session, mid, photo, {"X-Requested-With": "safetymap"})
        assert by_header.status_code == 403
        sent = await send(session, mid, photo, {"X-CSRF-Token": token})
        assert sent.status_code == 201, sent.text
        assert (await session.get(sent.json()["url"])).status_code == 200
        # Another facilitator's meeting: nothing.
        other = await server.meeting("Not theirs (fictional)")
        assert (await send(session, other["id"], photo, {"X-CSRF-Token": token})).status_code == 403


async def test_the_cards_thumbnail_is_small_clean_and_as_guarded_as_the_picture(
    server: RunningServer,
) -> None:
    """`?size=small`: at most 480 px a side, fewer bytes, no metadata, same headers; a family
    link gets 404 for a professionals' thumbnail, as for the picture; other sizes: 400."""
    meeting = await server.meeting("Thumbnails (fictional)")
    mid = meeting["id"]
    async with Browser(server) as mum:
        config = await _joined(mum, meeting, "family", "Jo")
        sent = await send(mum.http, mid, photo_with_gps((4000, 3000)), _board(config))
        assert sent.status_code == 201, sent.text
        url = sent.json()["url"]
        full = await mum.http.get(url)
        small = await mum.http.get(url + "?size=small")
        assert small.status_code == 200 and small.headers["content-type"] == "image/jpeg"
        for header in ("cache-control", "x-content-type-options", "content-disposition"):
            assert small.headers[header] == full.headers[header]
        assert len(small.content) < len(full.content) / 4
        assert Image.open(io.BytesIO(full.content)).size == (2048, 1536)
        assert Image.open(io.BytesIO(small.content)).size == (480, 360)
        assert carries_no_metadata(small.content)
        for size in ("large", "SMALL", ""):
            refused = await mum.http.get(f"{url}?size={size}")
            assert refused.status_code == 400 and "size=small" in refused.json()["error"]

        pro = await _synced(await server.client(meeting, "professional", agency="Police"))
        query = _stock(server, pro, "professional", meeting)
        async with httpx.AsyncClient(base_url=server.address) as http:
            notes = await send(
                http, mid, drawing_png((1200, 800)), query=query, layer="professional"
            )
            assert notes.status_code == 201, notes.text
            hidden = f"/m/{mid}/pictures/{notes.json()['id']}"
            seen = await http.get(hidden + query + "&size=small")
            assert seen.status_code == 200 and seen.headers["content-type"] == "image/png"
            drawn = Image.open(io.BytesIO(seen.content))
            assert drawn.size == (480, 320) and drawn.mode == "RGBA"
            assert (await http.get(hidden + "?size=small")).status_code == 403  # nobody
        answer = await mum.http.get(hidden + "?size=small")
        assert answer.status_code == 404 and "error" in answer.json()
        await pro.disconnect()

    # A row kept before thumbnails were made: the small one is the whole picture.
    store = server.services.store
    stored = await store.picture(mid, sent.json()["id"])
    assert stored is not None and stored.file.thumbnail is not None
    async with store.engine.begin() as conn:
        await conn.execute(
            update(schema.pictures).where(schema.pictures.c.id == stored.id).values(thumbnail=None)
        )
    async with Browser(server) as again:
        await _joined(again, meeting, "family", "Jo's sister")
        whole = await again.http.get(url + "?size=small")
        assert whole.status_code == 200 and whole.content == full.content
