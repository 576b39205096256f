"""Who may do what: pure rules, enforced by the server and never left to a client."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    FACILITATOR = "facilitator"
    PROFESSIONAL = "professional"
    FAMILY = "family"
    VIEWER = "viewer"


class Layer(StrEnum):
    """A meeting has two documents: the shared map and the professionals-only layer."""

    MAIN = "main"
    PROFESSIONAL = "professional"


class Status(StrEnum):
    OPEN = "open"
    ENDED = "ended"


class Admission(StrEnum):
    """Where a participant stands with the waiting room."""

    WAITING = "waiting"  # opened the link; the facilitator has not let them in yet
    ADMITTED = "admitted"
    REJECTED = "rejected"  # not let in: this participant's link no longer works for them
    REMOVED = "removed"  # let in, then taken out: closed at once, and kept out


def waits(role: Role) -> bool:
    """The waiting room holds every link but the facilitator's: family and professional links
    are forwarded by design, and a forwarded shared-screen link would show the whole map."""
    return role is not Role.FACILITATOR


LABEL_SETS = ("child_protection", "early_help", "children_in_care")

_MAY_EDIT = {Role.FACILITATOR, Role.PROFESSIONAL, Role.FAMILY}
_MAY_SEE_PROFESSIONAL = {Role.FACILITATOR, Role.PROFESSIONAL}


def can_open(role: Role, layer: Layer) -> bool:
    """Family and viewer connections never receive the professionals-only layer."""
    return layer is Layer.MAIN or role in _MAY_SEE_PROFESSIONAL


def can_edit(role: Role, status: Status, locked: bool = False) -> bool:
    """Viewers only watch; a locked board is the facilitator's alone; an ended one nobody's."""
    if locked and role is not Role.FACILITATOR:
        return False
    return status is Status.OPEN and role in _MAY_EDIT


def can_lock(role: Role) -> bool:
    return role is Role.FACILITATOR


def can_end(role: Role) -> bool:
    return role is Role.FACILITATOR


def can_manage_links(role: Role) -> bool:
    return role is Role.FACILITATOR


def can_record_agreement(role: Role) -> bool:
    """Only the facilitator records who agreed the plan: the family link may be held by the
    person the child needs protecting from."""
    return role is Role.FACILITATOR


def read_only_reason(role: Role, status: Status, locked: bool = False) -> str:
    """Plain words for why an edit was refused (sent as the close reason)."""
    if status is Status.ENDED:
        return "read-only: the meeting has ended"
    if locked and role is not Role.FACILITATOR:
        return "read-only: the facilitator has locked the board"
    return f"read-only: a {role.value} link can view the map but not change it"
