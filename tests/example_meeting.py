"""The shared example (tests/data/example-meeting.json) held as a real meeting is held.

Everyone in the example joins by their own link with a stock client (a YClient): the chair by
the facilitator link, the family and the professionals by theirs, with their names and, for
the family, how they are related to the child. The server gives each of them a participant id;
the example's own ids (p1..p8) only say who is who in the file. Then each person writes what
is theirs, as the server requires (docs/document-model.md, "Who may write what"): the chair
the meeting's details and the scales, everyone their own cards (they are the `author`, and
the `speaker` when the card gives their own view), their own stances, their own marks and
their own entry in the list of people. The professionals-only note is written on the
professionals' layer by the professional who wrote it. The shared screen (p8) only watches.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
from pycrdt import Map

from server.board import model

from .conftest import RunningServer
from .waiting import within
from .yclient import YClient

EXAMPLE = Path(__file__).resolve().parent / "data" / "example-meeting.json"
WAIT = 20.0  # seconds for everyone to see what everyone wrote (2 cores, busy)


def load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXAMPLE.read_text())
    return data


def with_order(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cards with the order keys one writer of them all would have given them: each
    section in the file's order. Several writers each give their first card the same key."""
    last: dict[str, str | None] = {}
    ordered = []
    for card in cards:
        order = last[card["section"]] = model.order_between(last.get(card["section"]), None)
        ordered.append(card | {"order": order})
    return ordered


def person_entry(person: dict[str, Any]) -> dict[str, str]:
    """How the server knows someone who joined as `example_meeting` joins them."""
    entry = {"name": person["name"], "role": person["role"]}
    if person["role"] == "family":
        entry["relationship"] = person["relationship"]
    return entry


async def example_meeting(
    server: RunningServer, *, end: bool
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """Hold the example meeting (and end it if `end`): the meeting, the example's data, and
    each example participant's id (p1..p8) -> the participant id the server gave them."""
    data = load()
    held = data["held"]
    meeting = await server.meeting(data["title"])
    people = {p["id"]: p for p in data["participants"]}
    main: dict[str, YClient] = {}  # example id -> their connection to the main room
    for pid, person in people.items():
        main[pid] = await server.client(
            meeting,
            person["role"],
            name=person["name"],
            relationship=person.get("relationship", "") if person["role"] == "family" else "",
        )
    # The professionals (and the chair) also have the professionals' notes open: the same
    # people, by the same key.
    notes = {
        pid: await server.client(
            meeting,
            people[pid]["role"],
            layer="professional",
            name=people[pid]["name"],
            key=main[pid].key or False,
        )
        for pid in people
        if people[pid]["role"] in ("facilitator", "professional")
    }
    for client in (*main.values(), *notes.values()):
        await within(client.synced.wait(), 20, "client synced")
    ids = {pid: await client.whoami() for pid, client in main.items()}
    for pid, client in notes.items():
        assert await client.whoami() == ids[pid], "the same key is the same participant"

    def mine(card: dict[str, Any]) -> dict[str, Any]:
        """The card as its author writes it: in their own name, without others' stances."""
        speaker = card.get("speaker")
        written = {k: v for k, v in card.items() if k != "stance"}
        if speaker in ids:
            written["speaker"] = ids[speaker]
        return written | {"author": ids[card["author"]]}

    cards = [mine(c) for c in with_order(data["cards"])]
    secret = [mine(c) for c in with_order(data["professionalOnly"])]
    chair = next(pid for pid, p in people.items() if p["role"] == "facilitator")
    writers = [pid for pid, p in people.items() if p["role"] != "viewer"]

    # The chair sets the meeting up: its details, the scales (no marks yet), the list of
    # people with their own entry, and their own cards.
    scales = [{k: v for k, v in s.items() if k != "ratings"} for s in data["scales"]]
    model.write_map(
        main[chair].doc,
        {
            "title": data["title"],
            "labelSet": data["labelSet"],
            "people": {ids[chair]: person_entry(people[chair])},
            "scales": scales,
            "cards": [c for c in cards if c["author"] == ids[chair]],
            "createdAt": held,
        },
    )

    def set_up(client: YClient) -> bool:
        found = client.doc.get("meta", type=Map).get("people")
        return isinstance(found, Map) and len(client.doc.get("scales", type=Map)) == len(scales)

    for pid in writers:
        await main[pid].wait_for(lambda c=main[pid]: set_up(c), WAIT)  # type: ignore[misc]
    # Everyone else writes their own cards and their own name into the list of people.
    for pid in writers:
        if pid != chair:
            own = [c for c in cards if c["author"] == ids[pid]]
            entry = {ids[pid]: person_entry(people[pid])}
            model.write_map(main[pid].doc, {"cards": own, "people": entry, "createdAt": held})
    for pid in notes:
        own = [c for c in secret if c["author"] == ids[pid]]
        if own:
            model.write_map(notes[pid].doc, {"cards": own, "createdAt": held})
    for pid in writers:
        client = main[pid]
        await client.wait_for(lambda c=client: len(c.cards()) == len(cards), WAIT)  # type: ignore[misc]

    # Then everyone gives their own view of the worries and places their own marks.
    for pid in writers:
        doc = main[pid].doc
        with doc.transaction():
            for card in data["cards"]:
                if pid in card.get("stance", {}):
                    main[pid].items[card["id"]]["stance"][ids[pid]] = card["stance"][pid]
            for scale in data["scales"]:
                for rating in scale["ratings"]:
                    if rating["participant"] == pid:
                        mark = {k: v for k, v in rating.items() if k != "participant"}
                        ratings = doc.get("scales", type=Map)[scale["id"]]["ratings"]
                        ratings[ids[pid]] = mark | {"at": rating.get("at", held)}

    # The shared screen shows all of it, and a professional sees the professionals' note.
    expected = expected_view(data, ids)
    screen = main[next(pid for pid, p in people.items() if p["role"] == "viewer")]
    await screen.wait_for(lambda: view_of(screen) == expected, WAIT)
    secret_texts = {c["id"]: c["text"] for c in secret}
    for client in notes.values():
        await client.wait_for(lambda c=client: c.cards() == secret_texts, WAIT)  # type: ignore[misc]
    for client in (*main.values(), *notes.values()):
        assert not client.closed.is_set(), (client.close_code, client.close_reason)
        await client.disconnect()
    await server.services.journal.flush()
    if end:
        async with httpx.AsyncClient(base_url=server.address) as http:
            response = await http.post(
                f"/api/meetings/{meeting['id']}/end",
                headers={"Authorization": f"Bearer {meeting['tokens']['facilitator']}"},
            )
            assert response.status_code == 200
    return meeting, data, ids


View = tuple[dict[str, Any], dict[str, Any], dict[str, Any]]


def expected_view(data: dict[str, Any], ids: dict[str, str]) -> View:
    """Each card's text, author, speaker and stances; each scale's marks; the people."""
    cards = {
        c["id"]: (
            c["text"],
            ids[c["author"]],
            ids.get(c.get("speaker", ""), c.get("speaker")),
            {ids[p]: s for p, s in c.get("stance", {}).items()},
        )
        for c in data["cards"]
    }
    marks = {
        s["id"]: {ids[r["participant"]]: (r["value"], r["reason"]) for r in s["ratings"]}
        for s in data["scales"]
    }
    people = {ids[p["id"]]: person_entry(p) for p in data["participants"] if p["role"] != "viewer"}
    return cards, marks, people


def view_of(client: YClient) -> View:
    items = client.items.to_py() or {}
    cards = {
        cid: (item.get("text"), item.get("author"), item.get("speaker"), item.get("stance"))
        for cid, item in items.items()
    }
    scales = client.doc.get("scales", type=Map).to_py() or {}
    marks = {
        sid: {pid: (r["value"], r["reason"]) for pid, r in (s.get("ratings") or {}).items()}
        for sid, s in scales.items()
    }
    people = (client.doc.get("meta", type=Map).to_py() or {}).get("people") or {}
    return cards, marks, people
