"""Every test module is in a tier: `scripts/test` runs tests/unit, tests/integration and
tests/system, so a test file directly in tests/ would never run."""

from __future__ import annotations

from pathlib import Path

TESTS = Path(__file__).parents[1]


def test_no_test_module_outside_the_tiers() -> None:
    assert sorted(p.name for p in TESTS.glob("test_*.py")) == []
    tiers = {p.parent.name for p in TESTS.glob("*/test_*.py")}
    assert tiers == {"unit", "integration", "system"}
