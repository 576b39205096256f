"""The formats written through a Jinja2 template (the PDF's HTML and the Markdown record): one
environment each, and what every template sees of the record: `r`, the record as people read
it (reading.py), and the rendered map itself."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from functools import cache
from typing import Any

from jinja2 import Environment

from server.board.picture_encoding import PictureFile
from server.i18n import environment, translations
from server.record import history, markdown_text
from server.record.reading import Reading
from server.record.times import Times
from server.translation.languages import language


@cache
def html(language: str) -> Environment:
    return environment(language)


@cache
def markdown(language: str) -> Environment:
    """The Markdown record prints every value as escaped plain text (markdown_text.py):
    whatever people typed makes no heading, table, list, link, image, code or HTML in it."""
    return environment(language, finalize=markdown_text.finalize)


def fill(
    name: str,
    document: Mapping[str, Any],
    templates: Environment,
    times: Times,
    pictures: Mapping[str, PictureFile] | None = None,
) -> str:
    """The record through a template, its words in `times.language` (the people's own words,
    the cards, stay as they wrote them); `pictures` (id -> kept file) show as `data:` images."""
    gettext = translations(times.language).gettext
    r = Reading(document, times, gettext)
    files = pictures or {}

    def picture_src(picture_id: str) -> str:
        file = files.get(picture_id)
        if file is None:
            return ""
        return f"data:{file.content_type};base64,{base64.b64encode(file.data).decode()}"

    text: str = templates.get_template(name).render(
        map=document,
        r=r,
        people=r.people,
        when=times.when,
        day=times.day,
        labels={sid: gettext(label) for sid, label in document["labels"].items()},
        record_language=language(times.language),  # <html lang dir>: hyphenation, mirroring
        chart=lambda scale: history.svg(document["history"], scale, gettext),
        series_label=lambda line: history.series_label(line, gettext),
        picture_src=picture_src,
    )
    return text
