"""Storage behind one small interface, the same on SQLite and PostgreSQL.

Everything the server keeps goes through `Store`; the contract tests run against both
databases. Methods take and return plain dataclasses (`records`), never ORM rows.

`Store` is composed of one part per concept, all sharing `StoreBase` (the engine and settings):
meetings and links (`meetings`), participants and admission (`people`), the update log
(`log`), the record (`snapshots`), deletion (`deletion`) and where each meeting stands now
(`standing`: what live connections are re-checked against), the audit trail (`audit`), who
keeps the agreed plan after the meeting (`kept`), who agreed it (`agreements`) and the
pictures on cards (`pictures`).
"""

from __future__ import annotations

from server.store.accounts import Accounts
from server.store.agreements import AgreementRefused, AgreementStore
from server.store.audit import TrailStore
from server.store.clock import aware, now
from server.store.deletion import DeletionStore
from server.store.kept import KeptStore
from server.store.log import Editors, LogStore
from server.store.meetings import MeetingStore
from server.store.people import PeopleStore
from server.store.pictures import Picture, PictureCaps, PictureRefused, PictureStore
from server.store.records import (
    Agreement,
    Author,
    EditRefused,
    Grant,
    LogEntry,
    Meeting,
    MeetingClosed,
    MeetingFull,
    MeetingGone,
    Participant,
    Snapshot,
    SnapshotMeta,
    WaitingRoomFull,
)
from server.store.refusals import Refusal, Refusals
from server.store.snapshots import SnapshotStore
from server.store.standing import Standing, StandingStore

# `server.store.crdt` stays the CRDT helpers the log and snapshots merge with, as it was when
# the store was one module (tests patch `crdt.merge` through this name).
from server.sync import crdt as crdt

__all__ = [
    "Agreement",
    "AgreementRefused",
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
    "Picture",
    "PictureCaps",
    "PictureRefused",
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


class Store(
    MeetingStore,
    PeopleStore,
    LogStore,
    SnapshotStore,
    DeletionStore,
    StandingStore,
    TrailStore,
    KeptStore,
    AgreementStore,
    PictureStore,
):
    """The whole storage interface: construct with `Store(engine, link_key, ...)`."""

    def accounts(self) -> Accounts:
        """The facilitators' accounts, on the same database."""
        return Accounts(self.engine)
