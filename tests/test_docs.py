"""Docs that cannot go stale: every setting is in the README, and CI runs the README's
test command."""

from __future__ import annotations

import re
from pathlib import Path

from server.settings import SETTINGS
from server.sync.closes import __dict__ as closes

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()


def test_every_setting_is_in_the_readme_table() -> None:
    rows = set(re.findall(r"^\| `(SAFETYMAP_[A-Z_]+)` \|", README, flags=re.M))
    assert set(SETTINGS) - rows == set(), "settings missing from the README table"
    assert rows - set(SETTINGS) == set(), "README lists settings the server does not read"


def test_every_close_code_is_documented() -> None:
    codes = {value for name, value in closes.items() if name.isupper() and isinstance(value, int)}
    for code in codes:
        assert f"| {code} |" in README, f"close code {code} missing from the README"


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```sh\n(.+?)\n```", README, flags=re.S)
    test_command = next(c for c in commands if "test" in c)
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci, "CI must run the README's test command, alone on its line"
    # That command is the one that runs pytest.
    assert "pytest" in (ROOT / test_command.split()[-1]).read_text()
