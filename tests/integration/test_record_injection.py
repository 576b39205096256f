"""Nothing people type can forge the Markdown record: text in every field (a card, whose view it
is, a next step's owner, a scale's wording, a reason, a name, the meeting's title) stays text.
Here the checks against a real server and database; the pure checks (no server, database or
process) are in tests/unit/test_record_injection.py."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import Any

from pycrdt import Map

from server.board import model
from server.record import history, record_cards, view
from server.record.reading import Reading, rows_of
from server.record.times import Times, day
from tests.conftest import RunningServer
from tests.integration.test_export import run_export
from tests.integration.test_meeting_pages import create_meeting, signed_in
from tests.integration.test_review import end_and_review, meeting_with_tokens, retext
from tests.record_injection_cases import (
    BLOCKS,
    INLINES,
    commonmark,
    parse,
    squash,
)
from tests.waiting import within
from tests.yclient import YClient

AT = "2026-05-12T10:00:00+01:00"


WAIT = 20.0  # seconds (2 cores, busy)


TITLE = "# Forged <!--<script> [x](javascript:alert(1)) *a* | t | #"


SAM = "**Sam** | `chair` |"


JO = "1. Jo | x | [me](https://evil.example)"


JO_RELATIONSHIP = "> Mum <img src=x onerror=alert(1)> #"


ALEX = "<!-- Alex _pc_ ~~x~~"


WORRY = (
    "Mia was left alone\n# Forged title\n## Professionals-only notes\n- forged item\n"
    "1. forged step\n> quote\n\n| Who | What |\n|---|---|\n| Jo | nothing |\n"
    "<script>alert(1)</script>\n[click](javascript:alert(1)) [site](https://evil.example) "
    "![x](https://evil.example/x.png) <https://evil.example> `code` **bold** _em_ ~~gone~~ "
    "&amp; &#35; \\* --- #"
)


ALEX_EDIT = "\n## Forged by Alex\n    indented code"


WORRY_REWORDED = (
    "Worry, reworded\n# Who did what, and when\n| When | Who | What |\n|---|---|---|\n"
    "| now | Jo | nothing |"
)


GOAL = "A goal\n- [ ] task\n```\nfence\n```\n<div>block</div>"


STEP = "Call | forged cell\n- item"


OWNER = "Jo\n| forged | row | here | now |"


SPEAKER = "Mum said\n## Professionals-only notes\nall fine"


QUESTION = "## Professionals-only notes\nHow safe is Mia? #"


LOW = "0\n- forged"


HIGH = "1. ten | x"


REASON = "Because\n# Forged\n| a | b |\n|---|---|"


UP = "<img src=x onerror=alert(1)>\n> quote"


PRO_NOTE = "Police note\n***\n<details>hidden</details>"


WITHDRAWN = "+ plus\n= setext\n---"


REMOVED = "Removed <em>x</em>\n    code"


MOVED = "Moved ~~strike~~ $x$ \\\\ back\\slash"


ADDED = 'Added [link](https://evil.example "t")\n![img](x.png)\n&copy; &#60;b&#62;'


REASON_LATER = "Later\n<script>alert(2)</script>\n[^1]: note"


UP_LATER = "+ one\n2) two"


ALEX_REASON = "Alex\n***bold***\n=== setext"


FIRST_TEXTS = (TITLE, SAM, JO, JO_RELATIONSHIP, ALEX, WORRY + ALEX_EDIT, GOAL, STEP, OWNER,
               SPEAKER, QUESTION, LOW, HIGH, REASON, UP, PRO_NOTE, WITHDRAWN, REMOVED, MOVED,
               ALEX_REASON)  # fmt: skip


REVIEW_TEXTS = (TITLE, SAM, JO, JO_RELATIONSHIP, ALEX, WORRY + ALEX_EDIT, WORRY_REWORDED, GOAL,
                STEP, OWNER, SPEAKER, QUESTION, LOW, HIGH, PRO_NOTE, WITHDRAWN, REMOVED, MOVED,
                ADDED, REASON_LATER, UP_LATER, ALEX_REASON)  # fmt: skip


async def seen(client: YClient, condition: Any) -> None:
    await client.wait_for(condition, WAIT)


def scale_marks(client: YClient) -> int:
    scale = client.doc.get("scales", type=Map).get("S")
    return len(scale["ratings"]) if isinstance(scale, Map) else 0


def mark(client: YClient, me: str, value: int, reason: str, up: str = "") -> None:
    """`me` places their own mark on the scale, as the board writes it."""
    placed = {"value": value, "reason": reason, "at": AT} | ({"up": up} if up else {})
    client.doc.get("scales", type=Map)["S"]["ratings"][me] = placed


def item(client: YClient, card_id: str) -> dict[str, Any]:
    return (client.items.to_py() or {}).get(card_id) or {}


async def first_meeting(server: RunningServer, meeting: dict[str, Any]) -> None:
    """Jo (family) writes the worry, a goal, a next step and more, and a scale with her mark;
    Alex (professional) types in her worry, disputes it, marks the scale and writes a
    professionals-only note; Sam (facilitator link) marks the scale."""
    sam = await server.client(meeting, "facilitator", name=SAM)
    sam_notes = await server.client(
        meeting, "facilitator", layer="professional", name=SAM, key=sam.key or False
    )
    jo = await server.client(meeting, "family", name=JO, relationship=JO_RELATIONSHIP)
    alex = await server.client(meeting, "professional", name=ALEX)
    notes = await server.client(
        meeting, "professional", layer="professional", name=ALEX, key=alex.key or False
    )
    everyone = (sam, sam_notes, jo, alex, notes)
    for client in everyone:
        await within(client.synced.wait(), 20, "client synced")
    me = {client: await client.whoami() for client in (sam, jo, alex)}

    def card(card_id: str, section: str, text: str, **more: str) -> dict[str, Any]:
        return {"id": card_id, "section": section, "text": text, "author": me[jo], **more}

    model.write_map(jo.doc, {
        "createdAt": AT,
        "cards": [
            card("D", "danger", WORRY, speaker=SPEAKER),
            card("G", "goals", GOAL, answers="D"),
            card("N", "next_steps", STEP, owner=OWNER, due="2026-07-01", status="in_progress"),
            card("W", "strengths", WITHDRAWN),
            card("X", "complicating", REMOVED),
            card("M", "harm", MOVED),
        ],
        "scales": [{"id": "S", "question": QUESTION, "low": LOW, "high": HIGH, "about": "D",
                    "ratings": [{"participant": me[jo], "value": 3, "reason": REASON, "up": UP,
                                 "at": AT}]}],
    })  # fmt: skip
    await seen(alex, lambda: scale_marks(alex) == 1 and "M" in alex.cards())
    with alex.doc.transaction():
        words = alex.items["D"]["text"]
        words += ALEX_EDIT
        alex.items["D"]["stance"][me[alex]] = "dispute"
        mark(alex, me[alex], 4, ALEX_REASON)
    note = {"id": "P", "section": "complicating", "text": PRO_NOTE, "author": me[alex]}
    model.write_map(notes.doc, {"createdAt": AT, "cards": [note]})
    await seen(sam, lambda: scale_marks(sam) == 2)
    mark(sam, me[sam], 5, "Sam's view")
    await seen(jo, lambda: scale_marks(jo) == 3 and jo.cards()["D"] == WORRY + ALEX_EDIT)
    await seen(jo, lambda: bool(item(jo, "D").get("stance")))
    await seen(sam_notes, lambda: sam_notes.cards() == {"P": PRO_NOTE})
    await leave(server, everyone)


async def review_meeting(server: RunningServer, meeting: dict[str, Any]) -> None:
    """Jo rewords her worry, moves a card, withdraws one and adds one, and marks again; Sam
    takes a card off; Alex marks again."""
    sam = await server.client(meeting, "facilitator", name=SAM)
    jo = await server.client(meeting, "family", name=JO, relationship=JO_RELATIONSHIP)
    alex = await server.client(meeting, "professional", name=ALEX)
    everyone = (sam, jo, alex)
    for client in everyone:
        await within(client.synced.wait(), 20, "client synced")
        await seen(client, partial(carried_over, client))
    me = {client: await client.whoami() for client in everyone}
    retext(jo, "D", WORRY_REWORDED)
    with jo.doc.transaction():
        jo.items["M"]["section"] = "strengths"
        jo.items["W"]["withdrawn"] = {"by": me[jo], "at": AT}
        mark(jo, me[jo], 6, REASON_LATER, UP_LATER)
    added = {"id": "A", "section": "safety", "text": ADDED, "author": me[jo]}
    model.write_map(jo.doc, {"createdAt": AT, "cards": [added]})
    del sam.items["X"]
    mark(sam, me[sam], 7, "Better")
    mark(alex, me[alex], 5, ALEX_REASON)
    for client in everyone:
        await seen(client, partial(reviewed, client))
    await leave(server, everyone)


def carried_over(client: YClient) -> bool:
    """The review starts with the cards and the scale of the meeting before, and no marks."""
    return len(client.cards()) == 6 and "S" in client.doc.get("scales", type=Map)


def reviewed(client: YClient) -> bool:
    """Everything everyone wrote in the review has reached this client."""
    return (
        scale_marks(client) == 3
        and set(client.cards()) == set("ADGMNW")
        and client.cards()["D"] == WORRY_REWORDED
        and bool(item(client, "W").get("withdrawn"))
        and item(client, "M").get("section") == "strengths"
    )


async def leave(server: RunningServer, clients: tuple[YClient, ...]) -> None:
    for client in clients:
        assert not client.closed.is_set(), (client.close_code, client.close_reason)
        await client.disconnect()
    await server.services.journal.flush()


HEADINGS_2 = {
    "Who took part", "What are we worried about?", "What's working well?",
    "What needs to happen?", "Withdrawn", "Next steps", "Safety scales",
    "What changed since the previous meeting", "How the scales moved", "Who did what, and when",
    "More from the meeting", "Agreement", "Appendix: who joined and left, and when",
}  # fmt: skip


CHANGES = (("added", "Added"), ("removed", "Taken off"), ("edited", "Wording changed"),
           ("moved", "Moved to another section"))  # fmt: skip


def expected_items(doc: dict[str, Any]) -> list[list[str]]:
    """Every list item of the record, as a reader sees it, from the record's JSON: the
    meeting's facts, each card with the lines under it (one paragraph), each mark, each
    change, each person's agreement."""
    r = Reading(doc, Times.named(), str)
    facts = view.card_words(doc)
    labels = doc["labels"]
    items = [
        [f"Meeting held: {view.when(doc['meeting']['createdAt'])}"],
        [f"Ended: {view.when(doc['meeting']['endedAt']) or 'not yet'}"],
        [f"Facilitator: {r.chairs()}"],
        [f"Label set: {r.label_set()}"],
    ]

    def card_item(card: dict[str, Any], label: str = "") -> list[str]:
        pro = " (professionals only)" if card["layer"] == "professional" else ""
        lines = "\n".join(f"{squash(line)}." for line in facts(card))
        return [f"{label}: " * bool(label) + squash(card["text"]) + pro + "\n" + lines]

    for _title, section_ids in r.groups():
        for sid in section_ids:
            items += [card_item(c) for c in r.active(sid)]  # type: ignore[arg-type]
    items += [card_item(c, labels[c["section"]]) for c in record_cards.withdrawn(doc)]  # type: ignore[arg-type]
    for scale in doc["scales"]:
        for m in scale["ratings"]:
            up = f" (one point up: {squash(m['up'])})" if m.get("up") else ""
            items.append([f"{m['value']}, {r.person(m['participant'])}: {squash(m['reason'])}{up}"])
        if not scale["ratings"]:
            items.append(["No marks."])
    for key, _title in CHANGES if doc.get("changes") else ():
        for c in doc["changes"][key]:
            where = (
                f"{labels[c['from']]} → {labels[c['section']]}"
                if key == "moved"
                else labels[c["section"]]
            )
            where += ", professionals only" if c.get("layer") == "professional" else ""
            said = squash(c["text"])
            if key == "edited":
                said = f"Was: “{squash(c['before'])}”. Now: “{said}”"
            items.append([f"{said} ({where})"])
    for row in r.agreement():
        said = "Agreed the plan" if row.agreed else "Did not agree"
        items.append(
            [f"{squash(row.who)}: {said}" + (f": “{squash(row.words)}”" * bool(row.words))]
        )
    return items


def expected_tables(doc: dict[str, Any]) -> list[list[list[str]]]:
    r = Reading(doc, Times.named(), str)
    took_part = ["Name", "Role", "Agency or relationship", "First joined", "Last left",
                 "Minutes present"]  # fmt: skip
    tables = [
        [took_part] + [[squash(cell) for cell in row] for row in rows_of(r.took_part())],
        [["Action", "Owner", "Due", "Status"]]
        + [[squash(cell) for cell in step] for step in r.steps()],
    ]
    if doc.get("history"):
        meetings = doc["history"]["meetings"]
        header = ["Who"] + [
            f"Meeting {n}, {day(m['date'])}" + (" (draft)" if m["open"] else "")
            for n, m in enumerate(meetings, 1)
        ]
        for scale in doc["history"]["scales"]:
            rows = [
                [history.series_label(line, str)]
                + ["no mark" if v is None else str(v) for v in line["values"]]
                for line in scale["series"]
            ]
            tables.append([header, *rows])
    for trail in (r.actions(), r.arrivals()):
        if trail:
            rows = [[view.when(t["at"]), t["who"], t["what"]] for t in trail]
            tables.append([["When", "Who", "What"], *rows])
    return tables


def check_record(markdown: str, doc: dict[str, Any], typed: tuple[str, ...]) -> None:
    """The record holds exactly the template's structure, and every text as it was typed."""
    parsed = parse(markdown)
    assert parsed.block_types <= BLOCKS, parsed.block_types - BLOCKS
    assert parsed.inline_types <= INLINES, parsed.inline_types - INLINES
    assert parsed.nested_lists == 0 and parsed.rules == 1  # the footer's rule

    assert [text for tag, text in parsed.headings if tag == "h1"] == [doc["meeting"]["title"]]
    second = [text for tag, text in parsed.headings if tag == "h2"]
    assert set(second) <= HEADINGS_2 | {doc["labels"]["next_steps"]}, second
    assert len(second) == len(set(second)), second
    third = [text for tag, text in parsed.headings if tag == "h3"]
    questions = [squash(s["question"]) for s in doc["scales"]]
    questions += [squash(s["question"]) for s in doc.get("history", {}).get("scales", [])]
    changed = [f"{title} ({len(doc['changes'][key])})" for key, title in CHANGES
               if doc.get("changes")]  # fmt: skip
    assert sorted(t for t in third if t not in doc["labels"].values()) == sorted(
        questions + changed
    )
    assert {tag for tag, _text in parsed.headings} <= {"h1", "h2", "h3"}

    assert parsed.tables == expected_tables(doc)
    read = [["\n".join(squash(line) for line in p.split("\n")) for p in i] for i in parsed.items]
    assert read == expected_items(doc)
    for scale in doc["scales"]:
        assert f"0: {squash(scale['low'])}. 10: {squash(scale['high'])}." in parsed.paragraphs
        if scale["about"]:
            about = record_cards.linked(doc, scale["about"], str)
            assert f"For the worry: {about}" in parsed.paragraphs

    professional = sum(c["layer"] == "professional" for s in doc["sections"].values() for c in s)
    assert parsed.emphasis == ["(professionals only)"] * professional
    marks = [str(r["value"]) for s in doc["scales"] for r in s["ratings"]]
    banners = {"Draft — meeting still open", "Family copy: this record leaves out notes shared "
               "only between professionals."}  # fmt: skip
    assert [s for s in parsed.strong if s not in banners] == marks

    html = commonmark().render(markdown)
    for tag in ("<script", "<img", "<a ", "<code", "<pre", "<blockquote", "<ol", "<s>", "<div",
                "<details", "<h4"):  # fmt: skip
        assert tag not in html, tag
    words = squash(" ".join(parsed.words))
    for text in typed:
        assert squash(text) in words, text


async def test_nothing_typed_forges_the_markdown_record(
    server: RunningServer, tmp_path: Path
) -> None:
    async with await signed_in(server) as chair:
        first = await meeting_with_tokens(chair, await create_meeting(chair, TITLE))
        await first_meeting(server, first)
        second = await meeting_with_tokens(chair, await end_and_review(chair, first["id"]))
        await review_meeting(server, second)
        ended = await chair.submit(
            f"/meetings/{second['id']}", {}, action=f"/meetings/{second['id']}/end"
        )
        assert ended.status_code == 303

    for meeting, typed in ((first, FIRST_TEXTS), (second, REVIEW_TEXTS)):
        for variant in ((), ("--family",)):
            out = tmp_path / f"{meeting['id']}{''.join(variant)}"
            markdown = await run_export(server, meeting["id"], out.with_suffix(".md"),
                                        "--format", "md", *variant)  # fmt: skip
            doc = json.loads(await run_export(server, meeting["id"], out.with_suffix(".json"),
                                              "--format", "json", *variant))  # fmt: skip
            family = bool(variant)
            shown = tuple(t for t in typed if not (family and t == PRO_NOTE))
            check_record(markdown, doc, shown)
            if family:
                assert squash(PRO_NOTE) not in squash(markdown)
