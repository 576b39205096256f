"""The audit trail as part of the record (the full copy): who did what, and when.

A snapshot's record carries the trail up to the meeting's end (its `end` entry), so exports
of the same snapshot stay the same, later exports and downloads notwithstanding. A draft
carries the trail so far. People are named from the record's own roster; the family copy
carries no trail.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from server.i18n import _
from server.record import labels
from server.record.audit_words import what_happened
from server.store import audit


def up_to(entries: Sequence[audit.Entry], snapshot: int | None) -> list[audit.Entry]:
    """The entries a snapshot's record holds: up to and including its `end`."""
    if snapshot is None:
        return list(entries)
    for i, entry in enumerate(entries):
        if entry.event.action == audit.END and entry.event.details.get("snapshot") == snapshot:
            return list(entries[: i + 1])
    return list(entries)


def rows(
    entries: Sequence[audit.Entry], roster: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    """Plain rows for the record: when, who (named from the roster), what, and the facts."""
    names = {str(p["id"]): p for p in roster}
    called = {pid: str(p["name"]) for pid, p in names.items()}
    out = []
    for entry in entries:
        actor = entry.event.actor
        person = names.get(actor.id or "") if actor.kind == "participant" else None
        if person is not None:
            who = f"{person['name']} ({labels.role(person['role'], _)})"
        elif actor.kind == "facilitator":
            who = _("The facilitator's account")
        elif actor.kind == "cli":
            who = _("The safetymap command")
        elif actor.kind == "system":
            who = _("The server")
        else:
            who = _("Someone with the %(role)s link", role=labels.role(actor.label, _).lower())
        out.append(
            {
                "at": entry.at.isoformat(),
                "who": who,
                "what": what_happened(entry, called),
                "action": entry.event.action,
                "details": dict(entry.event.details),
            }
        )
    return out
