"""Pictures on cards: the re-encoded bytes of each upload, kept with its meeting and layer
(deleted with the meeting: the foreign key cascades). What a card says about a picture, its
description, is in the document, never here."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, func, insert, select, update

from server.board.permissions import Layer, Status
from server.board.picture_encoding import PictureFile
from server.store.base import StoreBase
from server.store.clock import now
from server.store.schema import meetings, participants, pictures


@dataclass(frozen=True, slots=True)
class Picture:
    id: str
    meeting_id: str
    layer: Layer
    file: PictureFile
    uploaded_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class PictureFacts:
    """What the record says of a picture besides its bytes."""

    layer: Layer
    content_type: str
    width: int
    height: int


class PictureRefused(enum.Enum):
    """Why an upload was not kept."""

    GONE = "no such meeting"
    ENDED = "the meeting has ended"
    FULL = "the meeting holds as many pictures as it may"
    LINK_FULL = "this link's people uploaded as many pictures as one link may"


@dataclass(frozen=True, slots=True)
class PictureCaps:
    """How much of the database one meeting's pictures may take (both layers together), and
    how much of that the uploads of one link's people (0: all of it), so that one link's holder
    cannot fill the meeting for everyone else."""

    count: int
    total_bytes: int
    link_count: int = 0
    link_bytes: int = 0


def _picture(row: Row[Any]) -> Picture:
    r = row._mapping
    thumbnail = None if r["thumbnail"] is None else bytes(r["thumbnail"])
    file = PictureFile(bytes(r["data"]), r["content_type"], r["width"], r["height"], thumbnail)
    return Picture(
        r["id"], r["meeting_id"], Layer(r["layer"]), file, r["uploaded_by"], r["created_at"]
    )


def _row(picture: Picture) -> dict[str, object]:
    return {
        "id": picture.id,
        "meeting_id": picture.meeting_id,
        "layer": picture.layer.value,
        "content_type": picture.file.content_type,
        "width": picture.file.width,
        "height": picture.file.height,
        "size": len(picture.file.data),
        "data": picture.file.data,
        "thumbnail": picture.file.thumbnail,
        "uploaded_by": picture.uploaded_by,
        "created_at": picture.created_at,
    }


class PictureStore(StoreBase):
    async def add_picture(
        self,
        picture_id: str,
        meeting_id: str,
        layer: Layer,
        file: PictureFile,
        uploaded_by: str,
        caps: PictureCaps,
        link_id: int | None = None,  # the uploader's link, for caps.link_count and link_bytes
    ) -> Picture | PictureRefused:
        """Keep an upload, while the meeting is open and within its caps: under a lock on the
        meeting's row (PostgreSQL) or the database's write lock (SQLite), so that two uploads
        at once cannot both take the last place."""
        picture = Picture(picture_id, meeting_id, layer, file, uploaded_by, now())
        status = select(meetings.c.status).where(meetings.c.id == meeting_id)
        if not self._sqlite:
            status = status.with_for_update()
        held = select(func.count(), func.coalesce(func.sum(pictures.c.size), 0)).where(
            pictures.c.meeting_id == meeting_id
        )
        linked = select(participants.c.id).where(participants.c.link_id == link_id)
        by_link = held.where(pictures.c.uploaded_by.in_(linked))
        async with self.engine.begin() as conn:
            if self._sqlite:
                # Take the write lock before reading the counts (as BEGIN IMMEDIATE would): a
                # second upload waits here, then counts this one.
                touch = update(meetings).where(meetings.c.id == meeting_id)
                await conn.execute(touch.values(locked=meetings.c.locked))
            found = (await conn.execute(status)).scalar()
            if found is None:
                return PictureRefused.GONE
            if found != Status.OPEN.value:
                return PictureRefused.ENDED
            count, total = (await conn.execute(held)).one()
            if count + 1 > caps.count or total + len(file.data) > caps.total_bytes:
                return PictureRefused.FULL
            if link_id is not None and (caps.link_count or caps.link_bytes):
                count, total = (await conn.execute(by_link)).one()
                if (caps.link_count and count + 1 > caps.link_count) or (
                    caps.link_bytes and total + len(file.data) > caps.link_bytes
                ):
                    return PictureRefused.LINK_FULL
            await conn.execute(insert(pictures).values(_row(picture)))
        return picture

    async def picture(self, meeting_id: str, picture_id: str) -> Picture | None:
        """One picture of this meeting, with its bytes (None: no such picture here)."""
        query = select(pictures).where(
            pictures.c.id == picture_id, pictures.c.meeting_id == meeting_id
        )
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return None if row is None else _picture(row)

    async def pictures_of(self, meeting_id: str, ids: set[str]) -> dict[str, Picture]:
        """These pictures of this meeting, by id (for the record): those that exist."""
        if not ids:
            return {}
        query = select(pictures).where(
            pictures.c.meeting_id == meeting_id, pictures.c.id.in_(sorted(ids))
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {row.id: _picture(row) for row in rows}

    async def picture_facts(self, meeting_id: str, ids: set[str]) -> dict[str, PictureFacts]:
        """The layer, type and size of these pictures of this meeting (no bytes)."""
        if not ids:
            return {}
        c = pictures.c
        query = select(c.id, c.layer, c.content_type, c.width, c.height).where(
            c.meeting_id == meeting_id, c.id.in_(sorted(ids))
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).all()
        return {r.id: PictureFacts(Layer(r.layer), r.content_type, r.width, r.height) for r in rows}

    async def copy_pictures(self, to_meeting: str, copies: Mapping[str, Picture]) -> None:
        """Keep these pictures again for another meeting (a review), under new ids."""
        rows = [_row(p) | {"id": new_id, "meeting_id": to_meeting} for new_id, p in copies.items()]
        if rows:
            async with self.engine.begin() as conn:
                await conn.execute(insert(pictures), rows)
