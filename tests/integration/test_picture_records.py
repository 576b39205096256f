"""Pictures in the record: the PDF and Word records show each picture with its description
(a caption everyone reads, and the alternative text a screen reader says: the PDF's `<img
alt>`, Word's `descr`); JSON and Markdown carry the description and the id. None of their
bytes carries the photo's EXIF or GPS. The family copy holds no picture of the
professionals' notes."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pypdf
from docx import Document
from PIL import Image
from pycrdt import Map, Text

from server.board import picture_ids
from server.board.permissions import Layer
from server.live import meetings
from server.record import export, exports
from server.store import audit
from server.sync import crdt
from tests.conftest import RunningServer
from tests.integration.test_pictures import _board, _joined, _stock, _synced
from tests.pictures import carries_no_metadata, drawing_png, photo_with_gps, send
from tests.webclient import Browser

SCHEMA = json.loads((Path(__file__).parents[2] / "schemas" / "map.schema.json").read_text())
SAID = "Leo's drawing of his three houses: Mum, Gran and Dad's flat"
NOTES = "Sketch of the flat's layout from the home visit"


def _card(author: str, section: str, pictures: list[dict[str, str]], text: str) -> Map[Any]:
    return Map(
        {
            "section": section,
            "text": Text(text),
            "order": "V",
            "author": author,
            "createdAt": "2026-01-01T10:00:00+00:00",
            "pictures": pictures,
        }
    )


async def _meeting_with_pictures(server: RunningServer) -> tuple[dict[str, Any], str, str]:
    """An ended meeting: a photo with GPS on a child's voice card of the map, and a drawing
    on a card of the professionals' notes. The two pictures' ids."""
    meeting = await server.meeting("Pictures in the record (fictional)")
    mid = meeting["id"]
    async with Browser(server) as mum:
        sent = await send(
            mum.http,
            mid,
            photo_with_gps(orientation=6),
            _board(await _joined(mum, meeting, "family", "Jo")),
        )
        assert sent.status_code == 201, sent.text
    photo = sent.json()["id"]
    pro = await _synced(await server.client(meeting, "professional", agency="Police"))
    notes = await _synced(
        await server.client(meeting, "professional", layer="professional", key=pro.key)
    )
    async with httpx.AsyncClient(base_url=server.address) as http:
        query = _stock(server, pro, "professional", meeting)
        drawn = await send(http, mid, drawing_png(), query=query, layer="professional")
        assert drawn.status_code == 201, drawn.text
    drawing = drawn.json()["id"]
    me = await pro.whoami()
    pro.items["voice"] = _card(me, "child_voice", [{"id": photo, "alt": SAID}], "Leo drew us")
    notes.items["notes"] = _card(me, "danger", [{"id": drawing, "alt": NOTES}], "Visit notes")
    check = await _synced(await server.client(meeting, "facilitator"))
    notes_check = await _synced(await server.client(meeting, "facilitator", layer="professional"))
    await check.wait_for(lambda: "voice" in check.items)
    await notes_check.wait_for(lambda: "notes" in notes_check.items)
    for client in (pro, notes, check, notes_check):
        await client.disconnect()
    found = await server.services.store.meeting(mid)
    assert found is not None
    await meetings.end(server.services, found, None, audit.SYSTEM)
    return meeting, photo, drawing


async def _render(server: RunningServer, mid: str, fmt: str, family: bool) -> bytes:
    store = server.services.store
    document = await exports.document(store, mid, snapshot=None, family=family)
    files = await exports.picture_files(store, document) if fmt in export.PICTURED else {}
    return export.render(document, fmt, server.settings.timezone, files)


def _no_metadata_anywhere(data: bytes) -> None:
    assert b"Exif\x00\x00" not in data and b"FictionalCam" not in data


async def test_every_record_carries_each_picture_with_its_description_and_no_metadata(
    server: RunningServer,
) -> None:
    meeting, photo, drawing = await _meeting_with_pictures(server)
    mid = meeting["id"]
    # JSON: the description and a reference, with the kept file's type and size.
    full = json.loads(await _render(server, mid, "json", family=False))
    jsonschema.validate(full, SCHEMA)
    [voice] = full["sections"]["child_voice"]
    assert voice["pictures"] == [
        {"id": photo, "description": SAID, "type": "image/jpeg", "width": 900, "height": 1200}
    ]
    [notes] = full["sections"]["danger"]
    assert notes["layer"] == "professional" and notes["pictures"][0]["id"] == drawing
    # Markdown: the description and the id, escaped as everything people type.
    md = (await _render(server, mid, "md", family=False)).decode()
    plain = md.replace("\\", "")
    assert f"Picture: {SAID} (picture {photo})" in plain
    assert f"Picture: {NOTES} (picture {drawing})" in plain
    # PDF: both pictures, with a caption and their alternative text; no EXIF in any of it.
    pdf = await _render(server, mid, "pdf", family=False)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    images = _images(reader)
    assert len(images) == 2
    for image in images:
        assert carries_no_metadata(image.data) or not dict(
            Image.open(io.BytesIO(image.data)).getexif()
        )
    _no_metadata_anywhere(pdf)
    text = " ".join(page.extract_text() for page in reader.pages)
    assert f"Picture: {SAID}" in " ".join(text.split())
    assert {SAID, NOTES} <= _alt_texts(reader)
    # Word: both pictures, each described (docPr descr) and captioned; no EXIF.
    docx = await _render(server, mid, "docx", family=False)
    _no_metadata_anywhere(docx)
    package = zipfile.ZipFile(io.BytesIO(docx))
    media = [n for n in package.namelist() if n.startswith("word/media/")]
    assert len(media) == 2
    for name in media:
        assert carries_no_metadata(package.read(name))
    word = Document(io.BytesIO(docx))
    assert sorted(word.element.xpath(".//wp:docPr/@descr")) == sorted([SAID, NOTES])
    assert f"Picture: {SAID}" in [p.text for p in word.paragraphs]


async def test_the_family_copy_holds_no_picture_of_the_professionals_notes(
    server: RunningServer,
) -> None:
    meeting, photo, drawing = await _meeting_with_pictures(server)
    mid = meeting["id"]
    family = json.loads(await _render(server, mid, "json", family=True))
    jsonschema.validate(family, SCHEMA)
    named = json.dumps(family)
    assert photo in named and drawing not in named and NOTES not in named
    store = server.services.store
    document = await exports.document(store, mid, snapshot=None, family=True)
    assert set(await exports.picture_files(store, document)) == {photo}
    pdf = pypdf.PdfReader(io.BytesIO(await _render(server, mid, "pdf", family=True)))
    assert len(_images(pdf)) == 1
    docx = zipfile.ZipFile(io.BytesIO(await _render(server, mid, "docx", family=True)))
    assert len([n for n in docx.namelist() if n.startswith("word/media/")]) == 1
    assert drawing not in (await _render(server, mid, "md", family=True)).decode().replace("\\", "")


def _images(reader: pypdf.PdfReader) -> list[Any]:
    """The distinct images the PDF shows (pages share their resources)."""
    found = {image.name: image for page in reader.pages for image in page.images}
    return list(found.values())


def _alt_texts(reader: pypdf.PdfReader) -> set[str]:
    """Every /Alt in the PDF's structure tree (WeasyPrint writes an `<img alt>` there)."""
    found: set[str] = set()

    def walk(node: Any, depth: int = 0) -> None:
        node = node.get_object() if hasattr(node, "get_object") else node
        if depth > 60:
            return
        if isinstance(node, pypdf.generic.DictionaryObject):
            if "/Alt" in node:
                found.add(str(node["/Alt"]))
            kids = node.get("/K")
            if kids is not None:
                walk(kids, depth + 1)
        elif isinstance(node, pypdf.generic.ArrayObject):
            for kid in node:
                walk(kid, depth + 1)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


async def test_a_review_carries_the_pictures_over_as_its_own(server: RunningServer) -> None:
    meeting, photo, drawing = await _meeting_with_pictures(server)
    store = server.services.store
    account = await server.services.accounts.add("sam@example.org", "Sam Chair", "a long secret!")
    before = await store.meeting(meeting["id"])
    assert before is not None
    review_id = await meetings.start_review(server.services, before, account.id)
    assert review_id is not None
    carried: dict[str, list[Any]] = {}
    for layer in Layer:
        doc = crdt.doc_from_updates(await store.load(review_id, layer))
        items = doc.get("items", type=Map)
        carried[layer.value] = [p for card in items.values() for p in card.get("pictures", [])]
    [(voice, said)] = [(p["id"], p["alt"]) for p in carried["main"]]
    [(notes, noted)] = [(p["id"], p["alt"]) for p in carried["professional"]]
    assert (said, noted) == (SAID, NOTES) and {voice, notes}.isdisjoint({photo, drawing})
    key = server.settings.secret_key
    assert picture_ids.signed_for(key, review_id, "main", voice)
    assert picture_ids.signed_for(key, review_id, "professional", notes)
    for old, new in ((photo, voice), (drawing, notes)):
        was, now = await store.picture(meeting["id"], old), await store.picture(review_id, new)
        assert was is not None and now is not None
        assert (now.file, now.layer) == (was.file, was.layer)
        assert now.file.thumbnail is not None  # the cards' thumbnail goes with it
