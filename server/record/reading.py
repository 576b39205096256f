"""What a person reads in the record, the same in PDF, Word and Markdown: built once per
export from the rendered document, in plain words (no ids, no `snake_case`, times in the
server's zone). Each format only lays it out. Pure: no I/O.

JSON is the data itself; everything here is for people.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from server.board import model
from server.i18n import N_
from server.record import labels, record_cards
from server.record.times import Times, day
from server.record.view import people_of

Gettext = Callable[[str], str]
ARRIVALS = ("join", "leave")  # the trail's joins and leaves (audit.JOIN, LEAVE): an appendix
MORE = N_("More from the meeting")  # the optional sections, after the three columns


@dataclass(frozen=True, slots=True)
class Taking:
    """One line of "Who took part"."""

    name: str
    role: str
    about: str  # agency or relationship
    joined: str
    left: str
    minutes: str


@dataclass(frozen=True, slots=True)
class Agreeing:
    """One line of "Agreement"."""

    who: str
    agreed: bool
    words: str
    at: str


class Reading:
    """The record as people read it; one per export."""

    def __init__(self, document: Mapping[str, Any], times: Times, gettext: Gettext) -> None:
        self.document, self.times, self.gettext = document, times, gettext
        self.people = people_of(document)
        self.person = record_cards.naming(self.people, gettext)
        self._words = record_cards.Words(gettext, self.person, times.when)

    # --- people -------------------------------------------------------------------------
    def card_facts(self, card: Mapping[str, Any]) -> list[str]:
        return record_cards.facts(card, self.document, self.people, self._words)

    def chairs(self) -> str:
        found = [p["name"] for p in self.document["participants"] if p["role"] == "facilitator"]
        return ", ".join(found) or "—"

    def took_part(self) -> list[Taking]:
        _ = self.gettext
        came = {row["participant"]: row for row in self.document.get("attendance") or []}
        ended = not self.document.get("export", {}).get("draft", False)
        rows = []
        for p in self.document["participants"]:
            seen = came.get(p["id"])
            if seen is None:
                joined = left = minutes = "—"
            else:
                joined = self._clock(seen["firstJoined"])
                if seen.get("lastLeft"):
                    left = self._clock(seen["lastLeft"])
                else:
                    left = _("stayed to the end") if ended else _("still here")
                minutes = str(seen["minutes"])
            rows.append(
                Taking(p["name"], labels.role(p["role"], _), record_cards.about(p), joined, left,
                       minutes)
            )  # fmt: skip
        return rows

    def _clock(self, moment: str) -> str:
        """A time on the meeting's own day by the clock alone; another day in full."""
        held = self.times.moment(self.document["meeting"]["createdAt"]).date()
        at = self.times.moment(moment)
        return self.times.clock(moment) if at.date() == held else self.times.when(moment)

    # --- the map ------------------------------------------------------------------------
    def label_set(self) -> str:
        return labels.label_set(self.document["meeting"]["labelSet"], self.gettext)

    def groups(self) -> list[tuple[str, list[str]]]:
        """(heading, section ids) in the order of the map: the three columns (next steps are a
        table of their own), then every optional section turned on or holding a card."""
        out = [
            (self.gettext(title), [s for s in sections if s != "next_steps"])
            for _column, title, sections in model.COLUMNS
        ]
        sections = self.document["sections"]
        more = [
            sid
            for sid in model.OPTIONAL_SECTIONS
            if sid in self.document.get("optionalSections", []) or sections.get(sid)
        ]
        if more:
            out.append((self.gettext(MORE), more))
        return out

    def active(self, section: str) -> list[Mapping[str, Any]]:
        return record_cards.active(self.document["sections"].get(section, []))

    def withdrawn(self) -> list[Mapping[str, Any]]:
        return record_cards.withdrawn(self.document)

    def steps(self) -> list[list[str]]:
        """Next steps: action, owner, due (a date in words), status (in words)."""
        _ = self.gettext
        return [
            [card["text"], card.get("owner") or "", day(card.get("due")),
             labels.status(card.get("status"), _)]
            for card in self.active("next_steps")
        ]  # fmt: skip

    def worry(self, scale: Mapping[str, Any]) -> str:
        """The worry a scale is about, quoted ("" for the overall scale)."""
        if not scale.get("about"):
            return ""
        return record_cards.linked(self.document, scale["about"], self.gettext)

    def linked(self, card_id: str) -> str:
        return record_cards.linked(self.document, card_id, self.gettext)

    # --- the end of the record ----------------------------------------------------------
    def agreement(self) -> list[Agreeing]:
        people = self.people
        rows = []
        for row in self.document.get("agreement") or []:
            p = people.get(str(row.get("participantId")))
            who = record_cards.full_name(p, self.gettext) if p else self.person("")
            rows.append(
                Agreeing(who, bool(row.get("agreed")), str(row.get("words") or ""),
                         self.times.when(row.get("recordedAt")))
            )  # fmt: skip
        return rows

    def actions(self) -> list[Mapping[str, Any]]:
        """The trail but the joins and leaves (those are the appendix)."""
        return [r for r in self.document.get("audit") or [] if r["action"] not in ARRIVALS]

    def arrivals(self) -> list[Mapping[str, Any]]:
        return [r for r in self.document.get("audit") or [] if r["action"] in ARRIVALS]

    def footer(self) -> str:
        """The footer: "Snapshot 1 · Generated 12 May 2026, 13:00 BST" (no id, no seconds)."""
        _, facts = self.gettext, self.document["export"]
        snapshot = facts["snapshot"]["n"] if facts["snapshot"] else _("draft")
        made, generated = _("Snapshot"), _("Generated")  # (babel reads no f-string's calls)
        return f"{made} {snapshot} · {generated} {self.times.when(facts['generatedAt'])}"


def reading(document: Mapping[str, Any], times: Times, gettext: Gettext) -> Reading:
    return Reading(document, times, gettext)


def rows_of(items: Sequence[Taking]) -> list[list[str]]:
    return [[t.name, t.role, t.about, t.joined, t.left, t.minutes] for t in items]
