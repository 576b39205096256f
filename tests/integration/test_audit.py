"""The audit trail: append-only rows on both databases that outlive their meeting; every export
(meeting page and command line) is recorded, and the owner sees the trail on the meeting page."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.store import audit
from server.store.schema import create_engine, migrate
from tests.conftest import RunningServer
from tests.databases import BACKENDS, database_url
from tests.integration.test_export import run_export_bytes
from tests.integration.test_meeting_pages import create_meeting, signed_in


@pytest.mark.parametrize("backend", BACKENDS)
async def test_record_and_read_back(backend: str, tmp_path: Path) -> None:
    async with database_url(backend, tmp_path) as url:
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            # No meeting row at all: the trail does not depend on the meeting existing.
            at = datetime(2026, 5, 12, 9, 30, tzinfo=UTC)
            pdf = audit.export("gone", audit.cli("ops"), fmt="pdf", family=True, snapshot=2)
            await audit.record(engine, pdf, at=at)
            async with engine.begin() as conn:
                draft = audit.export(
                    "gone", audit.facilitator("f1"), fmt="md", family=False, snapshot=None
                )
                await audit.record(conn, draft)
            entries = await audit.for_meeting(engine, "gone")
            assert await audit.for_meeting(engine, "other") == []
        finally:
            await engine.dispose()
    assert [e.event for e in entries] == [pdf, draft]
    assert entries[0].at == at and entries[0].id < entries[1].id
    assert entries[0].event.details == {
        "format": "pdf",
        "variant": "family",
        "snapshot": 2,
        "draft": False,
    }
    assert entries[1].event.actor == audit.Actor("facilitator", "f1", "facilitator")


def details(fmt: str, variant: str, snapshot: int | None) -> dict[str, object]:
    return {"format": fmt, "variant": variant, "snapshot": snapshot, "draft": snapshot is None}


async def test_exports_are_recorded_and_shown_to_the_owner(
    server: RunningServer, tmp_path: Path
) -> None:
    async with await signed_in(server) as chair:
        meeting_id = await create_meeting(chair, "Audit check")
        assert (await chair.get(f"/meetings/{meeting_id}/export?format=md")).status_code == 200
        await chair.submit(f"/meetings/{meeting_id}", {}, action=f"/meetings/{meeting_id}/end")
        family = await chair.get(f"/meetings/{meeting_id}/export?format=docx&snapshot=1&family=1")
        assert family.status_code == 200
        await run_export_bytes(server, meeting_id, tmp_path / "a.pdf", "--format", "pdf")

        trail = await audit.for_meeting(server.services.store.engine, meeting_id)
        entries = [e for e in trail if e.event.action == audit.EXPORT]  # joins, the end... too
        seen = [(e.event.actor.kind, e.event.actor.label, dict(e.event.details)) for e in entries]
        assert seen == [
            ("facilitator", "facilitator", details("md", "full", None)),
            ("facilitator", "facilitator", details("docx", "family", 1)),
            ("cli", "cli", details("pdf", "full", 1)),
        ]
        assert entries[0].event.actor.id == entries[1].event.actor.id  # the facilitator's id

        page = await chair.get(f"/meetings/{meeting_id}")
        shown = page.text.split('data-testid="audit"', 1)[1]
        assert "<td>You</td><td>Downloaded a draft as Markdown (full record)</td>" in shown
        assert "<td>You</td><td>Downloaded snapshot 1 as Word (family copy)</td>" in shown
        assert (
            "<td>The safetymap command</td><td>Downloaded snapshot 1 as PDF (full record)</td>"
            in shown
        )
    async with await signed_in(server, "other@example.org") as stranger:
        assert (await stranger.get(f"/meetings/{meeting_id}")).status_code == 404
