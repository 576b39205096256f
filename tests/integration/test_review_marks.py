"""Last meeting's marks reach a review's board in its config, from the previous meeting's last
snapshot (the record, as the server saw it): each scale by layer and id, each mark by the
name the record gives its person; the family's board only the shared map's scales. A meeting
that reviews nothing gets none, and today's document never holds them.

And a scale's wording (the question a worry's scale quotes it in) is the facilitator's: anyone
else who changes it is refused (4403) and the document keeps the facilitator's words."""

from __future__ import annotations

from typing import Any

from pycrdt import Map

from server.board import model
from tests.conftest import RunningServer
from tests.integration.test_meeting_pages import create_meeting, link_on, signed_in
from tests.integration.test_page_json import embedded_config
from tests.waiting import within
from tests.webclient import Browser
from tests.yclient import YClient

AT = "2026-05-12T10:00:00+01:00"
QUESTION = "On a scale of 0 to 10, how safe are the children from this worry: “Dad drinks”?"


def mark(value: int, reason: str) -> dict[str, Any]:
    return {"value": value, "reason": reason, "at": AT}


async def synced(server: RunningServer, meeting: dict[str, Any], role: str, **how: str) -> YClient:
    client = await server.client(meeting, role, **how)
    await within(client.synced.wait(), 20, f"{role} synced")
    return client


async def ended_and_reviewed(server: RunningServer, chair: Browser) -> dict[str, Any]:
    """A meeting that ended with marks (the overall scale: Sam 4, Jo 7; a worry's scale: Jo 3;
    a professionals-only scale: Alex 2), and its review: {"first", "review", "links"}."""
    first_id = await create_meeting(chair, "Planning for Leo")
    page = await chair.get(f"/meetings/{first_id}")
    roles = ("facilitator", "professional", "family")
    first = {"id": first_id, "tokens": {r: link_on(page.text, r).rsplit("/", 1)[1] for r in roles}}
    sam = await synced(server, first, "facilitator", name="Sam")
    jo = await synced(server, first, "family", name="Jo", relationship="Mum")
    alex = await synced(server, first, "professional", layer="professional", name="Alex")
    sam_id, jo_id, alex_id = await sam.whoami(), await jo.whoami(), await alex.whoami()
    model.write_map(
        sam.doc,
        {
            "createdAt": AT,
            "cards": [{"id": "d1", "section": "danger", "text": "Dad drinks", "author": sam_id}],
            "scales": [
                {"id": "overall", "ratings": [{"participant": sam_id, **mark(4, "Gran helps")}]},
                {"id": "w1", "about": "d1", "question": QUESTION},
            ],
        },
    )
    await jo.wait_for(lambda: "w1" in jo.doc.get("scales", type=Map))
    scales = jo.doc.get("scales", type=Map)
    scales["overall"]["ratings"][jo_id] = mark(7, "Dad has stopped")
    scales["w1"]["ratings"][jo_id] = mark(3, "Not sure yet")
    police = {"id": "p1", "ratings": [{"participant": alex_id, **mark(2, "Police")}]}
    model.write_map(alex.doc, {"createdAt": AT, "scales": [police]})
    await sam.wait_for(lambda: len(sam.doc.get("scales", type=Map)["overall"]["ratings"]) == 2)
    await sam.wait_for(lambda: len(sam.doc.get("scales", type=Map)["w1"]["ratings"]) == 1)
    await server.services.journal.flush()
    for client in (sam, jo, alex):
        await client.disconnect()
    await chair.submit(f"/meetings/{first_id}", {}, action=f"/meetings/{first_id}/end")
    started = await chair.submit(f"/meetings/{first_id}", {}, action=f"/meetings/{first_id}/review")
    assert started.status_code == 303
    review_id = started.headers["location"].rsplit("/", 1)[1]
    page = await chair.get(f"/meetings/{review_id}")
    links = {r: link_on(page.text, r) for r in roles}
    return {"first": first_id, "review": review_id, "links": links}


LAST_OVERALL = [{"name": "Sam", "value": 4}, {"name": "Jo", "value": 7}]


async def test_a_reviews_board_carries_last_meetings_marks(server: RunningServer) -> None:
    async with await signed_in(server) as chair:
        made = await ended_and_reviewed(server, chair)
        opened = await chair.get(f"/meetings/{made['review']}/board")
        chair_board = await chair.get(opened.headers["location"])
        screen = await chair.get(f"/m/{made['review']}/present")
    _, config = embedded_config(chair_board.text)
    assert config["lastMarks"] == {
        "main:overall": LAST_OVERALL,
        "main:w1": [{"name": "Jo", "value": 3}],
        "professional:p1": [{"name": "Alex", "value": 2}],
    }
    # The shared screen never shows the professionals-only layer: nor its marks.
    assert set(embedded_config(screen.text)[1]["lastMarks"]) == {"main:overall", "main:w1"}

    path = "/" + made["links"]["family"].split("://", 1)[1].split("/", 1)[1]
    async with Browser(server) as family:
        joined = await family.submit(path, {"name": "Jo", "relationship": "Mum"})
        assert joined.status_code == 303
        family_board = await family.get(joined.headers["location"])
    family_config = embedded_config(family_board.text)[1]
    assert family_config["lastMarks"] == {
        "main:overall": LAST_OVERALL,
        "main:w1": [{"name": "Jo", "value": 3}],
    }
    assert "Alex" not in family_board.text and "Police" not in family_board.text

    # Today's map holds no marks: the review starts empty, last time's stay in the record.
    review = {"id": made["review"], "tokens": {"family": path.rsplit("/", 1)[1]}}
    check = await synced(server, review, "family", name="Check")
    scales = check.doc.get("scales", type=Map).to_py()
    assert set(scales) == {"overall", "w1"}
    assert all(not scale.get("ratings") for scale in scales.values())


async def test_read_once_and_never_served_once_the_previous_meeting_is_deleted(
    server: RunningServer,
) -> None:
    """Each process keeps the marks it read (an ended snapshot never changes); deleting the
    meeting before stops them at once, and drops them from memory."""
    async with await signed_in(server) as chair:
        made = await ended_and_reviewed(server, chair)
        opened = await chair.get(f"/meetings/{made['review']}/board")
        board_url = opened.headers["location"]
        for _ in range(3):
            board = await chair.get(board_url)
            assert embedded_config(board.text)[1]["lastMarks"]["main:overall"] == LAST_OVERALL
        assert len(server.services.review_marks) == 1
        first = made["first"]
        deleted = await chair.submit(
            f"/meetings/{first}", {"confirm": "yes"}, action=f"/meetings/{first}/delete"
        )
        assert deleted.status_code == 303
        board = await chair.get(board_url)
    assert embedded_config(board.text)[1]["lastMarks"] == {}
    assert len(server.services.review_marks) == 0


async def test_a_meeting_that_reviews_nothing_has_no_last_marks(server: RunningServer) -> None:
    async with await signed_in(server) as chair:
        meeting_id = await create_meeting(chair)
        opened = await chair.get(f"/meetings/{meeting_id}/board")
        board = await chair.get(opened.headers["location"])
    assert embedded_config(board.text)[1]["lastMarks"] == {}


async def test_only_the_facilitator_rewords_a_scale(server: RunningServer) -> None:
    meeting = await server.meeting()
    sam = await synced(server, meeting, "facilitator", name="Sam")
    model.write_map(sam.doc, {"createdAt": AT, "scales": [{"id": "w1", "question": QUESTION}]})
    for role, name in (("family", "Mum"), ("professional", "Dana")):
        other = await synced(server, meeting, role, name=name)
        await other.wait_for(lambda o=other: "w1" in o.doc.get("scales", type=Map))
        other.doc.get("scales", type=Map)["w1"]["question"] = "How good is Dad?"
        await other.wait_closed()
        assert other.close_code == 4403, (role, other.close_code)
    check = await synced(server, meeting, "professional", name="Check")
    assert check.doc.get("scales", type=Map)["w1"]["question"] == QUESTION
    sam.doc.get("scales", type=Map)["w1"]["question"] = "How safe is Leo from Dad's drinking?"
    await check.wait_for(
        lambda: check.doc.get("scales", type=Map)["w1"]["question"].startswith("How safe is Leo")
    )
    assert sam.close_code is None
