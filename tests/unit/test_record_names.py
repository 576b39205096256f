"""Two people may type the same name: the record tells them apart as the facilitator's lists
do ("Kelly Brown", "Kelly Brown (2)"), in every format people read; the JSON keeps the names
as typed."""

from __future__ import annotations

import json

from server.record import export
from tests import complete_record

IMPOSTOR = "9e8d7c6b-5a49-4382-9170-6f5e4d3c2b1a"


def _with_a_second_kelly_brown() -> dict[str, object]:
    document = complete_record.document(family=False)
    [mum] = [p for p in document["participants"] if p["name"] == "Kelly Brown"]
    document["participants"] = [*document["participants"], {**mum, "id": IMPOSTOR}]
    return document


def test_a_name_given_twice_is_numbered_in_the_records_people_read() -> None:
    document = _with_a_second_kelly_brown()
    markdown = export.render(document, "md").decode()
    assert "Kelly Brown (2)" in markdown
    assert "Kelly Brown (3)" not in markdown
    told = export.told_apart(document)
    names = [p["name"] for p in told["participants"]]
    assert names.count("Kelly Brown") == 1 and names.count("Kelly Brown (2)") == 1
    # The first to give the name keeps it; the roster's order decides.
    assert told["participants"][-1]["id"] == IMPOSTOR


def test_the_json_record_keeps_the_names_as_typed() -> None:
    exported = json.loads(export.render(_with_a_second_kelly_brown(), "json"))
    assert [p["name"] for p in exported["participants"]].count("Kelly Brown") == 2
