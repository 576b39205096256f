"""What the relay carries between processes: a Message (with the publishing deployment), and
how it is written as an entry of the Redis stream and read back.

Apart from relay_stream.py so that the rooms, and a server without Redis, know the messages'
shape without importing redis-py (about 6 MiB of an idle process: bench/idle_memory.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from server.live import control

_MESSAGE_COST = 200  # what a message costs besides its payload (the object, its ids)


class Kind(StrEnum):
    # A durable document update: payload = Yjs update. An empty payload is a marker: the update
    # was too large to relay, so read the room from the log (a process of an older version
    # does the same, as it cannot apply an empty update).
    UPDATE = "u"
    AWARENESS = "a"  # presence: payload = y-protocols awareness update, server-stamped
    CONTROL = "c"  # a meeting-wide action (ended, locked, links revoked): payload = JSON
    RESYNC = "r"  # "I could not publish for a while: reload your rooms from the database"


@dataclass(frozen=True, slots=True)
class Message:
    kind: Kind
    origin: str  # the publishing process
    meeting_id: str = ""
    layer: str = ""
    payload: bytes = b""
    sent_at: float = 0.0  # wall clock at publish, for the relay-lag metric
    deployment: str = ""  # the publisher's deployment (deployment.py): others are ignored

    @property
    def cost(self) -> int:
        """Roughly the bytes this message holds while it is queued or remembered."""
        return len(self.payload) + _MESSAGE_COST

    @property
    def is_deletion(self) -> bool:
        """Is this the "meeting deleted" action?"""
        if self.kind is not Kind.CONTROL:
            return False
        try:
            return isinstance(control.decode(self.payload), control.Deleted)
        except (ValueError, KeyError, TypeError):
            return False

    def is_marker(self, meeting_id: str, layer: str) -> bool:
        """Is this the "reload that room from the log" marker of this room?"""
        return (
            self.kind is Kind.UPDATE
            and not self.payload
            and self.meeting_id == meeting_id
            and self.layer == layer
        )


def encode(message: Message) -> dict[str, bytes | str]:
    return {
        "k": message.kind.value,
        "o": message.origin,
        "m": message.meeting_id,
        "l": message.layer,
        "d": message.payload,
        "t": repr(message.sent_at),
        "x": message.deployment,
    }


def decode(fields: dict[bytes, bytes]) -> Message:
    """A stream entry as a message; ValueError if it is not one of ours."""
    try:
        return Message(
            Kind(fields[b"k"].decode()),
            fields[b"o"].decode(),
            fields[b"m"].decode(),
            fields[b"l"].decode(),
            bytes(fields[b"d"]),
            float(fields[b"t"]),
            fields.get(b"x", b"").decode(),  # none: a process of a version before identities
        )
    except (KeyError, UnicodeDecodeError) as exc:
        raise ValueError(f"not a relay entry ({type(exc).__name__})") from None
