"""The record as a PDF: A4, tagged, text selectable, fonts embedded (WeasyPrint, from the
record's HTML template)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.board.picture_encoding import PictureFile
from server.record import templated
from server.record.times import Times


def build(document: Mapping[str, Any], times: Times, pictures: Mapping[str, PictureFile]) -> bytes:
    # WeasyPrint is imported here because it needs Pango, which the rest of the server does not.
    from weasyprint import HTML

    pdf: bytes = HTML(
        string=templated.fill(
            "export.html", document, templated.html(times.language), times, pictures
        )
    ).write_pdf(pdf_tags=True)
    return pdf
