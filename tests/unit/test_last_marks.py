"""Last meeting's marks for a review's board (server/record/last_marks.py): by scale and layer,
named as the record names people, the family's board from the shared map's scales only."""

from __future__ import annotations

from typing import Any

from server.record.last_marks import last_marks

RENDERED: dict[str, Any] = {
    "participants": [
        {"id": "p-sam", "name": "Sam", "role": "facilitator"},
        {"id": "p-jo", "name": "Jo", "role": "family"},
        {"id": "p-alex", "name": "Alex", "role": "professional"},
    ],
    "scales": [
        {
            "id": "overall",
            "layer": "main",
            "ratings": [
                {"participant": "p-sam", "value": 6, "reason": "x"},
                {"participant": "p-jo", "value": 4, "reason": "y"},
                {"participant": "p-alex", "value": 6, "reason": "z"},
            ],
        },
        {"id": "w1", "layer": "main", "ratings": []},
        {"id": "p1", "layer": "professional", "ratings": [{"participant": "p-alex", "value": 2}]},
        {"id": "odd", "layer": "other", "ratings": [{"participant": "p-alex", "value": 2}]},
    ],
}


def test_marks_by_scale_and_layer_by_value_then_name() -> None:
    assert last_marks(RENDERED, family=False) == {
        "main:overall": [
            {"name": "Jo", "value": 4},
            {"name": "Alex", "value": 6},
            {"name": "Sam", "value": 6},
        ],
        "professional:p1": [{"name": "Alex", "value": 2}],
    }


def test_the_family_gets_the_shared_maps_scales_only() -> None:
    assert set(last_marks(RENDERED, family=True)) == {"main:overall"}


def test_someone_the_record_does_not_name_and_odd_values() -> None:
    rendered = {
        "participants": [],
        "scales": [
            {
                "id": "s",
                "layer": "main",
                "ratings": [
                    {"participant": "p-gone", "value": 3},
                    {"participant": "p-x", "value": 11},
                    {"participant": "p-y", "value": "5"},
                ],
            }
        ],
    }
    assert last_marks(rendered, family=True) == {"main:s": [{"name": "", "value": 3}]}
    assert last_marks({}, family=False) == {}
