"""Meetings and their links: create, look up, lock; resolve, regenerate and revoke links."""

from __future__ import annotations

import uuid

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from server.board.links import derive_token, looks_like_token, new_salt, token_hash
from server.board.permissions import Admission, Role, Status
from server.store.base import StoreBase
from server.store.clock import now
from server.store.records import Grant, Meeting, meeting_of
from server.store.schema import links, meetings, participants


class MeetingStore(StoreBase):
    async def create_meeting(
        self,
        title: str,
        label_set: str,
        owner_id: str | None = None,
        previous_id: str | None = None,
        waiting_room: bool = False,
    ) -> tuple[Meeting, dict[Role, str]]:
        meeting = Meeting(
            str(uuid.uuid4()),
            title,
            label_set,
            Status.OPEN,
            now(),
            None,
            owner_id,
            False,
            previous_id,
            waiting_room,
        )
        tokens = {}
        async with self.engine.begin() as conn:
            await conn.execute(
                insert(meetings).values(
                    id=meeting.id,
                    title=title,
                    label_set=label_set,
                    status=meeting.status.value,
                    created_at=meeting.created_at,
                    owner_id=owner_id,
                    previous_id=previous_id,
                    waiting_room=waiting_room,
                )
            )
            for role in Role:
                tokens[role] = await self._insert_link(conn, meeting.id, role)
        return meeting, tokens

    async def _insert_link(self, conn: AsyncConnection, meeting_id: str, role: Role) -> str:
        salt = new_salt()
        token = derive_token(self._link_key, salt)
        await conn.execute(
            insert(links).values(
                meeting_id=meeting_id,
                role=role.value,
                token_hash=token_hash(token),
                salt=salt,
                created_at=now(),
            )
        )
        return token

    async def link_tokens(self, meeting_id: str) -> dict[Role, str]:
        """The live link of each role, re-derived from its salt (for the meeting page)."""
        query = select(links.c.role, links.c.salt).where(
            links.c.meeting_id == meeting_id, links.c.revoked_at.is_(None)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {Role(r.role): derive_token(self._link_key, r.salt) for r in rows if r.salt}

    async def meeting(self, meeting_id: str) -> Meeting | None:
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(meetings).where(meetings.c.id == meeting_id))).first()
        return None if row is None else meeting_of(row)

    async def meetings_of(self, owner_id: str) -> list[Meeting]:
        """A facilitator's meetings, newest first."""
        query = (
            select(meetings)
            .where(meetings.c.owner_id == owner_id)
            .order_by(meetings.c.created_at.desc(), meetings.c.id)
        )
        async with self.engine.connect() as conn:
            return [meeting_of(row) for row in (await conn.execute(query)).all()]

    async def set_locked(self, meeting_id: str, locked: bool) -> bool:
        """Lock or unlock an open meeting's board; False if it is not open."""
        async with self.engine.begin() as conn:
            changed = await conn.execute(
                update(meetings)
                .where(meetings.c.id == meeting_id, meetings.c.status == Status.OPEN.value)
                .values(locked=locked)
            )
        return changed.rowcount == 1

    async def resolve(self, token: str) -> Grant | None:
        """The grant of a live (unrevoked) link, or None for anything else."""
        if not looks_like_token(token):
            return None
        query = (
            select(links.c.id, links.c.meeting_id, links.c.role)
            .join(meetings, meetings.c.id == links.c.meeting_id)
            .where(links.c.token_hash == token_hash(token), self._link_works())
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else Grant(row.id, row.meeting_id, Role(row.role))

    async def resolve_link(self, link_id: int) -> Grant | None:
        """The grant of a live link by its id (for a caller already authenticated by it)."""
        query = (
            select(links.c.id, links.c.meeting_id, links.c.role)
            .join(meetings, meetings.c.id == links.c.meeting_id)
            .where(links.c.id == link_id, self._link_works())
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else Grant(row.id, row.meeting_id, Role(row.role))

    async def regenerate_link(self, meeting_id: str, role: Role) -> tuple[list[int], str]:
        """Revoke the role's live link(s) and issue a new one: (revoked link ids, new token)."""
        async with self.engine.begin() as conn:
            revoked = await self._revoke(conn, meeting_id, role)
            token = await self._insert_link(conn, meeting_id, role)
        return revoked, token

    async def revoke_link(self, meeting_id: str, role: Role) -> list[int]:
        async with self.engine.begin() as conn:
            return await self._revoke(conn, meeting_id, role)

    async def _revoke(self, conn: AsyncConnection, meeting_id: str, role: Role) -> list[int]:
        live = (
            await conn.execute(
                select(links.c.id).where(
                    links.c.meeting_id == meeting_id,
                    links.c.role == role.value,
                    links.c.revoked_at.is_(None),
                )
            )
        ).scalars()
        ids = list(live)
        if ids:
            await conn.execute(update(links).where(links.c.id.in_(ids)).values(revoked_at=now()))
            # Whoever still waits on a revoked link can never come in by it: turned away, so a
            # flood of invented names leaves with the link instead of staying listed.
            await conn.execute(
                update(participants)
                .where(
                    participants.c.link_id.in_(ids),
                    participants.c.admission == Admission.WAITING.value,
                )
                .values(admission=Admission.REJECTED.value)
            )
        return ids
