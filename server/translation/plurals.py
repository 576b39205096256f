"""From gettext's plural forms to the browser's: the board picks a word for a count with
Intl.PluralRules, whose categories (CLDR: zero, one, two, few, many, other) are not gettext's
numbered forms. For each category a language has, a sample count in that category chooses,
through the catalogue's own Plural-Forms, the form the board shows for it. Pure."""

from __future__ import annotations

import math

CATEGORIES = ("zero", "one", "two", "few", "many", "other")


def samples(plurals: str) -> dict[str, int]:
    """Each CLDR category of the language, with a whole number in it: the smallest one.

    A category without whole numbers (Polish "other" is for fractions only: "1,5 osoby")
    takes the form of the whole number just above its first sample from 1.5 up (2: "2
    osoby"). Polish reads a fraction with the genitive singular, which for the feminine nouns
    the board counts (osoba, zmiana) is that very word; and the board only counts whole
    things, so this form is the fallback Intl never picks for a whole count."""
    from babel import Locale  # at the first board page, not at start

    rule = Locale.parse(plurals).plural_form
    found: dict[str, int] = {}
    for n in range(1000):
        found.setdefault(rule(n), n)
    for category in (*sorted(rule.tags), "other"):
        if category in found:
            continue
        fraction = next(k + 0.5 for k in range(1, 1000) if rule(k + 0.5) == category)
        found[category] = math.ceil(fraction)
    return {c: found[c] for c in CATEGORIES if c in found}
