"""The rooms of this process: loading, unloading, compaction and ending, per meeting layer.

Lifecycle rules (after Hocuspocus): concurrent joins share one load; a room unloads only
when nobody is in it and everything it accepted is saved; a room whose save failed stays
in memory and is retried by the background compactor.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Collection, Coroutine
from typing import TYPE_CHECKING, Any

from pycrdt import Doc, Map

from server.board import picture_rules
from server.board.limits import Limits
from server.board.permissions import Layer, Status
from server.live import control
from server.live.journal import Journal
from server.live.relay_message import Kind, Message
from server.live.room import Peer, Room
from server.live.sharing import Sharing
from server.record import view
from server.store import LogEntry, MeetingGone, SnapshotMeta, Standing, Store, now
from server.sync import awareness, crdt
from server.sync.closes import LINK_REVOKED, MEETING_DELETED, TAKEN_OUT, UNAUTHORIZED

if TYPE_CHECKING:  # redis-py is imported only by a server with a Redis URL (services.py)
    from server.live.relay import Relay

log = logging.getLogger(__name__)

_SETTLE_SECONDS = 10.0  # at shutdown, for unloads and catch-ups in flight to finish

Key = tuple[str, Layer]

# What clients are told while the update log cannot be written (see awareness.SERVER_CLIENT_ID).
UNSAVED: dict[str, Any] = {"server": {"saving": False}}


class Rooms:
    def __init__(
        self,
        store: Store,
        journal: Journal,
        *,
        max_document_bytes: int,
        compact_threshold: int,
        relay: Relay | None = None,
        limits: Limits | None = None,
        picture_key: str = "",  # the secret key picture ids are signed with (picture_ids.py)
    ) -> None:
        self._store = store
        self._picture_key = picture_key
        self._limits = limits
        self._relay = relay
        self._journal = journal
        self._max_bytes = max_document_bytes
        self._threshold = compact_threshold
        self._rooms: dict[Key, Room] = {}
        self._loading: dict[Key, asyncio.Task[Room]] = {}
        self._unloading: set[Key] = set()
        self._ending: set[str] = set()  # meetings being ended: rooms load read-only
        self._deleting: set[str] = set()  # meetings being deleted: nobody may open them
        self._catching_up: dict[Key, bool] = {}  # rooms reloading from the log: again after?
        self._unsaved = False  # the journal cannot commit: rooms tell their clients so
        self._renewing: asyncio.Task[None] | None = None
        # Unloads, catch-ups and resyncs in flight: held here (the loop keeps only a weak
        # reference to a task) and settled at shutdown, before the store they use closes.
        self._background: set[asyncio.Task[None]] = set()
        self._closing = False  # save_all has begun: no new background work
        self.sharing = Sharing(relay, lambda key: key in self._rooms)  # who else holds a room

    def __len__(self) -> int:
        return len(self._rooms)

    def loaded(self, meeting_id: str, layer: Layer) -> Room | None:
        return self._rooms.get((meeting_id, layer))

    def connections(self) -> list[Peer]:
        """Every connection in this process's rooms, meeting by meeting (see rebalance.py)."""
        return [peer for room in self._rooms.values() for peer in room.peers]

    async def open(self, meeting_id: str, layer: Layer, peer: Peer) -> Room:
        """Load the room if needed (once, however many join at the same moment) and join it."""
        key = (meeting_id, layer)
        if meeting_id in self._deleting:
            raise MeetingGone(meeting_id)
        room = self._rooms.get(key)
        if room is None:
            task = self._loading.get(key)
            if task is None:
                task = asyncio.create_task(self._load(key))
                self._loading[key] = task
                task.add_done_callback(lambda _: self._loading.pop(key, None))
            room = await asyncio.shield(task)
        await room.ready.wait()
        room.join(peer)
        return room

    async def _load(self, key: Key) -> Room:
        meeting_id, layer = key
        # What other processes relay while we read the log is replayed onto the room below.
        mark = self._relay.mark() if self._relay is not None else 0
        meeting = await self._store.meeting(meeting_id)
        if meeting is None:
            raise MeetingGone(meeting_id)
        updates = await self._store.load(meeting_id, layer)
        writers = await self._store.writers(meeting_id, layer)
        ending = meeting_id in self._ending
        room = Room(
            meeting_id,
            layer,
            updates,
            Status.ENDED if ending else meeting.status,
            self._journal,
            lambda: self._store.load(meeting_id, layer),
            self._max_bytes,
            locked=meeting.locked,
            shared=self.sharing if self._relay is not None else None,
            limits=self._limits,
            writers=writers,
            uploads=picture_rules.uploads_for(self._picture_key, meeting_id, layer),
        )
        self._rooms[key] = room
        if self._unsaved:
            room.tell(UNSAVED)
        if self._relay is not None:
            # "Who is here?": the others' people announced themselves before we loaded.
            self._relay.publish(Kind.AWARENESS, meeting_id, layer.value, b"")
            missed = self._relay.since(mark)
            if missed is None:
                self._catch_up_soon(room)
            for message in missed or ():
                if message.meeting_id == meeting_id:
                    self.deliver(message)
        return room

    def leave(self, room: Room, peer: Peer) -> None:
        room.leave(peer)
        if not room.peers:
            self._spawn(self._unload((room.meeting_id, room.layer)))

    async def _unload(self, key: Key) -> None:
        if key in self._unloading:
            return
        self._unloading.add(key)
        try:
            room = self._rooms.get(key)
            if room is None:
                return
            await room.durable()
            await room.ready.wait()  # a rebuild from the log finishes first
            if room.peers:
                return
            await self._compact(room)
            if not room.peers and not room.pending() and self._rooms.get(key) is room:
                del self._rooms[key]
                room.dispose()
                self.sharing.unloaded(key)
        except Exception as exc:
            log.error("could not save room %s/%s (%s); keeping it", *key, type(exc).__name__)
        finally:
            self._unloading.discard(key)

    async def _compact(self, room: Room) -> None:
        # Unload and the background pass may both want to compact: one at a time per room.
        async with room.compaction:
            await room.durable()
            before = room.appended
            size = await self._store.compact(room.meeting_id, room.layer)
            # The log is now one row, plus whatever was appended while compaction ran.
            room.appended = (1 if size else 0) + room.appended - before
            room.size = size

    async def maintain(self) -> None:
        """One pass of background upkeep: compact long logs, retry unloads that failed."""
        for key, room in list(self._rooms.items()):
            try:
                if not room.peers:
                    await self._unload(key)
                elif room.appended >= self._threshold:
                    await self._compact(room)
            except Exception as exc:
                log.error("compaction of %s/%s failed (%s)", *key, type(exc).__name__)

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None] | None:
        if self._closing:  # save_all compacts every room: nothing new may outlive the store
            work.close()
            return None
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _settle(self) -> None:
        """Let the loads, unloads, catch-ups and rebuilds in flight finish (for a while), then
        cancel what is left: a task left running past shutdown held a database connection that
        the closed engine never got back."""
        if self._renewing is not None:
            self._renewing.cancel()  # it only repeats a warning, every 15 s
        rebuilds = {room.rebuilding for room in self._rooms.values() if room.rebuilding}
        # Loads too: a connection that went at shutdown leaves its (shielded) load running.
        running: set[asyncio.Task[Any]] = {*self._background, *rebuilds, *self._loading.values()}
        if running:
            await asyncio.wait(running, timeout=_SETTLE_SECONDS)
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)

    async def save_all(self) -> None:
        """At shutdown: everything durable, work in flight settled, and every loaded room
        compacted."""
        self._closing = True
        await self._journal.flush()
        await self._settle()
        for room in list(self._rooms.values()):
            try:
                await self._compact(room)
            except Exception as exc:
                log.error("final compaction failed (%s)", type(exc).__name__)
        await self._settle()  # a load that began meanwhile (a late connection)

    def saving(self, ok: bool) -> None:
        """Journal callback: tell every room's clients whether their edits are being saved."""
        self._unsaved = not ok
        for room in list(self._rooms.values()):
            room.tell(None if ok else UNSAVED)
        if not ok and self._renewing is None:
            self._renewing = self._spawn(self._renew_unsaved())

    async def _renew_unsaved(self) -> None:
        """Say it again every 15 s: y-protocols forgets an entry not renewed for 30 s."""
        try:
            while self._unsaved:
                await asyncio.sleep(15)
                if self._unsaved:
                    for room in list(self._rooms.values()):
                        room.tell(UNSAVED)
        finally:
            self._renewing = None

    # Other server processes (relay.py) ---------------------------------------------------

    def deliver(self, message: Message) -> None:
        """What another process relayed: apply it to our room, if we have it loaded."""
        newcomer = self.sharing.heard(message)
        if message.kind is Kind.RESYNC:
            self._spawn(self._resync_logged())
            return
        if message.kind is Kind.CONTROL:
            self._control(message.meeting_id, control.decode(message.payload))
            return
        try:
            layer = Layer(message.layer)
        except ValueError:
            return
        room = self.loaded(message.meeting_id, layer)
        if room is None:
            return  # not here: it loads from the log, which already has it
        asked = message.kind is Kind.AWARENESS and not message.payload
        if (asked or newcomer) and self._relay is not None and (here := room.presence.local()):
            # Asked who is here, or newly shared: our own people (theirs answer for themselves).
            payload = awareness.encode_update(here)
            self._relay.publish(Kind.AWARENESS, message.meeting_id, message.layer, payload)
        if message.kind is Kind.AWARENESS:
            if message.payload:
                room.integrate_presence(message.payload)
        elif not message.payload:
            self._catch_up_soon(room)  # a marker: read the log (too large to relay, or shared)
        elif not room.ready.is_set() or not room.integrate(message.payload):
            self._catch_up_soon(room)

    async def resync(self) -> None:
        """After losing the relay for a while: every loaded room takes what it missed, and
        every connection is checked against the database (control messages may be lost too)."""
        for room in list(self._rooms.values()):
            self._catch_up_soon(room)
        self.sharing.announce(list(self._rooms))
        await self.recheck()

    async def recheck(self) -> int:
        """Hold every loaded meeting to what the database says now: ended, locked, deleted,
        links revoked, people turned away or taken out. Returns the connections it closed.

        Run after every relay outage and every few seconds (SAFETYMAP_RECHECK_INTERVAL), so a
        missed control message matters for that long at most: the relay is fast, this is sure.
        """
        loaded = {meeting_id for meeting_id, _ in self._rooms}
        if not loaded:
            return 0
        standing = await self._store.standing(loaded)
        closed = 0
        for meeting_id in loaded:
            now_ = standing.get(meeting_id)
            if now_ is None:
                if meeting_id not in self._deleting:
                    self._drop(meeting_id)  # deleted by another process
                continue
            for layer in Layer:
                room = self.loaded(meeting_id, layer)
                if room is not None:
                    closed += self._hold_to(room, now_)
        return closed

    @staticmethod
    def _hold_to(room: Room, standing: Standing) -> int:
        # Status only moves forward here: the process ending a meeting marks its rooms (and,
        # through the relay, everyone's) ended before the database does, so "open" in the
        # database may just be an end in progress.
        if standing.status is Status.ENDED:
            room.status = Status.ENDED
        room.locked = standing.locked
        revoked, barred = standing.revoked_links, standing.barred
        closed = room.close_where(lambda peer: peer.link_id in revoked, UNAUTHORIZED, LINK_REVOKED)
        closed += room.close_where(
            lambda peer: peer.identity.get("id") in barred, UNAUTHORIZED, TAKEN_OUT
        )
        return closed

    async def _resync_logged(self) -> None:
        try:
            await self.resync()
        except Exception as exc:
            log.error("resync failed (%s)", type(exc).__name__)

    def _catch_up_soon(self, room: Room) -> None:
        key = (room.meeting_id, room.layer)
        if key in self._catching_up:
            self._catching_up[key] = True  # once more when the running pass is done
            return
        self._catching_up[key] = False
        self._spawn(self._catch_up(key, room))

    async def _catch_up(self, key: Key, room: Room) -> None:
        try:
            while True:
                await room.ready.wait()
                # Off the event loop: a long log takes a while to merge, and rooms relay meanwhile.
                merged = await asyncio.to_thread(crdt.merge, await self._store.load(*key))
                if merged and not room.integrate(merged):
                    log.error("could not bring %s/%s up to date from the log", *key)
                if not self._catching_up.get(key):
                    return
                self._catching_up[key] = False
        except Exception as exc:
            log.error("catching up %s/%s failed (%s)", *key, type(exc).__name__)
        finally:
            self._catching_up.pop(key, None)

    def _share(self, meeting_id: str, message: control.Control) -> None:
        if self._relay is not None:
            self._relay.publish(Kind.CONTROL, meeting_id, "", control.encode(message))

    def _control(self, meeting_id: str, message: control.Control | None) -> None:
        rooms = [room for layer in Layer if (room := self.loaded(meeting_id, layer))]
        match message:
            case control.StatusChanged(status):
                for room in rooms:
                    room.status = status
            case control.LockChanged(locked):
                for room in rooms:
                    room.locked = locked
            case control.Deleted():
                self._drop(meeting_id)
            case control.Close(code, reason, links, participants):
                for room in rooms:
                    room.close_where(
                        lambda peer: (
                            peer.link_id in links or peer.identity.get("id") in participants
                        ),
                        code,
                        reason,
                    )

    # Meeting-wide actions -----------------------------------------------------------------

    def close_where(
        self, meeting_id: str, match: Callable[[Peer], bool], code: int, reason: str
    ) -> int:
        closed = 0
        for layer in Layer:
            room = self.loaded(meeting_id, layer)
            if room is not None:
                closed += room.close_where(match, code, reason)
        return closed

    def forget(self, meeting_id: str) -> None:
        """The meeting is being deleted: close everyone and drop its rooms unsaved, here and
        in every other process. `forgotten` must follow once the rows are gone."""
        self._deleting.add(meeting_id)
        self._drop(meeting_id)
        self._share(meeting_id, control.Deleted())

    def forgotten(self, meeting_id: str) -> None:
        self._deleting.discard(meeting_id)

    def _drop(self, meeting_id: str) -> None:
        for layer in Layer:
            room = self._rooms.pop((meeting_id, layer), None)
            self.sharing.dropped((meeting_id, layer))
            if room is not None:
                room.close_where(lambda peer: True, UNAUTHORIZED, MEETING_DELETED)
                room.dispose()

    def close_links(
        self, meeting_id: str, link_ids: Collection[int], code: int, reason: str
    ) -> int:
        """Close every connection that came in by these links, in every process."""
        links = set(link_ids)
        closed = self.close_where(meeting_id, lambda peer: peer.link_id in links, code, reason)
        self._share(meeting_id, control.Close(code, reason, links=tuple(sorted(links))))
        return closed

    def close_participants(
        self, meeting_id: str, participant_ids: Collection[str], code: int, reason: str
    ) -> int:
        """Close these participants' connections at once, in every process."""
        people = set(participant_ids)
        closed = self.close_where(
            meeting_id, lambda peer: peer.identity.get("id") in people, code, reason
        )
        self._share(meeting_id, control.Close(code, reason, participants=tuple(sorted(people))))
        return closed

    async def _server_change(
        self, meeting_id: str, layer: Layer, change: Callable[[Doc[Any]], None]
    ) -> None:
        """Make a change as the server, through the room if it is loaded, else in the log."""
        room = self.loaded(meeting_id, layer)
        if room is not None:
            room.server_change(change)
            await room.durable()
            return
        doc = crdt.doc_from_updates(await self._store.load(meeting_id, layer))
        before = doc.get_state()
        with doc.transaction():
            change(doc)
        await self._store.append([LogEntry(meeting_id, layer, doc.get_update(before))])

    async def set_locked(self, meeting_id: str, locked: bool) -> bool:
        """Lock the board (read-only for all but the facilitator) or unlock it, everywhere."""
        if not await self._store.set_locked(meeting_id, locked):
            return False
        for layer in Layer:
            if room := self.loaded(meeting_id, layer):
                room.locked = locked
        self._share(meeting_id, control.LockChanged(locked))

        def mark(doc: Doc[Any]) -> None:
            doc.get("meta", type=Map)["locked"] = locked

        await self._server_change(meeting_id, Layer.MAIN, mark)
        return True

    async def end_meeting(
        self, meeting_id: str, ended_by: str | None, meeting: dict[str, Any]
    ) -> SnapshotMeta | None:
        """Freeze the meeting: read-only everywhere at once, then one snapshot of both layers."""
        current = await self._store.meeting(meeting_id)
        if current is None or current.status is not Status.OPEN:
            return None
        self._ending.add(meeting_id)
        for layer in Layer:
            if room := self.loaded(meeting_id, layer):
                room.status = Status.ENDED  # from here on, every edit is refused
        self._share(meeting_id, control.StatusChanged(Status.ENDED))
        try:
            moment = now()

            def mark(doc: Doc[Any]) -> None:
                meta = doc.get("meta", type=Map)
                meta["status"] = Status.ENDED.value
                meta["endedAt"] = moment.isoformat()

            # Every screen learns from the document itself that the meeting has ended.
            await self._server_change(meeting_id, Layer.MAIN, mark)
            await self._journal.flush()
            ended = {**meeting, "status": Status.ENDED.value, "endedAt": moment.isoformat()}

            render = functools.partial(view.rendered_snapshot, ended)
            meta = await self._store.end_meeting(meeting_id, ended_by, moment, render)
        except BaseException:
            for layer in Layer:
                if room := self.loaded(meeting_id, layer):
                    room.status = Status.OPEN
            self._share(meeting_id, control.StatusChanged(Status.OPEN))
            if room := self.loaded(meeting_id, Layer.MAIN):
                room.server_change(lambda doc: doc.get("meta", type=Map).pop("status", None))
            raise
        finally:
            self._ending.discard(meeting_id)
        return meta
