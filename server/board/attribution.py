"""Who added each card, and who else wrote in it, as the server saw it (not as a client
claimed).

A card's entry in the "items" map is created by one Yjs client (structs.creators), and the
room binds every clientID to the participant whose connection first used it, in presence or in
an update (the `writers` table; an update under a clientID another participant owns is refused,
and presence under it dropped: room.py). Together they name the participant who added the
card. The card's own `author` field must now be its writer's id too (document_rules.py), but
cards written before that rule, or with no author, say nothing the server checked.

Everyone else who wrote in a card (typed in it, changed its fields; not moved it or took a
stance) is kept as the updates arrive, in the `card_writers` table (document_rules.py
`written_cards`): `edited_by` names them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from server.sync import structs
from server.sync.protocol import ProtocolError


def added_by(
    state: bytes, writers: Mapping[int, str], roster: Sequence[Mapping[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Card id -> {id, name, role} of the participant who added it (where the server knows)."""
    try:
        creators = structs.creators(state, "items")
    except ProtocolError:
        return {}
    people = {str(person["id"]): person for person in roster}
    result = {}
    for card_id, client in creators.items():
        person = people.get(writers.get(client, ""))
        if person is not None:
            result[card_id] = {key: person[key] for key in ("id", "name", "role")}
    return result


Person = dict[str, Any]
ByLayer = dict[str, dict[str, Any]]  # layer -> card id -> what is known of its card


def _person(people: Mapping[str, Mapping[str, Any]], pid: str) -> Person | None:
    person = people.get(pid)
    return None if person is None else {key: person[key] for key in ("id", "name", "role")}


def edited_by(
    editors: Mapping[str, Sequence[str]],
    added: Mapping[str, Mapping[str, Any]],
    roster: Sequence[Mapping[str, Any]],
) -> dict[str, list[Person]]:
    """Card id -> {id, name, role} of everyone but its adder who wrote in it, first first."""
    people = {str(person["id"]): person for person in roster}
    result: dict[str, list[Person]] = {}
    for card_id, ids in editors.items():
        adder = added.get(card_id, {}).get("id")
        named = [p for pid in ids if pid != adder and (p := _person(people, pid)) is not None]
        if named:
            result[card_id] = named
    return result


def written_by(
    states: Mapping[str, bytes],
    writers: Mapping[str, Mapping[int, str]],
    editors: Mapping[str, Mapping[str, Sequence[str]]],
    roster: Sequence[Mapping[str, Any]],
) -> tuple[ByLayer, ByLayer]:
    """`added_by` and `edited_by` of every layer, for render_meeting: by layer, as a card id
    on one layer says nothing about who wrote the card with the same id on the other."""
    added = {
        layer: added_by(state, writers.get(layer, {}), roster) for layer, state in states.items()
    }
    edited = {layer: edited_by(editors.get(layer, {}), added[layer], roster) for layer in states}
    return added, edited


def added_by_of(rendered: Mapping[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """The `addedBy` of every card of a rendered map, by layer then card id, to render a copy
    of it again (the family copy: render_meeting reads only the "main" layer's).

    Records rendered before attribution was kept per layer gave a main-layer card and a
    professionals-only card with the same id one shared `addedBy`, usually the professional
    writer's. Such a pair names the same facilitator or professional on both cards; where
    the record cannot tell which card that person wrote, the main card is left unattributed,
    so a copy never names a professionals-only writer on a card the family sees.
    """
    by_layer: dict[str, dict[str, dict[str, Any]]] = {}
    for cards in rendered.get("sections", {}).values():
        for card in cards:
            if "addedBy" in card:
                layer = str(card.get("layer", "main"))
                by_layer.setdefault(layer, {})[card["id"]] = dict(card["addedBy"])
    main, professional = by_layer.get("main", {}), by_layer.get("professional", {})
    for card_id, person in list(main.items()):
        if professional.get(card_id) == person and person.get("role") not in ("family", "viewer"):
            del main[card_id]
    return by_layer


def edited_by_of(rendered: Mapping[str, Any]) -> ByLayer:
    """The `editedBy` of every card of a rendered map, by layer then card id (as
    `added_by_of`, to render the family copy again)."""
    by_layer: ByLayer = {}
    for cards in rendered.get("sections", {}).values():
        for card in cards:
            if card.get("editedBy"):
                layer = str(card.get("layer", "main"))
                by_layer.setdefault(layer, {})[card["id"]] = list(card["editedBy"])
    return by_layer
