"""How the record prints a card, the same in every format (PDF, Word, Markdown): who the
server saw write it and edit it, whose view it is, the worry it answers, everyone's views,
and whether it was withdrawn.

The writer printed is the one the server saw (`addedBy`, `editedBy`: attribution.py). The
card's own `author` is printed only when the server knows nothing else (a card carried over
from before attribution), and never where it disagrees with what the server saw.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Gettext = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Words:
    """What a format prints with: its translation, how it names a person, how it says when."""

    gettext: Gettext
    person: Callable[[str], str]
    when: Callable[[str], str]


_EXCERPT = 60  # characters of a linked worry's text shown beside the goal that answers it


def naming(people: Mapping[str, Mapping[str, Any]], _: Gettext) -> Callable[[str], str]:
    """How the record names a participant: "Name (relationship or role)"."""

    def person(pid: str) -> str:
        p = people.get(pid or "")
        if p is None:
            return _("someone who has left")
        return f"{p['name']} ({p.get('relationship') or _(p['role'])})"

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
        lines.append(_("Whose view") + ": " + (person(speaker) if speaker in people else speaker))
    if card.get("answers"):
        lines.append(_("Answers the worry") + ": " + linked(document, card["answers"], _))
    if card.get("stances"):
        views = "; ".join(f"{person(s['participant'])} {_(s['stance'])}" for s in card["stances"])
        lines.append(_("Views") + ": " + views)
    if mark := card.get("withdrawn"):
        lines.append(
            _("Withdrawn by %(who)s, %(when)s")
            % {"who": person(mark["by"]), "when": words.when(mark["at"])}
        )
    return lines


def linked(document: Mapping[str, Any], card_id: str, _: Gettext) -> str:
    """A worry a goal answers or a scale is about: its words, and whether it was withdrawn
    or is gone (a link never points at nothing)."""
    found = [c for cards in document["sections"].values() for c in cards if c["id"] == card_id]
    if not found:
        return _("a worry that was deleted")
    card = min(found, key=lambda c: c.get("layer") != "main")  # the family-visible one first
    text = " ".join(str(card["text"]).split())
    if len(text) > _EXCERPT:
        text = text[: _EXCERPT - 1] + "…"
    return f"“{text}” ({_('withdrawn')})" if card.get("withdrawn") else f"“{text}”"
