"""Every user-visible server string is in the one translation catalogue, and the committed
catalogue template is current. Here the pure checks (no server, database or process); the
checks against a real server and database are in tests/integration/test_i18n.py."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).parents[2]


POT = ROOT / "server" / "locale" / "messages.pot"


def test_section_labels_and_prompts_are_in_the_catalogue() -> None:
    from server.board import model

    catalogue = POT.read_text()
    for labels in model.LABEL_SETS.values():
        for label in labels.values():
            assert f'msgid "{label}"' in catalogue
    for prompt in model.PROMPTS.values():
        assert prompt.replace('"', '\\"') in catalogue.replace('"\n"', "")
