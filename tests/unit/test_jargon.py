"""The jargon list's file format (server/board/jargon.py): terms with suggestions, `allow:`
lines, notes; a file that cannot be used names the line and what is wrong with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.board.jargon import DEFAULT_FILE, MAX_TERMS, Jargon, JargonError, load_jargon, parse


def test_terms_suggestions_allowed_words_and_notes() -> None:
    jargon = parse(
        "# a note\n\nDV: Say what happened.\n  non-engagement  \nLAC : Where does the child live?\n"
        "allow: OK, TV ,GP\nallow: NHS\n"
    )
    assert jargon.terms == (
        ("DV", "Say what happened."),
        ("non-engagement", ""),
        ("LAC", "Where does the child live?"),
    )
    assert jargon.allowed == ("OK", "TV", "GP", "NHS")
    assert jargon.as_json() == {
        "terms": [
            {"term": "DV", "suggestion": "Say what happened."},
            {"term": "non-engagement", "suggestion": ""},
            {"term": "LAC", "suggestion": "Where does the child live?"},
        ],
        "allowed": ["OK", "TV", "GP", "NHS"],
    }


def test_a_suggestion_may_hold_colons_and_quotes() -> None:
    jargon = parse("CP plan: Say “the child protection plan”: it is clearer.\n")
    assert jargon.terms == (("CP plan", "Say “the child protection plan”: it is clearer."),)


def test_an_empty_file_is_an_empty_list() -> None:
    assert parse("") == Jargon()
    assert parse("# nothing yet\n\n") == Jargon()


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        (": a suggestion with no term", "line 1: nothing before the colon"),
        ("ok\nDV <b>: x", "line 2: 'DV <b>' is not a word or short phrase"),
        ("x" * 61, "is not a word or short phrase"),
        ("DV: " + "x" * 301, "longer than 300"),
        ("DV\ndv: again", "line 2: 'dv' is listed twice"),
        ("allow: OK, ok", "'ok' is not a word of 2 to 6 capital letters"),
        ("allow: TOOLONGWORD", "not a word of 2 to 6 capital letters"),
        ("".join(f"term{i}\n" for i in range(MAX_TERMS + 1)), "keep the list short"),
    ],
)
def test_a_malformed_list_names_the_line(text: str, needle: str) -> None:
    with pytest.raises(JargonError) as raised:
        parse(text)
    assert needle in str(raised.value)


def test_the_shipped_list_parses_and_holds_the_common_jargon() -> None:
    jargon = load_jargon(None)
    terms = {term.casefold(): suggestion for term, suggestion in jargon.terms}
    for term in ("dv", "neglect", "non-engagement", "lac"):
        assert terms.get(term), term
    assert {"OK", "TV", "GP"} <= set(jargon.allowed)
    assert jargon.source == str(DEFAULT_FILE)


def test_a_file_that_cannot_be_read_says_so(tmp_path: Path) -> None:
    with pytest.raises(JargonError, match="no file at"):
        load_jargon(tmp_path / "missing.txt")
    with pytest.raises(JargonError, match="cannot read"):
        load_jargon(tmp_path)  # a folder
    latin = tmp_path / "latin.txt"
    latin.write_bytes("na\xefve: x\n".encode("latin-1"))
    with pytest.raises(JargonError, match="is not UTF-8 text"):
        load_jargon(latin)
    bad = tmp_path / "bad.txt"
    bad.write_text("DV\n: x\n", encoding="utf-8")
    with pytest.raises(JargonError, match=r"bad.txt', line 2: nothing before the colon"):
        load_jargon(bad)


def test_the_refusal_of_a_term_lists_what_a_term_may_hold_as_the_guide_does() -> None:
    # The guide and the parser allow apostrophes, dots, slashes and "&"; the refusal said
    # only "letters, digits, spaces or hyphens", which sends an operator to remove them.
    assert parse("parents' evening\nA&E\nS.47\nand/or").terms
    with pytest.raises(JargonError) as raised:
        parse("DV <b>: x")
    assert "apostrophes, dots, slashes or &" in str(raised.value)
