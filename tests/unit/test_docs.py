"""Docs that cannot go stale: every setting is in docs/settings.md, every close code in
docs/protocol.md, CI runs the README's test command, and the README stays a short front door
whose links to docs/ all lead somewhere."""

from __future__ import annotations

import re
from pathlib import Path

from server.settings import SETTINGS
from server.sync.closes import __dict__ as closes

ROOT = Path(__file__).parents[2]
README = (ROOT / "README.md").read_text()
DOCS = ROOT / "docs"
README_MAX_LINES = 150


def test_every_setting_is_in_the_settings_page() -> None:
    rows = re.findall(r"^\| `(SAFETYMAP_[A-Z_]+)` \|", (DOCS / "settings.md").read_text(), re.M)
    assert len(rows) == len(set(rows)), "a setting is listed twice in docs/settings.md"
    assert set(SETTINGS) - set(rows) == set(), "settings missing from docs/settings.md"
    assert set(rows) - set(SETTINGS) == set(), (
        "docs/settings.md lists settings the server does not read"
    )


def test_every_close_code_is_documented() -> None:
    protocol = (DOCS / "protocol.md").read_text()
    codes = {value for name, value in closes.items() if name.isupper() and isinstance(value, int)}
    for code in codes:
        assert f"\n| {code} |" in protocol, f"close code {code} missing from docs/protocol.md"


def test_ci_runs_the_readme_test_command() -> None:
    commands = re.findall(r"```sh\n(.+?)\n```", README, flags=re.S)
    test_command = next(c for c in commands if "test" in c)
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci, "CI must run the README's test command, alone on its line"
    # That command is the one that runs pytest.
    assert "pytest" in (ROOT / test_command.split()[-1]).read_text()


def test_the_readme_is_a_front_door() -> None:
    lines = len(README.splitlines())
    assert lines < README_MAX_LINES, (
        f"README.md has {lines} lines: reference material belongs in docs/"
    )


def test_the_readme_links_every_docs_page_and_each_exists() -> None:
    linked = set(re.findall(r"\]\((docs/[^)#\s]+\.md)(?:#[^)\s]*)?\)", README))
    missing = {page for page in linked if not (ROOT / page).is_file()}
    assert missing == set(), f"README.md links docs pages that do not exist: {sorted(missing)}"
    pages = {f"docs/{page.name}" for page in DOCS.glob("*.md")}
    assert pages - linked == set(), "README.md's 'Where to read more' must link every docs page"


def _anchors(markdown: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation but `-` and `_` dropped, spaces to `-`."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.S)
    headings = re.findall(r"^#{1,6} (.+)$", text, flags=re.M)
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-") for h in headings}


def test_relative_links_in_the_readme_and_docs_lead_somewhere() -> None:
    broken = []
    for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
        for target in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", target):
                continue  # https:, mailto:
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
            elif anchor and file.suffix == ".md" and anchor not in _anchors(file.read_text()):
                broken.append(f"{page.relative_to(ROOT)}: {target} (no such heading)")
    assert broken == [], "broken links:\n" + "\n".join(broken)
