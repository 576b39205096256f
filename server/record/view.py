"""One view of a meeting's record, shared by every format: the rendered map of a snapshot (or
its family copy), the facts of the export, the chain of meetings before it, and how a card and
its people are named. Pure: no I/O."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from server.board import attribution, model
from server.board.permissions import Layer
from server.i18n import translations
from server.record import history, mapdiff, record_cards
from server.record.times import Times
from server.sync import crdt

if TYPE_CHECKING:  # only their types: the record is rendered without the store
    from server.store import Editors
    from server.store.records import Snapshot

gettext = translations().gettext


def when(moment: str | None) -> str:
    """A stored ISO time as a record reads it in the default zone: "12 May 2026, 10:00 BST"
    (an export says it in SAFETYMAP_TIMEZONE: times.py; the JSON keeps the ISO string)."""
    return Times.named().when(moment)


def rendered_snapshot(
    meeting: dict[str, Any],
    states: dict[Layer, bytes],
    roster: list[dict[str, Any]],
    writers: dict[Layer, dict[int, str]],
    editors: Editors,
) -> dict[str, Any]:
    """The map a snapshot keeps: both layers rendered, each card with who added it and who
    else wrote in it, as the server saw them."""
    added, edited = attribution.written_by(
        {layer.value: states[layer] for layer in Layer},
        {layer.value: writers[layer] for layer in Layer},
        {layer.value: editors[layer] for layer in Layer},
        roster,
    )
    return model.render_meeting(
        crdt.doc_from_updates([states[Layer.MAIN]]),
        crdt.doc_from_updates([states[Layer.PROFESSIONAL]]),
        meeting,
        roster,
        added_by=added,
        edited_by=edited,
    )


def record(snapshot: Snapshot, *, family: bool) -> dict[str, Any]:
    """The snapshot's rendered map, or its family copy rendered from the main layer alone."""
    if not family:
        return snapshot.rendered
    copy = model.render_meeting(
        crdt.doc_from_updates([snapshot.state_main]),
        None,
        {**snapshot.rendered["meeting"]},
        snapshot.roster,
        added_by=attribution.added_by_of(snapshot.rendered),
        edited_by=attribution.edited_by_of(snapshot.rendered),
    )
    # What the meeting agreed belongs to everyone in it: the family copy carries it too.
    if "agreement" in snapshot.rendered:
        copy["agreement"] = snapshot.rendered["agreement"]
    return copy


def with_export_facts(
    rendered: Mapping[str, Any],
    snapshot: Mapping[str, Any] | None,
    *,
    family: bool,
    generated_at: str,
) -> dict[str, Any]:
    facts = {
        "snapshot": dict(snapshot) if snapshot else None,
        "variant": "family" if family else "full",
        "draft": snapshot is None,
        "generatedAt": generated_at,
    }
    return {**rendered, "export": facts}


def with_chain(
    document: Mapping[str, Any], earlier: Sequence[Mapping[str, Any]], *, family: bool
) -> dict[str, Any]:
    """Add how the scales moved over the chain of meetings and what changed since the previous
    one. `earlier`: each earlier meeting's last snapshot (full), oldest first; the family copy
    sees them without the professionals-only layer, like the document itself."""
    if not earlier:
        return dict(document)
    before = [mapdiff.family_view(m) if family else m for m in earlier]
    return {
        **document,
        "history": history.build([*before, document]),
        "changes": mapdiff.diff(before[-1], document),
    }


def people_of(document: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """Participant id -> person, for naming authors, speakers and raters: this meeting's
    people, and in a review those of the meetings before it (cards carried over were
    written there; ids are never reused across meetings)."""
    people: dict[str, Mapping[str, Any]] = {}
    for meeting in document.get("history", {}).get("meetings", []):
        people.update((p["id"], p) for p in meeting.get("participants", []))
    people.update((p["id"], p) for p in document["participants"])
    return people


def card_words(document: Mapping[str, Any]) -> Callable[[Mapping[str, Any]], list[str]]:
    """card -> the lines the record prints under it (record_cards.py), for every format."""
    people = people_of(document)
    words = record_cards.Words(gettext, record_cards.naming(people, gettext), when)
    return lambda card: record_cards.facts(card, document, people, words)
