"""The store's side of agreement with the plan, on SQLite and PostgreSQL: recorded and changed
while the meeting is open, frozen into the snapshot in the roster's order when it ends, refused
after, never for someone of another meeting or never let in, and deleted with the meeting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from server.board.permissions import Admission, Layer, Role
from server.store import Agreement, AgreementRefused, Store, now
from server.store.schema import agreements
from tests.databases import BACKENDS, migrated_store


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with migrated_store(request.param, tmp_path) as opened:
        yield opened


def _roster(states: dict[Layer, bytes], roster: list[dict[str, Any]], *_: Any) -> dict[str, Any]:
    """A stand-in renderer: the roster, last name first (not the order people came in)."""
    return {"participants": sorted(roster, key=lambda p: p["name"], reverse=True)}


async def _rows(store: Store, meeting_id: str) -> int:
    query = (
        select(func.count()).select_from(agreements).where(agreements.c.meeting_id == meeting_id)
    )
    async with store.engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def test_recorded_until_the_end_then_frozen_in_roster_order(store: Store) -> None:
    meeting, tokens = await store.create_meeting("Agreement (fictional)", "child_protection")
    other, other_tokens = await store.create_meeting("Elsewhere (fictional)", "child_protection")
    family = await store.resolve(tokens[Role.FAMILY])
    pro = await store.resolve(tokens[Role.PROFESSIONAL])
    elsewhere = await store.resolve(other_tokens[Role.FAMILY])
    assert family and pro and elsewhere
    amy = await store.participant(family, "Amy")
    zed = await store.participant(pro, "Zed", agency="Police")
    out = await store.participant(family, "Out")
    await store.admit(meeting.id, out.id, Admission.REMOVED)  # let in, then taken out
    kim = await store.participant(elsewhere, "Kim")
    assert zed.agency == "Police" and zed.identity()["agency"] == "Police"

    said = await store.record_agreement(meeting.id, amy.id, False, "Not yet", now())
    assert isinstance(said, Agreement)
    changed = await store.record_agreement(meeting.id, amy.id, True, "Yes", now())
    assert isinstance(changed, Agreement) and changed.words == "Yes"
    assert isinstance(await store.record_agreement(meeting.id, zed.id, False, "", now()), Agreement)
    assert isinstance(await store.record_agreement(meeting.id, out.id, True, "", now()), Agreement)
    # Someone of another meeting, or nobody: nothing changes, in either meeting.
    refused = await store.record_agreement(meeting.id, kim.id, True, "", now())
    assert refused is AgreementRefused.NO_SUCH_PERSON
    assert await store.agreements(other.id) == []
    assert len(await store.agreements(meeting.id)) == 3

    meta = await store.end_meeting(meeting.id, None, now(), _roster)
    assert meta is not None
    snapshot = await store.snapshot(meeting.id, meta.n)
    assert snapshot is not None
    order = [p["id"] for p in snapshot.rendered["participants"]]
    frozen = snapshot.rendered["agreement"]
    assert [a["participantId"] for a in frozen] == [i for i in order if i != kim.id]
    assert [(a["agreed"], a["words"]) for a in frozen] == [(False, ""), (True, ""), (True, "Yes")]
    assert {p["name"]: p.get("agency", "") for p in snapshot.roster}["Zed"] == "Police"
    # After the end: refused, and what was frozen stays.
    late = await store.record_agreement(meeting.id, amy.id, False, "Changed", now())
    assert late is AgreementRefused.ENDED
    [amy_now] = [a for a in await store.agreements(meeting.id) if a.participant_id == amy.id]
    assert amy_now.words == "Yes"
    # Deleted with the meeting.
    assert await store.delete_meeting(meeting.id)
    assert await _rows(store, meeting.id) == 0


async def test_someone_never_let_in_has_nothing_recorded(store: Store) -> None:
    meeting, tokens = await store.create_meeting(
        "Waiting (fictional)", "early_help", waiting_room=True
    )
    family = await store.resolve(tokens[Role.FAMILY])
    assert family
    waiting = await store.participant(family, "Unknown")
    assert waiting.admission is Admission.WAITING
    refused = await store.record_agreement(meeting.id, waiting.id, True, "", now())
    assert refused is AgreementRefused.NOT_LET_IN
    await store.admit(meeting.id, waiting.id, Admission.REJECTED)
    refused = await store.record_agreement(meeting.id, waiting.id, True, "", now())
    assert refused is AgreementRefused.NOT_LET_IN
    assert await _rows(store, meeting.id) == 0


async def test_recorded_as_the_meeting_ends_is_in_the_snapshot_or_refused(store: Store) -> None:
    """Many recordings racing the end: every one that was accepted is in the snapshot."""
    meeting, tokens = await store.create_meeting("Race (fictional)", "child_protection")
    family = await store.resolve(tokens[Role.FAMILY])
    assert family
    people = [await store.participant(family, f"P{i}") for i in range(12)]

    async def record(i: int) -> Agreement | AgreementRefused:
        await asyncio.sleep(0)  # let the ending start among them
        return await store.record_agreement(meeting.id, people[i].id, True, f"w{i}", now())

    tasks = [asyncio.create_task(record(i)) for i in range(12)]
    meta = await store.end_meeting(meeting.id, None, now(), _roster)
    results = await asyncio.gather(*tasks)
    assert meta is not None
    snapshot = await store.snapshot(meeting.id, meta.n)
    assert snapshot is not None
    accepted = {r.participant_id for r in results if isinstance(r, Agreement)}
    assert {a["participantId"] for a in snapshot.rendered["agreement"]} == accepted
    assert all(r is AgreementRefused.ENDED for r in results if not isinstance(r, Agreement))
