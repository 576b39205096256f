"""The audit trail: append-only rows on both databases that outlive their meeting; every export
(meeting page and command line) is recorded, and the owner sees the trail on the meeting page.
Here the pure checks (no server, database or process); the checks against a real server and
database are in tests/integration/test_audit.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from server.store import audit


def test_details_never_carry_text() -> None:
    actor = audit.cli(None)
    with pytest.raises(ValueError, match="not allowed"):
        audit._checked(audit.Event("m", actor, audit.EXPORT, {"text": "x"}))
    with pytest.raises(ValueError, match="never text"):
        audit._checked(audit.Event("m", actor, audit.EXPORT, {"format": "Worry about evenings"}))
    with pytest.raises(ValueError, match="unknown"):
        audit._checked(audit.Event("m", actor, "rename", {}))


def details(fmt: str, variant: str, snapshot: int | None) -> dict[str, object]:
    return {"format": fmt, "variant": variant, "snapshot": snapshot, "draft": snapshot is None}


def test_every_action_in_plain_words() -> None:
    from server.record.audit_words import what_happened, who_did

    def words(
        action: str, actor: audit.Actor, names: dict[str, str] | None = None, **details: object
    ) -> tuple[str, str]:
        entry = audit.Entry(
            1, datetime(2026, 5, 12, tzinfo=UTC), audit.Event("m", actor, action, details)
        )
        return who_did(entry, "me", names), what_happened(entry, names)

    family = audit.participant("p1", "family")
    names = {"p1": "Jo Example", "p2": "Dee Brown"}
    # People by the names they gave, never by their role alone.
    assert words(audit.JOIN, family, names, layer="main") == ("Jo Example (Family)", "Joined")
    assert words(audit.JOIN, family, layer="main") == ("Someone with the family link", "Joined")
    chair = audit.facilitator("me")
    assert words(audit.ADMIT, chair, names, participant="p2") == ("You", "Let Dee Brown in")
    assert words(audit.REJECT, chair, names, participant="p2")[1] == "Turned Dee Brown away"
    assert words(audit.REMOVE, chair, names, participant="p2")[1] == (
        "Removed Dee Brown from the meeting"
    )
    assert words(audit.ADMIT, chair, names, participant="gone")[1] == "Let someone in"
    assert words(audit.LOCK, chair, locked=True) == ("You", "Locked the board")
    assert words(audit.REVOKE, audit.facilitator("f2"), role="viewer", replaced=True) == (
        "Another facilitator",
        "Replaced the shared screen link",
    )
    assert words(audit.DELETE, audit.SYSTEM, reason="retention") == (
        "The server",
        "Deleted the meeting",
    )
    # Every action the trail knows has its own words.
    for action in audit.ACTIONS:
        assert words(action, family)[1] != action
