"""The pure rules of agreement with the plan (board/agreement.py)."""

from __future__ import annotations

import pytest

from server.board import agreement
from server.board.permissions import Role, can_record_agreement


def test_only_the_facilitator_records_agreement() -> None:
    assert [r for r in Role if can_record_agreement(r)] == [Role.FACILITATOR]


def test_words_are_cleaned_and_bounded_never_cut() -> None:
    assert agreement.clean_words("  I agree,\n\tas long as\x00 Gran helps ") == (
        "I agree, as long as Gran helps"
    )
    assert agreement.clean_words("z" * agreement.WORDS_MAX) == "z" * agreement.WORDS_MAX
    with pytest.raises(agreement.BadWords):
        agreement.clean_words("z" * (agreement.WORDS_MAX + 1))


def test_the_snapshots_agreement_follows_the_roster() -> None:
    roster = [{"id": "f"}, {"id": "p"}, {"id": "j"}]
    recorded = [
        {"participantId": "j", "agreed": True, "words": "", "recordedAt": "t1"},
        {"participantId": "x", "agreed": True, "words": "", "recordedAt": "t2"},  # not in it
        {"participantId": "p", "agreed": False, "words": "No", "recordedAt": "t3"},
    ]
    ordered = agreement.in_roster_order(recorded, roster)
    assert [a["participantId"] for a in ordered] == ["p", "j"]
