"""The compiled catalogues, made when first asked for: a language's `.po` read with Babel and
compiled in memory (no `.mo` is kept, so none can go stale), and each pseudo-locale made from
the template, `messages.pot`. Fuzzy and empty entries fall back to English. Babel is imported
at the first page that needs a catalogue, not at start (bench/idle_memory.py)."""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from typing import TYPE_CHECKING

from server.translation.languages import LOCALE_DIR, PSEUDO_LANGUAGES, SOURCE, catalogue_path
from server.translation.pseudo import PSEUDO

if TYPE_CHECKING:
    from babel.messages.catalog import Catalog

TEMPLATE = LOCALE_DIR / "messages.pot"


@cache
def template() -> Catalog:
    from babel.messages.pofile import read_po

    with TEMPLATE.open("rb") as f:
        return read_po(f)


def _compiled(catalog: Catalog) -> gettext.GNUTranslations:
    from babel.messages.mofile import write_mo

    mo = BytesIO()
    write_mo(mo, catalog, use_fuzzy=False)
    mo.seek(0)
    return gettext.GNUTranslations(mo)


def _pseudo(code: str) -> Catalog:
    """Every entry of the template, in the pseudo-locale (English plural forms)."""
    from babel.messages.catalog import Catalog

    made = PSEUDO[code]
    catalog = Catalog(locale="en")
    for message in template():
        if not message.id:
            continue
        if isinstance(message.id, str):
            string: str | tuple[str, ...] = made(message.id)
        else:
            string = tuple(made(form) for form in message.id)
        catalog.add(message.id, string, context=message.context)
    return catalog


@cache
def translations(code: str = SOURCE) -> gettext.NullTranslations:
    """The language's catalogue; English (or a language without one) is the source itself."""
    if code in PSEUDO_LANGUAGES:
        return _compiled(_pseudo(code))
    path = catalogue_path(code)
    if code == SOURCE or not path.is_file():
        return gettext.NullTranslations()
    from babel.messages.pofile import read_po

    with path.open("rb") as f:
        return _compiled(read_po(f, locale=code.replace("-", "_")))


def plural_index(code: str, n: int) -> int:
    """Which of the catalogue's numbered forms it uses for n (gettext's Plural-Forms)."""
    found = translations(code)
    if isinstance(found, gettext.GNUTranslations):
        return int(found.plural(n))  # type: ignore[attr-defined]
    return 0 if n == 1 else 1
