"""The board's words in a language, as its configuration hands them to the browser: every
key of client/src/strings.js, translated with the key as context, and each plural key spelled
out for each Intl.PluralRules category the language has (plurals.py)."""

from __future__ import annotations

from functools import cache

from server.translation.catalogues import template, translations
from server.translation.languages import Language
from server.translation.plurals import samples


@cache
def board_strings(language: Language) -> dict[str, str]:
    catalogue = translations(language.code)
    counts = samples(language.plurals)
    out: dict[str, str] = {}
    for message in template():
        key = message.context
        if not key or not message.id:
            continue  # a server string
        if isinstance(message.id, str):
            out[key] = catalogue.pgettext(key, message.id)
        else:
            one, other = message.id[0], message.id[1]
            for category, n in counts.items():
                out[f"{key}.{category}"] = catalogue.npgettext(key, one, other, n)
    return out
