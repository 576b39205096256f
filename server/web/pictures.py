"""Pictures on cards, over HTTP: `POST /m/{meeting}/pictures` uploads one, `GET
/m/{meeting}/pictures/{id}` reads it back, `?size=small` its thumbnail (docs/pictures.md).

An upload is refused before its body is read when its declared length is too large, when its
sender may not add pictures here, or sends too many; its body is then read with a bound (a
chunked body that runs past it is cut off), parsed in memory (never spooled to a file: no
picture's bytes touch the disk outside the database), re-encoded in a thread (at most
`PICTURES_ENCODED_AT_ONCE` at once per process) and kept. The description is checked and
dropped: the card holds it, in the document.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator

from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server import ratelimit
from server.board import picture_encoding, picture_ids
from server.board.permissions import Admission, Layer, Role, Status, can_edit, can_open
from server.board.picture_rules import MAX_ALT
from server.i18n import _
from server.services import PICTURE_UPLOADS_AT_ONCE, PICTURE_UPLOADS_PER_LINK, Services
from server.store import PictureCaps, PictureRefused
from server.web.api_error import answered
from server.web.auth import services_of
from server.web.picture_access import Refused, asking

log = logging.getLogger(__name__)

# Per meeting, both layers together: enough for every child's drawings in a long meeting,
# small enough that a hostile link cannot fill the database (each is re-encoded: a photo at
# 2048 pixels is about 0.2 to 1 MB; a drawing of noise, as a PNG, 10). One link's people may
# take half: the family link's holder cannot fill the meeting for the professionals and the
# facilitator (uploads no card shows count too, and nobody sees them to take them away).
CAPS = PictureCaps(count=100, total_bytes=100 * 2**20, link_count=50, link_bytes=50 * 2**20)
_FORM_OVERHEAD = 64 * 1024  # the multipart framing and the two text fields, at most


def _too_big(services: Services) -> Refused:
    limit = services.settings.picture_max_bytes
    size = f"{round(limit / 2**20)} MB" if limit >= 2**20 else f"{limit // 1024} KB"
    return Refused(413, _("This picture is too big. The limit is {size}.").format(size=size))


def _not_a_picture() -> Refused:
    return Refused(
        415, _("This file is not a picture. Choose a photo or a drawing (JPEG, PNG or WebP).")
    )


async def upload(request: Request) -> Response:
    services = services_of(request)
    meeting_id = request.path_params["meeting_id"]
    limit = services.settings.picture_max_bytes + _FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_big(services)
    person = await asking(request, meeting_id, writing=True)
    meeting = await services.store.meeting(meeting_id)
    if meeting is None:
        raise Refused(404, _("This meeting is not here any more."))
    if meeting.status is Status.ENDED:
        raise Refused(409, _("The meeting has ended. Pictures can no longer be added."))
    if person.admission is not Admission.ADMITTED:
        raise Refused(403, _("The facilitator has not let you in yet."))
    if not can_edit(person.role, meeting.status, meeting.locked):
        if person.role is Role.VIEWER:
            raise Refused(403, _("The shared screen cannot add pictures."))
        raise Refused(403, _("The facilitator has locked the board."))
    if wait := services.pictures.hit(person.id):
        seconds = ratelimit.retry_after_header(wait)
        message = _("You have sent many pictures. Try again in {seconds} seconds.")
        raise Refused(429, message.format(seconds=seconds), wait)
    under_way = services.picture_uploads
    by_link = sum(1 for link_id, _ticket in under_way if link_id == person.link_id)
    if len(under_way) >= PICTURE_UPLOADS_AT_ONCE or by_link >= PICTURE_UPLOADS_PER_LINK:
        raise Refused(429, _("Many pictures are being sent just now. Try again in a moment."), 5)
    ticket = (person.link_id, object())
    services.picture_uploads.add(ticket)
    try:
        data, layer = await _read_form(request, services, limit)
        if not can_open(person.role, layer):
            raise Refused(403, _("This link cannot add pictures to the professionals' notes."))
        async with services.picture_encoding:
            file = await asyncio.to_thread(picture_encoding.reencode, data)
    except picture_encoding.NotAPicture:
        raise _not_a_picture() from None
    except picture_encoding.TooManyPixels:
        raise Refused(
            413, _("This picture has too many pixels. Choose a smaller photo or drawing.")
        ) from None
    finally:
        services.picture_uploads.discard(ticket)
    picture_id = picture_ids.mint(services.settings.secret_key, meeting_id, layer.value)
    kept = await services.store.add_picture(
        picture_id, meeting_id, layer, file, person.id, CAPS, person.link_id
    )
    if kept is PictureRefused.GONE:
        raise Refused(404, _("This meeting is not here any more."))
    if kept is PictureRefused.ENDED:
        raise Refused(409, _("The meeting has ended. Pictures can no longer be added."))
    if kept is PictureRefused.FULL:
        raise Refused(413, _("This meeting cannot take any more pictures."))
    if kept is PictureRefused.LINK_FULL:
        message = _("Your link has added as many pictures as one link may. Ask the facilitator.")
        raise Refused(413, message)
    log.info(
        "picture kept (%s layer, %s, %dx%d, %d bytes)",
        layer.value,
        file.content_type,
        file.width,
        file.height,
        len(file.data),
    )
    body = {
        "id": picture_id,
        "width": file.width,
        "height": file.height,
        "type": file.content_type,
        "url": f"/m/{meeting_id}/pictures/{picture_id}",
    }
    return JSONResponse(body, status_code=201)


async def _read_form(request: Request, services: Services, limit: int) -> tuple[bytes, Layer]:
    """The picture's bytes and its layer, from a body read to at most `limit` bytes."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise Refused(400, _("Send the picture as a form upload (multipart/form-data)."))
    parser = MultiPartParser(
        request.headers, _bounded(request, limit), max_files=1, max_fields=4, max_part_size=4096
    )
    parser.spool_max_size = limit + 1  # kept in memory, never written to a temporary file
    try:
        form = await parser.parse()
    except _TooLong:
        raise _too_big(services) from None
    except ClientDisconnect:  # a phone that lost its signal: nobody to answer, no error here
        raise Refused(400, _("The upload could not be read. Try again.")) from None
    except MultiPartException:
        raise Refused(400, _("The upload could not be read. Try again.")) from None
    try:
        description = form.get("description")
        if not isinstance(description, str) or not 1 <= len(description.strip()) <= MAX_ALT:
            message = _("Describe the picture in 1 to {limit} characters, so everyone knows it.")
            raise Refused(400, message.format(limit=MAX_ALT))
        layer = form.get("layer")
        if layer not in (Layer.MAIN.value, Layer.PROFESSIONAL.value):
            raise Refused(400, _("Say where the picture goes: main or professional."))
        picture = form.get("picture")
        if not isinstance(picture, UploadFile):
            raise Refused(400, _("Choose a picture to send."))
        data = await picture.read()
    finally:
        await form.close()
    if len(data) > services.settings.picture_max_bytes:
        raise _too_big(services)
    if not data:
        raise _not_a_picture()
    return data, Layer(layer)


class _TooLong(Exception):
    pass


async def _bounded(request: Request, limit: int) -> AsyncGenerator[bytes, None]:
    read = 0
    async for chunk in request.stream():
        read += len(chunk)
        if read > limit:
            raise _TooLong
        yield chunk


async def fetch(request: Request) -> Response:
    services = services_of(request)
    meeting_id = request.path_params["meeting_id"]
    picture_id = request.path_params["picture_id"]
    size = request.query_params.get("size")
    if size not in (None, "small"):
        raise Refused(400, _("Ask for size=small, or for no size at all for the whole picture."))
    person = await asking(request, meeting_id, writing=False)
    if person.admission is not Admission.ADMITTED:
        raise Refused(403, _("The facilitator has not let you in yet."))
    found = None
    if picture_ids.looks_like_id(picture_id):
        found = await services.store.picture(meeting_id, picture_id)
    # A family or screen link never learns that a professionals' picture exists.
    if found is None or not can_open(person.role, found.layer):
        raise Refused(404, _("There is no such picture in this meeting."))
    # No-store (as every page here): a picture of a child's drawing stays out of a shared
    # computer's disk cache, and nothing of it outlives the meeting's deletion there.
    headers = {"Content-Disposition": "inline"}
    data = found.file.data
    if size == "small" and found.file.thumbnail is not None:
        data = found.file.thumbnail
    return Response(data, media_type=found.file.content_type, headers=headers)


routes = [
    Route("/m/{meeting_id}/pictures", answered(upload), methods=["POST"]),
    Route("/m/{meeting_id}/pictures/{picture_id}", answered(fetch), methods=["GET"]),
]
