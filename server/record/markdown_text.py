"""Plain text in the Markdown record, escaped so that it reads the same when rendered and makes
no structure: no heading, list, quote, table, link, image, emphasis, code, raw HTML or entity,
in CommonMark or with GitHub's tables, strikethrough and math.

Everything people type (card text, names, a scale's wording, a reason) reaches the record as
plain text; `export.md.j2` is rendered with `finalize`, so every `{{ … }}` in it goes through
`escape` unless it is a macro's own Markdown, marked `| safe`. The PDF and Word records take
the same plain text and escape it for HTML and XML themselves.

Every field of the record is one line: a line break (any that `str.splitlines` knows,
U+2028 and U+2029 included) becomes a space, so no text can start a line of its own. Within
the line, the characters that open inline structure are backslash-escaped, and `&`, `<`, `>`
written as entities; the few that make a block only where a line starts (`-`, `+`, `=`, and
`1.` / `1)`) are escaped when the text starts with them, since a field can follow a list
marker or a heading's `#`. Punctuation that means nothing where it stands (`.`, `(`, `!`, `-`
inside a sentence) is left alone, so the file stays easy to read as it is.

Each value is escaped on its own, so the template keeps to one rule: a value that can start a
line is never followed there by `.` or `)` (a value "1" would then make "1." a list marker);
the lines under a card start with words ("Written by …"), and marks with "**7**".
"""

from __future__ import annotations

import re

from markupsafe import Markup

_INLINE = str.maketrans(
    {
        "\\": "\\\\",
        "`": "\\`",
        "*": "\\*",
        "_": "\\_",
        "~": "\\~",
        "[": "\\[",
        "]": "\\]",
        "{": "\\{",
        "}": "\\}",
        "#": "\\#",
        "|": "\\|",
        "$": "\\$",
        "&": "&amp;",
        "<": "&lt;",
        ">": "&gt;",
    }
)
_ORDERED_MARKER = re.compile(r"[0-9]+(?=[.)])")


def one_line(text: str) -> str:
    """The text on one line: each line break, with the spaces around it, one space."""
    return " ".join(line for line in (part.strip() for part in text.splitlines()) if line)


def escape(value: object) -> str:
    """`value` as Markdown text that renders as exactly its words, on one line."""
    text = one_line(str(value)).translate(_INLINE)
    if text[:1] in ("-", "+", "="):
        return "\\" + text
    if number := _ORDERED_MARKER.match(text):  # "1." or "1)" would start a numbered list
        return text[: number.end()] + "\\" + text[number.end() :]
    return text


def finalize(value: object) -> object:
    """Jinja's `finalize` for the Markdown record: every printed value is escaped text, but a
    macro's own Markdown (marked `| safe`, so a Markup) and what it already escaped."""
    return value if isinstance(value, Markup) else escape(value)
