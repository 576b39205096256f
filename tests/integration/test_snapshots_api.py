"""Ending a meeting saves an immutable snapshot; the API serves it by role."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema

from tests.conftest import RunningServer

SCHEMA = json.loads((Path(__file__).parents[2] / "schemas" / "map.schema.json").read_text())


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_end_snapshot_and_family_copy(server: RunningServer) -> None:
    meeting = await server.meeting("Review for Mia (fictional)")
    chair = await server.client(meeting, "facilitator", name="Sam")
    pro = await server.client(meeting, "professional", layer="professional", name="Alex")
    chair.add_card("c1", "strengths", "Grandma visits every Sunday")
    pro.add_card("x1", "complicating", "Police visit in February, not yet discussed")
    family = await server.client(meeting, "family", name="Jo")
    await family.wait_for(lambda: "c1" in family.cards())
    await chair.wait_for(lambda: True)
    await server.services.journal.flush()

    mid = meeting["id"]
    async with httpx.AsyncClient(base_url=server.base_url) as http:
        denied = await http.post(
            f"/api/meetings/{mid}/end", headers=bearer(meeting["tokens"]["family"])
        )
        assert denied.status_code == 403
        anonymous = await http.post(f"/api/meetings/{mid}/end")
        assert anonymous.status_code == 401

        ended = await http.post(
            f"/api/meetings/{mid}/end", headers=bearer(meeting["tokens"]["facilitator"])
        )
        assert ended.status_code == 200, ended.text
        meta = ended.json()
        assert meta["n"] == 1 and meta["meetingId"] == mid and meta["endedBy"]

        twice = await http.post(
            f"/api/meetings/{mid}/end", headers=bearer(meeting["tokens"]["facilitator"])
        )
        assert twice.status_code == 409

        # Every link but the facilitator's stopped working when the meeting ended.
        for role in ("viewer", "family", "professional"):
            gone = await http.get(
                f"/api/meetings/{mid}/snapshots", headers=bearer(meeting["tokens"][role])
            )
            assert gone.status_code == 401, role
        chair_token = bearer(meeting["tokens"]["facilitator"])
        listing = await http.get(f"/api/meetings/{mid}/snapshots", headers=chair_token)
        assert [s["n"] for s in listing.json()["snapshots"]] == [1]

        full = (await http.get(f"/api/meetings/{mid}/snapshots/1", headers=chair_token)).json()
        copy = (
            await http.get(
                f"/api/meetings/{mid}/snapshots/1",
                params={"variant": "family"},
                headers=chair_token,
            )
        ).json()
        missing = await http.get(f"/api/meetings/{mid}/snapshots/7", headers=chair_token)
        assert missing.status_code == 404

    jsonschema.validate(full["map"], SCHEMA)
    jsonschema.validate(copy["map"], SCHEMA)
    full_text = json.dumps(full["map"])
    copy_text = json.dumps(copy["map"])
    assert "Grandma visits every Sunday" in full_text and "Grandma visits every Sunday" in copy_text
    assert "Police visit in February" in full_text
    assert "Police visit in February" not in copy_text
    names = {p["name"] for p in full["map"]["participants"]}
    assert {"Sam", "Alex", "Jo"} <= names
    assert full["map"]["meeting"]["status"] == "ended"
