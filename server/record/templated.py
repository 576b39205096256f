"""The formats written through a Jinja2 template (the PDF's HTML and the Markdown record): one
environment each, and what every template sees of the record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from jinja2 import Environment

from server.board import model
from server.i18n import environment
from server.record import history, markdown_text, record_cards
from server.record.view import card_words, gettext, people_of, when

html = environment()
html.filters["when"] = when
# The Markdown record prints every value as escaped plain text (markdown_text.py): whatever
# people typed makes no heading, table, list, link, image, code or HTML in it.
markdown = environment(finalize=markdown_text.finalize)
markdown.filters["when"] = when


def fill(name: str, document: Mapping[str, Any], templates: Environment) -> str:
    people = people_of(document)
    text: str = templates.get_template(name).render(
        map=document,
        people=people,
        card_facts=card_words(document),
        person=record_cards.naming(people, gettext),  # as every format names people
        active=record_cards.active,
        withdrawn=record_cards.withdrawn(document),
        linked=lambda card_id: record_cards.linked(document, card_id, gettext),
        columns=model.COLUMNS,
        labels=document["labels"],
        statuses={s: s.replace("_", " ") for s in model.NEXT_STEP_STATUSES},
        chart=lambda scale: history.svg(document["history"], scale, gettext),
        series_label=lambda line: history.series_label(line, gettext),
    )
    return text
