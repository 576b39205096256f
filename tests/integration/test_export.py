"""Exports of the record (JSON, Markdown; full and family copy) through the command line, from
a real meeting that was edited live and ended."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from server.board import model
from tests.conftest import RunningServer
from tests.example_meeting import EXAMPLE, example_meeting

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schemas" / "map.schema.json").read_text())


async def run_export(server: RunningServer, meeting_id: str, out: Path, *args: str) -> str:
    await run_export_bytes(server, meeting_id, out, *args)
    return read(out)


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def without_generation_time(text: str) -> list[str]:
    return [line for line in text.splitlines() if "generat" not in line.lower()]


async def test_exports_of_an_ended_meeting(server: RunningServer, tmp_path: Path) -> None:
    meeting, data, ids = await example_meeting(server, end=True)
    full_json = await run_export(server, meeting["id"], tmp_path / "a.json", "--format", "json")
    family_json = await run_export(
        server, meeting["id"], tmp_path / "f.json", "--format", "json", "--family"
    )
    full_md = await run_export(server, meeting["id"], tmp_path / "a.md", "--format", "md")
    family_md = await run_export(
        server, meeting["id"], tmp_path / "f.md", "--format", "md", "--family"
    )
    again_md = await run_export(server, meeting["id"], tmp_path / "b.md", "--format", "md")
    again_json = await run_export(server, meeting["id"], tmp_path / "b.json", "--format", "json")

    full, family = json.loads(full_json), json.loads(family_json)
    jsonschema.validate(full, SCHEMA)
    jsonschema.validate(family, SCHEMA)
    assert full["export"]["snapshot"]["n"] == 1 and full["export"]["draft"] is False
    assert full["export"]["variant"] == "full" and family["export"]["variant"] == "family"

    secret_texts = [card["text"] for card in data["professionalOnly"]]
    for card in data["cards"]:
        assert card["text"] in full_md and card["text"] in family_md
        assert card["text"] in full_json and card["text"] in family_json
    for text in secret_texts:
        assert text in full_md and text in full_json
        assert text not in family_md and text not in family_json
    assert "Family copy" in family_md and "Family copy" not in full_md
    for scale in data["scales"]:
        for rating in scale["ratings"]:
            assert rating["reason"] in full_md
    for step in (c for c in data["cards"] if c["section"] == "next_steps"):
        assert f"| {step['text']} | {step.get('owner', '')}" in full_md

    # Everyone is named as the server knows them: each card by the person who wrote it (their
    # own connection wrote it, in their own name), each view and each mark by its own person.
    people = {p["id"]: p for p in data["participants"]}
    roster = {p["id"]: (p["name"], p["role"], p["relationship"]) for p in full["participants"]}
    for pid, person in people.items():
        relationship = person["relationship"] if person["role"] == "family" else None
        assert roster[ids[pid]] == (person["name"], person["role"], relationship)
    written = {c["id"]: c for cards in full["sections"].values() for c in cards}
    family_cards = {c["id"] for cards in family["sections"].values() for c in cards}
    assert family_cards == {c["id"] for c in data["cards"]}
    for card in data["cards"] + data["professionalOnly"]:
        got, author = written[card["id"]], people[card["author"]]
        assert got["author"] == got["addedBy"]["id"] == ids[author["id"]]
        assert got["addedBy"]["name"] == author["name"]
        assert got["speaker"] == (ids[card["speaker"]] if "speaker" in card else None)
        views = {ids[p]: stance for p, stance in card.get("stance", {}).items()}
        assert {s["participant"]: s["stance"] for s in got["stances"]} == views
        if card["section"] != "next_steps":  # a table of their own
            listed = next(p for p in full["participants"] if p["id"] == ids[author["id"]])
            if author["role"] == "family":
                who = f"{author['name']} ({author['relationship']})"
            elif listed["agency"] and author["role"] == "professional":
                who = f"{author['name']}, {listed['agency']}"
            else:
                who = f"{author['name']} ({author['role'].capitalize()})"
            shown = card["text"] + (" *(professionals only)*" if got["layer"] != "main" else "")
            assert f"{shown}\n  Written by {who}." in full_md
    marks = {
        (s["id"], r["participant"]): (r["value"], r["reason"])
        for s in full["scales"]
        for r in s["ratings"]
    }
    assert marks == {
        (s["id"], ids[r["participant"]]): (r["value"], r["reason"])
        for s in data["scales"]
        for r in s["ratings"]
    }

    # The same snapshot exported twice differs only in when it was generated.
    assert without_generation_time(full_md) == without_generation_time(again_md)
    assert without_generation_time(full_json) == without_generation_time(again_json)


async def test_draft_export_of_an_open_meeting(server: RunningServer, tmp_path: Path) -> None:
    meeting, data, _ = await example_meeting(server, end=False)
    draft_md = await run_export(server, meeting["id"], tmp_path / "d.md", "--format", "md")
    draft = json.loads(
        await run_export(server, meeting["id"], tmp_path / "d.json", "--format", "json")
    )
    assert "Draft — meeting still open" in draft_md
    assert draft["export"]["draft"] is True and draft["export"]["snapshot"] is None
    jsonschema.validate(draft, SCHEMA)
    assert data["cards"][0]["text"] in draft_md


def squash(text: str) -> str:
    return " ".join(text.split())


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return squash(" ".join(page.extract_text() or "" for page in reader.pages))


def docx_parts(path: Path) -> tuple[list[str], list[str], str]:
    import docx

    document = docx.Document(str(path))
    headings = [
        p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))
    ]
    cells = [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    body = squash(" ".join([p.text for p in document.paragraphs] + cells))
    return headings, cells, body


async def test_pdf_and_word_exports(server: RunningServer, tmp_path: Path) -> None:
    meeting, data, _ = await example_meeting(server, end=True)
    mid = meeting["id"]
    await run_export_bytes(server, mid, tmp_path / "a.pdf", "--format", "pdf")
    await run_export_bytes(server, mid, tmp_path / "f.pdf", "--format", "pdf", "--family")
    await run_export_bytes(server, mid, tmp_path / "a.docx", "--format", "docx")
    await run_export_bytes(server, mid, tmp_path / "f.docx", "--format", "docx", "--family")
    full_pdf, family_pdf = pdf_text(tmp_path / "a.pdf"), pdf_text(tmp_path / "f.pdf")
    headings, cells, full_docx = docx_parts(tmp_path / "a.docx")
    _, _, family_docx = docx_parts(tmp_path / "f.docx")
    for card in data["cards"]:
        for text in (full_pdf, family_pdf, full_docx, family_docx):
            assert squash(card["text"]) in text
    for card in data["professionalOnly"]:
        assert squash(card["text"]) in full_pdf and squash(card["text"]) in full_docx
        assert squash(card["text"]) not in family_pdf and squash(card["text"]) not in family_docx
    for scale in data["scales"]:
        for rating in scale["ratings"]:
            assert squash(rating["reason"]) in full_pdf and squash(rating["reason"]) in full_docx
    assert "Family copy" in family_pdf and "Family copy" in family_docx
    assert "Sam Taylor" in full_pdf and "Page 1 /" in full_pdf
    assert {
        "What are we worried about?",
        "What's working well?",
        "What needs to happen?",
        "Next steps",
    } <= set(headings)
    assert "Owner" in cells and "Chris Example" in cells


async def run_export_bytes(server: RunningServer, meeting_id: str, out: Path, *args: str) -> None:
    env = {**os.environ, "SAFETYMAP_DATA_DIR": str(server.settings.data_dir)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "export", meeting_id, *args, "-o", str(out),
        env=env, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, err.decode()


async def test_facilitator_downloads_from_the_meeting_page(server: RunningServer) -> None:
    from tests.integration.test_meeting_pages import create_meeting, signed_in

    async with await signed_in(server) as chair:
        meeting_id = await create_meeting(chair, "Download check")
        draft = await chair.get(f"/meetings/{meeting_id}/export?format=md")
        assert draft.status_code == 200 and "Draft — meeting still open" in draft.text
        await chair.submit(f"/meetings/{meeting_id}", {}, action=f"/meetings/{meeting_id}/end")
        page = await chair.get(f"/meetings/{meeting_id}")
        assert f"/meetings/{meeting_id}/export?format=pdf&amp;snapshot=1" in page.text
        pdf = await chair.get(f"/meetings/{meeting_id}/export?format=pdf&snapshot=1&family=1")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert "family" in pdf.headers["content-disposition"]
    async with await signed_in(server, "other@example.org") as stranger:
        assert (await stranger.get(f"/meetings/{meeting_id}/export?format=json")).status_code == 404


# --- byte stability --------------------------------------------------------------------------

FIRST_TIME, SECOND_TIME = "2026-05-12T12:00:00+00:00", "2026-06-30T23:59:58+00:00"


def example_document(generated_at: str, *, family: bool = False) -> dict[str, Any]:
    """The shared example as an ended meeting's snapshot, reviewing an earlier meeting (so the
    history and the changes are in every format too)."""
    from pycrdt import Doc

    from server.record import view

    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    main: Doc[Any] = Doc()
    pro: Doc[Any] = Doc()
    model.write_map(
        main,
        {k: v for k, v in data.items() if k != "professionalOnly"} | {"createdAt": data["held"]},
    )
    model.write_map(pro, {"cards": data["professionalOnly"], "createdAt": data["held"]})
    facts = {"id": "m2", "title": data["title"], "labelSet": data["labelSet"], "status": "ended",
             "createdAt": data["held"], "endedAt": data["held"]}  # fmt: skip
    rendered = model.render_meeting(main, None if family else pro, facts, data["participants"])
    earlier = model.render_meeting(main, pro, facts | {"id": "m1"}, data["participants"])
    earlier["sections"]["harm"] = earlier["sections"]["harm"][1:]
    snapshot = {"meetingId": "m2", "n": 1, "createdAt": data["held"], "endedBy": "p1"}
    document = view.with_export_facts(rendered, snapshot, family=family, generated_at=generated_at)
    return view.with_chain(document, [earlier], family=family)


@pytest.mark.parametrize("fmt", ["json", "md", "docx", "pdf"])
def test_exports_differ_only_in_the_generation_time(fmt: str, tmp_path: Path) -> None:
    from server.record import export

    first = export.render(example_document(FIRST_TIME), fmt)
    again = export.render(example_document(FIRST_TIME), fmt)
    later = export.render(example_document(SECOND_TIME), fmt)
    assert example_document(FIRST_TIME)["changes"]["added"]  # the chain is in the file
    # Rendered twice with the same generation time: the very same bytes.
    assert first == again
    assert first != later
    if fmt == "json":
        assert first.replace(FIRST_TIME.encode(), b"T") == later.replace(SECOND_TIME.encode(), b"T")
    elif fmt == "md":
        assert without_time(first.decode(), FIRST_TIME) == without_time(later.decode(), SECOND_TIME)
    elif fmt == "docx":
        # Every part of the package is the same once the time is taken out (core.xml keeps it
        # as W3C date-time in UTC).
        assert docx_parts_without(first, FIRST_TIME) == docx_parts_without(later, SECOND_TIME)
    else:
        # PDF streams are compressed, and the font subset follows the digits used, so the
        # honest check is on what the file says: the same text on the same pages.
        (tmp_path / "a.pdf").write_bytes(first)
        (tmp_path / "b.pdf").write_bytes(later)
        assert pdf_pages(tmp_path / "a.pdf", FIRST_TIME) == pdf_pages(
            tmp_path / "b.pdf", SECOND_TIME
        )


def without_time(text: str, moment: str) -> str:
    """The text with the generation time, in ISO and in words, as T."""
    from server.record.times import Times

    return text.replace(moment, "T").replace(Times.named().when(moment), "T")


@pytest.mark.parametrize("fmt", ["md", "docx", "pdf"])
def test_records_give_times_as_people_read_them(fmt: str, tmp_path: Path) -> None:
    """The meeting's time in words, in the server's zone, named; no ISO times and no seconds
    anywhere a person reads (the JSON keeps ISO)."""
    from server.record import export

    content = export.render(example_document(FIRST_TIME), fmt)
    path = tmp_path / f"record.{fmt}"
    path.write_bytes(content)
    text = squash(pdf_text(path) if fmt == "pdf" else docx_parts(path)[2] if fmt == "docx"
                  else content.decode())  # fmt: skip
    assert "Meeting held: 12 May 2026, 10:00 BST" in text
    assert "Generated 12 May 2026, 13:00 BST" in text  # FIRST_TIME, 12:00 UTC
    assert "Label set: Child protection" in text
    assert not re.search(r"\d{4}-\d\d-\d\d|\d\d:\d\d:\d\d|UTC\+|child_protection", text)
    assert "Due" in text and "1 July 2026" in text and "In progress" in text


def test_records_say_times_in_the_zone_they_are_set_to(tmp_path: Path) -> None:
    from server.record import export

    content = export.render(example_document(FIRST_TIME), "md", "America/Sao_Paulo")
    assert "Meeting held: 12 May 2026, 06:00 UTC-03:00" in content.decode()
    content = export.render(example_document(FIRST_TIME), "md", "UTC")
    assert "Meeting held: 12 May 2026, 09:00 UTC" in content.decode()


def docx_parts_without(content: bytes, moment: str) -> dict[str, bytes]:
    import io
    import zipfile

    from server.record.times import Times

    w3c = moment.replace("+00:00", "Z").encode()
    words = Times.named().when(moment).encode()
    package = zipfile.ZipFile(io.BytesIO(content))
    assert {i.date_time for i in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    return {
        name: package.read(name)
        .replace(moment.encode(), b"T")
        .replace(w3c, b"T")
        .replace(words, b"T")
        for name in package.namelist()
    }


def pdf_pages(path: Path, moment: str) -> list[str]:
    from pypdf import PdfReader

    return [without_time(page.extract_text() or "", moment) for page in PdfReader(path).pages]


async def test_export_all_ended_meetings(server: RunningServer, tmp_path: Path) -> None:
    from server.cli import progress_bar
    from server.store import audit

    first, _, _ = await example_meeting(server, end=True)
    still_open, _, _ = await example_meeting(server, end=False)
    second, _, _ = await example_meeting(server, end=True)
    env = {**os.environ, "SAFETYMAP_DATA_DIR": str(server.settings.data_dir)}
    out = tmp_path / "records"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "export", "--all-ended", "--out-dir", str(out),
        "--format", "md", "--family",
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode == 0, stderr.decode()
    names = [f"safety-map-{m['id']}-family.md" for m in (first, second)]
    assert sorted(p.name for p in out.iterdir()) == sorted(names)
    # Not a terminal: one plain line per meeting instead of a redrawn bar.
    assert stderr.decode().splitlines() == [f"1/2 {names[0]}", f"2/2 {names[1]}"]
    assert "wrote 2 files" in stdout.decode()
    assert "Family copy" in read(out / names[0])
    for meeting in (first, second):
        trail = await audit.for_meeting(server.services.store.engine, meeting["id"])
        exported = [e for e in trail if e.event.action == audit.EXPORT]
        assert [(e.event.actor.kind, e.event.details["variant"]) for e in exported] == [
            ("cli", "family")
        ]
    trail = await audit.for_meeting(server.services.store.engine, still_open["id"])
    assert [e for e in trail if e.event.action == audit.EXPORT] == []
    assert progress_bar(0, 4, width=8) == "[........] 0/4 meetings"
    assert progress_bar(3, 4, width=8) == "[######..] 3/4 meetings"
    assert progress_bar(0, 0, width=4) == "[####] 0/0 meetings"


async def test_export_all_ended_draws_a_bar_on_a_terminal(
    server: RunningServer, tmp_path: Path
) -> None:
    import pty

    await example_meeting(server, end=True)
    env = {**os.environ, "SAFETYMAP_DATA_DIR": str(server.settings.data_dir)}
    controller, terminal = pty.openpty()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "server.cli", "export", "--all-ended", "--out-dir",
            str(tmp_path / "out"), env=env, stdout=asyncio.subprocess.DEVNULL, stderr=terminal,
        )  # fmt: skip
        assert await asyncio.wait_for(process.wait(), 120) == 0
        drawn = os.read(controller, 65536).decode()
    finally:
        os.close(controller)
        os.close(terminal)
    assert drawn.startswith("[" + "." * 30 + "] 0/1 meetings")
    assert "\r[" + "#" * 30 + "] 1/1 meetings" in drawn
