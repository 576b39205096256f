"""Who was in the meeting and for how long, from the trail's joins and leaves
(server/record/attendance.py): a person is present while any of their connections is open."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from server.record import attendance
from server.store import audit

START = datetime(2026, 5, 12, 9, 0, tzinfo=UTC)


def trail(*rows: tuple[int, str, str]) -> list[audit.Entry]:
    """(minute, who, action) -> entries; "chair" acts as the facilitator's account."""
    out = []
    for i, (minute, who, action) in enumerate(rows):
        actor = audit.facilitator("f") if who == "chair" else audit.participant(who, "family")
        details = {"participant": "jo"} if action == audit.ADMIT else {"layer": "main"}
        event = audit.event("m", actor, action, **details)
        out.append(audit.Entry(i, START + timedelta(minutes=minute), event))
    return out


def test_overlapping_connections_count_once_and_gaps_do_not_count() -> None:
    rows = attendance.of(
        trail(
            (0, "chair", audit.ADMIT),  # not a join: nobody's time
            (1, "jo", audit.JOIN),
            (5, "jo", audit.JOIN),  # the professionals' notes too, or a second tab
            (20, "jo", audit.LEAVE),
            (30, "jo", audit.LEAVE),  # present 1 → 30
            (40, "jo", audit.JOIN),  # back after a dropped signal
            (50, "jo", audit.LEAVE),  # present 40 → 50
            (2, "al", audit.JOIN),
        ),
        until=START + timedelta(minutes=90),
    )
    assert rows == [
        {"participant": "jo", "firstJoined": (START + timedelta(minutes=1)).isoformat(),
         "lastLeft": (START + timedelta(minutes=50)).isoformat(), "minutes": 39},
        # Still connected when the trail stops: stayed to the end, counted until then.
        {"participant": "al", "firstJoined": (START + timedelta(minutes=2)).isoformat(),
         "lastLeft": None, "minutes": 88},
    ]  # fmt: skip


def test_a_leave_without_a_join_and_rows_after_the_end_are_ignored() -> None:
    rows = attendance.of(
        trail((0, "jo", audit.LEAVE), (10, "jo", audit.JOIN), (200, "jo", audit.LEAVE)),
        until=START + timedelta(minutes=60),
    )
    assert rows == [
        {
            "participant": "jo",
            "firstJoined": (START + timedelta(minutes=10)).isoformat(),
            "lastLeft": (START + timedelta(minutes=60)).isoformat(),
            "minutes": 50,
        }
    ]
    assert attendance.of([], until=START) == []
