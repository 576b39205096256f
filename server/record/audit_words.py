"""The audit trail in plain words for the meeting page and the record (pure; translated like
every page). People are named by the names they gave (`names`: participant id -> name), never
by their role; the trail itself stores only ids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.i18n import N_, _
from server.record import labels
from server.store.audit import (
    ADMIT,
    AGREEMENT,
    DELETE,
    END,
    EXPORT,
    JOIN,
    LEAVE,
    LOCK,
    REJECT,
    REMOVE,
    RESTORE,
    REVOKE,
    WITHDRAW,
    Entry,
)

FORMAT_NAMES = {"pdf": "PDF", "docx": "Word", "md": "Markdown", "json": "JSON"}
# Actions whose words need no details.
SIMPLE = {
    LEAVE: N_("Left"),
    ADMIT: N_("Let someone in"),
    REJECT: N_("Turned someone away"),
    REMOVE: N_("Removed someone from the meeting"),
    DELETE: N_("Deleted the meeting"),
    WITHDRAW: N_("Withdrew a card"),
    RESTORE: N_("Restored a withdrawn card"),
}
# The same, saying whom (details["participant"], named).
NAMED = {
    ADMIT: N_("Let %(name)s in"),
    REJECT: N_("Turned %(name)s away"),
    REMOVE: N_("Removed %(name)s from the meeting"),
}


def who_did(entry: Entry, viewer_id: str, names: Mapping[str, str] | None = None) -> str:
    actor = entry.event.actor
    if actor.kind == "facilitator":
        return _("You") if actor.id == viewer_id else _("Another facilitator")
    if actor.kind == "cli":
        return _("The safetymap command")
    if actor.kind == "system":
        return _("The server")
    if actor.kind == "participant" and actor.id and names and actor.id in names:
        return f"{names[actor.id]} ({labels.role(actor.label, _)})"
    # Someone by a link alone (a stock client), or not in the names given: the link's role.
    return _("Someone with the %(role)s link", role=labels.role(actor.label, _).lower())


def what_happened(entry: Entry, names: Mapping[str, str] | None = None) -> str:
    action, details = entry.event.action, entry.event.details
    if action == EXPORT:
        return _exported(details)
    if action in NAMED and names and str(details.get("participant")) in names:
        return _(NAMED[action], name=names[str(details["participant"])])
    if action in SIMPLE:
        return _(SIMPLE[action])
    if action == JOIN:
        if details.get("layer") == "professional":
            return _("Joined the professionals' notes")
        return _("Joined")
    if action == LOCK:
        return _("Locked the board") if details.get("locked") else _("Unlocked the board")
    if action == REVOKE:
        role = labels.role(details.get("role"), _).lower()
        if details.get("replaced"):
            return _("Replaced the %(role)s link", role=role)
        return _("Revoked the %(role)s link", role=role)
    if action == END:
        return _("Ended the meeting")
    if action == AGREEMENT:  # for whom is in the details (an id); their words never are
        who = names.get(str(details.get("participant"))) if names else None
        if details.get("agreed"):
            if who:
                return _("Recorded that %(name)s agreed the plan", name=who)
            return _("Recorded that someone agreed the plan")
        if who:
            return _("Recorded that %(name)s did not agree the plan", name=who)
        return _("Recorded that someone did not agree the plan")
    return action  # an action newer than these words


def _exported(details: Mapping[str, Any]) -> str:
    name = FORMAT_NAMES.get(str(details.get("format")), str(details.get("format")))
    copy = _("family copy") if details.get("variant") == "family" else _("full record")
    if details.get("draft"):
        return _("Downloaded a draft as %(format)s (%(copy)s)", format=name, copy=copy)
    return _(
        "Downloaded snapshot %(n)s as %(format)s (%(copy)s)",
        n=details.get("snapshot"),
        format=name,
        copy=copy,
    )
