"""Which other processes hold each of our rooms: a room's updates and presence go to Redis only
while another process has it loaded too.

Routed by meeting (deploy/nginx.conf hashes on the meeting id), each room lives in one process
and nothing of it needs to cross; publishing it anyway cost every process the reading and
decoding of every edit of every meeting. A room is *shared* once we have heard from another
process about it, and stays shared until that process says it unloaded it (or the room unloads
here): a holder wrongly kept only costs publishing, a holder missed would cost convergence.

How two processes find each other, and why nothing is lost meanwhile: a process that loads a
room asks "who is here?" (presence with no payload; it always did). A holder answers with a
marker (an update with no payload: "read this room from the log") and, from then on, publishes
the room. The asker, hearing from a holder it did not know, publishes a marker too. Each side
reads the log after the other's marker, and the log holds every update either made durable
before it started publishing, because publishing is decided after an update is durable.

After a relay outage every loaded room asks again (`announce`): what was said meanwhile may
be lost. A process of an older release never answers with a marker, but it publishes all it
has (its clients' presence is renewed every 15 s), which makes the room shared here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from server.live import control
from server.live.relay_message import Kind, Message

if TYPE_CHECKING:  # redis-py is imported only by a server with a Redis URL (services.py)
    from server.live.relay import Relay
    from server.live.room import Room

Key = tuple[str, str]  # meeting id, layer


class Sharing:
    def __init__(self, relay: Relay | None, holds: Callable[[Key], bool]) -> None:
        self._relay = relay
        self._holds = holds  # is this room loaded here?
        self._holders: dict[Key, set[str]] = {}  # only rooms with another holder

    def shared(self, meeting_id: str, layer: str) -> bool:
        return (meeting_id, layer) in self._holders

    # Room callbacks (room.Shared): what a room accepted, for the others that hold it too.

    def updates(self, room: Room, updates: list[bytes]) -> None:
        """One commit's durable updates."""
        key = (room.meeting_id, room.layer.value)
        if self._relay is not None and key in self._holders:
            self._relay.publish_updates(*key, updates)

    def presence(self, room: Room, payload: bytes) -> None:
        key = (room.meeting_id, room.layer.value)
        if self._relay is not None and key in self._holders:
            self._relay.publish(Kind.AWARENESS, *key, payload)

    def heard(self, message: Message) -> bool:
        """Another process's message: note who holds what, and answer a newcomer. True if
        the sender newly holds one of our rooms (its people have not been told of ours)."""
        if self._relay is None or message.kind is Kind.RESYNC:
            return False
        if message.kind is Kind.CONTROL:
            try:
                left = control.decode(message.payload)
            except (ValueError, KeyError, TypeError):
                return False
            if isinstance(left, control.Left):
                self._forget_holder((message.meeting_id, left.layer), message.origin)
            return False
        key = (message.meeting_id, message.layer)
        if not self._holds(key):
            return False  # not loaded here: it loads from the log, and asks then
        holders = self._holders.setdefault(key, set())
        new = message.origin not in holders
        holders.add(message.origin)
        asked = message.kind is Kind.AWARENESS and not message.payload
        if new or asked:
            self._relay.publish(Kind.UPDATE, message.meeting_id, message.layer, b"")
        return new

    def announce(self, keys: Iterable[Key]) -> None:
        """Ask again who holds these rooms (after an outage: the answers may have been lost)."""
        if self._relay is not None:
            for meeting_id, layer in keys:
                self._relay.publish(Kind.AWARENESS, meeting_id, str(layer), b"")

    def unloaded(self, key: Key) -> None:
        """The room left memory here: the others may stop publishing it."""
        meeting_id, layer = key
        self._holders.pop((meeting_id, str(layer)), None)
        if self._relay is not None:
            self._relay.publish(
                Kind.CONTROL, meeting_id, "", control.encode(control.Left(str(layer)))
            )

    def dropped(self, key: Key) -> None:
        """The room was dropped unsaved (the meeting is deleted everywhere)."""
        self._holders.pop((key[0], str(key[1])), None)

    def _forget_holder(self, key: Key, origin: str) -> None:
        holders = self._holders.get(key)
        if holders is not None:
            holders.discard(origin)
            if not holders:
                del self._holders[key]
