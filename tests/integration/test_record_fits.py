"""Nothing in the PDF record runs outside its table or its page, read from the PDF itself
(pdfplumber): every character's box lies inside the page's content area (the footer in the
bottom margin, inside the side margins), and every character of a table inside its cell; on a
map with words longer than a column, long names and long next steps."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from server.record import export
from tests import complete_record as c

MM = 72 / 25.4  # points per millimetre
# export.html: @page { size: A4; margin: 18mm 16mm 20mm }
WIDTH, HEIGHT = 210 * MM, 297 * MM
LEFT, RIGHT = 16 * MM, WIDTH - 16 * MM
TOP, BOTTOM = 18 * MM, HEIGHT - 20 * MM
SLACK = 0.5  # points: glyph boxes are rounded


def outside(char: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    x0, top, x1, bottom = box
    return (
        char["x0"] < x0 - SLACK
        or char["x1"] > x1 + SLACK
        or char["top"] < top - SLACK
        or char["bottom"] > bottom + SLACK
    )


@pytest.mark.parametrize("family", [False, True], ids=["full", "family"])
def test_every_character_inside_the_page_and_its_cell(tmp_path: Path, family: bool) -> None:
    import pdfplumber

    path = tmp_path / "record.pdf"
    path.write_bytes(export.render(c.document(family=family, long_words=True), "pdf"))
    cells_seen = 0
    with pdfplumber.open(path) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
        for page in pdf.pages:
            assert (page.width, page.height) == pytest.approx((WIDTH, HEIGHT), abs=0.5)
            body = [ch for ch in page.chars if ch["top"] < BOTTOM]
            footer = [ch for ch in page.chars if ch["top"] >= BOTTOM]
            stray = [ch["text"] for ch in body if outside(ch, (LEFT, TOP, RIGHT, BOTTOM))]
            assert not stray, (page.page_number, "".join(stray))
            stray = [ch["text"] for ch in footer if outside(ch, (LEFT, BOTTOM, RIGHT, HEIGHT))]
            assert not stray, (page.page_number, "".join(stray))
            for table in page.find_tables():
                for cell in (cell for row in table.rows for cell in row.cells if cell):
                    inside = [
                        ch for ch in body
                        if cell[0] <= (ch["x0"] + ch["x1"]) / 2 <= cell[2]
                        and cell[1] <= (ch["top"] + ch["bottom"]) / 2 <= cell[3]
                    ]  # fmt: skip
                    cells_seen += bool(inside)
                    stray = [ch["text"] for ch in inside if outside(ch, cell)]
                    assert not stray, (page.page_number, "".join(stray))
    assert cells_seen > 20  # the people and the next steps, read as tables
    # The long words are there, broken across lines, not cut off.
    assert "Bartholomew-Fitzgerald" in text and "Unbreakableword" in text
    squashed = "".join(text.split())
    assert "Unbreakablewordwithoutanyspaces" * 4 in squashed
    assert "Oyelaran-Montgomery-Smythe" in squashed


def test_the_polish_table_headings_break_between_syllables_with_a_hyphen(tmp_path: Path) -> None:
    """A heading longer than its column ("Osoba odpowiedzialna", "Czas obecności") is
    hyphenated in the record's language, never cut at any letter ("odpowiedzialn / a")."""
    import pdfplumber

    from server.translation.catalogues import translations

    polish = translations("pl")
    headings = [polish.gettext(h) for h in ("Owner", "Minutes present", "Agency or relationship")]
    path = tmp_path / "record.pdf"
    path.write_bytes(export.render(c.document(family=True), "pdf", language="pl"))
    cells: list[str] = []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            for table in page.extract_tables():
                cells += [cell for cell in table[0] if cell]
    for heading in headings:
        words = heading.split()
        cell = next((c for c in cells if re.sub(r"[\s\-\u2010]", "", c) == "".join(words)), "")
        assert cell, (heading, cells)
        for line in cell.splitlines()[:-1]:  # every line but the last ends a word or with "-"
            assert line.split()[-1] in words or line.endswith(("-", "\u2010")), (heading, cell)
