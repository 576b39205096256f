"""Who added each card, as the server saw it (not as a client claimed).

A card's entry in the "items" map is created by one Yjs client (structs.creators), and the
room binds every clientID to the participant whose connection first used it, in presence or in
an update (the `writers` table; an update under a clientID another participant owns is refused,
and presence under it dropped: room.py). Together they name the participant who added the
card. The card's own `author` field must now be its writer's id too (document_rules.py), but
cards written before that rule, or with no author, say nothing the server checked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from . import structs
from .protocol import ProtocolError


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
