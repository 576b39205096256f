"""Everything the map holds reaches every format: the seven sections, the optional ones (the
child's voice among them), withdrawn cards with who withdrew them and when, every field of a
card and a scale, who took part and for how long, and what each person said of the plan; in
words people read (no ids, no `snake_case`, times in the server's zone), in the full record and
the family copy, in PDF, Word, Markdown and JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from server.board import model
from server.record import export
from tests import complete_record as c
from tests.integration.test_export import SCHEMA, docx_parts, pdf_text, squash

FORMATS = ("pdf", "docx", "md")


def text_of(document: dict[str, Any], fmt: str, tmp_path: Path) -> str:
    content = export.render(document, fmt)
    path = tmp_path / f"record-{document['export']['variant']}.{fmt}"
    path.write_bytes(content)
    if fmt == "pdf":
        return pdf_text(path)
    if fmt == "docx":
        return docx_parts(path)[2]
    return squash(content.decode())


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, bool], str]:
    out = tmp_path_factory.mktemp("records")
    return {
        (fmt, family): text_of(c.document(family=family), fmt, out)
        for fmt in FORMATS
        for family in (False, True)
    }


@pytest.mark.parametrize("family", [False, True], ids=["full", "family"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_every_section_and_field_in_words(
    records: dict[tuple[str, bool], str], fmt: str, family: bool
) -> None:
    text = records[fmt, family]
    labels = model.LABEL_SETS["early_help"]
    for section in model.ALL_SECTIONS:  # every section, the optional ones too, by its label
        assert labels[section] in text, (section, labels[section])
    for card in c.cards(long_words=False):
        assert squash(card["text"]) in text, card["id"]
    assert (c.SECRET in text) is not family
    # Withdrawn, with who withdrew it and when.
    assert "Withdrawn by Kelly Brown (Mum), 12 May 2026, 10:40 BST" in text
    # Every field of a card, in words.
    assert "Whose view: Kelly Brown (Mum)" in text and "Whose view: Grandma said" in text
    assert "Written by DC Dana Reid, Police" in text
    worry = "“The police are worried that if the shouting goes on late into the night, Mia…”"
    assert f"Answers the worry: {worry}" in text
    assert "Agree: Kai Lee (Professional)" in text and "Dispute: Kelly Brown (Mum)" in text
    assert "Unsure: Sam Taylor (Facilitator)" in text
    for said in ("Kelly Brown", "1 July 2026", "In progress", "11 August 2026", "Done"):
        assert said in text, said
    # Each scale headed by its own question; the worry's scale quotes the worry.
    assert "Where are things now, overall?" in text and squash(model.DEFAULT_SCALE_QUESTION) in text
    assert f"For the worry: {worry}" in text
    for said in ("Cannot live at home", "Safe enough to close", "We are trying", "A plan",
                 "Too soon to say", "Calm at the visit"):  # fmt: skip
        assert said in text, said
    # Who took part, on one line each; times in the server's zone, named.
    assert "Label set: Early help" in text
    assert "Meeting held: 12 May 2026, 10:00 BST" in text
    assert "Generated 12 May 2026, 13:00 BST" in text
    for line in ("Sam Taylor Facilitator Children's Services 09:58 BST stayed to the end 92",
                 "DC Dana Reid Professional Police 10:02 BST 11:00 BST 58",
                 "Kelly Brown Family Mum 10:05 BST stayed to the end 85"):  # fmt: skip
        assert line in text.replace("|", " ").replace("  ", " ").replace("  ", " "), line
    # The agreement: every record, both copies.
    assert "Agreement" in text
    assert "Kelly Brown (Family, Mum): Agreed the plan: “Yes, if Grandma can help”" in text
    assert (
        "DC Dana Reid (Professional, Police): Did not agree: “Not until the plan is written”"
        in text
    )
    assert "Kai Lee (Professional): Agreed the plan" in text
    # The trail: actions in the record, joins and leaves in an appendix, people by name.
    if family:
        assert "Appendix" not in text and "Who did what" not in text
    else:
        assert "Let Kelly Brown in" in text
        appendix = text.split("Appendix: who joined and left, and when", 1)[1]
        assert "DC Dana Reid (Professional)" in appendix and "Joined" in appendix
        if fmt != "docx":  # (docx_parts reads the tables after the paragraphs)
            assert "Let Kelly Brown in" not in appendix
    # No id, no internal word, no machine time anywhere a person reads.
    for word in (c.MEETING, c.CHAIR, c.POLICE, c.NURSE, c.MUM, c.SCREEN, c.WORRY_ID, c.SCALE_ID,
                 "card-", "early_help", "in_progress", "not_started", "(professional)",
                 "(family)", "(facilitator)", ".123456", "+00:00", "UTC+"):  # fmt: skip
        assert word not in text, word
    assert not re.search(r"\d{4}-\d\d-\d\d|\d\d:\d\d:\d\d", text)


def test_every_section_and_field_in_json() -> None:
    for family in (False, True):
        document = c.document(family=family)
        data = json.loads(export.render(document, "json"))
        jsonschema.validate(data, SCHEMA)
        held = {card["id"] for cards in data["sections"].values() for card in cards}
        assert held == {card["id"] for card in c.cards(long_words=False)} | (
            set() if family else {"card-secret"}
        )
        assert data["agreement"] == c.AGREEMENT  # the family copy carries it over
        assert data["attendance"] == c.ATTENDANCE
        assert data["meeting"]["createdAt"] == c.HELD  # JSON keeps ISO 8601
        assert data["optionalSections"] == list(model.OPTIONAL_SECTIONS)


def test_no_agreement_recorded_says_so(tmp_path: Path) -> None:
    document = c.document(family=True)
    for absent in ({k: v for k, v in document.items() if k != "agreement"},
                   {**document, "agreement": []}):  # fmt: skip
        for fmt in FORMATS:
            text = text_of(absent, fmt, tmp_path)
            assert "No agreement was recorded." in text, fmt
            assert "Agreed the plan" not in text and "Did not agree" not in text


def test_words_said_at_the_end_stay_text(tmp_path: Path) -> None:
    """The agreement's words and an agency are typed by people: escaped in every format."""
    said = "<script>alert(1)</script> **yes** | no |\n# not a heading"
    document = c.document(family=False)
    document["agreement"] = [{**c.AGREEMENT[0], "words": said}]
    document["participants"] = [
        {**p, "agency": "Police <i>& co</i>"} if p["id"] == c.POLICE else p
        for p in document["participants"]
    ]
    for fmt in ("pdf", "docx"):
        text = text_of(document, fmt, tmp_path)
        assert squash(said) in text and "DC Dana Reid, Police <i>& co</i>" in text, fmt
    markdown = export.render(document, "md").decode()
    assert (
        "“&lt;script&gt;alert(1)&lt;/script&gt; \\*\\*yes\\*\\* \\| no \\| \\# not a heading”"
        in (markdown)
    )
    assert "Police &lt;i&gt;&amp; co&lt;/i&gt;" in markdown


def test_control_characters_typed_into_the_map_do_not_break_the_record(tmp_path: Path) -> None:
    """Card text reaches the server as any Yjs client typed it: a vertical tab, a NUL or an
    escape (none of which XML may hold) stood in the way of every Word export of the meeting,
    and one of them made the PDF's text unreadable to a PDF reader (pypdf). The record is
    still written, with a mark where each such character was; the JSON keeps them."""
    document = c.document(family=False)
    first = next(s for s in document["sections"].values() if s)[0]
    first["text"] = "Kept\x0bout\x00of\x1bthe record"
    for fmt in FORMATS:
        text = text_of(document, fmt, tmp_path)
        assert "Kept" in text and "the record" in text and "Meeting held" in text, fmt
    assert "Kept\\u000bout" in export.render(document, "json").decode()
    document["meeting"]["title"] = "Review\x07 meeting"  # the facilitator's, as the store has it
    text = text_of(document, "docx", tmp_path)
    assert "Kept\ufffdout\ufffdof\ufffdthe record" in text and "Review\ufffd meeting" in text
