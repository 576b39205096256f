"""The catalogue pipeline (`scripts/catalogue`): one template, `server/locale/messages.pot`,
holding the server's strings (pybabel's extraction, as `babel.cfg` maps it) and the board's
(client_strings.py), and each language's `.po` merged with it as msgmerge --no-fuzzy-matching
does (new and changed entries empty, to translate; dropped ones kept as obsolete `#~`
comments). Fuzzy guesses are not made: a wrong guess reads like a translation to a
reviewer, and the server would not use it anyway. Compiling happens when the server first
needs a catalogue (catalogues.py); the pseudo-locales are made there from the template.

    scripts/catalogue            # extract, then merge every language
    scripts/catalogue --check    # fail if the template or a language is behind the sources
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from io import BytesIO
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

from server.translation import client_strings
from server.translation.languages import LOCALE_DIR

ROOT = LOCALE_DIR.parents[1]
TEMPLATE = LOCALE_DIR / "messages.pot"
STRINGS_JS = ROOT / "client" / "src" / "strings.js"
KEYWORDS = {**DEFAULT_KEYWORDS, "_": None, "N_": None}
_SKIP = {"node_modules", "tests", "bench", "client", "docs", "deploy", "schemas", "data"}


def _server_messages() -> Iterable[tuple[str, str, str | tuple[str, ...], list[str], str | None]]:
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)  # type: ignore[no-untyped-call]

    def wanted(dirname: str) -> bool:  # the same files, without walking what babel.cfg skips
        return Path(dirname).name not in _SKIP

    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=wanted
    ):
        yield filename, str(lineno), message, comments, context


def build_template() -> Catalog:
    """The template as the sources say it now."""
    catalog = Catalog(fuzzy=False)
    for filename, lineno, message, comments, context in _server_messages():
        catalog.add(
            message, None, [(filename, int(lineno))], auto_comments=comments, context=context
        )
    for entry in client_strings.read(STRINGS_JS.read_text(encoding="utf-8")):
        msgid = entry.text if entry.plural is None else (entry.text, entry.plural)
        comments = [entry.comment] if entry.comment else []
        catalog.add(msgid, None, auto_comments=comments, context=entry.key, flags=())
    return catalog


def template_text(catalog: Catalog) -> bytes:
    out = BytesIO()
    write_po(out, catalog, omit_header=True, sort_output=True, no_location=True)
    return out.getvalue()


def languages() -> list[Path]:
    return sorted(LOCALE_DIR.glob("*/LC_MESSAGES/messages.po"))


def _read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale=path.parents[1].name.replace("-", "_"))


def _key(message: object) -> tuple[object, object]:
    return (getattr(message, "id", None), getattr(message, "context", None))


def merged(po: Path, template: Catalog) -> bytes:
    """The language's catalogue with the template's entries (msgmerge's update)."""
    catalog = _read(po)
    created = catalog.creation_date
    catalog.update(template, no_fuzzy_matching=True)
    catalog.creation_date = created  # the merge alone changes no date: --check stays quiet
    out = BytesIO()
    write_po(out, catalog, no_location=True, sort_output=True, include_previous=True)
    return out.getvalue()


def missing(po: Path, template: Catalog) -> list[str]:
    """The template's entries the language's catalogue lacks altogether (not merged)."""
    have = {_key(m) for m in _read(po) if m.id}
    return [_describe(m) for m in template if m.id and _key(m) not in have]


def untranslated(po: Path) -> list[str]:
    """Entries merged but not translated yet (empty or fuzzy): they show in English."""
    out = []
    for m in _read(po):
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if m.id and (m.fuzzy or not all(strings)):
            out.append(_describe(m) + (" (fuzzy)" if m.fuzzy else ""))
    return out


def _describe(message: object) -> str:
    msgid = getattr(message, "id", "")
    text = msgid[0] if isinstance(msgid, tuple) else str(msgid)
    context = getattr(message, "context", None)
    return f"[{context}] {text}" if context else text


def problems() -> list[str]:
    """What --check reports: a stale template, a language missing entries."""
    template = build_template()
    found = []
    if template_text(template) != TEMPLATE.read_bytes():
        found.append(f"{TEMPLATE.relative_to(ROOT)} is out of date: run scripts/catalogue")
    for po in languages():
        lacking = missing(po, template)
        if lacking:
            found.append(
                f"{po.relative_to(ROOT)} lacks {len(lacking)} entries (run scripts/catalogue): "
                + "; ".join(lacking[:10])
            )
    return found


def update() -> None:
    template = build_template()
    TEMPLATE.write_bytes(template_text(template))
    for po in languages():
        po.write_bytes(merged(po, template))
        left = untranslated(po)
        print(f"{po.relative_to(ROOT)}: {len(left)} entries to translate")


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        found = problems()
        for line in found:
            print(line, file=sys.stderr)
        return 1 if found else 0
    if argv:
        print(__doc__, file=sys.stderr)
        return 2
    update()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
