"""The Polish catalogue (a draft for a qualified translator to check): it parses, says it is a
draft, translates every entry of the catalogue template, and keeps every placeholder, so a
translated page can never print a raw `%(name)s` or fail to fill one in."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

LOCALE = Path(__file__).parents[2] / "server" / "locale"
POLISH = LOCALE / "pl" / "LC_MESSAGES" / "messages.po"
# %(name)s for the server, {name} for the board, and any HTML tag a {% trans %} block keeps.
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w+\}|</?[a-zA-Z][^>]*>")


def catalogue(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file, locale="pl", abort_invalid=True)


def test_it_is_marked_as_a_draft_with_polish_plural_rules() -> None:
    text = POLISH.read_text(encoding="utf-8")
    assert "DRAFT" in text.split('msgid ""')[0]  # the header comment, before any entry
    polish = catalogue(POLISH)
    assert str(polish.locale) == "pl"
    assert polish.num_plurals == 3
    plural = polish.plural_forms.replace(" ", "")
    assert "plural=(n==1?0:n%10>=2&&n%10<=4&&(n%100<10||n%100>=20)?1:2)" in plural


def test_every_entry_of_the_template_is_translated() -> None:
    polish = catalogue(POLISH)
    template = catalogue(LOCALE / "messages.pot")
    missing = [
        (m.context, m.id) for m in template if m.id and not translated(polish.get(m.id, m.context))
    ]
    assert not missing, f"untranslated in {POLISH.name}: {missing}"


def translated(message: Message | None) -> bool:
    if message is None:
        return False
    if isinstance(message.string, tuple):  # Polish has three plural forms: one, few, many
        return len(message.string) == 3 and all(message.string)
    return bool(message.string)


def test_every_translation_keeps_its_placeholders() -> None:
    wrong = []
    for m in catalogue(POLISH):
        if not m.id:
            continue
        sources = m.id if isinstance(m.id, tuple) else (m.id,)
        targets = m.string if isinstance(m.string, tuple) else (m.string,)
        expected = Counter(PLACEHOLDER.findall(sources[-1]))
        assert all(Counter(PLACEHOLDER.findall(s)) == expected for s in sources), m.id
        for target in targets:
            if Counter(PLACEHOLDER.findall(target)) != expected:
                wrong.append((m.context, target))
            # Jinja's new-style gettext %-formats every server string: a bare % would break
            # the page. The board's words (with a key as msgctxt) are never %-formatted.
            if m.context is None and "%" in PLACEHOLDER.sub("", target):
                wrong.append((m.context, target))
    assert not wrong, wrong
