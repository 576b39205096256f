"""The record: ending a meeting freezes its log as a numbered snapshot, read back later."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import func, insert, select, update

from server.board.agreement import in_roster_order
from server.board.permissions import Layer, Status
from server.store.agreements import recorded
from server.store.base import StoreBase
from server.store.log import Editors, card_writers_of, layer_log
from server.store.people import attendees
from server.store.records import Snapshot, SnapshotMeta, participant_of, snapshot_meta_of
from server.store.schema import meetings, snapshots, writers
from server.sync import crdt

# render(states, roster, writers, editors) -> the rendered map kept with the snapshot.
Render = Callable[
    [dict[Layer, bytes], list[dict[str, Any]], dict[Layer, dict[int, str]], Editors],
    dict[str, Any],
]


class SnapshotStore(StoreBase):
    async def end_meeting(
        self, meeting_id: str, ended_by: str | None, moment: datetime, render: Render
    ) -> SnapshotMeta | None:
        """Mark the meeting ended and save its snapshot, atomically. None if already ended.

        The snapshot is the update log as it stands once the meeting is marked ended (every
        process's updates, not just what this process holds), rendered by `render(states,
        roster, writers, editors)`, with who agreed the plan (`agreement`). From that moment
        the log refuses the meeting's updates (see `append`).
        """
        async with self.engine.begin() as conn:
            changed = await conn.execute(
                update(meetings)
                .where(meetings.c.id == meeting_id, meetings.c.status == Status.OPEN.value)
                .values(status=Status.ENDED.value, ended_at=moment)
            )
            if changed.rowcount != 1:
                return None
            states: dict[Layer, bytes] = {}
            for layer in Layer:
                rows = await conn.execute(layer_log(meeting_id, layer))
                log = [bytes(data) for data in rows.scalars()]
                states[layer] = await asyncio.to_thread(crdt.merge, log)
            people = await conn.execute(attendees(meeting_id))
            roster = [participant_of(r).identity() for r in people]
            bound: dict[Layer, dict[int, str]] = {layer: {} for layer in Layer}
            for r in await conn.execute(select(writers).where(writers.c.meeting_id == meeting_id)):
                bound[Layer(r.layer)][int(r.client_id)] = r.participant_id
            editors = await card_writers_of(conn, meeting_id)
            rendered = await asyncio.to_thread(render, states, roster, bound, editors)
            # Who agreed the plan, as recorded until this moment (the share lock its writes
            # take waited for this transaction's update, or this update for them).
            agreed = [a.as_json() for a in await recorded(conn, meeting_id)]
            roster_order = rendered.get("participants", [])
            rendered = {**rendered, "agreement": in_roster_order(agreed, roster_order)}
            last = (
                await conn.execute(
                    select(func.max(snapshots.c.n)).where(snapshots.c.meeting_id == meeting_id)
                )
            ).scalar_one()
            meta = SnapshotMeta(meeting_id, (last or 0) + 1, moment, ended_by)
            await conn.execute(
                insert(snapshots).values(
                    meeting_id=meeting_id,
                    n=meta.n,
                    created_at=moment,
                    ended_by=ended_by,
                    state_main=states[Layer.MAIN],
                    state_professional=states[Layer.PROFESSIONAL],
                    rendered=json.dumps(rendered, sort_keys=True),
                    roster=json.dumps(roster, sort_keys=True),
                )
            )
        return meta

    async def snapshots(self, meeting_id: str) -> list[SnapshotMeta]:
        query = (
            select(
                snapshots.c.meeting_id, snapshots.c.n, snapshots.c.created_at, snapshots.c.ended_by
            )
            .where(snapshots.c.meeting_id == meeting_id)
            .order_by(snapshots.c.n)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [snapshot_meta_of(r) for r in rows]

    async def snapshot(self, meeting_id: str, n: int) -> Snapshot | None:
        query = select(snapshots).where(snapshots.c.meeting_id == meeting_id, snapshots.c.n == n)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        return Snapshot(
            snapshot_meta_of(row),
            bytes(row.state_main),
            bytes(row.state_professional),
            json.loads(row.rendered),
            json.loads(row.roster),
        )
