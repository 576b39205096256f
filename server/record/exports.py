"""Fetching what an export needs from storage: a snapshot, or a draft of an open meeting."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from server.board import attribution, model
from server.board.agreement import in_roster_order
from server.board.permissions import Layer, Status
from server.board.picture_encoding import PictureFile
from server.record import attendance, record_trail, view
from server.store import Meeting, Store, now
from server.sync import crdt


class NotExportable(LookupError):
    """No such meeting or snapshot (the message says which)."""


async def document(
    store: Store, meeting_id: str, *, snapshot: int | None, family: bool
) -> dict[str, Any]:
    """The record of a meeting (a snapshot, or a draft of an open meeting), each picture on
    a card with its type and size (the bytes: `picture_files`)."""
    found = await _document(store, meeting_id, snapshot=snapshot, family=family)
    return await _with_pictures(store, found, meeting_id, family=family)


async def _document(
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
        # The family copy is rendered again from the saved map: off the event loop.
        rendered = await asyncio.to_thread(view.record, saved, family=family)
        rendered = await _with_trail(store, rendered, meeting_id, snapshot, family=family)
        document = view.with_export_facts(
            rendered, saved.meta.as_json(), family=family, generated_at=generated
        )
        return view.with_chain(document, await earlier_maps(store, meeting), family=family)
    # A draft of an open meeting, from what is saved now.
    layers = [Layer.MAIN] if family else list(Layer)
    docs = {layer: crdt.doc_from_updates(await store.load(meeting_id, layer)) for layer in layers}
    roster = await store.roster(meeting_id)
    editors = await store.card_writers(meeting_id)
    added, edited = attribution.written_by(
        {layer.value: doc.get_update() for layer, doc in docs.items()},
        {layer.value: await store.writers(meeting_id, layer) for layer in layers},
        {layer.value: editors[layer] for layer in layers},
        roster,
    )
    rendered = model.render_meeting(
        docs[Layer.MAIN],
        docs.get(Layer.PROFESSIONAL),
        meeting.as_json(),
        roster,
        added_by=added,
        edited_by=edited,
    )
    # Who has agreed the plan so far, as the snapshot will say it when the meeting ends.
    agreed = [a.as_json() for a in await store.agreements(meeting_id)]
    rendered["agreement"] = in_roster_order(agreed, rendered.get("participants", []))
    rendered = await _with_trail(store, rendered, meeting_id, None, family=family)
    document = view.with_export_facts(rendered, None, family=family, generated_at=generated)
    return view.with_chain(document, await earlier_maps(store, meeting), family=family)


def _cards(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [card for cards in document.get("sections", {}).values() for card in cards]


async def _with_pictures(
    store: Store, document: dict[str, Any], meeting_id: str, *, family: bool
) -> dict[str, Any]:
    """Each picture on a card with its type, width and height, as kept. A picture that is
    not kept (or, in the family copy, one of the professionals' layer: never on a card of
    the shared map, as the rules hold) is left as the card names it, with no file."""
    ids = {p["id"] for card in _cards(document) for p in card.get("pictures", [])}
    if not ids:
        return document
    kept = await store.picture_facts(meeting_id, ids)
    readable = {
        pid: facts
        for pid, facts in kept.items()
        if not (family and facts.layer is Layer.PROFESSIONAL)
    }

    def described(picture: Mapping[str, Any]) -> dict[str, Any]:
        facts = readable.get(picture["id"])
        if facts is None:
            return {"id": picture["id"], "description": picture["description"]}
        return {
            "id": picture["id"],
            "description": picture["description"],
            "type": facts.content_type,
            "width": facts.width,
            "height": facts.height,
        }

    sections = {
        sid: [
            {**card, "pictures": [described(p) for p in card["pictures"]]}
            if card.get("pictures")
            else card
            for card in cards
        ]
        for sid, cards in document["sections"].items()
    }
    return {**document, "sections": sections}


async def picture_files(store: Store, document: Mapping[str, Any]) -> dict[str, PictureFile]:
    """The kept bytes of the pictures an export document shows (those with a type: see
    `document`), for the PDF and Word records."""
    ids = {p["id"] for card in _cards(document) for p in card.get("pictures", []) if "type" in p}
    meeting_id = document["meeting"]["id"]
    return {
        pid: picture.file for pid, picture in (await store.pictures_of(meeting_id, ids)).items()
    }


async def _with_trail(
    store: Store, rendered: dict[str, Any], meeting_id: str, snapshot: int | None, *, family: bool
) -> dict[str, Any]:
    """The record with who was there and for how long, from the audit trail up to the
    snapshot's end (a draft: until now; the family copy: on the shared map); the full record
    also carries the trail itself."""
    entries = record_trail.up_to(await store.trail(meeting_id), snapshot)
    ended = rendered["meeting"].get("endedAt")
    until = datetime.fromisoformat(ended) if snapshot is not None and ended else now()
    if until.tzinfo is None:
        until = until.replace(tzinfo=now().tzinfo)
    # The family copy counts the shared map alone: time in the professionals' own notes
    # (a talk before the family came) is theirs, as the notes are.
    seen = [e for e in entries if e.event.details.get("layer") != Layer.PROFESSIONAL.value]
    with_people = {**rendered, "attendance": attendance.of(seen if family else entries, until)}
    if family:
        return with_people
    return {**with_people, "audit": record_trail.rows(entries, rendered["participants"])}


async def earlier_maps(store: Store, meeting: Meeting) -> list[dict[str, Any]]:
    """The last snapshot of each meeting this one reviews, back along previous_id, oldest
    first (full maps: the caller takes the family view)."""
    maps: list[dict[str, Any]] = []
    seen, previous_id = {meeting.id}, meeting.previous_id
    while previous_id and previous_id not in seen:
        seen.add(previous_id)
        earlier = await store.meeting(previous_id)
        if earlier is None:
            break
        metas = await store.snapshots(earlier.id)
        saved = await store.snapshot(earlier.id, metas[-1].n) if metas else None
        if saved is not None:
            maps.append(saved.rendered)
        previous_id = earlier.previous_id
    return maps[::-1]


def snapshot_number(document: dict[str, Any]) -> int | None:
    """Which snapshot an export document holds (None: a draft)."""
    snapshot = document["export"]["snapshot"]
    return None if snapshot is None else int(snapshot["n"])


def file_name(meeting_id: str, fmt: str, *, family: bool) -> str:
    """The same meeting and variant always gets the same name."""
    return f"safety-map-{meeting_id}{'-family' if family else ''}.{fmt}"
