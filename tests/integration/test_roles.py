"""Roles are enforced by the server: viewers, the professionals-only layer, ended meetings,
revoked links."""

from __future__ import annotations

import httpx
from pycrdt import Doc, Map, Text

from server.sync import protocol
from tests.conftest import RunningServer
from tests.waiting import within
from tests.yclient import YClient


def foreign_edit() -> bytes:
    """An update made elsewhere, as a client would send after editing offline."""
    doc: Doc = Doc()
    doc.get("items", type=Map)["sneaky"] = Map({"section": "harm", "text": Text("not allowed")})
    return doc.get_update()


async def test_viewer_syncs_but_cannot_edit(server: RunningServer) -> None:
    meeting = await server.meeting()
    editor = await server.client(meeting, "professional")
    editor.add_card("c1", "strengths", "Dad walks Mia to school")
    viewer = await server.client(meeting, "viewer", name="Shared screen")
    await viewer.wait_for(lambda: "c1" in viewer.cards())
    # Its sync step 2 (no edits of its own) is fine: the viewer stays connected.
    assert not viewer.closed.is_set()

    viewer.add_card("v1", "harm", "typed on the shared screen")
    await viewer.wait_closed()
    assert viewer.close_code == 4403
    assert "read-only" in viewer.close_reason
    # A stock y-websocket client is told first, with an auth "permission denied" message.
    assert any(isinstance(protocol.decode(f), protocol.PermissionDenied) for f in viewer.received)

    fresh = await server.client(meeting, "facilitator")
    await fresh.wait_for(lambda: "c1" in fresh.cards())
    assert "v1" not in fresh.cards() and "v1" not in editor.cards()


async def test_viewer_offline_edit_is_refused_on_reconnect(server: RunningServer) -> None:
    meeting = await server.meeting()
    viewer = await server.client(meeting, "viewer")
    await within(viewer.synced.wait(), 20, "viewer synced")
    await viewer.disconnect()
    viewer.add_card("v1", "harm", "edited while offline")
    await viewer.connect()
    await viewer.wait_closed()
    assert viewer.close_code == 4403
    check = await server.client(meeting, "professional")
    await within(check.synced.wait(), 20, "check synced")
    assert check.cards() == {}


async def test_family_and_viewer_cannot_open_professional_layer(server: RunningServer) -> None:
    meeting = await server.meeting()
    for role in ("family", "viewer"):
        client = await server.client(meeting, role, layer="professional")
        await client.wait_closed()
        assert client.close_code == 4403
        assert not client.synced.is_set()
        assert client.doc.get_state() == Doc().get_state()


async def test_professional_layer_is_separate_from_the_map(server: RunningServer) -> None:
    meeting = await server.meeting()
    pro = await server.client(meeting, "professional", layer="professional")
    pro.add_card("x1", "complicating", "police information, not yet shared")
    chair = await server.client(meeting, "facilitator", layer="professional")
    await chair.wait_for(lambda: "x1" in chair.cards())
    family = await server.client(meeting, "family")
    await within(family.synced.wait(), 20, "family synced")
    assert family.cards() == {}
    assert all(b"police" not in frame for frame in family.received)


async def test_wrong_token_and_wrong_meeting_are_refused_alike(server: RunningServer) -> None:
    one = await server.meeting("One")
    two = await server.meeting("Two")
    bad = YClient(server.ws_url, one["id"], "x" * 43, name="Nobody")
    await bad.connect()
    await bad.wait_closed()
    crossed = YClient(server.ws_url, one["id"], two["tokens"]["facilitator"], name="Chair")
    await crossed.connect()
    await crossed.wait_closed()
    unknown = YClient(server.ws_url, "no-such-meeting", two["tokens"]["family"], name="Jo")
    await unknown.connect()
    await unknown.wait_closed()
    assert bad.close_code == crossed.close_code == unknown.close_code == 4401
    assert bad.close_reason == crossed.close_reason == unknown.close_reason


async def test_ending_makes_every_connection_read_only(server: RunningServer) -> None:
    meeting = await server.meeting()
    chair = await server.client(meeting, "facilitator")
    family = await server.client(meeting, "family", name="Jo")
    chair.add_card("c1", "goals", "Mia sleeps at home every night")
    await family.wait_for(lambda: "c1" in family.cards())

    async with httpx.AsyncClient(base_url=server.base_url) as http:
        response = await http.post(
            f"/api/meetings/{meeting['id']}/end",
            headers={"Authorization": f"Bearer {meeting['tokens']['facilitator']}"},
            json={"name": "Sam"},
        )
    assert response.status_code == 200, response.text
    assert response.json()["n"] == 1

    assert not family.closed.is_set()  # still watching the map
    family.add_card("late", "harm", "after the end")
    await family.wait_closed()
    assert family.close_code == 4403
    assert family.close_reason == "read-only: the meeting has ended"
    chair.items["c1"]["text"].insert(0, "Agreed: ")
    await chair.wait_closed()
    assert chair.close_code == 4403

    again = await server.client(meeting, "facilitator")
    await within(again.synced.wait(), 20, "again synced")
    assert again.cards() == {"c1": "Mia sleeps at home every night"}


async def test_revoking_a_link_closes_its_connections(server: RunningServer) -> None:
    meeting = await server.meeting()
    family = await server.client(meeting, "family", name="Jo")
    pro = await server.client(meeting, "professional", name="Alex")
    await within(family.synced.wait(), 20, "family synced")
    await within(pro.synced.wait(), 20, "pro synced")
    headers = {"Authorization": f"Bearer {meeting['tokens']['facilitator']}"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers) as http:
        response = await http.post(f"/api/meetings/{meeting['id']}/links/family/regenerate")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["closed"] == 1 and body["revoked"] == 1
    await family.wait_closed()
    assert family.close_code == 4401
    assert not pro.closed.is_set()

    await family.connect()  # the old token no longer works
    await family.wait_closed()
    assert family.close_code == 4401

    new_token = body["link"].rsplit("/", 1)[1]
    rejoined = YClient(server.ws_url, meeting["id"], new_token, name="Jo")
    await rejoined.connect()
    await within(rejoined.synced.wait(), 20, "rejoined synced")
    assert not rejoined.closed.is_set()
