"""Who was in the meeting, and for how long, from the audit trail's joins and leaves. Pure.

Each connection joins and leaves on its own (a professional has the shared map and the
professionals' notes open; a phone on poor signal reconnects), so a person is present while
any of their connections is open. Their first join, their last leave and the minutes they were
present come from that; someone still connected when the trail stops (the meeting's end, or
the draft's generation) stayed until then and has no last leave.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from server.store import audit


def of(entries: Sequence[audit.Entry], until: datetime) -> list[dict[str, Any]]:
    """One row per participant who joined: {participant, firstJoined, lastLeft, minutes}
    (ISO times; lastLeft None when they were still there at `until`)."""
    open_now: dict[str, int] = {}
    since: dict[str, datetime] = {}
    present: dict[str, float] = {}
    first: dict[str, datetime] = {}
    last: dict[str, datetime] = {}
    for entry in entries:
        actor, action = entry.event.actor, entry.event.action
        if actor.kind != "participant" or not actor.id or action not in (audit.JOIN, audit.LEAVE):
            continue
        who, at = actor.id, min(entry.at, until)
        if action == audit.JOIN:
            first.setdefault(who, at)
            if open_now.get(who, 0) == 0:
                since[who] = at
            open_now[who] = open_now.get(who, 0) + 1
        elif open_now.get(who, 0) > 0:
            open_now[who] -= 1
            last[who] = at
            if open_now[who] == 0:
                present[who] = present.get(who, 0.0) + (at - since.pop(who)).total_seconds()
    rows = []
    for who, joined in first.items():
        seconds = present.get(who, 0.0)
        still_here = open_now.get(who, 0) > 0
        if still_here:
            seconds += (until - since[who]).total_seconds()
        rows.append(
            {
                "participant": who,
                "firstJoined": joined.isoformat(),
                "lastLeft": None if still_here or who not in last else last[who].isoformat(),
                "minutes": round(max(seconds, 0.0) / 60),
            }
        )
    return rows
