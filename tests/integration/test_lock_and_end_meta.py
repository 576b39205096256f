"""Locking the board, and the server writing the meeting's state into the map itself so every
screen shows it live."""

from __future__ import annotations

import httpx
from pycrdt import Map

from tests.conftest import RunningServer
from tests.waiting import within


def meta(client) -> dict:  # type: ignore[no-untyped-def, type-arg]
    return client.doc.get("meta", type=Map).to_py()  # type: ignore[no-any-return]


async def test_lock_makes_the_board_the_facilitators_alone(server: RunningServer) -> None:
    meeting = await server.meeting()
    chair = await server.client(meeting, "facilitator", name="Sam")
    family = await server.client(meeting, "family", name="Jo")
    await within(family.synced.wait(), 20, "family synced")
    auth = {"Authorization": f"Bearer {meeting['tokens']['facilitator']}"}
    async with httpx.AsyncClient(base_url=server.address, headers=auth) as http:
        refused = await http.post(
            f"/api/meetings/{meeting['id']}/lock",
            json={"locked": True},
            headers={"Authorization": f"Bearer {meeting['tokens']['professional']}"},
        )
        assert refused.status_code == 403
        locked = await http.post(f"/api/meetings/{meeting['id']}/lock", json={"locked": True})
        assert locked.status_code == 200
        await family.wait_for(lambda: meta(family).get("locked") is True)
        chair.add_card("c1", "goals", "the facilitator still types")
        await family.wait_for(lambda: "c1" in family.cards())
        family.add_card("f1", "harm", "refused while locked")
        await family.wait_closed()
        assert family.close_code == 4403
        assert family.close_reason == "read-only: the facilitator has locked the board"
        unlocked = await http.post(f"/api/meetings/{meeting['id']}/lock", json={"locked": False})
        assert unlocked.status_code == 200
    again = await server.client(meeting, "family", name="Jo")
    await again.wait_for(lambda: meta(again).get("locked") is False)
    again.add_card("f2", "strengths", "allowed again")
    await chair.wait_for(lambda: "f2" in chair.cards())
    assert "f1" not in chair.cards()


async def test_ending_writes_status_into_every_open_screen(server: RunningServer) -> None:
    meeting = await server.meeting()
    viewer = await server.client(meeting, "viewer")
    await within(viewer.synced.wait(), 20, "viewer synced")
    auth = {"Authorization": f"Bearer {meeting['tokens']['facilitator']}"}
    async with httpx.AsyncClient(base_url=server.address, headers=auth) as http:
        ended = await http.post(f"/api/meetings/{meeting['id']}/end")
        assert ended.status_code == 200
        await viewer.wait_for(lambda: meta(viewer).get("status") == "ended")
        assert meta(viewer)["endedAt"] == ended.json()["createdAt"]
        late = await http.post(f"/api/meetings/{meeting['id']}/lock", json={"locked": True})
        assert late.status_code == 409


async def test_ending_a_meeting_nobody_has_open_still_marks_the_map(server: RunningServer) -> None:
    meeting = await server.meeting()
    auth = {"Authorization": f"Bearer {meeting['tokens']['facilitator']}"}
    async with httpx.AsyncClient(base_url=server.address, headers=auth) as http:
        assert (await http.post(f"/api/meetings/{meeting['id']}/end")).status_code == 200
    # Only the facilitator's link still works once the meeting has ended.
    late = await server.client(meeting, "facilitator")
    await late.wait_for(lambda: meta(late).get("status") == "ended")
    viewer = await server.client(meeting, "viewer")
    await viewer.wait_closed()
    assert viewer.close_code == 4401
