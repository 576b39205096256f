"""The family copy in the family's language: the record's own words (headings, column
headings, roles, "Written by", scale words, dates) from the catalogue, the cards and names as
people wrote them; from the command line (`--language pl`) and from the facilitator's meeting
page, which offers it in each language the family chose."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from babel.dates import format_date

from server.translation.catalogues import translations
from tests.conftest import RunningServer
from tests.example_meeting import example_meeting
from tests.integration.test_export import docx_parts, run_export_bytes, squash
from tests.integration.test_export import pdf_text as pdf_text_in_order
from tests.integration.test_meeting_pages import create_meeting, link_on, signed_in
from tests.webclient import Browser

POLISH = translations("pl")
# The record's words the seed catalogue (and the translator's) has in Polish.
WORDS = ("Who took part", "Safety scales", "What are we worried about?")


def pdf_text(path: Path) -> str:
    """The PDF's text as pdfplumber lays it out (table cells side by side, line by line)."""
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return squash(" ".join(page.extract_text() or "" for page in pdf.pages))


async def test_the_family_copy_in_polish_keeps_the_cards_as_written(
    server: RunningServer, tmp_path: Path
) -> None:
    meeting, data, _ = await example_meeting(server, end=True)
    mid = meeting["id"]
    for fmt in ("md", "pdf", "docx"):
        await run_export_bytes(
            server, mid, tmp_path / f"pl.{fmt}", "--format", fmt, "--family", "--language", "pl"
        )
        await run_export_bytes(server, mid, tmp_path / f"en.{fmt}", "--format", fmt, "--family")
    texts = {
        "md": squash((tmp_path / "pl.md").read_text(encoding="utf-8")),
        "pdf": pdf_text(tmp_path / "pl.pdf"),
        "docx": docx_parts(tmp_path / "pl.docx")[2],
    }
    english = {
        "md": squash((tmp_path / "en.md").read_text(encoding="utf-8")),
        "pdf": pdf_text(tmp_path / "en.pdf"),
        "docx": docx_parts(tmp_path / "en.docx")[2],
    }
    # The meeting was held just now: its date in Polish ("7 grudnia 2026"; the genitive month).
    month = format_date(date.today(), "d MMMM y", locale="pl")
    for fmt, text in texts.items():
        for words in WORDS:
            polish = POLISH.gettext(words)
            assert polish != words and squash(polish) in text, (fmt, words)
            assert words in english[fmt], (fmt, words)
        # Card text and names as written, in every format (the PDF's read cell by cell).
        if fmt == "pdf":
            text = pdf_text_in_order(tmp_path / "pl.pdf")
        for card in data["cards"]:
            assert squash(card["text"]) in text, (fmt, card["text"])
        for secret in data["professionalOnly"]:
            assert squash(secret["text"]) not in text, fmt
        assert month in text, (fmt, month)
        assert format_date(date.today(), "MMMM y", locale="en") not in text, fmt
    assert "Who took part" not in texts["md"]


async def test_the_meeting_page_offers_the_family_copy_in_the_familys_language(
    server: RunningServer,
) -> None:
    async with await signed_in(server) as chair:
        meeting_id = await create_meeting(chair, "Planning for Leo (fictional)")
        page = await chair.get(f"/meetings/{meeting_id}")
        family_link = link_on(page.text, "family").split("/join/", 1)[1]
        async with Browser(server) as family:
            joined = await family.submit(
                f"/join/{family_link}", {"name": "Jo Example", "language": "pl"}
            )
            assert joined.status_code == 303, joined.text
        await chair.submit(f"/meetings/{meeting_id}", {}, action=f"/meetings/{meeting_id}/end")
        page = await chair.get(f"/meetings/{meeting_id}")
        assert "Family copy in Polski" in page.text
        url = f"/meetings/{meeting_id}/export?format=md&amp;snapshot=1&amp;family=1&amp;language=pl"
        assert url in page.text
        copy = await chair.get(url.replace("&amp;", "&"))
        assert copy.status_code == 200 and POLISH.gettext("Who took part") in copy.text
        assert copy.headers["content-disposition"].endswith('-family-pl.md"')
        # A language the server does not offer: the English copy, never an error.
        odd = await chair.get(url.replace("&amp;", "&").replace("=pl", "=xx"))
        assert odd.status_code == 200 and "Who took part" in odd.text
