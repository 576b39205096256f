"""The pictures table, the same on SQLite and PostgreSQL: an upload is kept while its meeting
is open and within its caps, even when many arrive at once; a picture is found only under its
own meeting; the bytes go with the meeting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.board import picture_ids
from server.board.permissions import Layer
from server.board.picture_encoding import PictureFile
from server.store import PictureCaps, PictureRefused, Store, now
from tests.databases import BACKENDS, migrated_store

KEY = "picture-store-test-key"
FILE = PictureFile(
    b"\xff\xd8 not really a jpeg, the store keeps bytes \xff\xd9",
    "image/jpeg",
    4,
    3,
    b"\xff\xd8 its thumbnail, kept in the same row \xff\xd9",
)


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with migrated_store(request.param, tmp_path) as opened:
        yield opened


async def _meeting(store: Store) -> str:
    meeting, _tokens = await store.create_meeting("Pictures (fictional)", "child_protection", None)
    return meeting.id


async def test_caps_hold_when_uploads_arrive_at_once(store: Store) -> None:
    mid = await _meeting(store)
    caps = PictureCaps(count=5, total_bytes=10_000)

    async def upload() -> object:
        pid = picture_ids.mint(KEY, mid, "main")
        return await store.add_picture(pid, mid, Layer.MAIN, FILE, "someone", caps)

    answers = await asyncio.gather(*(upload() for _ in range(12)))
    kept = [a for a in answers if not isinstance(a, PictureRefused)]
    assert len(kept) == 5 and answers.count(PictureRefused.FULL) == 7
    # The bytes too: three more would pass the count, not the size.
    other = await _meeting(store)
    big = PictureFile(b"x" * 4000, "image/png", 1, 1)
    sizes = [
        await store.add_picture(
            picture_ids.mint(KEY, other, "main"), other, Layer.MAIN, big, "a", caps
        )
        for _ in range(3)
    ]
    assert [isinstance(s, PictureRefused) for s in sizes] == [False, False, True]


async def test_a_picture_is_found_under_its_own_meeting_only(store: Store) -> None:
    mid, other = await _meeting(store), await _meeting(store)
    pid = picture_ids.mint(KEY, mid, "professional")
    caps = PictureCaps(10, 2**20)
    kept = await store.add_picture(pid, mid, Layer.PROFESSIONAL, FILE, "p1", caps)
    assert not isinstance(kept, PictureRefused)
    found = await store.picture(mid, pid)
    assert found is not None and found.file == FILE and found.layer is Layer.PROFESSIONAL
    assert found.file.thumbnail == FILE.thumbnail
    assert await store.picture(other, pid) is None
    facts = await store.picture_facts(mid, {pid, "nope"})
    assert list(facts) == [pid] and facts[pid].width == 4
    # Ended, or gone: nothing more is kept.
    assert await store.end_meeting(mid, None, now(), lambda s, r, w, e: {})
    late = await store.add_picture(
        picture_ids.mint(KEY, mid, "main"), mid, Layer.MAIN, FILE, "p", caps
    )
    assert late is PictureRefused.ENDED
    assert await store.delete_meeting(mid)
    assert await store.picture(mid, pid) is None
    gone = await store.add_picture(
        picture_ids.mint(KEY, mid, "main"), mid, Layer.MAIN, FILE, "p", caps
    )
    assert gone is PictureRefused.GONE
