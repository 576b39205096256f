"""Storage behind one small interface, the same on SQLite and PostgreSQL.

Everything the server keeps goes through `Store`; the contract tests run against both
databases. Methods take and return plain dataclasses (`records`), never ORM rows.

`Store` is composed of one part per concept, all sharing `StoreBase` (the engine and settings):
meetings and links (`meetings`), participants and admission (`people`), the update log
(`log`), the record (`snapshots`), deletion (`deletion`) and where each meeting stands now
(`standing`: what live connections are re-checked against).
"""

from __future__ import annotations

# `server.store.crdt` stays the CRDT helpers the log and snapshots merge with, as it was when
# the store was one module (tests patch `crdt.merge` through this name).
from .. import crdt as crdt
from .clock import aware, now
from .deletion import DeletionStore
from .errors import EditRefused, MeetingClosed, MeetingFull, MeetingGone, WaitingRoomFull
from .log import Editors, LogStore
from .meetings import MeetingStore
from .people import PeopleStore
from .records import (
    Author,
    Grant,
    LogEntry,
    Meeting,
    Participant,
    Snapshot,
    SnapshotMeta,
)
from .refusals import Refusal, Refusals
from .snapshots import SnapshotStore
from .standing import Standing, StandingStore

__all__ = [
    "Author",
    "EditRefused",
    "Editors",
    "Grant",
    "LogEntry",
    "Meeting",
    "MeetingClosed",
    "MeetingFull",
    "MeetingGone",
    "Participant",
    "Refusal",
    "Refusals",
    "Snapshot",
    "SnapshotMeta",
    "Standing",
    "Store",
    "WaitingRoomFull",
    "aware",
    "now",
]


class Store(MeetingStore, PeopleStore, LogStore, SnapshotStore, DeletionStore, StandingStore):
    """The whole storage interface: construct with `Store(engine, link_key, ...)`."""
