"""Who keeps the agreed plan after the meeting (server/board/kept.py has the rules): the
participant a browser names, by its signed join cookie or by the key it holds for a link,
found only while they keep it. Never by a name, and never for anyone not let in."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select

from server.board.kept import KEEPING_ROLES, keeps
from server.board.links import looks_like_token, token_hash
from server.board.permissions import Admission, Role, Status
from server.store.base import StoreBase
from server.store.clock import aware, now
from server.store.records import Participant, participant_of
from server.store.schema import links, meetings, participants


class KeptStore(StoreBase):
    async def kept_by_id(self, meeting_id: str, participant_id: str) -> Participant | None:
        """The participant a browser's join cookie names, if they keep this ended meeting's
        plan now."""
        return await self._kept(
            participants.c.id == participant_id, participants.c.meeting_id == meeting_id
        )

    async def kept_by_key(self, token: str, key: str) -> Participant | None:
        """Who holds this key on the link of this token, if they keep its ended meeting's plan
        now. The token is looked up the same way as a working link's (its SHA-256)."""
        if not looks_like_token(token):
            return None
        return await self._kept(
            links.c.token_hash == token_hash(token), participants.c.key_hash == token_hash(key)
        )

    async def _kept(self, *where: ColumnElement[bool]) -> Participant | None:
        query = (
            select(
                participants,
                links.c.created_at.label("link_made"),
                links.c.revoked_at.label("link_revoked"),
                meetings.c.ended_at.label("meeting_ended"),
            )
            .join(links, links.c.id == participants.c.link_id)
            .join(meetings, meetings.c.id == participants.c.meeting_id)
            .where(
                *where,
                meetings.c.status == Status.ENDED.value,
                participants.c.admission == Admission.ADMITTED.value,
                participants.c.role.in_([role.value for role in KEEPING_ROLES]),
            )
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return participant_of(row) if row is not None and self._keeps(row) else None

    def _keeps(self, row: Any) -> bool:
        made = aware(row.link_made)
        assert made is not None
        return keeps(
            Role(row.role),
            Admission(row.admission),
            ended_at=aware(row.meeting_ended),
            link_made=made,
            link_revoked=row.link_revoked is not None,
            lifetime=self._link_lifetime,
            at=now(),
        )
