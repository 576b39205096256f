"""The plan a participant keeps after the meeting: a read-only page of their copy, and its PDF.

Once a meeting has ended, its family and professional links no longer open the board. Someone
who was let in by one of them, opening it again in the browser they joined from, is taken to
`/m/{id}/kept` instead: the plan as agreed, read-only, with a PDF to download, for
`SAFETYMAP_LINK_DAYS` after the end (server/board/kept.py has the rules). Family members get the
family copy only (the shared map, never the professionals-only layer); professionals the full
record. The browser is recognised by what the server gave it when it joined (its signed join
cookie, or the participant key the link's join page holds), never by a name. Anyone else, the
shared screen included, gets the page a wrong link gets, which says nothing of the meeting.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.board import model
from server.board.kept import Copy, copy_for
from server.i18n import _
from server.ratelimit import retry_after_header
from server.record import export, exports, labels, record_cards, times, view
from server.record.times import Times
from server.store import Participant, audit
from server.translation.languages import ENGLISH
from server.web import languages
from server.web.auth import joined, remember_join, services_of
from server.web.pages import link_not_working, problem, redirect, render


def _page(meeting_id: str) -> str:
    return f"/m/{meeting_id}/kept"


async def _keeper(request: Request, meeting_id: str) -> Participant | None:
    """Who this browser's join cookie names in this meeting, while they keep its plan."""
    participant_id = joined(request).get(meeting_id)
    if participant_id is None:
        return None
    return await services_of(request).store.kept_by_id(meeting_id, participant_id)


async def kept_from_link(request: Request, token: str, key: str) -> Response | None:
    """The way to the kept plan for this browser opening an ended meeting's link with the key
    its join page gave it; None if it keeps nothing (the caller answers as for a wrong link)."""
    person = await services_of(request).store.kept_by_key(token, key)
    if person is None:
        return None
    response = redirect(_page(person.meeting_id))
    remember_join(request, response, person.meeting_id, person.id)
    return response


async def kept_page_of(request: Request, meeting_id: str) -> str | None:
    """Where this browser's kept plan of the meeting is, if it keeps one."""
    return _page(meeting_id) if await _keeper(request, meeting_id) else None


async def _document(request: Request, person: Participant) -> dict[str, Any] | None:
    """The record of the meeting's last snapshot, in the copy this person keeps."""
    try:
        document = await exports.document(
            services_of(request).store,
            person.meeting_id,
            snapshot=None,
            family=copy_for(person.role) is not Copy.FULL,
        )
    except exports.NotExportable:  # deleted meanwhile
        return None
    return None if document["export"]["draft"] else document


def _day(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}"


def last_day(ended: datetime, lifetime: timedelta | None) -> str:
    """The last day the plan can be opened ("" when links have no lifetime: it is kept until
    the meeting is deleted)."""
    return _day(ended + lifetime - timedelta(seconds=1)) if lifetime else ""


def _status(key: str) -> str:
    return labels.status(key, _)


def _too_often(request: Request, wait: float, message: str) -> Response:
    busy = problem(request, 429, _("Please wait a minute"), message)
    busy.headers["Retry-After"] = retry_after_header(wait)
    return busy


async def plan(request: Request) -> Response:
    person = await _keeper(request, request.path_params["meeting_id"])
    if person is not None and (wait := services_of(request).kept_pages.hit(person.id)):
        # Each view reads and renders the snapshot.
        again = _("You have opened the plan many times just now. Try again in a minute.")
        return _too_often(request, wait, again)
    document = await _document(request, person) if person else None
    if person is None or document is None:
        return link_not_working(request)
    chosen = languages.pick(request, person.language)
    if chosen is not None:
        languages.use(request.scope, chosen)
    zone = services_of(request).settings.timezone
    ended = Times.named(zone).moment(document["meeting"]["endedAt"])  # the day where they are
    family = document["export"]["variant"] == "family"
    people = view.people_of(document)
    return render(
        request,
        "kept.html",
        forms=False,
        title=document["meeting"]["title"],
        map=document,
        family=family,
        ended_on=_day(ended),
        until=last_day(ended, services_of(request).settings.link_lifetime),
        pdf=f"{_page(person.meeting_id)}.pdf",
        columns=model.COLUMNS,
        optional=[s for s in model.OPTIONAL_SECTIONS if s in document["optionalSections"]],
        labels={sid: _(label) for sid, label in document["labels"].items()},
        active=record_cards.active,
        person=record_cards.naming(people, _),
        step_status=_status,
        due=times.day,
    )


async def plan_pdf(request: Request) -> Response:
    person = await _keeper(request, request.path_params["meeting_id"])
    if person is None:
        return link_not_working(request)
    services = services_of(request)
    # Before any work for it: one download of theirs rendering at a time, and at most so many.
    wait = 60.0 if person.id in services.kept_rendering else services.kept_pdfs.hit(person.id)
    if wait:
        again = _("You have downloaded the plan several times just now. Try again in a minute.")
        return _too_often(request, wait, again)
    services.kept_rendering.add(person.id)
    try:
        document = await _document(request, person)
        if document is None:
            return link_not_working(request)
        zone = services.settings.timezone
        files = await exports.picture_files(services.store, document)
        # In the words of the language they chose (the cards as written).
        language = (languages.pick(request, person.language) or ENGLISH).code
        async with services.kept_renders:
            content = await asyncio.to_thread(export.render, document, "pdf", zone, files, language)
    finally:
        services.kept_rendering.discard(person.id)
    family = document["export"]["variant"] == "family"
    await services_of(request).store.record_event(
        audit.export(
            person.meeting_id,
            audit.participant(person.id, person.role.value),
            fmt="pdf",
            family=family,
            snapshot=exports.snapshot_number(document),
        )
    )
    name = f"safety-map-{person.meeting_id[:8]}{'-family' if family else ''}.pdf"
    return Response(
        content,
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )


routes = [
    Route("/m/{meeting_id}/kept", plan),
    Route("/m/{meeting_id}/kept.pdf", plan_pdf),
]
