"""Participants and admission: who opened a meeting's links, who is let in, who attended.

A participant is found again by their key (a secret their browser keeps in a cookie, or a stock
client sends as `key=`; only its SHA-256 is stored), never by the name they typed: two people
may share a name, and typing someone's name makes nobody that person.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Select, and_, func, insert, literal, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.board.links import derive_key, looks_like_token, new_key, token_hash
from server.board.names import numbered
from server.board.permissions import Admission, Role, waits
from server.store.base import StoreBase
from server.store.clock import now
from server.store.records import (
    Grant,
    MeetingFull,
    MeetingGone,
    Participant,
    WaitingRoomFull,
    participant_of,
)
from server.store.schema import links, meetings, participants

# Who the record lists as attending: let in (and perhaps later taken out), not turned away.
_ATTENDED = (Admission.ADMITTED.value, Admission.REMOVED.value)


def attendees(meeting_id: str) -> Select[Any]:
    """The participants the record lists, first come first (the roster and the snapshot's)."""
    return (
        select(participants)
        .where(
            participants.c.meeting_id == meeting_id,
            participants.c.admission.in_(_ATTENDED),
        )
        .order_by(participants.c.created_at, participants.c.id)
    )


# The most people one link may hold in the waiting room at once: one forwarded link opened
# under many invented names fills its own waiting room, not the meeting.
MAX_WAITING = 20

# A separate name for the table counted in, so a count inside an UPDATE of `participants`
# is never read as a reference to the row being updated.
_counted = participants.alias("counted")


def _head_count(meeting_id: str) -> Any:
    """The people the meeting has let in: all its cap counts. Waiting, turned away or taken
    out, a participant takes no place."""
    return (
        select(func.count())
        .select_from(_counted)
        .where(
            _counted.c.meeting_id == meeting_id,
            _counted.c.admission == Admission.ADMITTED.value,
        )
        .scalar_subquery()
    )


def _waiting_on(link_id: int) -> Any:
    """The people waiting to be let in by this link."""
    return (
        select(func.count())
        .select_from(_counted)
        .where(_counted.c.link_id == link_id, _counted.c.admission == Admission.WAITING.value)
        .scalar_subquery()
    )


class PeopleStore(StoreBase):
    def __init__(
        self, engine: AsyncEngine, link_key: str, *, max_waiting: int = MAX_WAITING, **options: Any
    ) -> None:
        super().__init__(engine, link_key, **options)
        self._max_waiting = max_waiting  # 0: no limit

    @property
    def max_waiting(self) -> int:
        """The most people one link may hold in the waiting room at once (0: no limit)."""
        return self._max_waiting

    async def arrival(self, token: str, key: str | None) -> tuple[Grant, Participant | None] | None:
        """The grant of a live link's token and, given a key, who holds that key on the link
        (None: nobody yet). One query: a reconnect storm is mostly people coming back. None
        for a token that is not a working link."""
        if not looks_like_token(token):
            return None
        grant = (
            links.c.id.label("grant_link_id"),
            links.c.meeting_id.label("grant_meeting_id"),
            links.c.role.label("grant_role"),
        )
        source = links.join(meetings, meetings.c.id == links.c.meeting_id)
        if key is not None:
            source = source.outerjoin(
                participants,
                and_(
                    participants.c.link_id == links.c.id,
                    participants.c.key_hash == token_hash(key),
                ),
            )
        columns = (*grant, *participants.c) if key is not None else grant
        query = (
            select(*columns)
            .select_from(source)
            .where(links.c.token_hash == token_hash(token), self._link_works())
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        found = Grant(row.grant_link_id, row.grant_meeting_id, Role(row.grant_role))
        return found, participant_of(row) if key is not None and row.id is not None else None

    async def participant(
        self,
        grant: Grant,
        name: str,
        relationship: str = "",
        key: str | None = None,
        agency: str = "",
        language: str = "en",
    ) -> Participant:
        """Whoever holds this key on this link (a reconnect, under the name they first gave),
        else a new participant with this name who holds it. Without a key, always someone new
        (with a random key nobody is told): a name alone finds nobody.

        A new participant of a meeting with a waiting room waits, unless they came by the
        facilitator's link: raises WaitingRoomFull while `max_waiting` people wait on that
        link already. Anyone else is let in at once: raises MeetingFull while the meeting has
        let in as many people as it may (the facilitator is never kept out). Waiting takes no
        place in the meeting.
        """
        found = await self.holder(grant, key) if key is not None else None
        return found or await self.add_participant(grant, name, relationship, key, agency, language)

    async def add_participant(
        self,
        grant: Grant,
        name: str,
        relationship: str = "",
        key: str | None = None,
        agency: str = "",
        language: str = "en",
    ) -> Participant:
        """A new participant on this link who holds this key (as `participant`, without
        looking first: for a key `arrival` found nobody for); if someone with the same key
        was added meanwhile (the same client, twice at once), theirs. `agency`: the service
        a professional said they are from (typed: it proves nothing); `language`: the one they
        chose (checked by the caller)."""
        args = (grant, name, relationship, key or new_key(), agency, language)
        try:
            if self._sqlite:  # one hop on the writer's thread, between the journal's appends
                return await self._sqlite_writer().run(lambda conn, _: self._add(conn, *args), ())
            async with self.engine.begin() as conn:
                return await conn.run_sync(self._add, *args)
        except IntegrityError:
            pass  # lost a race to the same key (reuse that participant), or the meeting went
        found = await self.holder(grant, key) if key is not None else None
        if found is None:
            raise MeetingGone(grant.meeting_id)
        return found

    async def holder(self, grant: Grant, key: str) -> Participant | None:
        """Who holds this key on this link, if anyone."""
        where = (
            participants.c.link_id == grant.link_id,
            participants.c.key_hash == token_hash(key),
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(select(participants).where(*where))).first()
        return None if row is None else participant_of(row)

    def _one_at_a_time(self, conn: Connection, meeting_id: str) -> None:
        """Until commit, nobody else lets anyone into this meeting or adds to its waiting room,
        in any process: under READ COMMITTED two joins (or a join and an admission) would both
        count the same heads. On SQLite each guarded write is one statement, which holds the
        only write lock, so nothing is needed."""
        if not self._sqlite:
            conn.execute(
                text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                {"key": f"participants:{meeting_id}"},
            )

    def _add(
        self,
        conn: Connection,
        grant: Grant,
        name: str,
        relationship: str,
        key: str,
        agency: str,
        language: str,
    ) -> Participant:
        """Sync SQLAlchemy Core: SQLite's writer runs it on its thread, PostgreSQL through
        `run_sync`. Through aiosqlite the insert held SQLite's write lock across turns of the
        event loop, and a reconnect storm's joins kept other meetings' appends waiting."""
        self._one_at_a_time(conn, grant.meeting_id)
        # The meeting's waiting room, head count and the link's waiting, in one round trip.
        found = (
            conn.execute(
                select(
                    meetings.c.waiting_room,
                    _head_count(grant.meeting_id),
                    _waiting_on(grant.link_id),
                ).where(meetings.c.id == grant.meeting_id)
            )
        ).first()
        if found is None:
            raise MeetingGone(grant.meeting_id)  # deleted since the link was checked
        waiting_room, count, waiting = found
        admission = Admission.WAITING if waiting_room and waits(grant.role) else Admission.ADMITTED
        # Who waits takes no place in the meeting: only one of their link's places to wait.
        full: type[MeetingFull]
        if admission is Admission.WAITING:
            cap, counted, full = self._max_waiting, waiting, WaitingRoomFull
            over = _waiting_on(grant.link_id)
        else:
            cap, counted, full = self._max_participants, count, MeetingFull
            over = _head_count(grant.meeting_id)
        limited = bool(cap) and grant.role is not Role.FACILITATOR
        if limited and counted >= cap:
            raise full(grant.meeting_id)
        person = Participant(
            str(uuid.uuid4()),
            grant.meeting_id,
            grant.link_id,
            grant.role,
            name,
            relationship,
            admission,
            now(),
            agency,
            language,
        )
        row = {
            "id": person.id,
            "meeting_id": person.meeting_id,
            "link_id": person.link_id,
            "role": person.role.value,
            "name": name,
            "relationship": relationship,
            "agency": agency,
            "language": language,
            "admission": admission.value,
            "created_at": person.joined_at,
            "key_hash": token_hash(key),
        }
        # Inserted only while the meeting is there and (if limited) has room: the count above
        # may be stale by now when others join at the same moment.
        guarded = select(*(literal(v, participants.c[k].type) for k, v in row.items())).where(
            meetings.c.id == grant.meeting_id
        )
        if limited:
            guarded = guarded.where(over < cap)
        inserted = conn.execute(insert(participants).from_select(list(row), guarded))
        if inserted.rowcount == 0:
            raise full(grant.meeting_id) if limited else MeetingGone(grant.meeting_id)
        return person

    async def people(self, meeting_id: str) -> list[Participant]:
        """Everyone who has opened the meeting's links, admitted or not, first come first."""
        query = (
            select(participants)
            .where(participants.c.meeting_id == meeting_id)
            .order_by(participants.c.created_at, participants.c.id)
        )
        async with self.engine.connect() as conn:
            return [participant_of(r) for r in (await conn.execute(query)).all()]

    async def admit(
        self, meeting_id: str, participant_id: str, admission: Admission
    ) -> Participant | None:
        """Let someone in, turn them away or take them out; None if not in this meeting.

        Nobody is let back in once rejected or removed: from another browser (or a stock
        client with another key) they are someone new, and wait again. Someone waiting stays
        waiting while the meeting has let in as many people as it may (the answer says so:
        still waiting); turning people away
        or taking them out frees their place.
        """
        allowed_from = {
            Admission.ADMITTED: {Admission.WAITING},
            Admission.REJECTED: {Admission.WAITING},
            Admission.REMOVED: {Admission.ADMITTED, Admission.WAITING},
        }[admission]
        row = (participants.c.id == participant_id, participants.c.meeting_id == meeting_id)
        change = update(participants).where(
            *row, participants.c.admission.in_([a.value for a in allowed_from])
        )
        limited = admission is Admission.ADMITTED and bool(self._max_participants)
        if limited:  # as for a newcomer: counted and let in as one step
            change = change.where(_head_count(meeting_id) < self._max_participants)
        async with self.engine.begin() as conn:
            if limited:
                await conn.run_sync(self._one_at_a_time, meeting_id)
            await conn.execute(change.values(admission=admission.value))
            found = (await conn.execute(select(participants).where(*row))).first()
        return None if found is None else participant_of(found)

    async def set_language(self, meeting_id: str, participant_id: str, language: str) -> bool:
        """Keep the language someone chose (a code the caller checked); False if not here."""
        row = (participants.c.id == participant_id, participants.c.meeting_id == meeting_id)
        async with self.engine.begin() as conn:
            done = await conn.execute(update(participants).where(*row).values(language=language))
        return bool(done.rowcount)

    async def facilitator_participant(self, meeting_id: str, name: str) -> Participant | None:
        """The signed-in owner as a participant, on the meeting's live facilitator link: found
        again by a key only this server can compute, not by their name (anyone with the
        facilitator link may type it)."""
        query = select(links.c.id).where(
            links.c.meeting_id == meeting_id,
            links.c.role == Role.FACILITATOR.value,
            links.c.revoked_at.is_(None),
        )
        async with self.engine.connect() as conn:
            link_id = (await conn.execute(query)).scalar()
        if link_id is None:
            return None
        owner_key = derive_key(self._link_key, f"owner:{link_id}")
        return await self.participant(
            Grant(link_id, meeting_id, Role.FACILITATOR), name, key=owner_key
        )

    async def joined(self, meeting_id: str, participant_id: str) -> Participant | None:
        """A participant of this meeting whose link still works (for cookie sign-in), whatever
        their admission: the caller decides what waiting or removed people may do."""
        query = (
            select(participants)
            .join(links, links.c.id == participants.c.link_id)
            .join(meetings, meetings.c.id == participants.c.meeting_id)
            .where(
                participants.c.id == participant_id,
                participants.c.meeting_id == meeting_id,
                self._link_works(),
            )
        )
        async with self.engine.connect() as conn:
            r = (await conn.execute(query)).first()
        return None if r is None else participant_of(r)

    async def roster(self, meeting_id: str) -> list[dict[str, Any]]:
        async with self.engine.connect() as conn:
            rows = (await conn.execute(attendees(meeting_id))).all()
        return [participant_of(r).identity() for r in rows]


def shown_names(people: list[Participant]) -> dict[str, str]:
    """How the facilitator's lists tell people apart, by participant id: a name someone who
    opened a link earlier already gave gets a number, in the order they came ("Jo", "Jo (2)").
    `people` first come first, as `PeopleStore.people` gives them."""
    return dict(zip((p.id for p in people), numbered(p.name for p in people), strict=True))
