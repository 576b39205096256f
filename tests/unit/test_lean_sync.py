"""server/ws/lean_sync.py behaves as the asyncio.Queue and asyncio.Event it replaces in uvicorn's
websocket protocol (server/ws/wire.py): order, waking, and cancellation."""

from __future__ import annotations

import asyncio

import pytest

from server.ws.lean_sync import Flag, Inbox
from tests.waiting import within


async def test_inbox_hands_items_out_in_order() -> None:
    inbox: Inbox[int] = Inbox()
    assert inbox.empty()
    for n in range(3):
        inbox.put_nowait(n)
    assert inbox.qsize() == 3
    queued = [await within(inbox.get(), 10, f"queued item {n} handed out") for n in range(3)]
    assert queued == [0, 1, 2]
    assert inbox.empty()


async def test_inbox_get_waits_for_the_next_item() -> None:
    inbox: Inbox[str] = Inbox()
    getter = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    assert not getter.done()
    inbox.put_nowait("connect")
    assert await asyncio.wait_for(getter, 1) == "connect"


async def test_a_cancelled_get_loses_nothing() -> None:
    inbox: Inbox[str] = Inbox()
    getter = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    getter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await within(getter, 10, "the cancelled get ended")
    inbox.put_nowait("receive")
    assert await asyncio.wait_for(inbox.get(), 1) == "receive"


async def test_a_getter_woken_then_cancelled_passes_the_item_on() -> None:
    inbox: Inbox[str] = Inbox()
    first = asyncio.create_task(inbox.get())
    second = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    inbox.put_nowait("only")  # wakes `first`...
    first.cancel()  # ...which is cancelled before it runs: `second` must get the item
    assert await asyncio.wait_for(second, 1) == "only"
    with pytest.raises(asyncio.CancelledError):
        await within(first, 10, "the cancelled first get ended")


async def test_flag_wait_returns_at_once_when_set_and_waits_when_clear() -> None:
    flag = Flag(True)
    assert flag.is_set() and await within(flag.wait(), 10, "a set flag's wait returned")
    flag.clear()
    waiters = [asyncio.create_task(flag.wait()) for _ in range(2)]
    await asyncio.sleep(0)
    assert not any(w.done() for w in waiters)
    flag.set()
    assert await asyncio.wait_for(asyncio.gather(*waiters), 1) == [True, True]


async def test_a_cancelled_flag_wait_leaves_the_flag_usable() -> None:
    flag = Flag()
    waiter = asyncio.create_task(flag.wait())
    await asyncio.sleep(0)
    waiter.cancel()
    with pytest.raises(asyncio.CancelledError):
        await within(waiter, 10, "the cancelled wait ended")
    flag.set()
    assert await asyncio.wait_for(flag.wait(), 1)
