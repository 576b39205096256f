"""What tests/*/test_record_injection.py shares between its tiers (the pure checks in
tests/unit and the ones against a real server)."""

from __future__ import annotations

from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token


def squash(text: str) -> str:
    return " ".join(text.split())


BLOCKS = {
    "heading_open", "heading_close", "paragraph_open", "paragraph_close", "inline",
    "bullet_list_open", "bullet_list_close", "list_item_open", "list_item_close",
    "table_open", "table_close", "thead_open", "thead_close", "tbody_open", "tbody_close",
    "tr_open", "tr_close", "th_open", "th_close", "td_open", "td_close", "hr",
}  # fmt: skip


INLINES = {"text", "softbreak", "em_open", "em_close", "strong_open", "strong_close"}


def commonmark() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


@dataclass
class Parsed:
    """What a Markdown renderer makes of a file: its structure, and the words in it."""

    block_types: set[str] = field(default_factory=set)
    inline_types: set[str] = field(default_factory=set)
    headings: list[tuple[str, str]] = field(default_factory=list)
    tables: list[list[list[str]]] = field(default_factory=list)  # header row first
    items: list[list[str]] = field(default_factory=list)  # each list item's paragraphs
    paragraphs: list[str] = field(default_factory=list)  # outside lists
    emphasis: list[str] = field(default_factory=list)
    strong: list[str] = field(default_factory=list)
    nested_lists: int = 0
    rules: int = 0
    words: list[str] = field(default_factory=list)


def inline_text(token: Token, parsed: Parsed) -> str:
    out: list[str] = []
    marks: list[tuple[str, int]] = []
    for child in token.children or []:
        parsed.inline_types.add(child.type)
        if child.type in ("text", "text_special", "code_inline"):
            out.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            out.append("\n")
        elif child.type in ("em_open", "strong_open"):
            marks.append((child.type, len(out)))
        elif child.type in ("em_close", "strong_close") and marks:
            kind, start = marks.pop()
            (parsed.emphasis if kind == "em_open" else parsed.strong).append("".join(out[start:]))
    return "".join(out)


def parse(markdown: str) -> Parsed:
    parsed = Parsed()
    tokens = commonmark().parse(markdown)
    depth = 0  # list items we are in
    row: list[str] | None = None
    for i, token in enumerate(tokens):
        parsed.block_types.add(token.type)
        if token.type == "bullet_list_open" and depth:
            parsed.nested_lists += 1
        elif token.type == "list_item_open":
            depth += 1
            if depth == 1:
                parsed.items.append([])
        elif token.type == "list_item_close":
            depth -= 1
        elif token.type == "table_open":
            parsed.tables.append([])
        elif token.type == "tr_open":
            row = []
        elif token.type == "tr_close":
            assert row is not None
            parsed.tables[-1].append(row)
        elif token.type == "hr":
            parsed.rules += 1
        elif token.type == "inline":
            text = inline_text(token, parsed)
            parsed.words.append(text)
            opener = tokens[i - 1]
            if opener.type == "heading_open":
                parsed.headings.append((opener.tag, text))
            elif opener.type in ("th_open", "td_open"):
                assert row is not None
                row.append(text)
            elif depth:
                parsed.items[-1].append(text)
            else:
                parsed.paragraphs.append(text)
    return parsed
