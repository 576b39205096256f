"""The languages a server offers: English (the source), each language with a catalogue under
`server/locale/<code>/LC_MESSAGES/messages.po` that SAFETYMAP_LANGUAGES names, and, for tests
only, the pseudo-locales (SAFETYMAP_PSEUDO_LOCALES=1). How a request's language is chosen:
the person's choice if offered, else the first of Accept-Language that is, else English."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).parents[1] / "locale"
SOURCE = "en"
_CODE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True, slots=True)
class Language:
    code: str  # the catalogue's folder and the setting's word: "pl"
    tag: str  # BCP 47, for <html lang> and the browser's Intl: "pl", "en-GB"
    plurals: str  # whose plural rules (CLDR) the board's counts follow: "pl"
    pseudo: bool = False
    # Its name and direction where they are not CLDR's: English and the pseudo-locales.
    known: tuple[str, str] | None = None

    @property
    def name(self) -> str:
        """Named in itself, as a chooser lists it: "Polski"."""
        return (self.known or described(self.code))[0]

    @property
    def direction(self) -> str:
        """ "ltr" or "rtl"."""
        return (self.known or described(self.code))[1]


ENGLISH = Language(SOURCE, "en-GB", "en", known=("English", "ltr"))
PSEUDO_LANGUAGES = {
    "en-XA": Language("en-XA", "en-XA", "en", pseudo=True, known=("[Éñĝļîšĥ ···]", "ltr")),
    "ar-XB": Language(
        "ar-XB", "ar-XB", "ar", pseudo=True, known=("\u200f\u202eEnglish\u202c", "rtl")
    ),
}


def catalogue_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"


class LanguageError(ValueError):
    """A language the server cannot offer (the message names the fix)."""


@cache
def language(code: str) -> Language:
    """A shipped language (LanguageError if it is not one), named by itself through its CLDR
    data (Babel) when first shown."""
    if code == SOURCE:
        return ENGLISH
    if code in PSEUDO_LANGUAGES:
        return PSEUDO_LANGUAGES[code]
    if not _CODE.match(code):
        raise LanguageError(
            f"{code!r} is not a language code such as pl or pt-BR: write each as its catalogue's "
            "folder under server/locale is named, in lower case, separated by commas (en,pl)"
        )
    from babel import Locale, UnknownLocaleError  # only for a language other than English

    try:
        Locale.parse(code.replace("-", "_"))  # its CLDR data is read only by described()
    except (UnknownLocaleError, ValueError):
        raise LanguageError(f"{code!r} is not a language Babel knows (a code such as pl)") from None
    if not catalogue_path(code).is_file():
        raise LanguageError(
            f"there is no catalogue for {code!r}: add server/locale/{code}/LC_MESSAGES/"
            "messages.po (README, Languages) or take it out of SAFETYMAP_LANGUAGES"
        )
    return Language(code, code, code.split("-")[0])


@cache
def described(code: str) -> tuple[str, str]:
    """A shipped language's name in itself and its direction, from its CLDR data: read when a
    page first shows it, not at start, where it was 5 MiB of an idle server (idle_memory.py)."""
    from babel import Locale

    cldr = Locale.parse(code.replace("-", "_"))
    name = cldr.get_display_name(cldr) or code
    direction = "rtl" if cldr.character_order == "right-to-left" else "ltr"
    return name[:1].upper() + name[1:], direction


def cldr_locale(code: str) -> str:
    """Whose CLDR data names months in this language (the pseudo-locales are English)."""
    if code == SOURCE or code in PSEUDO_LANGUAGES:
        return "en_GB"
    return code.replace("-", "_")


def offered(codes: tuple[str, ...], pseudo: bool) -> tuple[Language, ...]:
    """SAFETYMAP_LANGUAGES, English always among them, then the pseudo-locales if enabled."""
    chosen = [language(code) for code in dict.fromkeys((*codes, SOURCE))]
    return (*chosen, *(PSEUDO_LANGUAGES.values() if pseudo else ()))


def parse_setting(raw: str) -> tuple[str, ...]:
    """ "en,pl" -> ("en", "pl"), each checked (LanguageError names the fix)."""
    codes = tuple(dict.fromkeys(code.strip() for code in raw.split(",") if code.strip()))
    for code in codes:
        if code in PSEUDO_LANGUAGES:
            raise LanguageError(f"{code} is a pseudo-locale for tests: SAFETYMAP_PSEUDO_LOCALES=1")
        language(code)
    return codes or (SOURCE,)


def from_accept_language(header: str, languages: tuple[Language, ...]) -> Language | None:
    """The first language of an Accept-Language header ("pl-PL,pl;q=0.9,en;q=0.8") that is
    offered, matching "pl-PL" to "pl"; pseudo-locales are never chosen this way."""
    wanted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        if tag and quality > 0:
            wanted.append((-quality, index, tag.strip().lower()))
    real = {lang.code.lower(): lang for lang in languages if not lang.pseudo}
    for _, _, tag in sorted(wanted):
        found = real.get(tag) or real.get(tag.split("-")[0])
        if found is not None:
            return found
    return None


def choose(
    languages: tuple[Language, ...], choice: str | None, accept_language: str | None = None
) -> Language:
    """The person's choice if offered, else what their browser asks for, else English."""
    by_code = {lang.code: lang for lang in languages}
    if choice and choice in by_code:
        return by_code[choice]
    return from_accept_language(accept_language or "", languages) or ENGLISH
