"""Numbers a client sends are read strictly: ASCII digits, within range, or 400/404, never a
server error and never a look-alike digit read as another number. Here the pure checks (no
server, database or process); the checks against a real server and database are in
tests/integration/test_strict_numbers.py."""

from __future__ import annotations

from server.web.numbers import INT32_MAX, whole_number
from tests.strict_numbers_cases import ODD


def test_whole_numbers_are_ascii_digits_within_range() -> None:
    assert whole_number("1") == 1 and whole_number("007") == 7
    assert whole_number(str(INT32_MAX)) == INT32_MAX
    assert whole_number("5", minimum=1, maximum=4) is None
    for text in [*ODD, None, "9" * 5000]:
        assert whole_number(text, minimum=1) is None, text
