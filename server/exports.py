"""Fetching what an export needs from storage: a snapshot, or a draft of an open meeting."""

from __future__ import annotations

from typing import Any

from . import crdt, export, model
from .permissions import Layer, Status
from .store import Store, now


class NotExportable(LookupError):
    """No such meeting or snapshot (the message says which)."""


async def document(
    store: Store, meeting_id: str, *, snapshot: int | None, family: bool
) -> dict[str, Any]:
    meeting = await store.meeting(meeting_id)
    if meeting is None:
        raise NotExportable("no such meeting")
    generated = now().isoformat()
    metas = await store.snapshots(meeting_id)
    if snapshot is None and metas and meeting.status is Status.ENDED:
        snapshot = metas[-1].n
    if snapshot is not None:
        saved = await store.snapshot(meeting_id, snapshot)
        if saved is None:
            raise NotExportable(f"meeting has no snapshot {snapshot}")
        rendered = export.record(saved, family=family)
        return export.with_export_facts(
            rendered, saved.meta.as_json(), family=family, generated_at=generated
        )
    # A draft of an open meeting, from what is saved now.
    main = crdt.doc_from_updates(await store.load(meeting_id, Layer.MAIN))
    professional = (
        None if family else crdt.doc_from_updates(await store.load(meeting_id, Layer.PROFESSIONAL))
    )
    rendered = model.render_meeting(
        main, professional, meeting.as_json(), await store.roster(meeting_id)
    )
    return export.with_export_facts(rendered, None, family=family, generated_at=generated)
