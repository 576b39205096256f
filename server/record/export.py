"""Exports of a meeting's record, as pure functions of its rendered map (no I/O): one renderer
per format (json here; markdown.py, pdf.py, word.py), each from the same view (view.py).

Each export of the same snapshot is byte-for-byte the same apart from `generatedAt`: the map
is rendered deterministically and serialised with sorted keys. The family copy is rendered
without the professionals-only layer at all, and says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from server.record import markdown

FORMATS = ("json", "md", "pdf", "docx")


def to_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def to_markdown(document: Mapping[str, Any]) -> str:
    return markdown.build(document)


def to_pdf(document: Mapping[str, Any]) -> bytes:
    from server.record import pdf  # WeasyPrint loads only for a PDF

    return pdf.build(document)


def to_docx(document: Mapping[str, Any]) -> bytes:
    from server.record import word

    return word.build(document)


def render(document: Mapping[str, Any], fmt: str) -> bytes:
    if fmt == "json":
        return to_json(document).encode()
    if fmt == "md":
        return to_markdown(document).encode()
    if fmt == "pdf":
        return to_pdf(document)
    if fmt == "docx":
        return to_docx(document)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
