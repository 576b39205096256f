"""Meeting-level actions shared by the command line and the web API."""

from __future__ import annotations

from typing import Any, Protocol

from server.board import picture_ids
from server.board.permissions import LABEL_SETS, Admission, Layer, Role
from server.i18n import N_
from server.live.rooms import Rooms
from server.record.review import carried_pictures, starting_layers
from server.settings import Settings
from server.store import LogEntry, Meeting, Participant, SnapshotMeta, Store, audit
from server.sync.closes import LINK_REVOKED, TAKEN_OUT, UNAUTHORIZED


class Services(Protocol):
    """What these actions use of the running server (server/services.py)."""

    @property
    def settings(self) -> Settings: ...
    @property
    def store(self) -> Store: ...
    @property
    def rooms(self) -> Rooms: ...


class InvalidMeeting(ValueError):
    """A meeting request with a field the server cannot accept (the message says which)."""


# Read as spaces in a title: control characters and the byte order mark. With whitespace, the
# characters openapi.json's title pattern excludes (the same set in Python's and ECMAScript's
# regular expressions).
_NOT_VISIBLE = {code: " " for code in [*range(0x20), *range(0x7F, 0xA0), 0xFEFF]}


def validate(title: str, label_set: str) -> str:
    if len(title) > 200:
        raise InvalidMeeting(N_("The title must be 200 characters or fewer"))
    title = " ".join(title.translate(_NOT_VISIBLE).split())
    if not title:
        raise InvalidMeeting(N_("Enter a title for the meeting"))
    if label_set not in LABEL_SETS:
        raise InvalidMeeting(N_("Choose which service the meeting is for"))
    return title


def created_json(settings: Settings, meeting: Meeting, tokens: dict[Role, str]) -> dict[str, Any]:
    """The shape of `safetymap meeting create --json` (and of the API that creates meetings)."""
    return {
        "id": meeting.id,
        "title": meeting.title,
        "ws_url": settings.ws_url,
        "links": {role.value: settings.link_url(tokens[role]) for role in Role},
    }


async def create(
    settings: Settings,
    store: Store,
    title: str,
    label_set: str = "child_protection",
    owner_id: str | None = None,
    *,
    waiting_room: bool = False,
) -> dict[str, Any]:
    meeting, tokens = await store.create_meeting(
        validate(title, label_set), label_set, owner_id, waiting_room=waiting_room
    )
    return created_json(settings, meeting, tokens)


async def replace_link(
    services: Services, meeting_id: str, role: Role, *, regenerate: bool, actor: audit.Actor
) -> dict[str, Any]:
    """Revoke a role's link (closing every connection that used it); optionally issue a new one."""
    if regenerate:
        revoked, token = await services.store.regenerate_link(meeting_id, role)
    else:
        revoked, token = await services.store.revoke_link(meeting_id, role), None
    closed = services.rooms.close_links(meeting_id, revoked, UNAUTHORIZED, LINK_REVOKED)
    await services.store.record_event(
        audit.event(
            meeting_id, actor, audit.REVOKE, role=role.value, replaced=regenerate, closed=closed
        ),
    )
    result: dict[str, Any] = {"role": role.value, "revoked": len(revoked), "closed": closed}
    if token is not None:
        result["link"] = services.settings.link_url(token)
    return result


async def end(
    services: Services, meeting: Meeting, ended_by: str | None, actor: audit.Actor
) -> SnapshotMeta | None:
    """End the meeting: read-only everywhere at once, and its snapshot saved."""
    meta = await services.rooms.end_meeting(meeting.id, ended_by, meeting.as_json())
    if meta is not None:
        await services.store.record_event(
            audit.event(meeting.id, actor, audit.END, snapshot=meta.n)
        )
    return meta


async def set_locked(services: Services, meeting_id: str, locked: bool, actor: audit.Actor) -> bool:
    """Lock the board (read-only for all but the facilitator) or unlock it, everywhere."""
    if not await services.rooms.set_locked(meeting_id, locked):
        return False
    await services.store.record_event(audit.event(meeting_id, actor, audit.LOCK, locked=locked))
    return True


async def start_review(services: Services, meeting: Meeting, owner_id: str) -> str | None:
    """A review of an ended meeting, starting from its last snapshot; None if it has none."""
    metas = await services.store.snapshots(meeting.id)
    if not metas:
        return None
    snapshot = await services.store.snapshot(meeting.id, metas[-1].n)
    assert snapshot is not None
    title = meeting.title if meeting.title.startswith("Review") else f"Review: {meeting.title}"
    review, _tokens = await services.store.create_meeting(
        title[:200],
        meeting.label_set,
        owner_id,
        previous_id=meeting.id,
        waiting_room=meeting.waiting_room,
    )
    pictures = await _carry_pictures(services, meeting.id, review.id, snapshot.rendered)
    layers = starting_layers(snapshot.rendered, review.created_at.isoformat(), pictures)
    await services.store.append(
        [LogEntry(review.id, Layer(layer), update) for layer, update in layers.items()]
    )
    return review.id


async def _carry_pictures(
    services: Services, meeting_id: str, review_id: str, rendered: dict[str, Any]
) -> dict[str, str]:
    """Copy the pictures on the carried cards to the review, each under a new id signed for
    it and its layer (the review's cards name those): old id -> new id."""
    kept = await services.store.pictures_of(meeting_id, carried_pictures(rendered))
    key = services.settings.secret_key
    renamed = {old: picture_ids.mint(key, review_id, p.layer.value) for old, p in kept.items()}
    await services.store.copy_pictures(review_id, {renamed[old]: p for old, p in kept.items()})
    return renamed


_ADMISSIONS = {
    "admit": (Admission.ADMITTED, audit.ADMIT),
    "reject": (Admission.REJECTED, audit.REJECT),
    "remove": (Admission.REMOVED, audit.REMOVE),
}
ADMISSION_ACTIONS = {action: wanted for action, (wanted, _) in _ADMISSIONS.items()}


async def admission(
    services: Services, meeting_id: str, participant_id: str, action: str, actor: audit.Actor
) -> Participant | None:
    """Admit, reject or remove someone; a removed person's connections close at once."""
    wanted, recorded = _ADMISSIONS[action]
    person = await services.store.admit(meeting_id, participant_id, wanted)
    if person is None or person.admission is not wanted:
        return person  # not here, or not a change it can make (nobody comes back once out)
    closed = 0
    if not person.admitted:
        closed = services.rooms.close_participants(
            meeting_id,
            [person.id],
            UNAUTHORIZED,
            TAKEN_OUT,
        )
    details = {"participant": person.id} | ({"closed": closed} if action == "remove" else {})
    await services.store.record_event(audit.event(meeting_id, actor, recorded, **details))
    return person
