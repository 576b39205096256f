"""The one catalogue for server and board: the board's strings extracted into the template
(plurals as one entry), the catalogues current, plural categories mapped from gettext to the
browser's Intl.PluralRules, pseudo-locales that keep every placeholder, and how a request's
language is chosen. Pure: files in, values out."""

from __future__ import annotations

import re

import pytest

from server.translation import client_strings, pipeline, pseudo
from server.translation.board_words import board_strings
from server.translation.catalogues import template, translations
from server.translation.languages import (
    ENGLISH,
    PSEUDO_LANGUAGES,
    LanguageError,
    choose,
    language,
    offered,
    parse_setting,
)
from server.translation.plurals import samples

SOURCE = """// header
export const DEFAULT_STRINGS = Object.freeze({
  'board.untitled': 'Safety map',
  // Said on a phone.
  'tab.more': 'More',

  'card.hint': 'For example \\u201cMum said\\u201d, it\\'s {name}\\'s',
  'roster.count.one': '{count} person here',
  'roster.count.other': '{count} people here',
})
"""


def test_the_extractor_reads_keys_plurals_comments_and_escapes() -> None:
    entries = client_strings.read(SOURCE)
    assert entries == [
        client_strings.ClientString("board.untitled", "Safety map"),
        client_strings.ClientString("tab.more", "More", comment="Said on a phone."),
        client_strings.ClientString("card.hint", "For example “Mum said”, it's {name}'s"),
        client_strings.ClientString("roster.count", "{count} person here", "{count} people here"),
    ]


@pytest.mark.parametrize(
    "line, said",
    [
        ("  'a.b': \"double quoted\",", "on one line"),
        ("  'a.b': `template`,", "on one line"),
        ("  'x.one': 'one only',", "has no x.other"),
        ("  'x.few': 'few', 'x.one': 'a',", "on one line"),
    ],
)
def test_a_string_the_extractor_cannot_read_stops_it(line: str, said: str) -> None:
    source = SOURCE.replace("  'tab.more': 'More',", line)
    with pytest.raises(client_strings.StringsError, match=said):
        client_strings.read(source)


def test_every_board_string_is_in_the_template_with_its_key_as_context() -> None:
    entries = client_strings.read(pipeline.STRINGS_JS.read_text(encoding="utf-8"))
    by_context = {m.context: m for m in template() if m.context}
    assert len(entries) > 200
    for entry in entries:
        message = by_context[entry.key]
        expected = entry.text if entry.plural is None else (entry.text, entry.plural)
        assert message.id == expected, entry.key
    plural = by_context["roster.count"]
    assert plural.id == ("{count} person here", "{count} people here")


def test_the_template_and_every_language_are_current() -> None:
    """scripts/catalogue --check: a new string in strings.js or the server fails here until
    the template is extracted again and each language merged."""
    assert pipeline.problems() == []


def test_plural_categories_map_to_the_catalogues_forms() -> None:
    assert samples("en") == {"one": 1, "other": 0}
    # Polish "other" is for fractions: the whole number above 1.5 (2) chooses its form.
    assert samples("pl") == {"one": 1, "few": 2, "many": 0, "other": 2}
    assert samples("ar") == {"zero": 0, "one": 1, "two": 2, "few": 3, "many": 11, "other": 100}


def test_the_board_gets_every_key_in_every_plural_category_of_its_language() -> None:
    keys = set(client_strings_keys())
    english = board_strings(ENGLISH)
    polish = board_strings(language("pl"))
    plurals = {m.context for m in template() if m.context and not isinstance(m.id, str)}
    assert {k for k in english if k.rsplit(".", 1)[0] not in plurals} == keys - {
        f"{p}.{f}" for p in plurals for f in ("one", "other")
    }
    for key in plurals:
        assert {f"{key}.one", f"{key}.other"} <= set(english)
        assert {f"{key}.{c}" for c in ("one", "few", "many", "other")} <= set(polish)
    assert english["roster.count.other"] == "{count} people here"
    # The catalogue's Polish forms, by category (the seed holds these few).
    roster = {c: polish[f"roster.count.{c}"] for c in ("one", "few", "many", "other")}
    assert roster["one"].startswith("{count}") and len(set(roster.values())) == 3
    assert roster["other"] == roster["few"]


def client_strings_keys() -> list[str]:
    source = pipeline.STRINGS_JS.read_text(encoding="utf-8")
    return re.findall(r"^\s*'([A-Za-z0-9_.]+)':", source, re.M)


PLACEHOLDERS = re.compile(r"\{\w+\}|%\(\w+\)s|%[sd%]|<[^<>]+>|&\w+;")


@pytest.mark.parametrize("code", sorted(PSEUDO_LANGUAGES))
def test_pseudo_locales_keep_every_placeholder_of_every_string(code: str) -> None:
    made = pseudo.PSEUDO[code]
    for message in template():
        for text in (message.id,) if isinstance(message.id, str) else message.id:
            out = made(text)
            assert PLACEHOLDERS.findall(out) == PLACEHOLDERS.findall(text), (code, text, out)
    assert translations(code).gettext("Written by %(who)s") % {"who": "Jo"}


def test_en_xa_is_accented_and_about_40_percent_longer() -> None:
    out = pseudo.accented("What are we worried about?")
    assert out.startswith("[Ŵĥåţ åŕé ŵé ŵöŕŕîéð åƀöûţ?") and out.endswith("]")
    assert 1.3 <= len(out) / len("What are we worried about?") <= 1.6
    assert pseudo.accented("Add {count} to %(name)s") == "[Åðð {count} ţö %(name)s ······]"


def test_ar_xb_draws_words_right_to_left_but_not_what_is_filled_in() -> None:
    out = pseudo.right_to_left("Written by {person}")
    assert out == "\u200f\u202eWritten by \u202c{person}"


def test_a_request_gets_its_choice_then_its_browsers_language_then_english() -> None:
    both = offered(("en", "pl"), pseudo=False)
    assert choose(both, "pl").code == "pl"
    assert choose(both, None, "pl-PL,pl;q=0.9,en;q=0.8").code == "pl"
    assert choose(both, None, "de-DE,en;q=0.5,pl;q=0.7").code == "pl"
    assert choose(both, None, "de-DE").code == "en"
    assert choose(both, "xx", "fr").code == "en"  # unknown: English, never an error
    assert choose(both, "en-XA").code == "en"  # a pseudo-locale only when enabled
    with_pseudo = offered(("en", "pl"), pseudo=True)
    assert choose(with_pseudo, "ar-XB").direction == "rtl"
    assert choose(with_pseudo, None, "en-XA").code == "en"  # never from Accept-Language
    assert language("pl").name == "Polski" and language("pl").tag == "pl"


@pytest.mark.parametrize(
    "raw, said",
    [("en,xx", "not a language Babel knows"), ("en,de", "no catalogue for 'de'"),
     ("en-XA", "SAFETYMAP_PSEUDO_LOCALES=1"), ("en,../x", "not a language code"),
     ("EN,PL", "'EN' is not a language code such as pl or pt-BR: write each as its "
               "catalogue's folder under server/locale is named, in lower case"),
     ("en;pl", "separated by commas (en,pl)")],
)  # fmt: skip
def test_a_language_setting_the_server_cannot_serve_names_the_fix(raw: str, said: str) -> None:
    with pytest.raises(LanguageError, match=re.escape(said)):
        parse_setting(raw)
    assert parse_setting(" en , pl ") == ("en", "pl")
