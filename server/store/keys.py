"""One secret key per database: every process must derive links with the key they were made
with. Two processes with different keys (or a key file lost and generated again) each said
ready, and every link one of them showed was dead on the other (issue 16).

The database keeps a check value of the key (an HMAC of a fixed text: it reveals nothing of
the key), written by the first process to start and by `safetymap key rotate`; a process whose
key does not match refuses to start, in one line.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.board.key_rotation import LiveLink, plan
from server.board.permissions import Role
from server.store.schema import credentials, deployment, links, participants

_TEXT = b"safetymap: the key links are made with"


def digest(secret_key: str) -> str:
    return hmac.new(secret_key.encode(), _TEXT, hashlib.sha256).hexdigest()[:32]


async def record(conn: AsyncConnection, secret_key: str, *, replace: bool = False) -> None:
    """Keep this key's check value: if none is kept yet, or (`replace`, a rotation) always."""
    change = update(deployment).where(deployment.c.id == 1).values(key_check=digest(secret_key))
    if not replace:
        change = change.where(deployment.c.key_check.is_(None))
    await conn.execute(change)


async def matches(engine: AsyncEngine, secret_key: str) -> bool:
    """Does this key match the one the database's links were made with? (The first process
    to ask records its own.)"""
    async with engine.begin() as conn:
        await record(conn, secret_key)
        kept = await conn.scalar(select(deployment.c.key_check).where(deployment.c.id == 1))
    return kept is None or hmac.compare_digest(str(kept), digest(secret_key))


@dataclass(frozen=True, slots=True)
class Rotated:
    links: int
    sessions: int
    api_tokens: int


async def rotate(engine: AsyncEngine, old: str, new: str) -> Rotated:
    """Re-derive every live link under `new` and end every session and token, at once."""
    async with engine.begin() as conn:
        await record(conn, new, replace=True)  # processes with the old key refuse
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
