"""The pure rules of a professional's agency (board/agencies.py), and the name cache's."""

from __future__ import annotations

import pytest

from server.board import agencies
from server.board.document_rules import Change, Writer, violation
from server.board.permissions import Role


def test_the_join_pages_answer_is_the_words_kept() -> None:
    assert agencies.chosen_agency("police", "") == "Police"
    assert agencies.chosen_agency("childrens_social_care", "ignored") == "Children's social care"
    assert agencies.chosen_agency("other", "Youth offending team") == "Youth offending team"
    assert agencies.chosen_agency("other", "y" * 80) == "y" * agencies.AGENCY_MAX
    for choice, other in ((None, ""), ("", ""), ("other", ""), ("mi5", "MI5")):
        with pytest.raises(agencies.AgencyMissing):
            agencies.chosen_agency(choice, other)
    # Offered again as it was answered.
    assert agencies.choice_of("Police") == ("police", "")
    assert agencies.choice_of("Youth offending team") == ("other", "Youth offending team")
    assert agencies.choice_of("") == ("", "")


def test_whose_agency_is_asked_kept_and_required() -> None:
    assert [r for r in Role if agencies.takes_agency(r)] == [Role.FACILITATOR, Role.PROFESSIONAL]
    assert [r for r in Role if agencies.agency_required(r)] == [Role.PROFESSIONAL]


def test_an_own_people_entry_carries_exactly_the_agency_the_server_knows() -> None:
    dana = Writer(
        "p9", Role.PROFESSIONAL, {"name": "Dana", "role": "professional", "agency": "Police"}
    )

    def entry(value: dict[str, str]) -> Change:
        return Change("meta", ("people",), "p9", "add", None, value)

    assert violation([entry({"name": "Dana", "role": "professional"})], dana) is None
    assert (
        violation([entry({"name": "Dana", "role": "professional", "agency": "Police"})], dana)
        is None
    )
    assert violation([entry({"name": "Dana", "role": "professional", "agency": "MI5"})], dana)
    jo = Writer("p1", Role.FAMILY, {"name": "Jo", "role": "family"})
    own = Change(
        "meta", ("people",), "p1", "add", None, {"name": "Jo", "role": "family", "agency": "Police"}
    )
    assert violation([own], jo)
