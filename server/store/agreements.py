"""Agreement with the plan: what the facilitator recorded for each person, kept until the
meeting ends and then frozen into the snapshot (snapshots.py reads it in the same
transaction that ends the meeting)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import exists, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from server.board.permissions import Admission, Role, Status
from server.store.base import StoreBase
from server.store.records import Agreement, agreement_of
from server.store.schema import agreements, meetings, participants

# Who may have an agreement recorded: people let in (taken out since, too), as the roster.
_ATTENDED = (Admission.ADMITTED.value, Admission.REMOVED.value)


class AgreementRefused(enum.Enum):
    """Why nothing was recorded."""

    NO_SUCH_PERSON = "no such participant in this meeting"
    NOT_LET_IN = "they were never let in to the meeting"
    ENDED = "the meeting has ended"
    NOT_A_PERSON = "the shared screen is a screen, not a person: nobody agrees for it"


async def recorded(conn: AsyncConnection, meeting_id: str) -> list[Agreement]:
    query = select(agreements).where(agreements.c.meeting_id == meeting_id)
    return [agreement_of(r) for r in await conn.execute(query)]


class AgreementStore(StoreBase):
    async def agreements(self, meeting_id: str) -> list[Agreement]:
        """What has been recorded for this meeting so far (any order)."""
        async with self.engine.connect() as conn:
            return await recorded(conn, meeting_id)

    async def record_agreement(
        self, meeting_id: str, participant_id: str, agreed: bool, words: str, at: datetime
    ) -> Agreement | AgreementRefused:
        """Record (or change) whether this person agreed the plan, with their words, while
        the meeting is open. A participant of another meeting, or who was never let in,
        changes nothing; nor does anything once the meeting has ended, however close the
        ending: the row is written only while the meeting row says open (PostgreSQL: under
        a share lock on it, which the ending's update waits for; SQLite: one statement,
        which holds the only write lock), so it is either in the snapshot or refused."""
        person = select(participants.c.admission).where(
            participants.c.id == participant_id, participants.c.meeting_id == meeting_id
        )
        is_open = select(meetings.c.id).where(
            meetings.c.id == meeting_id, meetings.c.status == Status.OPEN.value
        )
        values = {
            "meeting_id": meeting_id,
            "participant_id": participant_id,
            "agreed": agreed,
            "words": words,
            "recorded_at": at,
        }
        guarded = select(*(literal(v, agreements.c[k].type) for k, v in values.items())).where(
            exists(is_open),
            exists(person.where(participants.c.admission.in_(_ATTENDED))),
        )
        insert = _upsert(self._sqlite)(agreements)
        upsert = insert.from_select(list(values), guarded)
        upsert = upsert.on_conflict_do_update(
            index_elements=[agreements.c.meeting_id, agreements.c.participant_id],
            set_={"agreed": agreed, "words": words, "recorded_at": at},
        )
        async with self.engine.connect() as conn:
            found = (await conn.execute(person.add_columns(participants.c.role))).first()
        if found is None:
            return AgreementRefused.NO_SUCH_PERSON
        if found.role == Role.VIEWER.value:
            return AgreementRefused.NOT_A_PERSON
        if found.admission not in _ATTENDED:
            return AgreementRefused.NOT_LET_IN
        # The write starts a transaction of its own: on SQLite a read first would make it a
        # stale reader that cannot take the write lock once the journal has appended.
        async with self.engine.begin() as conn:
            if not self._sqlite:
                await conn.execute(is_open.with_for_update(read=True))
            done = await conn.execute(upsert)
        if done.rowcount == 0:
            return AgreementRefused.ENDED  # once let in, always counted: only the end refuses
        return Agreement(participant_id, agreed, words, at)


def _upsert(on_sqlite: bool) -> Any:
    """The dialect's INSERT (with its ON CONFLICT), importing only that dialect: PostgreSQL's
    is 2.5 MiB a server on SQLite never needs."""
    if on_sqlite:
        from sqlalchemy.dialects import sqlite

        return sqlite.insert
    from sqlalchemy.dialects import postgresql

    return postgresql.insert
