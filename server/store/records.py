"""The plain dataclasses the store takes and returns (never ORM rows), and the row readers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.board.permissions import Admission, Layer, Role, Status
from server.store.clock import aware, now


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


def meeting_of(row: Any) -> Meeting:
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
    joined_at: datetime | None = None  # when they first opened the link
    agency: str = ""  # a professional's service, as they gave it: proves nothing
    language: str = "en"  # the board's words and their record copy (translation/languages.py)

    @property
    def admitted(self) -> bool:
        return self.admission is Admission.ADMITTED

    def identity(self) -> dict[str, Any]:
        """How others see this person: in presence, and in the roster."""
        person: dict[str, Any] = {"id": self.id, "name": self.name, "role": self.role.value}
        if self.relationship:
            person["relationship"] = self.relationship
        if self.agency:
            person["agency"] = self.agency
        return person


def participant_of(r: Any) -> Participant:
    return Participant(
        r.id,
        r.meeting_id,
        r.link_id,
        Role(r.role),
        r.name,
        r.relationship,
        Admission(r.admission),
        aware(r.created_at),
        r.agency,
        r.language,
    )


@dataclass(frozen=True, slots=True)
class Agreement:
    """What the facilitator recorded for one person when the plan was read back."""

    participant_id: str
    agreed: bool
    words: str
    recorded_at: datetime

    def as_json(self) -> dict[str, Any]:
        return {
            "participantId": self.participant_id,
            "agreed": self.agreed,
            "words": self.words,
            "recordedAt": self.recorded_at.isoformat(),
        }


def agreement_of(r: Any) -> Agreement:
    return Agreement(r.participant_id, bool(r.agreed), r.words, aware(r.recorded_at) or now())


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


def snapshot_meta_of(r: Any) -> SnapshotMeta:
    return SnapshotMeta(r.meeting_id, r.n, aware(r.created_at) or now(), r.ended_by)


@dataclass(frozen=True, slots=True)
class Snapshot:
    meta: SnapshotMeta
    state_main: bytes
    state_professional: bytes
    rendered: dict[str, Any]
    roster: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Author:
    """Who wrote an update, for the log to hold them to the meeting's state as it commits."""

    participant_id: str
    bound_by_lock: bool  # everyone but the facilitator: a locked board refuses their edits
    role: str = ""  # their role, for the audit trail's rows about what they did


@dataclass(frozen=True, slots=True)
class LogEntry:
    meeting_id: str
    layer: Layer
    data: bytes
    # (Yjs clientID, participant id) pairs this update brought first: bound in the same commit.
    writers: tuple[tuple[int, str], ...] = ()
    author: Author | None = None  # None: the server's own change (only an ending stops it)
    # Cards the author wrote in, first seen here: (card, author) rows in the same commit.
    edited: tuple[str, ...] = ()
    # ("withdraw" | "restore", card id) for the audit trail, in the same commit, by the author.
    trail: tuple[tuple[str, str], ...] = ()


# What the store refuses, as exceptions its callers catch.


class MeetingFull(Exception):
    """The meeting has let in as many people as it may: nobody more until someone is taken
    out (the facilitator is never kept out)."""


class WaitingRoomFull(MeetingFull):
    """As many people as one link may hold in the waiting room are waiting on it already:
    nobody more waits by that link until the facilitator lets some in or turns them away."""


class MeetingClosed(Exception):
    """The log refused an update because its meeting is no longer open (ended elsewhere)."""


class MeetingGone(LookupError):
    """The meeting was not found (deleted, or never existed)."""


class EditRefused(Exception):
    """The log refused one participant's update: the board is locked, or they may no longer
    write (taken out, turned away, link revoked). `why` is a store.Refusal."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why
