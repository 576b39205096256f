"""This deployment, kept in its one database row: its identity, and the check of its secret key.

The identity, which every message relayed through Redis carries: a process
ignores messages from another deployment (relay.py), so a restored copy or a staging server
pointed at the production Redis by mistake exchanges nothing with production.

The identity is a row made once in the database (migration 0010, or here if it is missing:
race-safe, as the row's key is fixed) mixed with where the database lives, because a copy
made with `pg_dump` or by copying the SQLite file carries the same row:

- PostgreSQL: the cluster's `system_identifier` (from `pg_control_system()`, made by
  `initdb`, so different on every other server) and the database's name and oid (different
  for every database of one server);
- SQLite: the database file's absolute path.

Every process on one database computes the same identity; a copy computes another. Only a
byte-for-byte copy of a whole PostgreSQL cluster (a file-system snapshot, `pg_basebackup`)
restored under the same name cannot be told apart: give such a copy its own Redis.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import os
import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, delete, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from server.board.key_rotation import LiveLink, plan
from server.board.permissions import Role
from server.store.clock import now
from server.store.schema import credentials, deployment, is_sqlite, links, participants

log = logging.getLogger(__name__)


async def identity(engine: AsyncEngine) -> str:
    """This deployment's identity (32 hex digits), the same in every process on the database."""
    stored = await _stored(engine)
    place = await _place(engine)
    return hashlib.sha256(f"{stored}\n{place}".encode()).hexdigest()[:32]


async def _stored(engine: AsyncEngine) -> str:
    for _ in range(2):
        async with engine.connect() as conn:
            found = await conn.scalar(select(deployment.c.identity).where(deployment.c.id == 1))
        if found:
            return str(found)
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    deployment.insert().values(id=1, identity=str(uuid.uuid4()), created_at=now())
                )
        except IntegrityError:
            pass  # another process made it first: read theirs
    raise RuntimeError("the deployment identity could neither be read nor made")


async def _place(engine: AsyncEngine) -> str:
    """Where the database lives: what a copy of it cannot share."""
    if is_sqlite(str(engine.url)):
        database = engine.url.database or ""
        path = await asyncio.to_thread(os.path.realpath, database) if database else "memory"
        return f"sqlite:{path}"
    async with engine.connect() as conn:
        row = (
            await conn.execute(
                text(
                    "SELECT current_database(), oid FROM pg_database"
                    " WHERE datname = current_database()"
                )
            )
        ).one()
    cluster = ""
    try:
        async with engine.connect() as conn:
            cluster = str(
                await conn.scalar(text("SELECT system_identifier FROM pg_control_system()"))
            )
    except DBAPIError as exc:  # revoked by a hosting provider: the name and oid still differ
        log.warning(
            "pg_control_system() is not readable (%s): the deployment identity uses the "
            "database's name and oid only",
            type(exc.orig).__name__,
        )
    return f"postgresql:{cluster}:{row[0]}:{row[1]}"


# One secret key per database (keys): every process must derive links with the key they were
# made with. The deployment row keeps a check value of the key (an HMAC of a fixed text: it
# reveals nothing of the key), written by the first process to start and by
# `safetymap key rotate`; a process whose key does not match refuses to start, in one line.


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
