"""Waiting in tests, always with a deadline.

`within` bounds one awaitable (an event, a subprocess, a task, a frame): a hang fails the test
at once, saying what did not happen, instead of costing the whole per-test timeout.
`eventually` polls server-side state that has no event to wait on. tests/unit/test_waits_bounded.py
checks that no test waits without one of them (or `asyncio.wait_for` / `asyncio.timeout`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def within(awaitable: Awaitable[T], seconds: float, what: str) -> T:
    """The result of `awaitable`; AssertionError naming `what` if it takes over `seconds`
    (it is cancelled then, as by `asyncio.wait_for`).

    `what` is what should have happened, e.g. "the family client synced".
    """
    try:
        async with asyncio.timeout(seconds) as deadline:
            return await awaitable
    except TimeoutError as timed_out:
        if not deadline.expired():
            raise  # a timeout of the awaitable's own, with its own message
        raise AssertionError(f"did not happen within {seconds} s: {what}") from timed_out


async def eventually(
    check: Callable[[], bool | Awaitable[bool]], timeout: float = 5.0, interval: float = 0.02
) -> None:
    """Return once `check()` is true; fail with TimeoutError after `timeout` seconds."""
    async with asyncio.timeout(timeout):
        while True:
            result = check()
            if not isinstance(result, bool):
                result = await result
            if result:
                return
            await asyncio.sleep(interval)  # polling: this state has no event to wait on
