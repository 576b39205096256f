"""Time to export a large snapshot to PDF: 200 cards, 20 participants, 5 scales.

    python bench/export_pdf.py [--runs 5] [--review]

The map is built through the product's own model and rendered as a snapshot would be, with the
audit trail a full record carries (101 rows); the timer covers the export itself (template and
WeasyPrint), median of the runs.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pycrdt import Doc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.board import model
from server.record import attendance, export, record_trail, view
from server.store import audit

SECTIONS = ["harm", "danger", "complicating", "strengths", "safety", "goals", "next_steps"]


def large_map() -> dict[str, Any]:
    people = [
        {
            "id": f"p{i}",
            "name": f"Person {i}",
            "role": ["facilitator", "professional", "family"][min(i, 2)],
        }
        for i in range(20)
    ]
    cards = [
        {
            "id": f"c{i}",
            "section": SECTIONS[i % 7],
            "author": f"p{i % 20}",
            "text": f"Card {i}: a fictional sentence of the length people type in a meeting.",
            **(
                {"owner": "Person 3", "due": "2026-07-01", "status": "in_progress"}
                if i % 7 == 6
                else {}
            ),
        }
        for i in range(200)
    ]
    ratings = [
        {"participant": f"p{i}", "value": i % 11, "reason": "A fictional reason."}
        for i in range(20)
    ]
    scales = [{"id": f"s{k}", "about": None, "ratings": ratings} for k in range(5)]
    doc: Doc[Any] = Doc()
    model.write_map(
        doc,
        {
            "title": "Large",
            "createdAt": "2026-05-12T10:00:00+01:00",
            "cards": cards,
            "scales": scales,
        },
    )
    meeting = {
        "id": "m",
        "title": "Large (fictional)",
        "labelSet": "child_protection",
        "status": "ended",
        "createdAt": "2026-05-12T10:00:00+01:00",
        "endedAt": "2026-05-12T12:00:00+01:00",
    }
    rendered = model.render_meeting(doc, None, meeting, people)
    # The full record carries its audit trail, as an ended meeting's export does.
    # and who was there for how long (both copies), as exports.document adds them.
    entries = trail(people)
    rendered["audit"] = record_trail.rows(entries, rendered["participants"])
    rendered["attendance"] = attendance.of(entries, entries[-1].at)
    snapshot = {"meetingId": "m", "n": 1, "createdAt": meeting["endedAt"], "endedBy": "p0"}
    return view.with_export_facts(rendered, snapshot, family=False, generated_at=meeting["endedAt"])


def trail(people: list[dict[str, Any]]) -> list[audit.Entry]:
    """A two-hour meeting's trail: everyone admitted, joining twice (one dropped connection
    each, as on a phone with poor signal) and leaving, then the end: 101 rows."""
    start = datetime(2026, 5, 12, 10, 0, tzinfo=UTC)
    host = audit.facilitator("f")
    events = []
    for p in people:
        who = audit.participant(p["id"], p["role"])
        events.append(audit.event("m", host, audit.ADMIT, participant=p["id"]))
        for _ in range(2):
            events.append(audit.event("m", who, audit.JOIN, layer="main"))
            events.append(audit.event("m", who, audit.LEAVE, layer="main", code=1001))
    events.append(audit.event("m", host, audit.END, snapshot=1))
    return [audit.Entry(i, start + timedelta(minutes=i), event) for i, event in enumerate(events)]


def as_review(document: dict[str, Any]) -> dict[str, Any]:
    """The same map as the third meeting of a chain: the scale history and the changes are in
    the PDF too (two earlier meetings with other marks, one card fewer each)."""
    earlier = []
    for k in (1, 2):
        before = copy.deepcopy(document)
        before["meeting"]["id"] = f"m{k}"
        before["sections"]["harm"] = before["sections"]["harm"][k:]
        for scale in before["scales"]:
            for rating in scale["ratings"]:
                rating["value"] = (rating["value"] + 3 * k) % 11
        earlier.append(before)
    return view.with_chain(document, earlier, family=False)


def main(runs: int, review: bool) -> None:
    document = as_review(large_map()) if review else large_map()
    export.render(document, "pdf")  # warm up: imports, fonts
    times, cpu = [], []
    for _ in range(runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        pdf = export.render(document, "pdf")  # in SAFETYMAP_TIMEZONE's default zone
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    median, best = statistics.median(times), min(times)
    what = "the third meeting of a review chain" if review else "a snapshot"
    print(f"PDF of 200 cards, 20 people, 5 scales ({what}): {len(pdf):,} B")
    print(f"median {median:.2f} s, fastest {best:.2f} s, over {runs} runs")
    # CPU time says more than wall time on a machine shared with other work.
    print(f"CPU time: median {statistics.median(cpu):.2f} s, least {min(cpu):.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--review", action="store_true", help="with scale history and changes")
    args = parser.parse_args()
    main(args.runs, args.review)
