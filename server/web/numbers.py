"""Whole numbers from what a client sends (a path, a query string, a form field, a header).

`int()` is the wrong reader for those: it takes any Unicode decimal digit (an Arabic-Indic
one is 1, and so are full-width and Devanagari ones), a sign, spaces and underscores, and a
number of any size, which the database then refuses with a server error; `str.isdigit()`
lets through superscript two and circled one, which `int()` then refuses. Here a number is
ASCII digits only, within the range the caller allows (by default what a database INTEGER
column holds on every backend: PostgreSQL's is 32 bits); anything else is None, for the
caller to answer 400 or 404.
"""

from __future__ import annotations

INT32_MAX = 2**31 - 1


def whole_number(text: str | None, *, minimum: int = 0, maximum: int = INT32_MAX) -> int | None:
    """`text` as a whole number from `minimum` to `maximum`, or None if it is not one."""
    if text is None or not 0 < len(text) <= len(str(maximum)):
        return None
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None
