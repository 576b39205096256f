"""The board's words as the catalogue holds them, read from their English source,
`client/src/strings.js` (DEFAULT_STRINGS). Pure: text in, entries out.

Each key becomes one entry with the key as its context (`msgctxt`) and the English as its
`msgid`; a plural pair `x.one` / `x.other` becomes ONE entry `x` with the `.one` text as `msgid`
and the `.other` text as `msgid_plural`. A comment line just above a key goes to the translator
(`#.`). A line in the object that is neither stops the extraction: a string written some other
way must not quietly drop out of every translation.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

_START = re.compile(r"^export const DEFAULT_STRINGS = Object\.freeze\(\{\s*$")
_END = re.compile(r"^\}\)\s*$")
_ENTRY = re.compile(r"^\s*'(?P<key>[A-Za-z0-9_.]+)':\s*'(?P<text>(?:[^'\\]|\\.)*)',?\s*$")
_COMMENT = re.compile(r"^\s*//\s?(?P<text>.*)$")
PLURAL_FORMS = ("zero", "one", "two", "few", "many", "other")


class StringsError(ValueError):
    """strings.js holds something the extractor cannot read (the message says where)."""


@dataclass(frozen=True, slots=True)
class ClientString:
    key: str  # the context: a plain key, or a plural key without its `.one` / `.other`
    text: str  # English (the `.one` form of a plural)
    plural: str | None = None  # the `.other` form
    comment: str = ""


def _unescape(js: str) -> str:
    """A single-quoted JavaScript string's escapes, resolved (as the browser reads them)."""
    escaped = js.replace('"', '\\"').replace("\\'", "'")
    try:
        value = json.loads(f'"{escaped}"')
    except json.JSONDecodeError as exc:
        raise StringsError(f"cannot read the string {js!r}: {exc}") from None
    assert isinstance(value, str)
    return value


def read(source: str) -> list[ClientString]:
    """Every entry of DEFAULT_STRINGS, in the file's order (plural pairs at their `.one`)."""
    texts: dict[str, str] = {}
    comments: dict[str, str] = {}
    inside, comment = False, ""
    for number, line in enumerate(source.splitlines(), 1):
        if not inside:
            inside = bool(_START.match(line))
            continue
        if _END.match(line):
            break
        if not line.strip():
            comment = ""
            continue
        if said := _COMMENT.match(line):
            comment = f"{comment} {said['text']}".strip()
            continue
        entry = _ENTRY.match(line)
        if entry is None:
            raise StringsError(
                f"strings.js line {number}: write each string as 'key': 'English text', "
                f"on one line: {line.strip()!r}"
            )
        texts[entry["key"]] = _unescape(entry["text"])
        if comment:
            comments[entry["key"]] = comment
        comment = ""
    else:
        raise StringsError("strings.js: no `export const DEFAULT_STRINGS = Object.freeze({`")
    return _entries(texts, comments)


def _entries(texts: dict[str, str], comments: dict[str, str]) -> list[ClientString]:
    out: list[ClientString] = []
    for key, text in texts.items():
        base, _, form = key.rpartition(".")
        if form not in PLURAL_FORMS:
            out.append(ClientString(key, text, comment=comments.get(key, "")))
        elif form == "one":
            if f"{base}.other" not in texts:
                raise StringsError(f"strings.js: {key} has no {base}.other")
            note = comments.get(key, "") or comments.get(f"{base}.other", "")
            out.append(ClientString(base, text, texts[f"{base}.other"], note))
        elif form == "other":
            if f"{base}.one" not in texts:
                raise StringsError(f"strings.js: {key} has no {base}.one")
        else:
            # English has only one and other; a language's other forms come from its catalogue.
            raise StringsError(f"strings.js: {key}: English needs only .one and .other")
    return out
