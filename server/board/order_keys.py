"""The fractional index: string keys that order cards within a section.

Pure functions. Any client can put a card between two others by picking a key between
theirs, without renumbering anything (docs/document-model.md, "Fractional index").
"""

from __future__ import annotations

from typing import Final

# Fractional index digits in ASCII order, so plain string comparison sorts them everywhere.
ORDER_DIGITS: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def is_order_key(key: object) -> bool:
    """A valid key is non-empty base-62 without a trailing "0", so a key below it exists."""
    return isinstance(key, str) and key[-1:] not in ("", "0") and not key.strip(ORDER_DIGITS)


def order_between(a: str | None, b: str | None) -> str:
    """A key strictly between a and b (None means the start or end of the section)."""
    for key in (a, b):
        if key is not None and not is_order_key(key):
            raise ValueError(f"not an order key: {key!r}")
    if a is None:
        return _midpoint("", None) if b is None else _before(b)
    if b is None:
        return _after(a)
    if a >= b:
        raise ValueError("order_between needs a < b")
    return _midpoint(a, b)


# Adding at either end is the common case: step one digit there, so keys stay short.
def _after(a: str) -> str:
    k = len(a) - len(a.lstrip("z"))
    return a[:k] + ORDER_DIGITS[ORDER_DIGITS.index(a[k]) + 1] if k < len(a) else a + "1"


def _before(b: str) -> str:
    k = len(b) - len(b.lstrip("0"))
    digit = ORDER_DIGITS.index(b[k])
    if digit > 1:
        return b[:k] + ORDER_DIGITS[digit - 1]
    return b[: k + 1] if len(b) > k + 1 else b[:k] + "0z"


def _midpoint(a: str, b: str | None) -> str:
    # Read keys as base-62 fractions 0.a and 0.b; a shorter key is padded with zeros.
    if b is not None:
        n = 0
        while n < len(b) and (a[n] if n < len(a) else "0") == b[n]:
            n += 1
        if n:
            return b[:n] + _midpoint(a[n:], b[n:])
    lo = ORDER_DIGITS.index(a[0]) if a else 0
    hi = ORDER_DIGITS.index(b[0]) if b is not None else len(ORDER_DIGITS)
    if hi - lo > 1:
        return ORDER_DIGITS[(lo + hi) // 2]
    if b is not None and len(b) > 1:
        return b[0]
    return ORDER_DIGITS[lo] + _midpoint(a[1:], None)
