"""This deployment's identity, which every message relayed through Redis carries: a process
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
import logging
import os
import uuid

from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.store.clock import now
from server.store.schema import deployment, is_sqlite

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
