"""Exports of a meeting's record, as pure functions of its rendered map (no I/O).

Each export of the same snapshot is byte-for-byte the same apart from `generatedAt`: the map
is rendered deterministically and serialised with sorted keys. The family copy is rendered
without the professionals-only layer at all, and says so.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from jinja2 import Environment

from server.board import attribution, model
from server.i18n import environment, translations
from server.record import history, mapdiff, markdown_text, record_cards
from server.store import Snapshot
from server.sync import crdt

FORMATS = ("json", "md", "pdf", "docx")
_gettext = translations().gettext


def when(moment: str | None) -> str:
    """A stored ISO time as a record reads it: "12 May 2026, 10:00 (UTC+01:00)", in the
    offset it was stored with (the JSON export keeps the ISO string)."""
    if not moment:
        return ""
    at = datetime.fromisoformat(moment)
    z = f"{at:%z}"  # "+0100"; empty for a naive time, which the store writes in UTC
    zone = "UTC" if z in ("", "+0000") else f"UTC{z[:3]}:{z[3:5]}"
    return f"{at.day} {at:%B %Y, %H:%M} ({zone})"


_templates = environment()
_templates.filters["when"] = when
# The Markdown record prints every value as escaped plain text (markdown_text.py): whatever
# people typed makes no heading, table, list, link, image, code or HTML in it.
_markdown = environment(finalize=markdown_text.finalize)
_markdown.filters["when"] = when


def record(snapshot: Snapshot, *, family: bool) -> dict[str, Any]:
    """The snapshot's rendered map, or its family copy rendered from the main layer alone."""
    if not family:
        return snapshot.rendered
    return model.render_meeting(
        crdt.doc_from_updates([snapshot.state_main]),
        None,
        {**snapshot.rendered["meeting"]},
        snapshot.roster,
        added_by=attribution.added_by_of(snapshot.rendered),
        edited_by=attribution.edited_by_of(snapshot.rendered),
    )


def with_export_facts(
    rendered: Mapping[str, Any],
    snapshot: Mapping[str, Any] | None,
    *,
    family: bool,
    generated_at: str,
) -> dict[str, Any]:
    facts = {
        "snapshot": dict(snapshot) if snapshot else None,
        "variant": "family" if family else "full",
        "draft": snapshot is None,
        "generatedAt": generated_at,
    }
    return {**rendered, "export": facts}


def with_chain(
    document: Mapping[str, Any], earlier: Sequence[Mapping[str, Any]], *, family: bool
) -> dict[str, Any]:
    """Add how the scales moved over the chain of meetings and what changed since the previous
    one. `earlier`: each earlier meeting's last snapshot (full), oldest first; the family copy
    sees them without the professionals-only layer, like the document itself."""
    if not earlier:
        return dict(document)
    before = [mapdiff.family_view(m) if family else m for m in earlier]
    return {
        **document,
        "history": history.build([*before, document]),
        "changes": mapdiff.diff(before[-1], document),
    }


def people_of(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Participant id -> person, for naming authors, speakers and raters: this meeting's
    people, and in a review those of the meetings before it (cards carried over were
    written there; ids are never reused across meetings)."""
    people: dict[str, Mapping[str, Any]] = {}
    for meeting in document.get("history", {}).get("meetings", []):
        people.update((p["id"], p) for p in meeting.get("participants", []))
    people.update((p["id"], p) for p in document["participants"])
    return people


def to_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def card_words(document: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], list[str]]:
    """card -> the lines the record prints under it (record_cards.py), for every format."""
    people = people_of(document)
    words = record_cards.Words(_gettext, record_cards.naming(people, _gettext), when)
    return lambda card: record_cards.facts(card, document, people, words)


def _template(name: str, document: Mapping[str, Any], templates: Environment = _templates) -> str:
    people = people_of(document)
    text: str = templates.get_template(name).render(
        map=document,
        people=people,
        card_facts=card_words(document),
        person=record_cards.naming(people, _gettext),  # as every format names people
        active=record_cards.active,
        withdrawn=record_cards.withdrawn(document),
        linked=lambda card_id: record_cards.linked(document, card_id, _gettext),
        columns=model.COLUMNS,
        labels=document["labels"],
        statuses={s: s.replace("_", " ") for s in model.NEXT_STEP_STATUSES},
        chart=lambda scale: history.svg(document["history"], scale, _gettext),
        series_label=lambda line: history.series_label(line, _gettext),
    )
    return text


def to_markdown(document: Mapping[str, Any]) -> str:
    return _template("export.md.j2", document, _markdown).rstrip() + "\n"


def to_pdf(document: Mapping[str, Any]) -> bytes:
    """A4, tagged, text selectable, fonts embedded (WeasyPrint; imported here because it needs
    Pango, which the rest of the server does not)."""
    from weasyprint import HTML

    html = _template("export.html", document)
    pdf: bytes = HTML(string=html).write_pdf(pdf_tags=True)
    return pdf


def to_docx(document: Mapping[str, Any]) -> bytes:
    from server.record.export_docx import build

    return build(document)


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
