"""What one process tells the others about a meeting through the relay, as typed messages:
its status changed, its board was locked or unlocked, it was deleted, or some of its
connections must close; and that the sender no longer holds one of its rooms (sharing.py).
On the wire each is the small JSON object it always was (so processes of two releases still
understand each other during a rolling restart: an action a release does not know is
ignored)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from server.board.permissions import Status


@dataclass(frozen=True, slots=True)
class StatusChanged:
    status: Status


@dataclass(frozen=True, slots=True)
class LockChanged:
    locked: bool


@dataclass(frozen=True, slots=True)
class Deleted:
    pass


@dataclass(frozen=True, slots=True)
class Close:
    """Close the connections that came by these links, or are these participants'."""

    code: int
    reason: str
    links: tuple[int, ...] = ()
    participants: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Left:
    """The sender unloaded this layer's room: stop publishing it for the sender (sharing.py)."""

    layer: str


Control = StatusChanged | LockChanged | Deleted | Close | Left


def encode(message: Control) -> bytes:
    match message:
        case StatusChanged(status):
            value: dict[str, object] = {"action": "status", "value": status.value}
        case LockChanged(locked):
            value = {"action": "locked", "value": locked}
        case Deleted():
            value = {"action": "deleted"}
        case Close(code, reason, links, participants):
            value = {"action": "close", "code": code, "reason": reason}
            if links:
                value["links"] = sorted(links)
            if participants:
                value["participants"] = sorted(participants)
        case Left(layer):
            value = {"action": "left", "layer": layer}
    return json.dumps(value).encode()


def decode(payload: bytes) -> Control | None:
    """The message, or None for one this release does not know (a newer process's)."""
    value = json.loads(payload)
    if not isinstance(value, dict):
        raise ValueError("control payload is not an object")
    match value.get("action"):
        case "status":
            return StatusChanged(Status(value["value"]))
        case "locked":
            return LockChanged(bool(value["value"]))
        case "deleted":
            return Deleted()
        case "close":
            return Close(
                int(value["code"]),
                str(value["reason"]),
                tuple(int(link) for link in value.get("links", ())),
                tuple(str(person) for person in value.get("participants", ())),
            )
        case "left":
            return Left(str(value["layer"]))
    return None
