"""How the record prints a card, the same in every format (PDF, Word, Markdown): who the
server saw write it and edit it, whose view it is, the worry it answers, everyone's views,
and whether it was withdrawn.

The writer printed is the one the server saw (`addedBy`, `editedBy`: attribution.py). The
card's own `author` is printed only when the server knows nothing else (a card carried over
from before attribution), and never where it disagrees with what the server saw.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.record import labels

Gettext = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Words:
    """What a format prints with: its translation, how it names a person, how it says when."""

    gettext: Gettext
    person: Callable[[str], str]
    when: Callable[[str], str]


_EXCERPT = 80  # at most this many characters of a linked worry's first words
# A participant id (the server's UUIDs): never printed, even where free text may stand.
_PARTICIPANT_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


def short_name(p: Mapping[str, Any], _: Gettext) -> str:
    """A person as the record names a writer: "Jo Example (Mum)", "DC Dana Reid, Police",
    "Sam Taylor (Facilitator)"."""
    role = str(p.get("role") or "")
    if role == "family":
        return f"{p['name']} ({p.get('relationship') or labels.role(role, _)})"
    if role == "professional" and p.get("agency"):
        return f"{p['name']}, {p['agency']}"
    return f"{p['name']} ({labels.role(role, _)})"


def about(p: Mapping[str, Any]) -> str:
    """Their agency (a professional, the chair) or relationship to the child (family)."""
    key = "relationship" if p.get("role") == "family" else "agency"
    return str(p.get(key) or p.get("relationship") or p.get("agency") or "")


def full_name(p: Mapping[str, Any], _: Gettext) -> str:
    """ "Jo Example (Family, Mum)": name, role, and agency or relationship."""
    more = about(p)
    return f"{p['name']} ({labels.role(p.get('role'), _)}{', ' + more if more else ''})"


def naming(people: Mapping[str, Mapping[str, Any]], _: Gettext) -> Callable[[str], str]:
    """How the record names a participant by id (short_name), never by the id itself."""

    def person(pid: str) -> str:
        p = people.get(pid or "")
        return _("someone who has left") if p is None else short_name(p, _)

    return person


def writer(card: Mapping[str, Any]) -> str:
    """The participant id the record names as the card's writer."""
    added = card.get("addedBy")
    return str(added["id"]) if isinstance(added, Mapping) else str(card.get("author") or "")


def active(cards: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return [card for card in cards if not card.get("withdrawn")]


def withdrawn(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Every withdrawn card, in the order of the map's sections."""
    return [
        card for cards in document["sections"].values() for card in cards if card.get("withdrawn")
    ]


def facts(
    card: Mapping[str, Any],
    document: Mapping[str, Any],
    people: Mapping[str, Any],
    words: Words,
) -> list[str]:
    """The lines printed under a card, in plain words."""
    _, person = words.gettext, words.person
    lines = [_("Written by %(who)s") % {"who": person(writer(card))}]
    if editors := card.get("editedBy"):
        names = ", ".join(person(str(p["id"])) for p in editors)
        lines[0] += "; " + _("edited by %(who)s") % {"who": names}
    speaker = card.get("speaker")
    if speaker and speaker != writer(card) and speaker != card.get("author"):
        known = speaker in people or _PARTICIPANT_ID.fullmatch(speaker)
        lines.append(_("Whose view") + ": " + (person(speaker) if known else speaker))
    if card.get("answers"):
        lines.append(_("Answers the worry") + ": " + linked(document, card["answers"], _))
    if card.get("stances"):
        groups = [
            f"{labels.stance(stance, _)}: "
            + "; ".join(person(s["participant"]) for s in card["stances"] if s["stance"] == stance)
            for stance in labels.STANCES
            if any(s["stance"] == stance for s in card["stances"])
        ]
        lines.append(_("Views") + ": " + ". ".join(groups))
    if mark := card.get("withdrawn"):
        lines.append(
            _("Withdrawn by %(who)s, %(when)s")
            % {"who": person(mark["by"]), "when": words.when(mark["at"])}
        )
    return lines


def linked(document: Mapping[str, Any], card_id: str, _: Gettext) -> str:
    """A worry a goal answers or a scale is about: its first words, quoted, and whether it
    was withdrawn or is gone (a link never points at nothing, and never prints an id)."""
    found = [c for cards in document["sections"].values() for c in cards if c["id"] == card_id]
    if not found:
        if document.get("professionalOnly") is False:  # the family copy: maybe not in it
            return _("a worry not in this copy")
        return _("a worry that was deleted")
    card = min(found, key=lambda c: c.get("layer") != "main")  # the family-visible one first
    text = first_words(str(card["text"])) or _("a worry with no words")
    # A whole sentence for translators (an f-string's `_()` is never extracted).
    return _("“%(text)s” (withdrawn)") % {"text": text} if card.get("withdrawn") else f"“{text}”"


def first_words(text: str, limit: int = _EXCERPT) -> str:
    """The text on one line, cut after a whole word when longer than `limit` ("…")."""
    words = " ".join(text.split())
    if len(words) <= limit:
        return words
    cut = words[: limit - 1]
    if " " in cut[limit // 2 :]:  # end on a whole word, unless that loses half the excerpt
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:.") + "…"
