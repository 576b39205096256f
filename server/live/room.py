"""One live document (a meeting layer) and the connections editing it: the sync logic.

Message handling is synchronous and never awaits: an accepted update is applied, handed to
the journal, and relayed only once the journal says it is durable, merged with the rest of
its commit (broadcast.py). Sending goes through each connection's bounded queue, so one
slow client never holds up the room.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from pycrdt import Doc, TransactionEvent

from server.board import document_rules, picture_rules
from server.board.limits import Limits, MapLimits
from server.board.permissions import Layer, Role, Status, can_edit, read_only_reason
from server.live.broadcast import Broadcast
from server.live.journal import Journal
from server.store import Author, EditRefused, LogEntry, Refusal
from server.sync import awareness, crdt, protocol, structs
from server.sync.arrivals import Arrivals
from server.sync.client_ids import Binding, ClientIds
from server.sync.closes import (
    DOCUMENT_TOO_LARGE,
    FORBIDDEN,
    MALFORMED,
    NO_LONGER_ADMITTED,
    UNAUTHORIZED,
    UPDATE_REJECTED,
    Close,
)
from server.sync.protocol import ProtocolError

log = logging.getLogger(__name__)


class Peer(Protocol):
    """What a room needs of a connection (the websocket adapter implements it)."""

    role: Role
    link_id: int
    identity: dict[str, Any]

    def send(self, frame: bytes) -> None: ...

    def close(self, code: int, reason: str) -> None: ...


Reloader = Callable[[], Awaitable[list[bytes]]]


class Shared(Protocol):
    """Where a room tells the other server processes what it accepted (sharing.py, relay.py)."""

    def updates(self, room: Room, updates: list[bytes]) -> None: ...

    def presence(self, room: Room, payload: bytes) -> None: ...


class MeetingClosed(Exception):
    """The update log refused an update: the meeting ended (in another process, perhaps)."""


class Room:
    def __init__(
        self,
        meeting_id: str,
        layer: Layer,
        updates: list[bytes],
        status: Status,
        journal: Journal,
        reload: Reloader,
        max_document_bytes: int,
        locked: bool = False,
        shared: Shared | None = None,
        limits: Limits | None = None,
        writers: dict[int, str] | None = None,
        uploads: picture_rules.Uploads | None = None,  # which pictures it may name
    ) -> None:
        self.meeting_id = meeting_id
        self.layer = layer
        self.status = status
        self.locked = locked
        self.peers: set[Peer] = set()
        self.presence = awareness.AwarenessTable()
        self.appended = len(updates)  # log rows since the last compaction
        self.size = sum(len(u) for u in updates)
        self.ready = asyncio.Event()  # cleared while the document is being rebuilt
        self.compaction = asyncio.Lock()
        self.ready.set()
        self.disposed = False
        self._journal, self._reload = journal, reload
        self._max_bytes = max_document_bytes
        self._shared, self._uploads = shared, uploads
        publish = None if shared is None else (lambda updates: shared.updates(self, updates))
        self._broadcast = Broadcast(self.peers, publish)  # relays each commit's changes, merged
        self._inserted_text = 0  # string content of the update being handled (see limits.py)
        self._found = structs.UpdateShape()  # the shape of the update being handled
        self._new_clients: list[int] = []  # clientIDs whose first structs that update brings
        self._client_ids = ClientIds(writers)  # who owns which clientID (client_ids.py)
        self._last_append: asyncio.Future[None] | None = None
        self._rebuild_again = False  # a refusal came while a rebuild was running
        self.rebuilding: asyncio.Task[None] | None = None  # held: the loop's reference is weak
        self._changes: list[bytes] = []
        self._whole: list[bytes] = []  # the answer to a sync step 1 of nothing, until a change
        # The state vector, and updates whose dependencies have not arrived (arrivals.py).
        self._arrivals = Arrivals(max_document_bytes // 4)
        self.doc = self._adopt(crdt.doc_from_updates(updates))
        self._limits = MapLimits(limits, self.doc) if limits is not None else None

    def _adopt(self, doc: Doc[Any]) -> Doc[Any]:
        # pycrdt keeps the callback (and a reference to the Doc with it) on the Rust side,
        # out of sight of Python's garbage collector: an observed Doc is freed only once it
        # is unobserved (`dispose`), and the callback must not refer back to the room.
        changes, whole = self._changes, self._whole
        self._arrivals.reset()  # a new document: its state vector is read afresh
        whole.clear()

        def changed(event: TransactionEvent) -> None:
            whole.clear()  # whatever wrote to the document, the cached answer is stale
            changes.append(event.update)

        self._subscription = doc.observe(changed)
        self._rules = document_rules.Tracker(doc, self._uploads)  # what each update changes
        return doc

    def dispose(self) -> None:
        """Release the document (called once the room has unloaded or been replaced)."""
        if not self.disposed:
            self.disposed = True
            self.doc.unobserve(self._subscription)
            self._rules.close()

    # Membership ---------------------------------------------------------------------------

    def join(self, peer: Peer) -> None:
        self.peers.add(peer)
        peer.send(protocol.encode(protocol.SyncStep1(self.doc.get_state())))
        present = self.presence.present()
        if present:
            peer.send(protocol.encode(protocol.AwarenessUpdate(awareness.encode_update(present))))

    def leave(self, peer: Peer) -> None:
        self.peers.discard(peer)
        self._arrivals.drop(peer)
        gone = self.presence.remove_owner(peer)
        if gone:
            payload = awareness.encode_update(gone)
            self._relay(protocol.encode(protocol.AwarenessUpdate(payload)))
            if self._shared is not None:
                self._shared.presence(self, payload)

    # Messages -----------------------------------------------------------------------------

    def handle(self, peer: Peer, frame: bytes) -> None:
        """Act on one frame from `peer`; raise Close to end that connection."""
        try:
            message = protocol.decode(frame)
        except protocol.ProtocolError as exc:
            raise Close(MALFORMED, f"malformed frame: {exc}") from None
        match message:
            case protocol.SyncStep1(state_vector):
                self._answer_step1(peer, state_vector)
            case protocol.SyncStep2(update) | protocol.SyncUpdate(update):
                self._receive_update(peer, update)
            case protocol.AwarenessUpdate(payload):
                self._receive_awareness(peer, payload)
            case protocol.QueryAwareness():
                present = self.presence.present()
                peer.send(
                    protocol.encode(protocol.AwarenessUpdate(awareness.encode_update(present)))
                )
            case protocol.PermissionDenied():
                raise Close(MALFORMED, "auth messages are sent by the server only")

    def _answer_step1(self, peer: Peer, state_vector: bytes) -> None:
        if state_vector == crdt.EMPTY_STATE_VECTOR:
            # A fresh browser, and every join of a reconnect storm, asks for everything: the
            # same frame until the document changes (encoding a large map takes milliseconds).
            if not self._whole:
                self._whole.append(protocol.encode(protocol.SyncStep2(self.doc.get_update())))
            frame = self._whole[0]
            self._after_durable(lambda: peer.send(frame))
            return
        try:
            # Read in Python first: yrs reserves memory for the count a state vector declares
            # (2**29 entries in 10 bytes took 1 GiB and 1.4 s).
            structs.decode_state_vector(state_vector)
            diff = crdt.guarded(lambda: self.doc.get_update(state_vector))
        except (ProtocolError, crdt.CrdtError):
            raise Close(MALFORMED, "malformed frame: bad state vector") from None
        frame = protocol.encode(protocol.SyncStep2(diff))
        # The answer may hold updates that are not durable yet: send it once they are.
        self._after_durable(lambda: peer.send(frame))

    def _receive_update(self, peer: Peer, update: bytes) -> None:
        if not can_edit(peer.role, self.status, self.locked):
            self._refuse_if_edit(peer, update)
            return
        update, found = self._arrivals.complete(peer, update, self.doc)
        self._found, self._inserted_text = found, found.text
        known = self._arrivals.known(self.doc)
        self._new_clients = self._client_ids.new_in(peer.identity.get("id"), found, known)
        if not update:
            return  # held until what it builds on arrives
        if self._limits is not None and (too_long := self._limits.refuse(self._found)):
            raise Close(DOCUMENT_TOO_LARGE, too_long)  # before applying: nothing to undo
        if self.size + len(update) > self._max_bytes and self._too_large(update):
            raise Close(DOCUMENT_TOO_LARGE, "the map has reached its size limit; edit refused")
        self._changes.clear()
        self._rules.recording = True
        try:
            crdt.guarded(lambda: self.doc.apply_update(update))
        except crdt.CrdtError as exc:
            self._rules.forget()
            # yrs may have committed part of the update before failing, even where no change
            # was reported (an observer that failed first): rebuild from the log, always.
            self._changes.clear()
            self._rebuild()
            log.warning("rejected an update in %s (%s)", self.meeting_id, exc)
            raise Close(UPDATE_REJECTED, "the update could not be applied") from None
        finally:
            self._rules.recording = False
        edited, trail = self._permitted(peer)
        if self._changes and self._limits is not None:
            breach = self._limits.breach(self.doc, self._inserted_text)
            if breach is not None:
                self._changes.clear()
                self._rebuild()  # refused whole: the document goes back to what the log holds
                raise Close(DOCUMENT_TOO_LARGE, breach)
        self._arrivals.advance(self._found)
        # New clientIDs are bound to this participant in the same commit as the update.
        bindings: tuple[Binding, ...] = ()
        me = peer.identity.get("id")
        if self._new_clients and isinstance(me, str):
            bindings = self._client_ids.bind(me, self._new_clients)
        self._new_clients.clear()
        for change in self._changes:
            self._accept(change, origin=peer, writers=bindings, edited=edited, trail=trail)
            bindings, edited, trail = (), (), ()
        self._changes.clear()

    def _permitted(self, peer: Peer) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
        """Refuse the update just applied, whole, if it writes what its sender may not
        (document_rules.py): the document goes back to what the log holds.

        Kept, it returns what the record learns from it: the cards its sender wrote in for
        the first time here, and the cards it withdrew or restored."""
        me = peer.identity.get("id")
        writer = document_rules.Writer(me if isinstance(me, str) else "", peer.role, peer.identity)
        refused = self._rules.judge(writer)
        if refused is not None:
            self._changes.clear()
            self._rebuild()
            log.warning("refused an edit in %s (%s)", self.meeting_id, refused)  # no content
            peer.send(protocol.encode(protocol.PermissionDenied(refused)))
            raise Close(FORBIDDEN, refused)
        return self._rules.kept(writer.id)

    def _too_large(self, update: bytes) -> bool:
        """Would `update` take the stored map past its limit? Asked only near the limit, as it
        copies the document.

        What is stored is the log since the last compaction (`size`), or, once compacted, the
        document's own encoding: the smaller one counts. The log alone would refuse a small map
        whose words were rewritten many times before compaction came round. And an update's
        raw size says little about what it adds (a reconnecting client's sync step 2 carries
        the whole delete set): what it would record is measured, and nothing new always fits.
        """
        state = self.doc.get_update()
        self.size = min(self.size, len(state))
        try:
            growth = crdt.effective_size(state, update)
        except crdt.CrdtError:
            raise Close(UPDATE_REJECTED, "the update could not be applied") from None
        return growth > 0 and self.size + growth > self._max_bytes

    def _refuse_if_edit(self, peer: Peer, update: bytes) -> None:
        if self._arrivals.changes(self.doc, update):
            reason = read_only_reason(peer.role, self.status, self.locked)
            # y-websocket shows an auth message as "Permission denied" before the close.
            peer.send(protocol.encode(protocol.PermissionDenied(reason)))
            raise Close(FORBIDDEN, reason)

    def _accept(
        self,
        change: bytes,
        origin: Peer | None,
        writers: tuple[Binding, ...] = (),
        edited: tuple[str, ...] = (),
        trail: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.size += len(change)
        self.appended += 1
        author = None
        if origin is not None and isinstance(who := origin.identity.get("id"), str):
            author = Author(who, origin.role is not Role.FACILITATOR, origin.role.value)
        entry = LogEntry(self.meeting_id, self.layer, change, writers, author, edited, trail)
        done = self._journal.append(entry)
        self._last_append = done
        done.add_done_callback(lambda future: self._durable(future, change, origin))

    def _durable(self, future: asyncio.Future[None], change: bytes, origin: Peer | None) -> None:
        if future.cancelled():
            self._refused()
            return
        problem = future.exception()
        if isinstance(problem, EditRefused) and origin is not None:
            # The database forbids this author's edit (a lock or a removal this process had
            # not heard of): never relayed, dropped from memory, and its sender told.
            self._edit_refused(origin, problem.why)
            return
        if problem is not None:
            # Refused by the log (the meeting ended elsewhere): never relay what is not kept.
            self._refused()
            return
        self._broadcast.add(change, origin)

    def _refused(self) -> None:
        if self.status is not Status.ENDED:
            self.status = Status.ENDED
            reason = read_only_reason(Role.FAMILY, Status.ENDED, self.locked)
            self.close_where(lambda peer: True, FORBIDDEN, reason)
            self._rebuild()  # drop the refused change from memory too

    def _edit_refused(self, peer: Peer, why: str) -> None:
        if why == Refusal.LOCKED:
            self.locked = True  # the database says so: hold every other editor to it too
            reason = read_only_reason(peer.role, self.status, locked=True)
            peer.send(protocol.encode(protocol.PermissionDenied(reason)))
            peer.close(FORBIDDEN, reason)
        else:
            peer.close(UNAUTHORIZED, NO_LONGER_ADMITTED)
        self._rebuild()

    def _receive_awareness(self, peer: Peer, payload: bytes) -> None:
        me = peer.identity.get("id")

        def others(cid: int) -> bool:  # another connection's, or another participant's, for good
            return self.presence.owned_by_another(peer, cid) or self._client_ids.taken(me, cid)

        try:
            entries = awareness.decode_update(payload, one_connection=True, others=others)
        except protocol.ProtocolError as exc:
            raise Close(MALFORMED, f"malformed frame: {exc}") from None
        try:
            accepted = self.presence.apply(peer, entries, peer.identity)
        except awareness.PresenceLimit as exc:
            raise Close(MALFORMED, f"malformed frame: {exc}") from None
        if accepted:
            if isinstance(me, str):
                self._bind_present(me, accepted)
            payload = awareness.encode_update(accepted)
            # To the sender too: it learns how others see it, and a client alone in a room
            # still hears something (y-websocket reconnects after 30 s of silence).
            self._relay(protocol.encode(protocol.AwarenessUpdate(payload)))
            if self._shared is not None:
                self._shared.presence(self, payload)

    def _bind_present(self, me: str, accepted: list[awareness.Entry]) -> None:
        """Bind the clientIDs this participant has just appeared with, first: from now on
        only they may write with them, here, in other processes (the writers table, and the
        presence they relay) and after a restart."""
        new = self._client_ids.present(me, accepted)
        if new and self.status is Status.OPEN:
            # Through the log, like an update's bindings: an empty update carries them.
            self.size += len(crdt.EMPTY_UPDATE)
            self.appended += 1
            entry = LogEntry(self.meeting_id, self.layer, crdt.EMPTY_UPDATE, new)
            self._journal.append(entry).add_done_callback(_settled)

    def tell(self, state: dict[str, Any] | None) -> None:
        """Tell everyone here something as the server (its awareness entry; None clears it)."""
        entry = self.presence.server_state(state)
        self._relay(protocol.encode(protocol.AwarenessUpdate(awareness.encode_update([entry]))))

    # From other server processes (already durable, already stamped) ----------------------

    def integrate(self, update: bytes) -> bool:
        """Apply an update another process made durable; relay what is new here.

        False when it builds on something this room has not seen (or yrs refuses it): the
        caller then reloads the room from the log, which holds everything durable.
        """
        try:
            found = structs.shape(update)
            if structs.incomplete(found, self._arrivals.known(self.doc)):
                return False
        except ProtocolError:
            return False
        self._changes.clear()
        try:
            crdt.guarded(lambda: self.doc.apply_update(update))
        except crdt.CrdtError:
            if self._changes:
                self._changes.clear()
                self._rebuild()
            return False
        self._arrivals.advance(found)
        for change in self._changes:
            self.size += len(change)
            self._broadcast.add(change, None, ours=False)  # relayed here, not published again
        self._changes.clear()
        return True

    def integrate_presence(self, payload: bytes) -> None:
        try:
            entries = awareness.decode_update(payload)
        except ProtocolError:
            return
        accepted = self.presence.merge_remote(entries)
        self._client_ids.relayed(accepted)
        if accepted:
            self._relay(
                protocol.encode(protocol.AwarenessUpdate(awareness.encode_update(accepted)))
            )

    # Fan-out and durability ---------------------------------------------------------------

    def _relay(self, frame: bytes) -> None:
        for peer in list(self.peers):
            peer.send(frame)

    def _after_durable(self, action: Callable[[], None]) -> None:
        last = self._last_append
        if last is None or last.done():
            action()
        else:
            last.add_done_callback(lambda _: action())

    async def durable(self) -> None:
        """Wait until everything this room accepted is in the update log."""
        last = self._last_append
        if last is not None and not last.done():
            await asyncio.wait([last])  # settled either way; a refusal is handled in _durable

    def pending(self) -> bool:
        return self._last_append is not None and not self._last_append.done()

    def _rebuild(self) -> None:
        if not self.ready.is_set():
            self._rebuild_again = True  # the running rebuild may have read the log already
            return
        self.ready.clear()
        self.rebuilding = asyncio.get_running_loop().create_task(self._rebuild_from_log())

    async def _rebuild_from_log(self) -> None:
        try:
            self._rebuild_again = True
            while self._rebuild_again:
                self._rebuild_again = False
                await self._reload_doc()
        finally:
            self.ready.set()

    async def _reload_doc(self) -> None:
        await self.durable()
        updates = await self._reload()
        if self.disposed:
            return  # unloaded or dropped meanwhile (a refused sender is often the last to go)
        damaged = self.doc
        damaged.unobserve(self._subscription)
        self._rules.close()
        self.doc = self._adopt(crdt.doc_from_updates(updates))
        self.size = sum(len(u) for u in updates)
        self.appended = len(updates)
        if self._limits is not None:
            self._limits = MapLimits(self._limits.limits, self.doc)

    def server_change(self, change: Callable[[Doc[Any]], None]) -> None:
        """A change the server itself makes (e.g. `meta.locked`): logged, then relayed."""
        self._changes.clear()
        with self.doc.transaction():
            change(self.doc)
        self._arrivals.reset()  # the server wrote as its own client
        for update in self._changes:
            self._accept(update, origin=None)
        self._changes.clear()

    # Ending and closing -------------------------------------------------------------------

    def close_where(self, match: Callable[[Peer], bool], code: int, reason: str) -> int:
        closing = [peer for peer in self.peers if match(peer)]
        for peer in closing:
            peer.close(code, reason)
        return len(closing)

    def state(self) -> bytes:
        return self.doc.get_update()


def _settled(future: asyncio.Future[None]) -> None:
    """A binding the log refused (the meeting ended meanwhile) matters no more."""
    if not future.cancelled():
        future.exception()
