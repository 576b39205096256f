"""The record as a Word document, with real headings and tables (many councils paste into
their case system from Word)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from docx import Document
from docx.shared import Mm

from server.board.picture_encoding import PictureFile
from server.i18n import N_, _
from server.record.history import meeting_label, series_label
from server.record.reading import Reading, rows_of
from server.record.times import Times


def build(document: Mapping[str, Any], times: Times, pictures: Mapping[str, PictureFile]) -> bytes:
    r = Reading(document, times, _)
    meeting, facts = document["meeting"], document["export"]
    labels = {sid: _(label) for sid, label in document["labels"].items()}
    doc = Document()
    # Stable bytes for the same snapshot: the file's own dates are the export's.
    moment = datetime.fromisoformat(facts["generatedAt"])
    doc.core_properties.created = doc.core_properties.modified = moment
    doc.core_properties.title = meeting["title"]
    doc.add_heading(meeting["title"], level=0)
    if facts["draft"]:
        doc.add_paragraph(_("Draft — meeting still open")).runs[0].bold = True
    if facts["variant"] == "family":
        notice = _("Family copy: this record leaves out notes shared only between professionals.")
        doc.add_paragraph(notice).runs[0].bold = True
    for label, value in (
        (_("Meeting held"), times.when(meeting["createdAt"])),
        (_("Ended"), times.when(meeting["endedAt"]) or _("not yet")),
        (_("Facilitator"), r.chairs()),
        (_("Label set"), r.label_set()),
    ):
        doc.add_paragraph(f"{label}: {value}")

    doc.add_heading(_("Who took part"), level=1)
    _table(doc, [_(h) for h in TOOK_PART], rows_of(r.took_part()))
    for title, sections in r.groups():
        doc.add_heading(title, level=1)
        for sid in sections:
            doc.add_heading(labels[sid], level=2)
            cards = r.active(sid)
            if not cards:
                doc.add_paragraph(_("Nothing recorded."))
            for card in cards:
                _card(doc, card, r.card_facts(card), pictures)
    if withdrawn := r.withdrawn():
        doc.add_heading(_("Withdrawn"), level=1)
        doc.add_paragraph(
            _("Taken off the map during the meeting. Kept here so that nothing disappears "
              "without a trace.")
        )  # fmt: skip
        for card in withdrawn:
            _card(doc, card, r.card_facts(card), pictures, labels[card["section"]])

    doc.add_heading(labels["next_steps"], level=1)
    _table(doc, [_("Action"), _("Owner"), _("Due"), _("Status")], r.steps())
    doc.add_heading(_("Safety scales"), level=1)
    for scale in document["scales"]:
        doc.add_heading(scale["question"], level=2)
        if scale.get("about"):
            doc.add_paragraph(f"{_('For the worry')}: {r.worry(scale)}").runs[0].bold = True
        doc.add_paragraph(f"0: {scale['low']}. 10: {scale['high']}.")
        _table(
            doc,
            [_("Name"), _("Mark"), _("Why"), _("One point up")],
            [
                [r.person(m["participant"]), str(m["value"]), m["reason"], m.get("up") or ""]
                for m in scale["ratings"]
            ],
        )
    if document.get("changes"):
        _changes(doc, document["changes"], labels)
    if document.get("history"):
        _history(doc, document["history"], times)
    if actions := r.actions():
        doc.add_heading(_("Who did what, and when"), level=1)
        _trail(doc, actions, times)
    doc.add_heading(_("Agreement"), level=1)
    for row in r.agreement():
        said = _("Agreed the plan") if row.agreed else _("Did not agree")
        words = f": “{row.words}”" if row.words else ""
        doc.add_paragraph(f"{row.who}: {said}{words}", style="List Bullet")
    if not r.agreement():
        doc.add_paragraph(_("No agreement was recorded."))
    if arrivals := r.arrivals():
        doc.add_heading(_("Appendix: who joined and left, and when"), level=1)
        _trail(doc, arrivals, times)
    doc.add_paragraph(r.footer())
    out = io.BytesIO()
    doc.save(out)
    return stable_zip(out.getvalue())


TOOK_PART = (
    N_("Name"),
    N_("Role"),
    N_("Agency or relationship"),
    N_("First joined"),
    N_("Last left"),
    N_("Minutes present"),
)


def _trail(doc: Any, rows: Sequence[Mapping[str, Any]], times: Times) -> None:
    _table(
        doc,
        [_("When"), _("Who"), _("What")],
        [[times.when(row["at"]), row["who"], row["what"]] for row in rows],
    )


def stable_zip(data: bytes) -> bytes:
    """The same package with every member dated the zip epoch: python-docx stamps members with
    the current time, which would make two exports of one snapshot differ. The document's own
    dates are in docProps/core.xml."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            target.writestr(member, source.read(info.filename))
    return out.getvalue()


CHANGE_KINDS = (
    ("added", N_("Added")),
    ("removed", N_("Taken off")),
    ("edited", N_("Wording changed")),
    ("moved", N_("Moved to another section")),
)


def _changes(doc: Any, changes: Mapping[str, Any], labels: Mapping[str, str]) -> None:
    doc.add_heading(_("What changed since the previous meeting"), level=1)
    for key, title in CHANGE_KINDS:
        doc.add_heading(f"{_(title)} ({len(changes[key])})", level=2)
        if not changes[key]:
            doc.add_paragraph(_("None."))
        for c in changes[key]:
            if key == "edited":
                text = f"{_('Was')}: “{c['before']}”. {_('Now')}: “{c['text']}”"
            else:
                text = c["text"]
            where = (
                f"{labels[c['from']]} → {labels[c['section']]}"
                if key == "moved"
                else labels[c["section"]]
            )
            if c["layer"] == "professional":
                where += f", {_('professionals only')}"
            doc.add_paragraph(f"{text} ({where})", style="List Bullet")


def _history(doc: Any, history: Mapping[str, Any], times: Times) -> None:
    """The numbers behind the chart, as a table per scale (Word takes no SVG)."""
    doc.add_heading(_("How the scales moved"), level=1)
    dates = [
        f"{meeting_label(i, _)}, {times.day(m['date'])}" + (f" ({_('draft')})" if m["open"] else "")
        for i, m in enumerate(history["meetings"])
    ]
    for scale in history["scales"]:
        doc.add_heading(scale["question"], level=2)
        _table(
            doc,
            [_("Who"), *dates],
            [
                [
                    series_label(line, _),
                    *(_("no mark") if v is None else str(v) for v in line["values"]),
                ]
                for line in scale["series"]
            ],
        )


def _table(doc: Any, header: list[str], rows: list[list[str]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def _card(
    doc: Any,
    card: Mapping[str, Any],
    lines: list[str],
    pictures: Mapping[str, PictureFile],
    section: str = "",
) -> None:
    text = f"{section}: {card['text']}" if section else card["text"]
    if card["layer"] == "professional":
        text += f" ({_('professionals only')})"
    doc.add_paragraph(text, style="List Bullet")
    for picture in card.get("pictures", []):
        _picture(doc, picture, pictures.get(picture["id"]))
    doc.add_paragraph(" · ".join(lines))


PICTURE_WIDTH = Mm(80)  # at most: a drawing reads at this size on A4 without taking a page


def _picture(doc: Any, picture: Mapping[str, Any], file: PictureFile | None) -> None:
    """The picture, its description as its alternative text (what a screen reader says),
    and the description again as a caption that everyone reads."""
    description = picture["description"]
    if file is not None:
        run = doc.add_paragraph().add_run()
        wide = file.width >= file.height
        run.add_picture(
            io.BytesIO(file.data),
            width=PICTURE_WIDTH if wide else None,
            height=None if wide else PICTURE_WIDTH,
        )
        for drawing in run.element.xpath(".//wp:docPr"):
            drawing.set("descr", description)
            drawing.set("name", _("Picture"))
    doc.add_paragraph(f"{_('Picture')}: {description}").runs[0].italic = True
