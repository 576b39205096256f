"""Where each meeting stands now, read from the database: the truth a process checks its live
connections against.

Other processes announce endings, locks, revocations and removals through the relay, but a
message can be missed (a paused process, Redis lost, a stream trimmed past a slow reader). So
every process re-reads this for its loaded meetings after any relay outage and every few
seconds (`Rooms.recheck`): what the database says outlasts any message.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select

from server.board.permissions import Admission, Status
from server.store.base import StoreBase
from server.store.schema import links, meetings, participants


@dataclass(frozen=True, slots=True)
class Standing:
    status: Status
    locked: bool
    revoked_links: frozenset[int]  # links of the meeting that no longer let anyone in
    barred: frozenset[str]  # participants turned away or taken out


class StandingStore(StoreBase):
    async def standing(self, meeting_ids: Collection[str]) -> dict[str, Standing]:
        """Each meeting's standing; a meeting missing from the result has been deleted."""
        if not meeting_ids:
            return {}
        wanted = sorted(meeting_ids)
        async with self.engine.connect() as conn:
            found = (
                await conn.execute(
                    select(meetings.c.id, meetings.c.status, meetings.c.locked).where(
                        meetings.c.id.in_(wanted)
                    )
                )
            ).all()
            revoked = (
                await conn.execute(
                    select(links.c.meeting_id, links.c.id).where(
                        links.c.meeting_id.in_(wanted), links.c.revoked_at.is_not(None)
                    )
                )
            ).all()
            barred = (
                await conn.execute(
                    select(participants.c.meeting_id, participants.c.id).where(
                        participants.c.meeting_id.in_(wanted),
                        participants.c.admission.in_(
                            (Admission.REJECTED.value, Admission.REMOVED.value)
                        ),
                    )
                )
            ).all()
        gone: dict[str, set[int]] = {}
        for row in revoked:
            gone.setdefault(row.meeting_id, set()).add(int(row.id))
        out: dict[str, set[str]] = {}
        for row in barred:
            out.setdefault(row.meeting_id, set()).add(row.id)
        return {
            row.id: Standing(
                Status(row.status),
                bool(row.locked),
                frozenset(gone.get(row.id, ())),
                frozenset(out.get(row.id, ())),
            )
            for row in found
        }
