"""Rotating the secret key (`safetymap key rotate`): what must change with it, and the change.

Everything the key signs or derives either dies with it by itself or is rewritten here:
- link tokens are HMAC(key, salt) and only their hash is stored (links.py): every live link
  gets the hash of its token under the new key, so the old token stops working and the
  meeting page (which re-derives the token) shows the new, working one. Link ids stay, so
  each meeting keeps its participants, waiting room and record;
- the owner's own participant is found by a key derived from the secret key: re-keyed, so a
  facilitator comes back to their meetings as themselves;
- facilitator sessions, API tokens and the set-up link are random, not derived, so the key
  does not reach them: all of them are deleted (sign in again; `safetymap token create`);
- signed cookies (meetings joined, known devices, a pending join) fail their signature under
  the new key; a participant's key cookie is scoped to the old link's path, so people come
  back through the new link as new participants.

`plan` is pure; `apply` writes it in one transaction; `write_key_file` replaces the key file
atomically. Every process must be stopped while this runs and restarted with the new key.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from server.board.links import derive_key, derive_token, new_salt, token_hash
from server.board.permissions import Role
from server.store import key_check
from server.store.schema import credentials, links, participants

KEY_MIN = 32  # characters, as startup.py asks of any key; what `new_key` makes has 64


def new_key() -> str:
    """384 random bits, URL-safe: as the first run makes (settings.py)."""
    return secrets.token_urlsafe(48)


def check_new_key(new: str, old: str) -> str | None:
    """Why a key an operator supplies cannot be used, or None."""
    if len(new) < KEY_MIN:
        return f"the new key must be at least {KEY_MIN} characters long"
    if any(c.isspace() or not c.isprintable() for c in new):
        return "the new key must be one line without spaces"
    if "change-me" in new.lower():
        return "the new key is the example's placeholder"
    if len(set(new)) < 16:
        return "the new key is not random enough: make one with `openssl rand -base64 48`"
    if new == old:
        return "the new key is the key in use"
    return None


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


@dataclass(frozen=True, slots=True)
class Rotated:
    links: int
    sessions: int
    api_tokens: int


async def apply(engine: AsyncEngine, old: str, new: str) -> Rotated:
    """Re-derive every live link under `new` and end every session and token, at once."""
    async with engine.begin() as conn:
        await key_check.record(conn, new, replace=True)  # processes with the old key refuse
        rows = (
            await conn.execute(
                select(links.c.id, links.c.role, links.c.salt).where(links.c.revoked_at.is_(None))
            )
        ).all()
        done = plan([LiveLink(int(r.id), Role(r.role), r.salt) for r in rows], old, new)
        if done.relinks:
            await conn.execute(
                update(links)
                .where(links.c.id == bindparam("link"))
                .values(salt=bindparam("new_salt"), token_hash=bindparam("new_hash")),
                [
                    {"link": r.link_id, "new_salt": r.salt, "new_hash": r.token_hash}
                    for r in done.relinks
                ],
            )
        if done.rekeys:
            await conn.execute(
                update(participants)
                .where(
                    participants.c.link_id == bindparam("link"),
                    participants.c.key_hash == bindparam("old_hash"),
                )
                .values(key_hash=bindparam("new_hash")),
                [
                    {"link": r.link_id, "old_hash": r.old_hash, "new_hash": r.new_hash}
                    for r in done.rekeys
                ],
            )
        counts = {}
        for kind in ("session", "api", "setup"):
            gone = await conn.execute(delete(credentials).where(credentials.c.kind == kind))
            counts[kind] = int(gone.rowcount)
    return Rotated(len(done.relinks), counts["session"], counts["api"])


def stage_key_file(path: Path, key: str) -> Path:
    """Write the new key beside the key file (owner-only, synced), not yet in its place."""
    staged = path.with_name(path.name + ".new")
    staged.unlink(missing_ok=True)
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return staged


def commit_key_file(staged: Path, path: Path) -> None:
    """Put the staged key in place in one rename: a reader sees the old key or the new."""
    os.replace(staged, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)
