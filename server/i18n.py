"""One translation catalogue for every user-visible string: templates, server messages and
the board's own words (handed to the browser in its configuration: translation/board_words.py).

Catalogues are gettext `.po` files under `server/locale/<lang>/LC_MESSAGES/messages.po`, made
from the template `server/locale/messages.pot` by `scripts/catalogue` and compiled when first
used (translation/catalogues.py); English is the source language, so it needs none.

Server messages (`_()`) follow the language of the request being answered: the web edge sets
it (`use_language`) for the pages a participant sees; everything else is in English.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from server.translation import catalogues
from server.translation.languages import LOCALE_DIR, SOURCE

__all__ = ["LOCALE_DIR", "N_", "_", "current_language", "environment", "translations"]

_language: ContextVar[str] = ContextVar("language", default=SOURCE)


def N_(message: str) -> str:
    """Mark a constant for the catalogue (`pybabel extract -k N_`); translated where shown."""
    return message


def translations(language: str = SOURCE) -> gettext.NullTranslations:
    return catalogues.translations(language)


def use_language(code: str) -> None:
    """The language of what this request's task says from here on (a language code)."""
    _language.set(code)


@contextmanager
def speaking(code: str) -> Iterator[None]:
    """`_()` in this language inside the block (a record rendered for someone, whatever the
    request's own language)."""
    token = _language.set(code)
    try:
        yield
    finally:
        _language.reset(token)


def current_language() -> str:
    return _language.get()


def _(text: str, **values: Any) -> str:
    """Translate a server-side message (the same catalogue the templates use)."""
    translated = translations(_language.get()).gettext(text)
    return translated % values if values else translated


def environment(
    language: str = SOURCE, *, finalize: Callable[[Any], Any] | None = None
) -> Environment:
    """The templates' environment; `finalize` is applied to every printed value (the Markdown
    record escapes with it: markdown_text.py)."""
    env = Environment(
        loader=PackageLoader("server", "templates"),
        autoescape=select_autoescape(["html", "xml", "svg"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=finalize,
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


@cache
def page_environment(language: str) -> Environment:
    """The pages' environment in one language (made once per language)."""
    return environment(language)
