"""Scale history over a chain of meetings, and its SVG chart (pure functions)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from server.record import history

SVG = "{http://www.w3.org/2000/svg}"


def meeting(n: int, people: list[dict[str, Any]], scales: list[dict[str, Any]]) -> Any:
    return {
        "meeting": {
            "id": f"m{n}",
            "title": f"Meeting {n}",
            "status": "open" if n == 3 else "ended",
            "createdAt": f"2026-0{n}-10T10:00:00+00:00",
        },
        "participants": people,
        "scales": scales,
    }


def person(pid: str, name: str, role: str) -> dict[str, Any]:
    return {"id": pid, "name": name, "role": role}


def scale(sid: str, question: str, *marks: tuple[str, int]) -> dict[str, Any]:
    ratings = [{"participant": p, "value": v} for p, v in marks]
    return {"id": sid, "question": question, "ratings": ratings}


CHAIN = [
    # Each meeting has its own participant ids: people are matched by name and role.
    meeting(
        1,
        [person("a1", "Jo", "family"), person("a2", "Alex", "professional")],
        [scale("s1", "Old wording?", ("a1", 2), ("a2", 4)), scale("s9", "Dropped?", ("a1", 1))],
    ),
    meeting(
        2,
        [person("b1", "Jo", "family"), person("b2", "", "family")],
        [scale("s1", "Safe enough?", ("b1", 5), ("b2", 3))],
    ),
    meeting(
        3,
        [person("c1", "Alex", "professional"), person("c2", "Jo", "family")],
        [scale("s1", "Safe enough?", ("c1", 6), ("c2", 7), ("gone", 1))],
    ),
]


def test_series_per_person_or_role_over_the_chain() -> None:
    built = history.build(CHAIN)
    assert [m["date"] for m in built["meetings"]] == ["2026-01-10", "2026-02-10", "2026-03-10"]
    assert [m["open"] for m in built["meetings"]] == [False, False, True]
    s1, s9 = built["scales"]
    assert s1["question"] == "Safe enough?"  # the latest wording
    assert [(x["name"], x["role"], x["values"]) for x in s1["series"]] == [
        ("Alex", "professional", [4, None, 6]),
        (None, "family", [None, 3, None]),  # unnamed: counted under the role
        ("Jo", "family", [2, 5, 7]),
        (None, "someone who has left", [None, None, 1]),
    ]
    assert s9["series"] == [{"name": "Jo", "role": "family", "values": [1, None, None]}]


def test_chart_is_accessible_svg_with_every_value_in_its_description() -> None:
    built = history.build(CHAIN)
    svg = str(history.svg(built, built["scales"][0]))
    root = ET.fromstring(svg)  # well-formed
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and "Safe enough?" in (title.text or "")
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"  # type: ignore[union-attr]
    assert desc is not None and "Jo (Family): 2, 5, 7" in (desc.text or "")
    assert "Alex (Professional): 4, no mark, 6" in (desc.text or "")
    assert len(root.findall(f"{SVG}polyline")) == 2  # a line needs two marks
    dots = [p.get("d") or "" for p in root.findall(f"{SVG}path") if p.get("class") == "marks"]
    assert sum(d.count("h0") for d in dots) == 2 + 1 + 3 + 1  # a dot per mark


def test_chart_escapes_names_and_questions() -> None:
    chain = [meeting(1, [person("a", "<b>&", "family")], [scale("s", "<script>", ("a", 5))])]
    built = history.build(chain)
    svg = str(history.svg(built, built["scales"][0]))
    assert "<script>" not in svg and "<b>" not in svg
    ET.fromstring(svg)


def test_many_lines_are_left_unlabelled() -> None:
    people = [person(f"a{i}", f"P{i}", "family") for i in range(history.LABELLED_SERIES + 1)]
    few = meeting(1, people[:-1], [scale("s", "Q?", *((p["id"], 5) for p in people[:-1]))])
    many = meeting(1, people, [scale("s", "Q?", *((p["id"], 5) for p in people))])
    for chain, labels in (([few], history.LABELLED_SERIES), ([many], 0)):
        built = history.build(chain)
        root = ET.fromstring(str(history.svg(built, built["scales"][0])))
        ends = [t for t in root.findall(f"{SVG}text") if ": 5" in (t.text or "")]
        assert len(ends) == labels
