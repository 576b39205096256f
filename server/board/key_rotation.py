"""What rotating the secret key changes in the links, pure: every live link's token hash under
the new key, and the owner's participant key (see ops/rotation.py for the whole story)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from server.board.links import derive_key, derive_token, new_salt, token_hash
from server.board.permissions import Role


@dataclass(frozen=True, slots=True)
class LiveLink:
    id: int
    role: Role
    salt: str | None  # None: made before tokens were derived (0002); given a salt now


@dataclass(frozen=True, slots=True)
class Relink:
    link_id: int
    salt: str
    token_hash: str  # of the link's token under the new key


@dataclass(frozen=True, slots=True)
class Rekey:
    link_id: int
    old_hash: str  # the owner's participant key hash under the old key
    new_hash: str


@dataclass(frozen=True, slots=True)
class Plan:
    relinks: list[Relink]
    rekeys: list[Rekey]


def plan(live: Sequence[LiveLink], old: str, new: str, salt: Callable[[], str] = new_salt) -> Plan:
    relinks: list[Relink] = []
    rekeys: list[Rekey] = []
    for link in live:
        link_salt = link.salt or salt()
        relinks.append(Relink(link.id, link_salt, token_hash(derive_token(new, link_salt))))
        if link.role is Role.FACILITATOR:
            purpose = f"owner:{link.id}"  # as PeopleStore.facilitator_participant
            rekeys.append(
                Rekey(
                    link.id,
                    token_hash(derive_key(old, purpose)),
                    token_hash(derive_key(new, purpose)),
                )
            )
    return Plan(relinks, rekeys)
