"""The audit trail travels with the full record: up to the meeting's end for a snapshot, so
two exports of it stay the same; never in the family copy. Who was there, and for how long,
comes from its joins and leaves, in both copies."""

from __future__ import annotations

import json

from tests.conftest import RunningServer
from tests.integration.test_meeting_pages import signed_in
from tests.waiting import within
from tests.webclient import Browser


async def _export(chair: Browser, meeting_id: str, query: str) -> dict[str, object]:
    """The meeting's JSON record as the facilitator downloads it."""
    response = await chair.get(f"/meetings/{meeting_id}/export?format=json{query}")
    assert response.status_code == 200
    document: dict[str, object] = json.loads(response.content)
    return document


async def test_the_full_record_carries_the_trail_up_to_the_end(server: RunningServer) -> None:
    async with await signed_in(server) as chair:
        created = await chair.submit("/", {"title": "Trail", "label_set": "early_help"})
        meeting_id = str(created.headers["location"]).rsplit("/", 1)[1]
        tokens = await server.services.store.link_tokens(meeting_id)
        meeting = {"id": meeting_id, "tokens": {r.value: t for r, t in tokens.items()}}
        jo = await server.client(meeting, "family", name="Jo")
        await within(jo.synced.wait(), 20, "jo synced")
        await jo.disconnect()
        await chair.submit(f"/meetings/{meeting_id}", {}, action=f"/meetings/{meeting_id}/end")

        first, second = await _export(chair, meeting_id, ""), await _export(chair, meeting_id, "")
        trail = first["audit"]
        assert isinstance(trail, list)
        seen = [(row["who"], row["what"]) for row in trail]
        assert ("Jo (Family)", "Joined") in seen
        assert ("Jo (Family)", "Left") in seen
        assert seen[-1][1] == "Ended the meeting"
        assert not any("Downloaded" in what for _, what in seen)  # exports came after the end
        for document in (first, second):
            document["export"]["generatedAt"] = "…"  # type: ignore[index]
        assert first == second
        family = await _export(chair, meeting_id, "&family=1")
        assert "audit" not in family
        people = {p["name"]: p["id"] for p in first["participants"]}  # type: ignore[attr-defined]
        for document in (first, family):
            came = {row["participant"]: row for row in document["attendance"]}  # type: ignore[attr-defined]
            jo = came[people["Jo"]]
            assert jo["firstJoined"] <= jo["lastLeft"] and jo["minutes"] == 0
        markdown = (await chair.get(f"/meetings/{meeting_id}/export?format=md")).text
        assert "Who did what, and when" in markdown and "Ended the meeting" in markdown
        appendix = markdown.split("## Appendix: who joined and left, and when", 1)[1]
        assert "| Jo (Family) | Joined |" in appendix and "| Jo (Family) | Left |" in appendix
        assert "| Jo | Family |  |" in markdown  # who took part, with the times beside
        family_md = (await chair.get(f"/meetings/{meeting_id}/export?format=md&family=1")).text
        assert "Appendix" not in family_md and "| Jo | Family |  |" in family_md


async def test_the_family_copy_says_nothing_of_time_in_the_professionals_notes(
    server: RunningServer,
) -> None:
    """Professionals who met in their own notes before the family came (or after it left): the
    family copy's "who took part" counts the shared map alone, so it does not tell the family
    when, or for how long, the professionals talked without them. The full record does."""
    async with await signed_in(server) as chair:
        created = await chair.submit("/", {"title": "Notes", "label_set": "early_help"})
        meeting_id = str(created.headers["location"]).rsplit("/", 1)[1]
        tokens = await server.services.store.link_tokens(meeting_id)
        meeting = {"id": meeting_id, "tokens": {r.value: t for r, t in tokens.items()}}
        notes = await server.client(meeting, "professional", name="Alex", layer="professional")
        await within(notes.synced.wait(), 20, "alex's notes synced")
        await notes.disconnect()
        await chair.submit(f"/meetings/{meeting_id}", {}, action=f"/meetings/{meeting_id}/end")

        full = await _export(chair, meeting_id, "")
        family = await _export(chair, meeting_id, "&family=1")
        [alex] = [p["id"] for p in full["participants"] if p["name"] == "Alex"]  # type: ignore[attr-defined]
        assert alex in {row["participant"] for row in full["attendance"]}  # type: ignore[attr-defined]
        assert alex not in {row["participant"] for row in family["attendance"]}  # type: ignore[attr-defined]
        family_md = (await chair.get(f"/meetings/{meeting_id}/export?format=md&family=1")).text
        assert "| Alex | Professional |  | — | — | — |" in family_md
