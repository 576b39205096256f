"""Which schema revision a database is at, and which this code needs, without Alembic.

Every start and every readiness probe asks; only an upgrade needs Alembic (migrate.py).
Alembic, its DDL for every dialect and the migration scripts are about 8 MiB that a serving
process would otherwise keep for its lifetime (bench/idle_memory.py), so this reads the two
things Alembic would: the revision in its version table (`alembic_version`, the default
`version_table`, one row on our linear history) and the `revision` and `down_revision` that
each migration script assigns, from the scripts' source (parsed, never imported).
tests/integration/test_schema_revisions.py holds both readings to Alembic's own.
"""

from __future__ import annotations

import ast
import contextlib
import functools
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

VERSIONS = Path(__file__).parent / "migrations" / "versions"
VERSION_TABLE = "alembic_version"


@functools.cache
def history() -> tuple[str, frozenset[str]]:
    """This code's latest revision, and every revision it knows."""
    parents: dict[str, tuple[str, ...]] = {}
    for path in sorted(VERSIONS.glob("*.py")):
        names = _assigned(path.read_text(encoding="utf-8"))
        revision = names.get("revision")
        if isinstance(revision, str):
            down = names.get("down_revision")  # None, a revision, or several (a merge)
            several = down if isinstance(down, (tuple, list)) else ()
            parents[revision] = (down,) if isinstance(down, str) else tuple(map(str, several))
    heads = set(parents) - {parent for ups in parents.values() for parent in ups}
    if len(heads) != 1:
        raise RuntimeError(f"the migrations must have one head, not {sorted(heads)}")
    return heads.pop(), frozenset(parents)


def _assigned(source: str) -> dict[str, object]:
    """The constants a module assigns to plain names at its top level."""
    found: dict[str, object] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name):
            with contextlib.suppress(ValueError):  # not a constant: not a revision
                found[target.id] = ast.literal_eval(value)
    return found


def head() -> str:
    return history()[0]


def compare(revision: str | None) -> str | None:
    """None when a database at `revision` is at this code's schema; otherwise `empty` (no
    schema yet), `behind` (an older revision) or `ahead` (one this code does not know)."""
    if revision == head():
        return None
    if revision is None:
        return "empty"
    return "behind" if revision in history()[1] else "ahead"


def explain(revision: str | None) -> str:
    """One line saying what is wrong with a database at `revision`, and the fix."""
    problem = compare(revision)
    if problem == "empty":
        return "the database has no schema yet: run `safetymap db upgrade`"
    if problem == "behind":
        return (
            f"the database schema is at revision {revision}, this release needs {head()}: "
            "run `safetymap db upgrade`"
        )
    if problem == "ahead":
        return (
            f"the database schema is at revision {revision}, newer than this release knows "
            f"(its latest is {head()}): run the release that upgraded it"
        )
    return f"the database schema is at revision {revision}, as this release needs"


async def current(engine: AsyncEngine) -> str | None:
    async with engine.connect() as conn:
        return await current_on(conn)


async def current_on(conn: AsyncConnection) -> str | None:
    return await conn.run_sync(read)


def read(connection: Connection) -> str | None:
    """The database's revision, None before any (as Alembic's `get_current_revision`)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    found = connection.execute(text(f"select version_num from {VERSION_TABLE}")).scalars()
    revisions = list(found)
    if len(revisions) > 1:
        raise ValueError(f"{VERSION_TABLE} holds {len(revisions)} revisions, not one")
    return revisions[0] if revisions else None
