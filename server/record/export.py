"""Exports of a meeting's record, as pure functions of its rendered map (no I/O): one renderer
per format (json here; markdown.py, pdf.py, word.py), each from the same view (view.py).

Each export of the same snapshot is byte-for-byte the same apart from `generatedAt`: the map
is rendered deterministically and serialised with sorted keys. The family copy is rendered
without the professionals-only layer at all, and says so.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from server.board.names import numbered
from server.board.picture_encoding import PictureFile
from server.i18n import speaking
from server.record import markdown
from server.record.times import DEFAULT_ZONE, Times
from server.translation.languages import SOURCE

FORMATS = ("json", "md", "pdf", "docx")
PICTURED = ("pdf", "docx")  # the formats that show the pictures themselves

Pictures = Mapping[str, PictureFile]  # picture id -> its kept file
NO_PICTURES: Pictures = {}


def to_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def to_markdown(document: Mapping[str, Any], times: Times) -> str:
    return markdown.build(document, times)


def to_pdf(document: Mapping[str, Any], times: Times, pictures: Pictures = NO_PICTURES) -> bytes:
    from server.record import pdf  # WeasyPrint loads only for a PDF

    return pdf.build(document, times, pictures)


def to_docx(document: Mapping[str, Any], times: Times, pictures: Pictures = NO_PICTURES) -> bytes:
    from server.record import word

    return word.build(document, times, pictures)


# What no one reads and XML may not hold: C0 and C1 controls (but tab and line breaks), lone
# surrogates and the two non-characters. Any Yjs client can type them into a card: one stopped
# every Word export of the meeting (python-docx refuses them) and garbled the PDF's text layer.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def printable(value: Any) -> Any:
    """The document with each such character in its strings shown as U+FFFD (the JSON record
    keeps them as they were)."""
    if isinstance(value, str):
        return _UNPRINTABLE.sub("\ufffd", value)
    if isinstance(value, Mapping):
        return {key: printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [printable(item) for item in value]
    return value


def told_apart(document: Mapping[str, Any]) -> dict[str, Any]:
    """The document with a number after a name someone earlier in the roster already gave
    ("Kelly Brown", "Kelly Brown (2)"), as the facilitator's lists do: a typed name proves
    nothing, and two rows, or two cards' "Written by", must not read as one person."""
    people = document.get("participants", [])
    shown = numbered(str(person.get("name", "")) for person in people)
    people = [
        person if name == person.get("name") else {**person, "name": name}
        for person, name in zip(people, shown, strict=True)
    ]
    return {**document, "participants": people}


def render(
    document: Mapping[str, Any],
    fmt: str,
    zone: str = DEFAULT_ZONE,
    pictures: Pictures = NO_PICTURES,
    language: str = SOURCE,
) -> bytes:
    """The record in `fmt`; the formats people read say every time in `zone`
    (SAFETYMAP_TIMEZONE) and their own words (headings, labels, roles, dates) in `language`,
    whatever language the request was in; the JSON keeps ISO 8601 and ids. Card text and
    names stay as people wrote them. `pictures`: the kept files of the pictures on its cards
    (exports.picture_files), shown in the PDF and Word records; the JSON and Markdown carry
    each one's description and id."""
    if fmt == "json":
        return to_json(document).encode()
    times = Times.named(zone, language)
    document = told_apart(printable(document))
    with speaking(language):
        if fmt == "md":
            return to_markdown(document, times).encode()
        if fmt == "pdf":
            return to_pdf(document, times, pictures)
        if fmt == "docx":
            return to_docx(document, times, pictures)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
