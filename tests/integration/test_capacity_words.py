"""What the facilitator is told when there is no room, through the real HTTP API: letting
someone in to a full meeting says the meeting is full (409, as schemas/openapi.json
describes), and replacing a flooded link gives the real family a fresh waiting room."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from tests.conftest import running_server
from tests.integration.test_meeting_capacity import NO_ROOM, knock, owner_of, person

SPEC = json.loads((Path(__file__).parents[2] / "schemas" / "openapi.json").read_text())
ADMISSION = "/api/meetings/{meeting_id}/participants/{participant_id}/{action}"


def named(people: list[dict[str, Any]], name: str) -> dict[str, Any]:
    [found] = [p for p in people if p["name"] == name]
    return found


def described_409(body: Any) -> str:
    """The spec's 409 for "admit, reject or remove": its description, once `body` fits it."""
    answer = SPEC["paths"][ADMISSION]["post"]["responses"]["409"]
    schema = answer["content"]["application/json"]["schema"]
    Draft202012Validator({**schema, "components": SPEC["components"]}).validate(body)
    return str(answer["description"])


async def test_letting_someone_in_to_a_full_meeting_says_the_meeting_is_full(
    tmp_path: Path,
) -> None:
    async with (
        running_server(tmp_path / "data", SAFETYMAP_MAX_PARTICIPANTS="2") as server,
        owner_of(server) as owner,
    ):
        meeting = await owner.meeting()
        mid = str(meeting["id"])
        chair = person(server, meeting, "facilitator", "Sam")
        screen = person(server, meeting, "viewer", "Screen")
        assert await knock(chair) is None and await knock(screen) == 4510  # the screen waits
        assert (await owner.act(mid, named(await owner.people(mid), "Screen"), "admit")).is_success
        assert await knock(screen) is None  # two in: full
        jo = person(server, meeting, "family", "Jo")
        assert await knock(jo) == 4510

        refused = await owner.act(mid, named(await owner.people(mid), "Jo"), "admit")
        assert refused.status_code == 409
        error = refused.json()["error"]
        assert error.startswith("the meeting is full"), error
        assert "cannot admit" not in error
        assert "the meeting is full" in described_409(refused.json())
        assert named(await owner.people(mid), "Jo")["admission"] == "waiting"

        # With room, the same call lets her in; a change that cannot be made keeps its words.
        assert (await owner.act(mid, named(await owner.people(mid), "Screen"), "remove")).is_success
        let_in = await owner.act(mid, named(await owner.people(mid), "Jo"), "admit")
        assert let_in.status_code == 200 and let_in.json()["admission"] == "admitted"
        again = await owner.act(mid, named(await owner.people(mid), "Screen"), "admit")
        assert again.status_code == 409
        assert again.json()["error"] == "cannot admit someone who is removed"
        described_409(again.json())
        for client in (chair, jo):
            await client.disconnect()


async def test_replacing_a_flooded_link_gives_the_family_a_fresh_waiting_room(
    tmp_path: Path,
) -> None:
    """A forwarded family link opened under invented names until its waiting room is full:
    the facilitator replaces the link and sends the new one to the family only. The invented
    names' old link no longer works for them; the family waits, and is let in."""
    async with (
        running_server(tmp_path / "data", SAFETYMAP_MAX_WAITING="2") as server,
        owner_of(server) as owner,
    ):
        meeting = await owner.meeting()
        mid = str(meeting["id"])
        invented = [person(server, meeting, "family", f"Invented {i}") for i in range(3)]
        assert [await knock(c) for c in invented] == [4510, 4510, NO_ROOM]

        replaced = await owner.api.post(f"/api/meetings/{mid}/links/family/regenerate")
        assert replaced.status_code == 200, replaced.text
        meeting["tokens"]["family"] = replaced.json()["link"].rsplit("/", 1)[1]
        assert [await knock(c) for c in invented] == [4401, 4401, 4401]

        jo = person(server, meeting, "family", "Jo", "mum")
        kim = person(server, meeting, "family", "Kim")
        assert await knock(jo) == 4510 and await knock(kim) == 4510  # a waiting room of its own
        assert (await owner.act(mid, named(await owner.people(mid), "Jo"), "admit")).is_success
        assert await knock(jo) is None
        await jo.disconnect()
