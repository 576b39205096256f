"""A review meeting starts from the last snapshot of the meeting before: cards, links and
scales carry over, ratings start empty, and the professionals-only layer stays where it was."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import httpx
import jsonschema
from pycrdt import Map
from pypdf import PdfReader

from server.board import model
from tests.conftest import RunningServer
from tests.integration.test_export import SCHEMA, docx_parts, pdf_text, squash
from tests.integration.test_meeting_pages import create_meeting, link_on, signed_in
from tests.waiting import within
from tests.webclient import Browser
from tests.yclient import YClient

AT = "2026-05-12T10:00:00+01:00"
FIRST_MAP: dict[str, Any] = {
    "createdAt": AT,
    "cards": [
        {"id": "d1", "section": "danger", "text": "Worry about evenings"},
        {
            "id": "g1",
            "section": "goals",
            "text": "A sober adult every evening",
            "answers": "d1",
        },
        {
            "id": "n1",
            "section": "next_steps",
            "text": "Plan with Gran",
            "owner": "Gran",
            "due": "2026-07-01",
            "status": "in_progress",
        },
    ],
    "scales": [{"id": "s1", "about": None, "ratings": [{"value": 4, "reason": "ok"}]}],
}
PROFESSIONAL_MAP: dict[str, Any] = {
    "createdAt": AT,
    "cards": [{"id": "x1", "section": "complicating", "text": "Police note"}],
}


def by(me: str, data: dict[str, Any]) -> dict[str, Any]:
    """`data` as participant `me` writes it: their own cards, in their own name, and their own
    marks (the server refuses anything else)."""
    cards = [{**card, "author": me} for card in data.get("cards", [])]
    scales = [
        {**scale, "ratings": [{**r, "participant": me} for r in scale.get("ratings", [])]}
        for scale in data.get("scales", [])
    ]
    return {**data, "cards": cards, "scales": scales}


async def test_review_starts_from_the_last_snapshot(server: RunningServer) -> None:
    async with await signed_in(server) as chair:
        first_id = await create_meeting(chair, "Planning for Leo")
        first = {"id": first_id, "tokens": {}}
        chair_board = await chair.get(f"/meetings/{first_id}/board")
        assert chair_board.status_code == 303
        page = await chair.get(f"/meetings/{first_id}")
        for role in ("facilitator", "professional"):
            first["tokens"][role] = link_on(page.text, role).rsplit("/", 1)[1]
        main = await server.client(first, "facilitator", name="Sam")
        pro = await server.client(first, "professional", layer="professional", name="Alex")
        await within(main.synced.wait(), 20, "main synced")
        await within(pro.synced.wait(), 20, "pro synced")
        model.write_map(main.doc, by(await main.whoami(), FIRST_MAP))
        model.write_map(pro.doc, by(await pro.whoami(), PROFESSIONAL_MAP))
        watcher = await server.client(first, "professional", name="Check")
        await watcher.wait_for(lambda: len(watcher.cards()) == 3)
        await server.services.journal.flush()
        await chair.submit(f"/meetings/{first_id}", {}, action=f"/meetings/{first_id}/end")

        started = await chair.submit(
            f"/meetings/{first_id}", {}, action=f"/meetings/{first_id}/review"
        )
        assert started.status_code == 303
        review_id = started.headers["location"].rsplit("/", 1)[1]
        assert review_id != first_id
        page = await chair.get(f"/meetings/{review_id}")
        assert "Review: Planning for Leo" in page.text and f"/meetings/{first_id}" in page.text
        review = {
            "id": review_id,
            "tokens": {
                r: link_on(page.text, r).rsplit("/", 1)[1] for r in ("family", "professional")
            },
        }

    family = await server.client(review, "family", name="Jo")
    await family.wait_for(lambda: len(family.cards()) == 3)
    items = family.items.to_py()
    assert items["g1"]["answers"] == "d1" and items["n1"]["owner"] == "Gran"
    scales = family.doc.get("scales", type=Map).to_py()
    assert set(scales) == {"s1"} and scales["s1"].get("ratings", {}) == {}
    assert "x1" not in family.cards()
    notes = await server.client(review, "professional", layer="professional", name="Alex")
    await notes.wait_for(lambda: notes.cards() == {"x1": "Police note"})
    # The earlier meeting's record keeps its ratings.
    async with httpx.AsyncClient(base_url=server.address) as http:
        old = await http.get(
            f"/api/meetings/{first_id}/snapshots/1",
            headers={"Authorization": f"Bearer {first['tokens']['facilitator']}"},
        )
    assert old.json()["map"]["scales"][0]["ratings"][0]["value"] == 4
    reviewed = await server.services.store.meeting(review_id)
    assert reviewed is not None and reviewed.previous_id == first_id


# --- a chain of three meetings: the diff and the scale history --------------------------------

SECRETS = (
    "Police note",
    "Second police note",
    "Police note, updated",
    "How safe do professionals think the home is?",
    "Alex's professional reason",
)
SCHOOL = "School sees Leo"
CHAIN_START = {
    "createdAt": AT,
    "cards": [
        {"id": "d1", "section": "danger", "text": "Worry about evenings"},
        {"id": "st1", "section": "strengths", "text": "Gran visits on Sundays"},
        {"id": "n1", "section": "next_steps", "text": "Plan with Gran"},
    ],
    "scales": [{"id": "s1", "about": None, "question": "Is Leo safe enough at home?"}],
}
CHAIN_START_PROFESSIONAL = {
    "createdAt": AT,
    "cards": [{"id": "x1", "section": "complicating", "text": "Police note"}],
    "scales": [{"id": "s2", "about": None, "question": SECRETS[3]}],
}


# Who each connection of a Room is, and on which layer ("" is the main one).
PEOPLE = (
    ("sam", "facilitator", "", "Sam"),
    ("alex", "professional", "", "Alex"),
    ("pro", "professional", "professional", "Alex"),
    ("jo", "family", "", "Jo"),
)


class Room:
    """One meeting of the chain, with Sam (chair), Alex (professional, both layers: one
    participant, by the same key), Jo (family) connected over real websockets. Each of them
    writes their own cards and marks."""

    def __init__(self, server: RunningServer, meeting: dict[str, Any]) -> None:
        self.server, self.meeting = server, meeting
        self.clients: dict[str, YClient] = {}
        self.ids: dict[str, str] = {}  # name -> participant id

    async def join(self, cards: int) -> None:
        for key, role, layer, name in PEOPLE:
            again = (self.clients["alex"].key or False) if key == "pro" else True
            self.clients[key] = await self.server.client(
                self.meeting, role, layer=layer, name=name, key=again
            )
        for client in self.clients.values():
            await within(client.synced.wait(), 20, "client synced")
        sam = self.clients["sam"]
        await sam.wait_for(lambda: len(sam.cards()) == cards)
        for key, _role, _layer, name in PEOPLE:
            me = await self.clients[key].whoami()
            assert self.ids.setdefault(name, me) == me  # Alex is one person on both layers
        roster = await self.server.services.store.roster(self.meeting["id"])
        assert {p["name"]: p["id"] for p in roster} == self.ids

    def me(self, key: str) -> str:
        return self.ids[next(name for k, _r, _l, name in PEOPLE if k == key)]

    def write(self, key: str, data: dict[str, Any]) -> None:
        """This connection's person writes these cards and marks, as their own."""
        model.write_map(self.clients[key].doc, by(self.me(key), data))

    async def rate(self, key: str, scale: str, value: int, reason: str) -> None:
        """This connection's person places their own mark, once they see the scale."""
        client = self.clients[key]
        scales = client.doc.get("scales", type=Map)
        await client.wait_for(lambda: scale in scales)
        mark = {"value": value, "reason": reason, "at": AT}
        scales[scale]["ratings"][self.me(key)] = mark

    async def settle(self) -> None:
        """Wait until a fresh connection to each layer sees what everyone on it wrote (nobody
        was refused), then save."""
        for layer in ("", "professional"):
            check = await self.server.client(
                self.meeting, "professional", layer=layer, name="Checker"
            )
            for key, _role, on, _name in PEOPLE:
                if on == layer:
                    source = self.clients[key]
                    await check.wait_for(lambda c=check, s=source: state(c) == state(s))  # type: ignore[misc]
            await check.disconnect()
        for client in self.clients.values():
            assert not client.closed.is_set(), (client.close_code, client.close_reason)
            await client.disconnect()
        await self.server.services.journal.flush()


def state(client: YClient) -> Any:
    return (client.items.to_py(), client.doc.get("scales", type=Map).to_py())


async def meeting_with_tokens(chair: Browser, meeting_id: str) -> dict[str, Any]:
    page = await chair.get(f"/meetings/{meeting_id}")
    roles = ("facilitator", "professional", "family")
    tokens = {r: link_on(page.text, r).rsplit("/", 1)[1] for r in roles}
    return {"id": meeting_id, "tokens": tokens}


async def end_and_review(chair: Browser, meeting_id: str) -> str:
    ended = await chair.submit(f"/meetings/{meeting_id}", {}, action=f"/meetings/{meeting_id}/end")
    assert ended.status_code == 303
    started = await chair.submit(
        f"/meetings/{meeting_id}", {}, action=f"/meetings/{meeting_id}/review"
    )
    assert started.status_code == 303
    return str(started.headers["location"]).rsplit("/", 1)[1]


def retext(client: YClient, card_id: str, text: str) -> None:
    old = client.items[card_id]["text"]
    with client.doc.transaction():
        del old[0 : len(old)]
        old += text


async def three_meetings(server: RunningServer, chair: Browser) -> list[str]:
    """Meeting 1 and 2 ended, meeting 3 (a review of 2, a review of 1) still open."""
    first = await meeting_with_tokens(chair, await create_meeting(chair, "Planning for Leo"))
    room = Room(server, first)
    await room.join(cards=0)
    room.write("sam", CHAIN_START)
    room.write("pro", CHAIN_START_PROFESSIONAL)
    await room.rate("sam", "s1", 3, "Evenings are hard")
    await room.rate("alex", "s1", 4, "Gran helps")
    await room.rate("jo", "s1", 2, "I worry too")
    await room.rate("pro", "s2", 5, SECRETS[4])
    await room.settle()

    second = await meeting_with_tokens(chair, await end_and_review(chair, first["id"]))
    room = Room(server, second)
    await room.join(cards=3)
    sam, pro = room.clients["sam"], room.clients["pro"]
    retext(sam, "d1", "Worry about evenings and weekends")
    sam.items["st1"]["section"] = "safety"
    del sam.items["n1"]
    school = {"id": "a1", "section": "strengths", "text": "School sees Leo"}
    room.write("sam", {"createdAt": AT, "cards": [school]})
    retext(pro, "x1", SECRETS[2])
    room.write(
        "pro", {"createdAt": AT, "cards": [{"id": "x2", "section": "danger", "text": SECRETS[1]}]}
    )
    await room.rate("sam", "s1", 5, "Better")
    await room.rate("jo", "s1", 4, "Better")
    await room.rate("pro", "s2", 6, SECRETS[4])
    await room.settle()

    third = await meeting_with_tokens(chair, await end_and_review(chair, second["id"]))
    room = Room(server, third)
    await room.join(cards=3)
    sam = room.clients["sam"]
    del sam.items["a1"]
    room.write(
        "sam",
        {"createdAt": AT, "cards": [{"id": "a2", "section": "safety", "text": "Gran has a key"}]},
    )
    for key, value in (("sam", 7), ("alex", 6), ("jo", 6)):
        await room.rate(key, "s1", value, "Much better")
    await room.settle()
    return [first["id"], second["id"], third["id"]]


def brief(cards: list[dict[str, Any]]) -> list[tuple[str, ...]]:
    return [(c["id"], c["section"], c["text"]) for c in cards]


async def test_chain_of_three_meetings_diff_and_history(server: RunningServer) -> None:
    async with await signed_in(server) as chair:
        first, second, third = await three_meetings(server, chair)
        full2 = (await chair.get(f"/meetings/{second}/export?format=json")).json()
        family2 = (await chair.get(f"/meetings/{second}/export?format=json&family=1")).json()
        draft3 = (await chair.get(f"/meetings/{third}/export?format=json")).json()
        family3 = (await chair.get(f"/meetings/{third}/export?format=json&family=1")).json()
        page = (await chair.get(f"/meetings/{third}")).text
        first_json = (await chair.get(f"/meetings/{first}/export?format=json")).json()

    for document in (full2, family2, draft3, family3, first_json):
        jsonschema.validate(document, SCHEMA)
    assert "changes" not in first_json and "history" not in first_json

    changes = full2["changes"]
    assert changes["previousMeetingId"] == first
    assert brief(changes["added"]) == [
        ("x2", "danger", SECRETS[1]),
        ("a1", "strengths", "School sees Leo"),
    ]
    assert brief(changes["removed"]) == [("n1", "next_steps", "Plan with Gran")]
    assert [(c["id"], c["before"], c["text"]) for c in changes["edited"]] == [
        ("d1", "Worry about evenings", "Worry about evenings and weekends"),
        ("x1", "Police note", SECRETS[2]),
    ]
    assert [(c["id"], c["from"], c["section"]) for c in changes["moved"]] == [
        ("st1", "strengths", "safety")
    ]
    family_changes = family2["changes"]
    assert [c["id"] for c in family_changes["added"]] == ["a1"]
    assert [c["id"] for c in family_changes["edited"]] == ["d1"]
    assert [c["id"] for c in family_changes["moved"]] == ["st1"]

    assert brief(draft3["changes"]["added"]) == [("a2", "safety", "Gran has a key")]
    assert brief(draft3["changes"]["removed"]) == [("a1", "strengths", "School sees Leo")]
    assert not draft3["changes"]["edited"] and not draft3["changes"]["moved"]

    history = draft3["history"]
    assert [m["id"] for m in history["meetings"]] == [first, second, third]
    assert [m["open"] for m in history["meetings"]] == [False, False, True]
    lines = {
        s["id"]: {(x["name"], x["role"]): x["values"] for x in s["series"]}
        for s in history["scales"]
    }
    assert lines == {
        "s1": {
            ("Sam", "facilitator"): [3, 5, 7],
            ("Alex", "professional"): [4, None, 6],
            ("Jo", "family"): [2, 4, 6],
        },
        "s2": {("Alex", "professional"): [5, 6, None]},
    }
    assert [s["id"] for s in family3["history"]["scales"]] == ["s1"]

    # The meeting page shows both, the chart with its text alternative and a table.
    changes_html = page.split('data-testid="changes"', 1)[1].split("</section>", 1)[0]
    assert "Gran has a key" in changes_html and "School sees Leo" in changes_html
    history_html = page.split('data-testid="history"', 1)[1].split("</section>", 1)[0]
    assert "<svg" in history_html and "<title" in history_html
    assert "Sam (Facilitator): 3, 5, 7" in history_html  # the chart's <desc>
    assert '<th scope="row">Jo (Family)</th><td>2</td><td>4</td><td>6</td>' in history_html


ARTIFACTS = Path(__file__).parents[1] / "artifacts"


def text_of(fmt: str, content: bytes, path: Path) -> str:
    path.write_bytes(content)
    if fmt == "pdf":
        return pdf_text(path)
    if fmt == "docx":
        return docx_parts(path)[2]
    return squash(content.decode())


async def test_family_copy_of_the_chain_in_every_format(
    server: RunningServer, tmp_path: Path
) -> None:
    async with await signed_in(server) as chair:
        _first, second, third = await three_meetings(server, chair)
        texts: dict[tuple[str, str, bool], str] = {}
        for meeting_id in (second, third):
            for fmt in ("pdf", "docx", "md", "json"):
                for family in (False, True):
                    query = f"format={fmt}" + ("&family=1" if family else "")
                    response = await chair.get(f"/meetings/{meeting_id}/export?{query}")
                    assert response.status_code == 200
                    out = tmp_path / f"{meeting_id}-{family}.{fmt}"
                    texts[meeting_id, fmt, family] = text_of(fmt, response.content, out)
                    if fmt == "pdf" and meeting_id == third and not family:
                        pdf = response.content
    for (meeting_id, fmt, family), text in texts.items():
        where = f"{fmt}, {'family' if family else 'full'}, meeting {meeting_id[:8]}"
        for secret in SECRETS:
            if family:
                assert secret not in text, f"{secret!r} in {where}"
        if fmt == "json":
            continue
        assert "What changed since the previous meeting" in text, where
        assert "How the scales moved" in text, where
        if family:
            assert "Family copy" in text, where
    for fmt in ("pdf", "docx", "md"):
        # Meeting 2's full record shows what changed among the professionals' notes too.
        assert SECRETS[1] in texts[second, fmt, False] and SECRETS[2] in texts[second, fmt, False]
        assert "Was: “Worry about evenings”. Now: “Worry about evenings and weekends”" in squash(
            texts[second, fmt, True]
        )
        assert "Gran has a key" in texts[third, fmt, True]
    # The marks over the meetings: a table (Markdown, Word), one line per person in the PDF.
    assert "Jo (Family): 2 → 4 → 6" in texts[third, "pdf", True]
    assert "Jo (Family) 2 4 6" in texts[third, "docx", True]
    assert "| Alex (Professional) | 4 | no mark | 6 |" in texts[third, "md", False]

    save_first_and_last_page(pdf)


def save_first_and_last_page(pdf: bytes) -> None:
    """So a person can look at the record: the first and the last page as PNG (pdftoppm)."""
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "review-chain.pdf").write_bytes(pdf)
    pages = len(PdfReader(ARTIFACTS / "review-chain.pdf").pages)
    for page, name in ((1, "review-chain-first"), (pages, "review-chain-last")):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "70", "-f", str(page), "-l", str(page), "-singlefile",
             str(ARTIFACTS / "review-chain.pdf"), str(ARTIFACTS / name)],
            check=True, timeout=60,
        )  # fmt: skip
        assert (ARTIFACTS / f"{name}.png").read_bytes().startswith(b"\x89PNG")


async def test_carried_cards_keep_their_authors_names(
    server: RunningServer, tmp_path: Path
) -> None:
    """Everyone has a new participant id in a review: the cards carried over still name who
    wrote them and whose view they are, on the board (its name cache) and in every format."""
    async with await signed_in(server) as chair:
        first = await meeting_with_tokens(chair, await create_meeting(chair, "Planning for Leo"))
        room = Room(server, first)
        await room.join(cards=0)
        alex, jo = room.ids["Alex"], room.ids["Jo"]
        # Alex writes down Jo's worry on the board, and a note on the professionals' layer.
        worry = {"id": "w1", "section": "danger", "speaker": jo, "text": "Evenings"}
        note = {"id": "p1", "section": "complicating", "text": "Police note"}
        room.write("alex", {"createdAt": AT, "cards": [worry]})
        room.write("pro", {"createdAt": AT, "cards": [note]})
        await room.settle()

        second = await meeting_with_tokens(chair, await end_and_review(chair, first["id"]))
        room = Room(server, second)
        await room.join(cards=1)
        assert room.ids["Alex"] != alex  # a new participant of the new meeting
        main_people = room.clients["sam"].doc.get("meta", type=Map)["people"].to_py()
        assert main_people == {
            alex: {"name": "Alex", "role": "professional"},
            jo: {"name": "Jo", "role": "family"},
        }
        # The professionals' layer names only its own cards' authors.
        assert room.clients["pro"].doc.get("meta", type=Map)["people"].to_py() == {
            alex: {"name": "Alex", "role": "professional"}
        }
        await room.settle()
        texts = {}
        for fmt in ("pdf", "docx", "md"):
            response = await chair.get(f"/meetings/{second['id']}/export?format={fmt}")
            texts[fmt] = squash(text_of(fmt, response.content, tmp_path / f"review.{fmt}"))
        document = (await chair.get(f"/meetings/{second['id']}/export?format=json")).json()

    jsonschema.validate(document, SCHEMA)
    earlier = document["history"]["meetings"][0]
    assert {p["id"]: p["name"] for p in earlier["participants"]}[alex] == "Alex"
    assert "participants" not in document["history"]["meetings"][-1]  # this meeting's: above
    for fmt, text in texts.items():
        assert "Written by Alex (Professional)" in text, fmt
        assert "Whose view: Jo (Family)" in text, fmt
        assert "someone who has left" not in text, fmt
