"""Who keeps the agreed plan after the meeting, which copy, and for how long (pure rules,
server/board/kept.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.board.kept import Copy, copy_for, keeps
from server.board.permissions import Admission, Role

ENDED = datetime(2026, 5, 12, 11, 0, tzinfo=UTC)
MADE = ENDED - timedelta(hours=2)
DAYS = timedelta(days=30)


def kept(
    role: Role = Role.FAMILY,
    admission: Admission = Admission.ADMITTED,
    *,
    ended_at: datetime | None = ENDED,
    link_made: datetime = MADE,
    link_revoked: bool = False,
    lifetime: timedelta | None = DAYS,
    at: datetime = ENDED + timedelta(days=1),
) -> bool:
    return keeps(
        role,
        admission,
        ended_at=ended_at,
        link_made=link_made,
        link_revoked=link_revoked,
        lifetime=lifetime,
        at=at,
    )


def test_family_keep_the_family_copy_professionals_the_full_one_the_screen_nothing() -> None:
    assert copy_for(Role.FAMILY) is Copy.FAMILY
    assert copy_for(Role.PROFESSIONAL) is Copy.FULL
    assert copy_for(Role.VIEWER) is None
    assert copy_for(Role.FACILITATOR) is None  # their link and account work as before
    assert kept(Role.FAMILY) and kept(Role.PROFESSIONAL)
    assert not kept(Role.VIEWER) and not kept(Role.FACILITATOR)


@pytest.mark.parametrize("admission", [Admission.WAITING, Admission.REJECTED, Admission.REMOVED])
def test_only_people_let_in_keep_it(admission: Admission) -> None:
    assert not kept(admission=admission)


def test_only_after_the_end_and_while_the_link_is_not_revoked() -> None:
    assert not kept(ended_at=None)
    assert not kept(link_revoked=True)


def test_for_link_days_after_the_end() -> None:
    assert kept(at=ENDED + DAYS - timedelta(seconds=1))
    assert not kept(at=ENDED + DAYS)
    assert kept(lifetime=None, at=ENDED + timedelta(days=3650))  # 0: until deleted


def test_not_by_a_link_that_had_expired_before_the_end() -> None:
    assert kept(link_made=ENDED - DAYS + timedelta(seconds=1))
    assert not kept(link_made=ENDED - DAYS)
