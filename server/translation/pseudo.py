"""Two pseudo-locales, made from the English of the catalogue, for tests only: `en-XA` (every
string accented and about 40% longer, in brackets, so a word the catalogue missed stands out
and a box too tight for a longer language overflows) and `ar-XB` (every string shown right to
left, on a right-to-left page). Placeholders (`{name}`, `%(name)s`, `%s`), HTML tags and
entities stay exactly as they are. Pure."""

from __future__ import annotations

import re

# What must survive translation untouched: {name}, %(name)s, %s, %%, <tags>, &entities;.
_KEEP = re.compile(r"\{\w+\}|%\(\w+\)[sdif]|%[sdif%]|<[^<>]+>|&#?\w+;")
_ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
PADDING = "·"
RLM, RLO, PDF = "\u200f", "\u202e", "\u202c"  # right-to-left mark, override, pop


def _pieces(text: str) -> list[tuple[str, bool]]:
    """The text cut into (piece, is it kept as it is)."""
    out: list[tuple[str, bool]] = []
    at = 0
    for kept in _KEEP.finditer(text):
        if kept.start() > at:
            out.append((text[at : kept.start()], False))
        out.append((kept.group(), True))
        at = kept.end()
    if at < len(text):
        out.append((text[at:], False))
    return out


def accented(text: str) -> str:
    """ "Add a card" -> "[Åðð å çåŕð ·····]": 40% longer, at least one padding mark."""
    if not text:
        return text
    body = "".join(piece if kept else piece.translate(_ACCENTED) for piece, kept in _pieces(text))
    return f"[{body} {PADDING * max(1, round(len(text) * 0.4) - 3)}]"


def right_to_left(text: str) -> str:
    """Each run of words drawn right to left (U+202E ... U+202C) after a right-to-left mark
    (so that `dir=auto` takes it for right-to-left text, as it would Arabic); placeholders and
    tags left out of the override, so a name filled in still reads as typed."""
    if not text:
        return text
    return "".join(
        piece if kept or not piece.strip() else f"{RLM}{RLO}{piece}{PDF}"
        for piece, kept in _pieces(text)
    )


PSEUDO = {"en-XA": accented, "ar-XB": right_to_left}
