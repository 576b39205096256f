"""One translation catalogue for every user-visible string: templates, server messages and
the board's own words (handed to the browser in its configuration).

Catalogues are gettext `.mo` files under `server/locale/<lang>/LC_MESSAGES/messages.mo`;
English is the source language, so it needs none.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

LOCALE_DIR = Path(__file__).parent / "locale"


def N_(message: str) -> str:
    """Mark a constant for the catalogue (`pybabel extract -k N_`); translated where shown."""
    return message


def translations(language: str = "en") -> gettext.NullTranslations:
    return gettext.translation("messages", LOCALE_DIR, languages=[language], fallback=True)


_catalogue = translations()


def _(text: str, **values: Any) -> str:
    """Translate a server-side message (the same catalogue the templates use)."""
    translated = _catalogue.gettext(text)
    return translated % values if values else translated


def environment(
    language: str = "en", *, finalize: Callable[[Any], Any] | None = None
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
