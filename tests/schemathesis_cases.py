"""What tests/*/test_schemathesis.py shares between its tiers (the pure checks in
tests/unit and the ones against a real server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import schemathesis

ROOT = Path(__file__).parents[1]


SPEC = ROOT / "schemas" / "openapi.json"


schema = schemathesis.openapi.from_path(SPEC)


# Whole numbers a lax reader gets wrong. `int()` reads Arabic-Indic and full-width one as 1,
# and '+1' and ' 1' too; `str.isdigit()` passes superscript two and circled one, which `int()`
# then refuses; a database refuses numbers past its INTEGER (PostgreSQL: 2**31 - 1, SQLite:
# 2**63 - 1) with a server error.
LOOK_ALIKES = ["\u00b2", "\u2460", "\u0661", "\uff11"]


ODD_NUMBERS = [*LOOK_ALIKES, "+1", " 1", "1.0", "1e3", "0x1", str(2**31), str(2**63)]


def odd_values(bounds: dict[str, Any]) -> list[str]:
    """ODD_NUMBERS, and the first whole numbers just outside the parameter's own range."""
    values = list(ODD_NUMBERS)
    if "minimum" in bounds:
        values.append(str(bounds["minimum"] - 1))
    if "maximum" in bounds:
        values.append(str(bounds["maximum"] + 1))
    return list(dict.fromkeys(values))


def whole_number_parameters() -> list[tuple[str, str, str, str, str]]:
    """(path, method, location, name, odd value) for every integer parameter described."""
    found = []
    for path, methods in json.loads(SPEC.read_text())["paths"].items():
        for method, operation in methods.items():
            for parameter in operation.get("parameters", []):
                bounds = parameter.get("schema", {})
                if bounds.get("type") == "integer":
                    for value in odd_values(bounds):
                        found.append((path, method, parameter["in"], parameter["name"], value))
    return found
