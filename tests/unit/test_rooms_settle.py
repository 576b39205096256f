"""Shutdown settles every task the rooms started, a room still loading among them: a load
left running past `save_all` reads through a store that is closing (the engine never gets
its connection back, the ResourceWarning 88d0e4d was about)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from server.board.permissions import Layer
from server.live import rooms as rooms_module
from server.live.rooms import Rooms
from tests.waiting import within


class SlowStore:
    """A store whose meeting lookup (the first step of a room's load) waits until told."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()
        self.answer = asyncio.Event()

    async def meeting(self, meeting_id: str) -> None:
        self.asked.set()
        await within(self.answer.wait(), 60, "told to answer (shutdown cancels it first)")


class Journal:
    async def flush(self) -> None:
        return None


async def test_a_room_still_loading_at_shutdown_is_settled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(rooms_module, "_SETTLE_SECONDS", 0.2)
    store = SlowStore()
    rooms = Rooms(store, Journal(), max_document_bytes=1 << 20, compact_threshold=100)  # type: ignore[arg-type]
    peer: Any = object()
    opening = asyncio.create_task(rooms.open("m", Layer.MAIN, peer))
    await within(store.asked.wait(), 5, "the load asked for the meeting")
    opening.cancel()  # the connection went as the server stopped; the load is shielded
    await asyncio.gather(opening, return_exceptions=True)
    await within(rooms.save_all(), 5, "save_all settled the load")
    left = [t for t in asyncio.all_tasks() if "Rooms._load" in repr(t.get_coro()) and not t.done()]
    assert not left, left
