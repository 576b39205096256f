"""The authorization matrix: every role against every action, over the real HTTP and websocket
interfaces of one real server. Here the pure checks (no server, database or process); the
checks against a real server and database are in
tests/integration/test_authorization_matrix.py."""

from __future__ import annotations

from tests.authorization_matrix_cases import (
    ACTIONS,
    EXPECTED,
    NA,
    NO,
    OK,
    PERFORM,
)


def test_the_table_has_every_cell() -> None:
    assert set(PERFORM) == set(ACTIONS)
    for who, row in EXPECTED.items():
        assert len(row) == len(ACTIONS) and set(row) <= {OK, NO, NA}, who
