"""revisions.py reads a database's schema revision, and this code's, without Alembic (so that a
serving process never loads it): both readings must be Alembic's own."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

from server.store.schema import create_engine, migrate, revisions
from tests.databases import BACKENDS, database_url


def test_this_codes_revisions_are_alembics() -> None:
    scripts = ScriptDirectory.from_config(migrate._config())
    head, known = revisions.history()
    assert head == scripts.get_current_head()
    assert known == {script.revision for script in scripts.walk_revisions()}
    assert len(known) > 10  # every script was read


def test_a_script_in_alembics_newer_template_is_read_too() -> None:
    """Alembic's own template now annotates the names, and a merge revises two."""
    source = (
        'revision: str = "0016"\n'
        'down_revision: Union[str, Sequence[str], None] = ("0014", "0015")\n'
        "branch_labels = None\n"
        "depends_on = compute()  # not a constant\n"
    )
    assert revisions._assigned(source) == {
        "revision": "0016",
        "down_revision": ("0014", "0015"),
        "branch_labels": None,
    }


@pytest.mark.parametrize("backend", BACKENDS)
async def test_a_databases_revision_reads_as_alembic_reads_it(backend: str, tmp_path: Path) -> None:
    def both(connection: Connection) -> tuple[str | None, str | None]:
        alembic = MigrationContext.configure(connection).get_current_revision()
        return revisions.read(connection), alembic

    async with database_url(backend, tmp_path) as url:
        engine = create_engine(url)
        try:
            seen = []
            for target in (None, "0011", "head"):
                if target is not None:
                    await migrate.upgrade(engine, target)
                async with engine.connect() as conn:
                    ours, alembics = await conn.run_sync(both)
                assert ours == alembics
                seen.append(ours)
            assert seen == [None, "0011", migrate.head()]
            assert [revisions.compare(revision) for revision in seen] == ["empty", "behind", None]
            assert revisions.compare("9999_future") == "ahead"
        finally:
            await engine.dispose()
