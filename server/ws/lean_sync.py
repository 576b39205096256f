"""asyncio's Queue and Event, small enough to keep one per websocket connection.

Each `asyncio.Queue` allocates four deques up front (its items, getters, putters, and an Event
for `join`), each `asyncio.Event` one: about 750 bytes a deque, 3 KiB a queue, before anything
is queued or awaited. uvicorn's websocket protocol keeps a queue and an event per connection
(bench/connection_memory.py counted them); these do the same work in a few hundred bytes.
They keep the semantics uvicorn relies on, cancellation included.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Generic, TypeVar

T = TypeVar("T")


class Inbox(Generic[T]):
    """An unbounded FIFO queue: `put_nowait`, `get`, `empty` (what uvicorn's protocol calls).

    Holds at most a few items at once (uvicorn stops reading a socket until the app takes
    what was queued), so a list serves better than a deque.
    """

    __slots__ = ("_getters", "_items")

    def __init__(self) -> None:
        self._items: list[T] = []
        self._getters: list[asyncio.Future[None]] = []

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items)

    def put_nowait(self, item: T) -> None:
        self._items.append(item)
        self._wake_next()

    async def get(self) -> T:
        while not self._items:
            getter = asyncio.get_running_loop().create_future()
            self._getters.append(getter)
            try:
                await getter
            except BaseException:
                getter.cancel()
                with contextlib.suppress(ValueError):
                    self._getters.remove(getter)
                if self._items and not getter.cancelled():
                    self._wake_next()  # woken, then cancelled: the item is someone else's
                raise
        return self._items.pop(0)

    def _wake_next(self) -> None:
        while self._getters:
            getter = self._getters.pop(0)
            if not getter.done():
                getter.set_result(None)
                return


class Flag:
    """An event: `set`, `clear`, `is_set`, `wait`, with no waiter list until someone waits."""

    __slots__ = ("_value", "_waiters")

    def __init__(self, value: bool = False) -> None:
        self._value = value
        self._waiters: list[asyncio.Future[bool]] | None = None

    def is_set(self) -> bool:
        return self._value

    def set(self) -> None:
        if self._value:
            return
        self._value = True
        for waiter in self._waiters or ():
            if not waiter.done():
                waiter.set_result(True)

    def clear(self) -> None:
        self._value = False

    async def wait(self) -> bool:
        if self._value:
            return True
        waiter = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(waiter)
        try:
            await waiter
            return True
        finally:
            waiters = self._waiters
            assert waiters is not None  # emptied only by the last waiter leaving
            waiters.remove(waiter)
            if not waiters:
                self._waiters = None
