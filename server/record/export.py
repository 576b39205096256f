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
from server.record.times import DEFAULT_ZONE, Times

FORMATS = ("json", "md", "pdf", "docx")


def to_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def to_markdown(document: Mapping[str, Any], times: Times) -> str:
    return markdown.build(document, times)


def to_pdf(document: Mapping[str, Any], times: Times) -> bytes:
    from server.record import pdf  # WeasyPrint loads only for a PDF

    return pdf.build(document, times)


def to_docx(document: Mapping[str, Any], times: Times) -> bytes:
    from server.record import word

    return word.build(document, times)


def render(document: Mapping[str, Any], fmt: str, zone: str = DEFAULT_ZONE) -> bytes:
    """The record in `fmt`; the formats people read say every time in `zone`
    (SAFETYMAP_TIMEZONE), the JSON keeps ISO 8601."""
    if fmt == "json":
        return to_json(document).encode()
    times = Times.named(zone)
    if fmt == "md":
        return to_markdown(document, times).encode()
    if fmt == "pdf":
        return to_pdf(document, times)
    if fmt == "docx":
        return to_docx(document, times)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
