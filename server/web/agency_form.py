"""The join page's question for professionals: which service are you from? (board/agencies.py
holds the choices and the rule; this reads the form.)"""

from __future__ import annotations

from typing import Any

from server.board import agencies
from server.board.permissions import Role
from server.i18n import _
from server.web.websocket import clean_name


def agency_answer(role: Role, fields: Any, errors: dict[str, str]) -> dict[str, str]:
    """The join form's agency (professionals, required; the facilitator's link, optional):
    {"agency": words kept, "agency_choice", "agency_other"} to offer again, with an error
    for a professional who gave none."""
    if not agencies.takes_agency(role):
        return {"agency": ""}
    choice = str(fields.get("agency_choice") or "")
    other = clean_name(fields.get("agency_other"), agencies.AGENCY_MAX)
    if "agency_choice" not in fields and fields.get("agency"):  # a pending join's cookie
        choice, other = agencies.choice_of(str(fields["agency"]))
    answer = {"agency": "", "agency_choice": choice, "agency_other": other}
    try:
        answer["agency"] = agencies.chosen_agency(choice, other)
    except agencies.AgencyMissing:
        if choice == agencies.OTHER:
            errors["agency_other"] = _("Enter which service you are from")
        elif choice or agencies.agency_required(role):
            errors["agency_choice"] = _("Choose which service you are from")
    return answer
