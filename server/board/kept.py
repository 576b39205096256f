"""Who keeps the agreed plan after the meeting, which copy, and for how long. Pure rules.

When a meeting ends, every link but the facilitator's stops working. The people who were let
in by the family and professional links keep a read-only copy of the agreed map, in the same
browser they joined from, for `SAFETYMAP_LINK_DAYS` after the end: the family copy (the shared
map alone, never the professionals-only layer) for family members, the full map for
professionals. The shared screen keeps nothing: it is a room's screen, not a person, and its
link is the one most often forwarded or left open; a forwarded screen link must not show the
map. The facilitator's link works after the end as before, and their account keeps the record.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from server.board.permissions import Admission, Role


class Copy(StrEnum):
    FAMILY = "family"  # the shared map only
    FULL = "full"  # both layers


_COPIES = {Role.FAMILY: Copy.FAMILY, Role.PROFESSIONAL: Copy.FULL}

KEEPING_ROLES = tuple(_COPIES)


def copy_for(role: Role) -> Copy | None:
    """The copy someone who came by this role's link keeps (None: nothing after the end)."""
    return _COPIES.get(role)


def keeps(
    role: Role,
    admission: Admission,
    *,
    ended_at: datetime | None,
    link_made: datetime,
    link_revoked: bool,
    lifetime: timedelta | None,
    at: datetime,
) -> bool:
    """Whether a participant still keeps the plan at `at`: let in (never waiting, turned away
    or taken out), by a family or professional link that was working when the meeting ended
    and has not been revoked since, within `lifetime` of the end (None: until the meeting is
    deleted)."""
    if copy_for(role) is None or admission is not Admission.ADMITTED:
        return False
    if ended_at is None or link_revoked:
        return False
    if lifetime is None:
        return True
    return link_made > ended_at - lifetime and at < ended_at + lifetime
