"""The jargon list: words that may not be clear to everyone, with what to say instead.

The board flags them gently while someone types a card (client/src/jargon.js matches them);
it never blocks a card. The organisation keeps its own list in a plain text file
(SAFETYMAP_JARGON_FILE; `jargon.txt` beside this module by default), one term a line:

    # a note
    DV: Say what happened, for example ...
    non-engagement
    allow: OK, TV, GP

A term is a word or phrase (letters, digits, spaces, hyphens, apostrophes, dots, slashes,
ampersands), optionally followed by a colon and a suggestion. `allow:` lines name
capital-letter words (2 to 6 capitals) that are not to be asked about. Pure: text in,
`Jargon` out, or JargonError naming the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_FILE = Path(__file__).with_name("jargon.txt")

# Every board page carries the list: keep it small enough to be no weight.
MAX_TERMS = 500
MAX_TERM = 60
MAX_SUGGESTION = 300
MAX_ALLOWED = 500

_TERM = re.compile("^\\w[\\w '\u2019.&/-]*$")
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9]{1,5}$")


class JargonError(ValueError):
    """The jargon file cannot be used; the message names the line and the fix."""


@dataclass(frozen=True, slots=True)
class Jargon:
    terms: tuple[tuple[str, str], ...] = ()  # (term, suggestion or "")
    allowed: tuple[str, ...] = ()  # capital-letter words not asked about
    source: str = field(default="", compare=False)

    def as_json(self) -> dict[str, object]:
        """What the board's config carries (client/src/config.js reads it)."""
        return {
            "terms": [{"term": term, "suggestion": suggestion} for term, suggestion in self.terms],
            "allowed": list(self.allowed),
        }


def parse(text: str) -> Jargon:
    terms: dict[str, tuple[str, str]] = {}
    allowed: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, colon, tail = line.partition(":")
        head, tail = head.strip(), tail.strip()
        if head.casefold() == "allow" and colon:
            for word in (w.strip() for w in tail.split(",")):
                if not _ACRONYM.match(word):
                    raise JargonError(
                        f"line {number}: {word!r} is not a word of 2 to 6 capital letters; "
                        "an allow: line lists such words, separated by commas"
                    )
                allowed.setdefault(word, word)
            continue
        if not head:
            raise JargonError(f"line {number}: nothing before the colon; write the word first")
        if len(head) > MAX_TERM or not _TERM.match(head):
            raise JargonError(
                f"line {number}: {head[:40]!r} is not a word or short phrase (up to "
                f"{MAX_TERM} letters, digits, spaces, hyphens, apostrophes, dots, slashes or &); "
                "write one term a line"
            )
        if len(tail) > MAX_SUGGESTION:
            raise JargonError(
                f"line {number}: the suggestion is longer than {MAX_SUGGESTION} characters"
            )
        key = head.casefold()
        if key in terms:
            raise JargonError(f"line {number}: {head!r} is listed twice")
        terms[key] = (head, tail)
    if len(terms) > MAX_TERMS or len(allowed) > MAX_ALLOWED:
        raise JargonError(f"more than {MAX_TERMS} terms or allowed words; keep the list short")
    return Jargon(tuple(terms.values()), tuple(allowed.values()))


def load_jargon(path: Path | None) -> Jargon:
    """The list in `path` (the shipped default if None); JargonError if it cannot be used."""
    target = path or DEFAULT_FILE
    try:
        text = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise JargonError(f"no file at {str(target)!r}") from None
    except UnicodeDecodeError:
        raise JargonError(f"{str(target)!r} is not UTF-8 text") from None
    except OSError as exc:
        raise JargonError(f"cannot read {str(target)!r} ({exc.strerror})") from None
    try:
        return replace(parse(text), source=str(target))
    except JargonError as exc:
        raise JargonError(f"{str(target)!r}, {exc}") from None
