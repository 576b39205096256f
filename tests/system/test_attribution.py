"""Who added each card, as the server saw it: the record says so beside the card's claimed author,
and nobody can write with (or appear under) a Yjs clientID another participant owns, whether
they used it first in presence or in an update, here, after a restart or on another process.
Here the checks through a browser or several processes; the checks against a real server and
database are in tests/integration/test_attribution.py."""

from __future__ import annotations

from pathlib import Path

from tests.attribution_cases import forged_edit, present
from tests.cluster import cluster


async def test_a_client_id_seen_in_presence_on_another_process_is_its_owners(
    tmp_path: Path,
) -> None:
    """Two processes on PostgreSQL and Redis: the facilitator appears on one, the family
    member writes under that clientID on the other, and only the family member is refused."""
    async with cluster(tmp_path, 2) as (group, meeting):
        sam = await group.connect(meeting, 0, role="facilitator", name="Sam Example")
        jo = await group.connect(meeting, 1, role="family", name="Jo Example")
        await present(sam, jo)  # relayed to process 1 through Redis
        await jo.send(forged_edit(sam, jo, "forged"))
        await jo.wait_closed(10)
        assert jo.close_code == 4422 and "another participant" in jo.close_reason, group.logs()
        sam.add_card("mine", "strengths", "Gran collects the children")
        check = await group.connect(meeting, 1, role="viewer", name="Checker")
        await check.wait_for(lambda: set(check.cards()) == {"mine"}, 10)
        assert not sam.closed.is_set(), sam.close_reason
