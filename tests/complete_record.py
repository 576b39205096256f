"""A meeting whose map holds every section and every kind of field the document can hold
(schemas/map.schema.json, server/board/model.py), with the facts an export adds: who came and
went, the audit trail, and what everyone said at the end. Every name is invented.

`long_words=True` fills it with what makes a page overflow: words longer than a table's
column, long names, long next steps.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pycrdt import Doc

from server.board import model
from server.record import view
from server.store.records import Snapshot, SnapshotMeta

HELD = "2026-05-12T10:00:00+01:00"
ENDED = "2026-05-12T11:30:00+01:00"
GENERATED = "2026-05-12T12:00:00.123456+00:00"  # microseconds: never printed
MEETING = "5b0e8f4e-3c39-4f7e-9d5c-0a9e1c2d3b4a"
CHAIR = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
POLICE = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
NURSE = "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e"
MUM = "3c4d5e6f-7a8b-4c9d-0e1f-2a3b4c5d6e7f"
SCREEN = "4d5e6f7a-8b9c-4d0e-1f2a-3b4c5d6e7f80"
WORRY_ID = "GoiYIMs443QItIuZYyo3E"  # a card id as the browser makes them
SCALE_ID = "fBOAZq0vXk2mTn5Lr8Yw1"


def people(long_words: bool) -> list[dict[str, Any]]:
    long_name = "Bartholomew-Fitzgerald Oyelaran-Montgomery-Smythe" if long_words else "Kai Lee"
    return [
        {"id": CHAIR, "name": "Sam Taylor", "role": "facilitator", "agency": "Children's Services"},
        {"id": POLICE, "name": "DC Dana Reid", "role": "professional", "agency": "Police"},
        {"id": NURSE, "name": long_name, "role": "professional", "agency": ""},
        {"id": MUM, "name": "Kelly Brown", "role": "family", "relationship": "Mum"},
        {"id": SCREEN, "name": "Room screen", "role": "viewer"},
    ]


def cards(long_words: bool) -> list[dict[str, Any]]:
    word = "Unbreakablewordwithoutanyspaces" * 4 if long_words else "plainly"
    step = ("Ring the family every single week and write down " * 6) if long_words else "Ring"
    out: list[dict[str, Any]] = []
    for section in model.ALL_SECTIONS:
        out.append(
            {"id": f"card-{section}", "section": section, "author": POLICE,
             "text": f"Card in {section.replace('_', ' ')} said {word}"}
        )  # fmt: skip
    by_id = {c["id"]: c for c in out}
    by_id["card-danger"]["id"] = WORRY_ID
    by_id["card-danger"]["text"] = (
        "The police are worried that if the shouting goes on late into the night, Mia could be "
        "hurt or very frightened"
    )
    by_id["card-danger"]["stance"] = {MUM: "dispute", NURSE: "agree", CHAIR: "unsure"}
    by_id["card-harm"]["speaker"] = MUM
    by_id["card-complicating"]["speaker"] = "Grandma said"
    by_id["card-goals"]["answers"] = WORRY_ID
    by_id["card-next_steps"].update(owner="Kelly Brown", due="2026-07-01", status="in progress")
    by_id["card-next_steps"]["text"] = f"{step} next step {word}"
    out.append(
        {"id": "card-withdrawn", "section": "strengths", "author": MUM,
         "text": "A strength taken back",
         "withdrawn": {"by": MUM, "at": "2026-05-12T10:40:00+01:00"}}
    )  # fmt: skip
    out.append(
        {"id": "card-second-step", "section": "next_steps", "author": CHAIR, "owner": "",
         "text": "Book the review", "due": "2026-08-11", "status": "done"}
    )  # fmt: skip
    return out


SECRET = "Only the professionals know this note"


def maps(long_words: bool = False) -> tuple[Doc[Any], Doc[Any]]:
    main: Doc[Any] = Doc()
    pro: Doc[Any] = Doc()
    model.write_map(
        main,
        {
            "title": "Review for Mia (complete)",
            "labelSet": "early_help",
            "optionalSections": list(model.OPTIONAL_SECTIONS),
            "cards": cards(long_words),
            "scales": [
                {"id": "a-overall", "question": "Where are things now, overall?",
                 "low": "Cannot live at home", "high": "Safe enough to close",
                 "ratings": [
                     {"participant": MUM, "value": 7, "reason": "We are trying", "up": "A plan"},
                     {"participant": POLICE, "value": 3, "reason": "Too soon to say"},
                 ]},
                {"id": SCALE_ID, "about": WORRY_ID, "question": model.DEFAULT_SCALE_QUESTION,
                 "ratings": [{"participant": NURSE, "value": 10, "reason": "Calm at the visit"}]},
            ],
            "createdAt": HELD,
        },
    )  # fmt: skip
    model.write_map(
        pro,
        {"cards": [{"id": "card-secret", "section": "complicating", "author": POLICE,
                    "text": SECRET}], "createdAt": HELD},
    )  # fmt: skip
    return main, pro


MEETING_FACTS = {"id": MEETING, "title": "Review for Mia (complete)", "labelSet": "early_help",
                 "status": "ended", "createdAt": HELD, "endedAt": ENDED}  # fmt: skip
AGREEMENT = [
    {"participantId": MUM, "agreed": True, "words": "Yes, if Grandma can help",
     "recordedAt": ENDED},
    {"participantId": POLICE, "agreed": False, "words": "Not until the plan is written",
     "recordedAt": ENDED},
    {"participantId": NURSE, "agreed": True, "words": "", "recordedAt": ENDED},
]  # fmt: skip
ATTENDANCE = [
    {"participant": CHAIR, "firstJoined": "2026-05-12T08:58:00+00:00", "lastLeft": None,
     "minutes": 92},
    {"participant": POLICE, "firstJoined": "2026-05-12T09:02:00+00:00",
     "lastLeft": "2026-05-12T10:00:00+00:00", "minutes": 58},
    {"participant": MUM, "firstJoined": "2026-05-12T09:05:00+00:00", "lastLeft": None,
     "minutes": 85},
]  # fmt: skip


def audit(roster: list[dict[str, Any]]) -> list[dict[str, Any]]:
    name = {p["id"]: p["name"] for p in roster}
    return [
        {"at": "2026-05-12T09:02:00+00:00", "who": f"{name[POLICE]} (Professional)",
         "what": "Joined", "action": "join", "details": {"layer": "main"}},
        {"at": "2026-05-12T09:03:00+00:00", "who": "The facilitator's account",
         "what": f"Let {name[MUM]} in", "action": "admit", "details": {"participant": MUM}},
        {"at": "2026-05-12T09:05:00+00:00", "who": f"{name[MUM]} (Family)", "what": "Joined",
         "action": "join", "details": {"layer": "main"}},
        {"at": "2026-05-12T10:00:00+00:00", "who": f"{name[POLICE]} (Professional)",
         "what": "Left", "action": "leave", "details": {"layer": "main", "code": 1000}},
        {"at": "2026-05-12T10:30:00+00:00", "who": "The facilitator's account",
         "what": "Ended the meeting", "action": "end", "details": {"snapshot": 1}},
    ]  # fmt: skip


def snapshot(long_words: bool = False) -> Snapshot:
    main, pro = maps(long_words)
    roster = people(long_words)
    rendered = model.render_meeting(main, pro, MEETING_FACTS, roster)
    rendered["agreement"] = AGREEMENT
    meta = SnapshotMeta(MEETING, 1, datetime(2026, 5, 12, 10, 30, tzinfo=UTC), CHAIR)
    return Snapshot(meta, main.get_update(), pro.get_update(), rendered, roster)


def document(*, family: bool, long_words: bool = False) -> dict[str, Any]:
    """The export's document, as exports.document builds it from a snapshot."""
    saved = snapshot(long_words)
    rendered = {**view.record(saved, family=family), "attendance": ATTENDANCE}
    if not family:
        rendered["audit"] = audit(saved.roster)
    return view.with_export_facts(
        rendered, saved.meta.as_json(), family=family, generated_at=GENERATED
    )
