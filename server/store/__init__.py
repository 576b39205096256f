"""Storage behind one small interface, the same on SQLite and PostgreSQL.

Everything the server keeps goes through `Store`; the contract tests run against both
databases. Methods take and return plain dataclasses, never ORM rows.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, insert, or_, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from .. import crdt
from ..db import links, meetings, participants, snapshots, updates, writers
from ..links import derive_token, looks_like_token, new_salt, token_hash
from ..permissions import Admission, Layer, Role, Status, waits
from ..sqlite_writer import SqliteWriter

# Who the record lists as attending: let in (and perhaps later taken out), not turned away.
_ATTENDED = (Admission.ADMITTED.value, Admission.REMOVED.value)


class MeetingFull(Exception):
    """As many people as a meeting may have have opened its links already."""


class MeetingClosed(Exception):
    """The log refused an update because its meeting is no longer open (ended elsewhere)."""


def now() -> datetime:
    return datetime.now(UTC)


def aware(moment: datetime | None) -> datetime | None:
    # SQLite hands timestamps back without a zone; they were written in UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


@dataclass(frozen=True, slots=True)
class Meeting:
    id: str
    title: str
    label_set: str
    status: Status
    created_at: datetime
    ended_at: datetime | None
    owner_id: str | None = None
    locked: bool = False
    previous_id: str | None = None
    waiting_room: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "labelSet": self.label_set,
            "status": self.status.value,
            "createdAt": self.created_at.isoformat(),
            "endedAt": self.ended_at.isoformat() if self.ended_at else None,
            "locked": self.locked,
            "waitingRoom": self.waiting_room,
        }


def _meeting(row: Any) -> Meeting:
    return Meeting(
        row.id,
        row.title,
        row.label_set,
        Status(row.status),
        aware(row.created_at) or now(),
        aware(row.ended_at),
        row.owner_id,
        bool(row.locked),
        row.previous_id,
        bool(row.waiting_room),
    )


@dataclass(frozen=True, slots=True)
class Grant:
    """What a valid link token gives: a role in one meeting."""

    link_id: int
    meeting_id: str
    role: Role


@dataclass(frozen=True, slots=True)
class Participant:
    id: str
    meeting_id: str
    link_id: int
    role: Role
    name: str
    relationship: str
    admission: Admission = Admission.ADMITTED

    @property
    def admitted(self) -> bool:
        return self.admission is Admission.ADMITTED

    def identity(self) -> dict[str, Any]:
        """How others see this person: in presence, and in the roster."""
        person: dict[str, Any] = {"id": self.id, "name": self.name, "role": self.role.value}
        if self.relationship:
            person["relationship"] = self.relationship
        return person


@dataclass(frozen=True, slots=True)
class SnapshotMeta:
    meeting_id: str
    n: int
    created_at: datetime
    ended_by: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "meetingId": self.meeting_id,
            "n": self.n,
            "createdAt": self.created_at.isoformat(),
            "endedBy": self.ended_by,
        }


@dataclass(frozen=True, slots=True)
class Snapshot:
    meta: SnapshotMeta
    state_main: bytes
    state_professional: bytes
    rendered: dict[str, Any]
    roster: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class LogEntry:
    meeting_id: str
    layer: Layer
    data: bytes
    # (Yjs clientID, participant id) pairs this update brought first: bound in the same commit.
    writers: tuple[tuple[int, str], ...] = ()


class Store:
    def __init__(
        self,
        engine: AsyncEngine,
        link_key: str,
        *,
        link_lifetime: timedelta | None = None,
        max_participants: int = 0,
        sqlite_synchronous: str = "FULL",
    ) -> None:
        self._sqlite = engine.dialect.name == "sqlite"
        self.engine = engine
        self._link_key = link_key  # the secret key: link tokens are derived from it
        self._link_lifetime = link_lifetime  # None: links last as long as their meeting
        self._max_participants = max_participants  # 0: no limit
        self._sqlite_synchronous = sqlite_synchronous
        self._writer: SqliteWriter | None = None  # the journal's appends on SQLite

    async def close(self) -> None:
        if self._writer is not None:
            await self._writer.close()
            self._writer = None
        await self.engine.dispose()

    def _link_works(self) -> ColumnElement[bool]:
        """A link works until revoked; all but the facilitator's also stop when the meeting
        ends, and once they are older than the configured lifetime."""
        guest = meetings.c.status == Status.OPEN.value
        if self._link_lifetime is not None:
            guest = guest & (links.c.created_at > now() - self._link_lifetime)
        return links.c.revoked_at.is_(None) & or_(links.c.role == Role.FACILITATOR.value, guest)

    # Meetings and links -------------------------------------------------------------------

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
        return None if row is None else _meeting(row)

    async def meetings_of(self, owner_id: str) -> list[Meeting]:
        """A facilitator's meetings, newest first."""
        query = (
            select(meetings)
            .where(meetings.c.owner_id == owner_id)
            .order_by(meetings.c.created_at.desc(), meetings.c.id)
        )
        async with self.engine.connect() as conn:
            return [_meeting(row) for row in (await conn.execute(query)).all()]

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
        return ids

    # Participants -------------------------------------------------------------------------

    async def participant(self, grant: Grant, name: str, relationship: str = "") -> Participant:
        """The participant for this link and name, created on first use (reconnects reuse it).

        A new family or professional participant of a meeting with a waiting room waits.
        Raises MeetingFull once the meeting has as many people as it may (the facilitator is
        never kept out).
        """
        key = (
            participants.c.link_id == grant.link_id,
            participants.c.name == name,
            participants.c.relationship == relationship,
        )
        async with self.engine.begin() as conn:
            row = (await conn.execute(select(participants).where(*key))).first()
            if row is not None:
                return _participant(row)
            waiting_room = (
                await conn.execute(
                    select(meetings.c.waiting_room).where(meetings.c.id == grant.meeting_id)
                )
            ).scalar()
            if self._max_participants and grant.role is not Role.FACILITATOR:
                count = select(func.count()).where(participants.c.meeting_id == grant.meeting_id)
                if (await conn.execute(count)).scalar_one() >= self._max_participants:
                    raise MeetingFull(grant.meeting_id)
        admission = Admission.WAITING if waiting_room and waits(grant.role) else Admission.ADMITTED
        person = Participant(
            str(uuid.uuid4()),
            grant.meeting_id,
            grant.link_id,
            grant.role,
            name,
            relationship,
            admission,
        )
        try:
            async with self.engine.begin() as conn:
                await conn.execute(
                    insert(participants).values(
                        id=person.id,
                        meeting_id=person.meeting_id,
                        link_id=person.link_id,
                        role=person.role.value,
                        name=name,
                        relationship=relationship,
                        admission=admission.value,
                        created_at=now(),
                    )
                )
        except IntegrityError:
            return await self.participant(grant, name, relationship)  # lost a race: reuse
        return person

    async def people(self, meeting_id: str) -> list[Participant]:
        """Everyone who has opened the meeting's links, admitted or not, first come first."""
        query = (
            select(participants)
            .where(participants.c.meeting_id == meeting_id)
            .order_by(participants.c.created_at, participants.c.id)
        )
        async with self.engine.connect() as conn:
            return [_participant(r) for r in (await conn.execute(query)).all()]

    async def admit(
        self, meeting_id: str, participant_id: str, admission: Admission
    ) -> Participant | None:
        """Let someone in, turn them away or take them out; None if not in this meeting.

        Nobody is let back in once rejected or removed: they may open the link again under
        another name, and wait again.
        """
        allowed_from = {
            Admission.ADMITTED: {Admission.WAITING},
            Admission.REJECTED: {Admission.WAITING},
            Admission.REMOVED: {Admission.ADMITTED, Admission.WAITING},
        }[admission]
        row = (participants.c.id == participant_id, participants.c.meeting_id == meeting_id)
        async with self.engine.begin() as conn:
            await conn.execute(
                update(participants)
                .where(*row, participants.c.admission.in_([a.value for a in allowed_from]))
                .values(admission=admission.value)
            )
            found = (await conn.execute(select(participants).where(*row))).first()
        return None if found is None else _participant(found)

    async def facilitator_participant(self, meeting_id: str, name: str) -> Participant | None:
        """The signed-in facilitator as a participant, on the meeting's live facilitator link."""
        query = select(links.c.id).where(
            links.c.meeting_id == meeting_id,
            links.c.role == Role.FACILITATOR.value,
            links.c.revoked_at.is_(None),
        )
        async with self.engine.connect() as conn:
            link_id = (await conn.execute(query)).scalar()
        if link_id is None:
            return None
        return await self.participant(Grant(link_id, meeting_id, Role.FACILITATOR), name)

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
        return None if r is None else _participant(r)

    async def roster(self, meeting_id: str) -> list[dict[str, Any]]:
        query = (
            select(participants)
            .where(
                participants.c.meeting_id == meeting_id,
                participants.c.admission.in_(_ATTENDED),
            )
            .order_by(participants.c.created_at, participants.c.id)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return [_participant(r).identity() for r in rows]

    # The update log -----------------------------------------------------------------------

    async def append(self, entries: Sequence[LogEntry]) -> set[str]:
        """Append a batch in one transaction; returns the meetings whose updates it refused.

        Only open meetings take updates. On PostgreSQL the check holds a share lock on the
        meeting rows until commit, so an update either lands before another process ends the
        meeting (and is in its snapshot) or is refused after: never kept but left out.
        """
        if not entries:
            return set()
        wanted = {e.meeting_id for e in entries}
        if self._sqlite:
            if self._writer is None:
                path = str(self.engine.url.database)
                self._writer = SqliteWriter(path, self._sqlite_synchronous)
            rows = [(e.meeting_id, e.layer.value, e.data) for e in entries]
            seen = now().strftime("%Y-%m-%d %H:%M:%S.%f")  # as SQLAlchemy stores it on SQLite
            bound = [
                (e.meeting_id, e.layer.value, client, participant, seen)
                for e in entries
                for client, participant in e.writers
            ]
            return await self._writer.append(rows, bound)
        check = (
            select(meetings.c.id)
            .where(meetings.c.id.in_(wanted), meetings.c.status == Status.OPEN.value)
            .with_for_update(read=True)
        )
        async with self.engine.begin() as conn:
            open_ids = set((await conn.execute(check)).scalars())
            rows_in = [
                {"meeting_id": e.meeting_id, "layer": e.layer.value, "data": e.data}
                for e in entries
                if e.meeting_id in open_ids
            ]
            if rows_in:
                await conn.execute(insert(updates), rows_in)
            bindings = [
                {
                    "meeting_id": e.meeting_id,
                    "layer": e.layer.value,
                    "client_id": client,
                    "participant_id": participant,
                    "first_seen": now(),
                }
                for e in entries
                if e.meeting_id in open_ids
                for client, participant in e.writers
            ]
            if bindings:
                await conn.execute(postgresql.insert(writers).on_conflict_do_nothing(), bindings)
        return wanted - open_ids

    async def load(self, meeting_id: str, layer: Layer) -> list[bytes]:
        query = (
            select(updates.c.data)
            .where(updates.c.meeting_id == meeting_id, updates.c.layer == layer.value)
            .order_by(updates.c.id)
        )
        async with self.engine.connect() as conn:
            return [bytes(row) for row in (await conn.execute(query)).scalars()]

    async def writers(self, meeting_id: str, layer: Layer) -> dict[int, str]:
        """Yjs clientID -> the participant whose connection first wrote with it."""
        query = select(writers.c.client_id, writers.c.participant_id).where(
            writers.c.meeting_id == meeting_id, writers.c.layer == layer.value
        )
        async with self.engine.connect() as conn:
            return {int(r.client_id): r.participant_id for r in (await conn.execute(query))}

    async def log_length(self, meeting_id: str, layer: Layer) -> int:
        query = select(func.count()).where(
            updates.c.meeting_id == meeting_id, updates.c.layer == layer.value
        )
        async with self.engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())

    async def compact(self, meeting_id: str, layer: Layer) -> int:
        """Fold the layer's log into one update, in one transaction; returns its size.

        Merges what is in the database, not what some process holds in memory. The merged
        state takes the place of the *first* row it read and the others are deleted, so rows
        appended meanwhile (by this process's journal or another process) stay after the
        state they build on: the log is replayed in id order, and yrs silently drops content
        when updates arrive before what they depend on.
        """
        room = (updates.c.meeting_id == meeting_id, updates.c.layer == layer.value)
        async with self.engine.begin() as conn:
            # One compaction per meeting layer at a time across processes: a transaction-level
            # advisory lock on PostgreSQL (SQLite has a single writer, and Rooms serialises per
            # room). Not a row lock, so journal inserts are never held up while the merge runs.
            if not self._sqlite:
                await conn.execute(
                    text("select pg_advisory_xact_lock(hashtextextended(:key, 0))"),
                    {"key": f"compact:{meeting_id}:{layer.value}"},
                )
            rows = (
                await conn.execute(
                    select(updates.c.id, updates.c.data).where(*room).order_by(updates.c.id)
                )
            ).all()
            if len(rows) <= 1:
                return len(rows[0].data) if rows else 0
            state = await asyncio.to_thread(crdt.merge, [bytes(r.data) for r in rows])
            first, last = rows[0].id, rows[-1].id
            await conn.execute(update(updates).where(updates.c.id == first).values(data=state))
            await conn.execute(
                delete(updates).where(*room, updates.c.id > first, updates.c.id <= last)
            )
        return len(state)

    # Ending and snapshots -----------------------------------------------------------------

    async def end_meeting(
        self,
        meeting_id: str,
        ended_by: str | None,
        moment: datetime,
        render: Callable[
            [dict[Layer, bytes], list[dict[str, Any]], dict[Layer, dict[int, str]]], dict[str, Any]
        ],
    ) -> SnapshotMeta | None:
        """Mark the meeting ended and save its snapshot, atomically. None if already ended.

        The snapshot is the update log as it stands once the meeting is marked ended (every
        process's updates, not just what this process holds), rendered by `render(states,
        roster, writers)`. From that moment the log refuses the meeting's updates (see `append`).
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
                rows = await conn.execute(
                    select(updates.c.data)
                    .where(updates.c.meeting_id == meeting_id, updates.c.layer == layer.value)
                    .order_by(updates.c.id)
                )
                log = [bytes(data) for data in rows.scalars()]
                states[layer] = await asyncio.to_thread(crdt.merge, log)
            people = await conn.execute(
                select(participants)
                .where(
                    participants.c.meeting_id == meeting_id,
                    participants.c.admission.in_(_ATTENDED),
                )
                .order_by(participants.c.created_at, participants.c.id)
            )
            roster = [_participant(r).identity() for r in people]
            bound: dict[Layer, dict[int, str]] = {layer: {} for layer in Layer}
            for r in await conn.execute(select(writers).where(writers.c.meeting_id == meeting_id)):
                bound[Layer(r.layer)][int(r.client_id)] = r.participant_id
            rendered = await asyncio.to_thread(render, states, roster, bound)
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

    # Deletion ---------------------------------------------------------------------------

    async def delete_meeting(
        self, meeting_id: str, also: Callable[[AsyncConnection], Awaitable[None]] | None = None
    ) -> bool:
        """Delete the meeting and everything of it (links, participants, log, snapshots: the
        foreign keys cascade), running `also` in the same transaction. False if not found.

        On SQLite, `secure_delete` zeroes the freed content in the database file and a
        checkpoint then empties the write-ahead log, so no copy stays readable in either file.
        """
        async with self.engine.begin() as conn:
            gone = await conn.execute(delete(meetings).where(meetings.c.id == meeting_id))
            if gone.rowcount != 1:
                return False
            if also is not None:
                await also(conn)
        if self._sqlite:
            async with self.engine.connect() as conn:
                await conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        return True

    async def ended_before(self, cutoff: datetime) -> list[str]:
        """Meetings that ended before `cutoff` (past their retention period)."""
        query = select(meetings.c.id).where(
            meetings.c.status == Status.ENDED.value, meetings.c.ended_at < cutoff
        )
        async with self.engine.connect() as conn:
            return list((await conn.execute(query)).scalars())

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
        return [
            SnapshotMeta(r.meeting_id, r.n, aware(r.created_at) or now(), r.ended_by) for r in rows
        ]

    async def snapshot(self, meeting_id: str, n: int) -> Snapshot | None:
        query = select(snapshots).where(snapshots.c.meeting_id == meeting_id, snapshots.c.n == n)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        if row is None:
            return None
        meta = SnapshotMeta(row.meeting_id, row.n, aware(row.created_at) or now(), row.ended_by)
        return Snapshot(
            meta,
            bytes(row.state_main),
            bytes(row.state_professional),
            json.loads(row.rendered),
            json.loads(row.roster),
        )


def _participant(r: Any) -> Participant:
    return Participant(
        r.id, r.meeting_id, r.link_id, Role(r.role), r.name, r.relationship, Admission(r.admission)
    )
