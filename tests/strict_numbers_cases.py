"""What tests/*/test_strict_numbers.py shares between its tiers (the pure checks in
tests/unit and the ones against a real server)."""

from __future__ import annotations

# Each of these once answered 500 (the database cannot hold the number, or `int()` refused
# what `str.isdigit()` let through) or, like Arabic-Indic one, was read as snapshot 1.
ODD = [
    "99999999999999999999",
    "9223372036854775808",  # 2**63: past SQLite's INTEGER
    "2147483648",  # 2**31: past PostgreSQL's integer
    "\u00b2",
    "\u2460",
    "\u0661",  # Arabic-Indic one
    "\uff11",  # full-width one
    "+1",
    "-1",
    "0",
    " 1",
    "1_0",
    "1.0",
    "0x1",
    "",
]
