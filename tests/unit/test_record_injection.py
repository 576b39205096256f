"""Nothing people type can forge the Markdown record: text in every field (a card, whose view
it is, a next step's owner, a scale's wording, a reason, a name, the meeting's title) stays
text. The record is parsed with a real CommonMark parser (markdown-it-py, with GitHub's tables
and strikethrough): no heading, table row or cell, list, quote, link, image, code, emphasis or
HTML comes from what people wrote, and every piece of it still reads as it was typed.

The meetings are held as they are: a family member, a professional and the facilitator join
by their links with stock clients and write only what is theirs (their own cards, marks and
views, as the server requires), the meeting ends, a review follows, and the record is
exported with `safetymap export`.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.record.markdown_text import escape
from tests.record_injection_cases import (
    BLOCKS,
    INLINES,
    parse,
    squash,
)

PLACES = {
    "heading": ("# {0}\n", "heading"),
    "list item": ("- {0}\n", "item"),
    "list item after a marker": ("- Label: {0} *(professionals only)*\n", "item"),
    "facts under a card": ("- card\n\n  Whose view: {0}.\n  Views: {0}.\n", "item"),
    "mark": ("- **7**, {0} ({0}): {0} (one point up: {0})\n", "item"),
    "agreement": ("- {0} (Family, {0}): Did not agree: “{0}”\n", "item"),
    "table cell": ("| Name | Role |\n|---|---|\n| {0} | {0} |\n", "table"),
    "paragraph": ("0: {0}. 10: {0}.\n", "paragraph"),
}


READ = {  # what a reader sees of each list item, paragraph by paragraph
    "list item": ("{0}",),
    "list item after a marker": ("Label: {0} (professionals only)",),
    "facts under a card": ("card", "Whose view: {0}. Views: {0}."),
    "mark": ("7, {0} ({0}): {0} (one point up: {0})",),
    "agreement": ("{0} (Family, {0}): Did not agree: “{0}”",),
}


PUNCTUATION = "\\`*_~[](){}<>#+-.!|&;:=\"'$^%@/?,"


BREAKS = "\n\r\t \u2028\u2029\x0b\x0c\x85\u00a0"


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet=st.sampled_from(PUNCTUATION + BREAKS + "aZ09é"), max_size=40),
    st.sampled_from(sorted(PLACES)),
)
def test_escaped_text_makes_no_structure_and_reads_as_typed(text: str, place: str) -> None:
    template, kind = PLACES[place]
    markdown = template.format(escape(text))
    parsed = parse(markdown)
    assert "\n" not in escape(text)
    assert parsed.block_types <= BLOCKS and parsed.inline_types <= INLINES, (text, markdown)
    assert parsed.nested_lists == 0 and parsed.rules == 0
    assert parsed.emphasis in ([], ["(professionals only)"])
    assert parsed.strong in ([], ["7"])
    words = squash(text)
    if kind == "heading":
        assert [(tag, squash(said)) for tag, said in parsed.headings] == [("h1", words)]
    elif kind == "table":
        cells = [[squash(cell) for cell in row] for table in parsed.tables for row in table]
        assert len(parsed.tables) == 1 and cells == [["Name", "Role"], [words, words]]
    elif kind == "paragraph":
        assert [squash(p) for p in parsed.paragraphs] == [squash(f"0: {words}. 10: {words}.")]
    else:
        assert len(parsed.items) == 1 and not parsed.headings and not parsed.tables
        read = [squash(paragraph) for paragraph in parsed.items[0]]
        assert read == [squash(p.format(words)) for p in READ[place] if squash(p.format(words))]


def test_what_escaping_looks_like() -> None:
    assert escape("Mum & Dad <3 *each* other | 1_000 [x](y) `z` #1") == (
        "Mum &amp; Dad &lt;3 \\*each\\* other \\| 1\\_000 \\[x\\](y) \\`z\\` \\#1"
    )
    assert escape("A line.\n\n  # Not a heading\r\n- nor a list") == (
        "A line. \\# Not a heading - nor a list"
    )
    # What starts a block only at the start of a line is escaped only there.
    assert escape("- x") == "\\- x" and escape("+ x") == "\\+ x" and escape("=== x") == "\\=== x"
    assert escape("2. x") == "2\\. x" and escape("10) x") == "10\\) x"
    assert escape("2026-07-01") == "2026-07-01" and escape("Mia (4) is well.") == "Mia (4) is well."
    assert escape("  ") == "" and escape(7) == "7"
