"""A professional's agency: which service they are from, as they said it when they joined.

Pure rules. The join page offers a short list, with "Other" as words of their own; a stock
client may send `agency=`. What is kept is the words shown ("Police", or what they typed),
never a code: a typed agency proves nothing, like a typed name, and no permission ever
depends on it.
"""

from __future__ import annotations

from server.board.permissions import Role
from server.i18n import N_

# The most characters kept of an agency (the column holds 100).
AGENCY_MAX = 60

OTHER = "other"

# The join page's choices, in the order it shows them: form value -> the words kept.
CHOICES: dict[str, str] = {
    "police": N_("Police"),
    "health": N_("Health"),
    "school": N_("School"),
    "childrens_social_care": N_("Children's social care"),
    "early_help": N_("Early help"),
    "housing": N_("Housing"),
    "probation": N_("Probation"),
    OTHER: N_("Other"),
}


def takes_agency(role: Role) -> bool:
    """Whose agency is kept: professionals', and the facilitator's (a stock client may give
    it). The family and the shared screen have none."""
    return role in (Role.PROFESSIONAL, Role.FACILITATOR)


def agency_required(role: Role) -> bool:
    """The join page asks a professional which service they are from, and will not let them
    join without one ("Other" with their own words is an answer)."""
    return role is Role.PROFESSIONAL


class AgencyMissing(ValueError):
    """No agency was chosen, or "Other" without words."""


def chosen_agency(choice: str | None, other: str) -> str:
    """The words kept for the join page's answer: the chosen service, or `other` (already
    cleaned) for "Other". Raises AgencyMissing for no choice, a choice the page never
    offered, or "Other" without words."""
    if choice == OTHER:
        if not other:
            raise AgencyMissing(OTHER)
        return other[:AGENCY_MAX]
    if choice not in CHOICES:
        raise AgencyMissing("choice")
    return CHOICES[choice]


def choice_of(agency: str) -> tuple[str, str]:
    """The join page's answer for kept words (to offer them again): (choice, other words)."""
    for value, words in CHOICES.items():
        if value != OTHER and words == agency:
            return value, ""
    return (OTHER, agency) if agency else ("", "")
