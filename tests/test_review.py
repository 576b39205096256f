"""A review meeting starts from the last snapshot of the meeting before: cards, links and
scales carry over, ratings start empty, and the professionals-only layer stays where it was."""

from __future__ import annotations

import httpx
from pycrdt import Map

from server import model

from .conftest import RunningServer
from .test_meeting_pages import create_meeting, signed_in

AT = "2026-05-12T10:00:00+01:00"
FIRST_MAP = {
    "createdAt": AT,
    "cards": [
        {"id": "d1", "section": "danger", "author": "p1", "text": "Worry about evenings"},
        {
            "id": "g1",
            "section": "goals",
            "author": "p1",
            "text": "A sober adult every evening",
            "answers": "d1",
        },
        {
            "id": "n1",
            "section": "next_steps",
            "author": "p1",
            "text": "Plan with Gran",
            "owner": "Gran",
            "due": "2026-07-01",
            "status": "in_progress",
        },
    ],
    "scales": [
        {"id": "s1", "about": None, "ratings": [{"participant": "p1", "value": 4, "reason": "ok"}]}
    ],
}
PROFESSIONAL_MAP = {
    "createdAt": AT,
    "cards": [{"id": "x1", "section": "complicating", "author": "p2", "text": "Police note"}],
}


async def test_review_starts_from_the_last_snapshot(server: RunningServer) -> None:
    async with await signed_in(server) as chair:
        first_id = await create_meeting(chair, "Planning for Leo")
        first = {"id": first_id, "tokens": {}}
        chair_board = await chair.get(f"/meetings/{first_id}/board")
        assert chair_board.status_code == 303
        page = await chair.get(f"/meetings/{first_id}")
        from .test_meeting_pages import link_on

        for role in ("facilitator", "professional"):
            first["tokens"][role] = link_on(page.text, role).rsplit("/", 1)[1]
        main = await server.client(first, "facilitator", name="Sam")
        pro = await server.client(first, "professional", layer="professional", name="Alex")
        await main.synced.wait()
        await pro.synced.wait()
        model.write_map(main.doc, FIRST_MAP)
        model.write_map(pro.doc, PROFESSIONAL_MAP)
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
            headers={"Authorization": f"Bearer {first['tokens']['professional']}"},
        )
    assert old.json()["map"]["scales"][0]["ratings"][0]["value"] == 4
    reviewed = await server.services.store.meeting(review_id)
    assert reviewed is not None and reviewed.previous_id == first_id
