"""Alembic environment: runs migrations on the engine the caller hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from server.store.schema import metadata

config = context.config


def run(connection: Connection) -> None:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `safetymap db upgrade`")
run(connection)
