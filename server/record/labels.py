"""Plain words for the ids a record holds: roles, label sets, next steps' statuses. A person
reads "Facilitator", "Child protection", "In progress", never `facilitator`,
`child_protection` or `in_progress` (the JSON record keeps the ids)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from server.i18n import N_

Gettext = Callable[[str], str]

ROLES: Final = {
    "facilitator": N_("Facilitator"),
    "professional": N_("Professional"),
    "family": N_("Family"),
    "viewer": N_("Shared screen"),
}
LABEL_SETS: Final = {
    "child_protection": N_("Child protection"),
    "early_help": N_("Early help"),
    "children_in_care": N_("Children in care"),
}
STATUSES: Final = {
    "not_started": N_("Not started"),
    "in_progress": N_("In progress"),
    "done": N_("Done"),
}

STANCES: Final = {"agree": N_("Agree"), "dispute": N_("Dispute"), "unsure": N_("Unsure")}


def _word(table: dict[str, str], key: object, _: Gettext) -> str:
    text = str(key or "")
    return _(table[text]) if text in table else text.replace("_", " ").capitalize()


def role(key: object, _: Gettext) -> str:
    return _word(ROLES, key, _)


def label_set(key: object, _: Gettext) -> str:
    return _word(LABEL_SETS, key, _)


def status(key: object, _: Gettext) -> str:
    return "" if not key else _word(STATUSES, key, _)


def stance(key: object, _: Gettext) -> str:
    return _word(STANCES, key, _)
