"""The group commit that the update journal and the audit writer share (server/live/batcher.py),
driven with a commit that the test holds open: pure asyncio, no database."""

from __future__ import annotations

import asyncio

from server.live.batcher import Batcher, Pending
from tests.waiting import within

WAIT = 10.0  # seconds: generous, every wait below is bounded


class HeldCommits:
    """A `Settle` that records each batch and commits only when the test releases it."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self, batch: list[Pending[int]]) -> None:
        self.batches.append([item for item, _ in batch])
        self.started.set()
        await within(self.release.wait(), WAIT, "the test released the commit")
        for item, future in batch:
            if future.done():  # its caller gave up waiting; the item was committed all the same
                continue
            if item < 0:
                future.set_exception(ValueError(item))
            else:
                future.set_result(None)


async def test_items_arriving_during_a_commit_share_the_next_one_in_order() -> None:
    commits = HeldCommits()
    batcher: Batcher[int] = Batcher(commits, max_batch=100, name="test")
    batcher.start()
    first = batcher.submit(0)
    await asyncio.wait_for(commits.started.wait(), WAIT)
    later = [batcher.submit(n) for n in range(1, 6)]
    commits.release.set()
    await asyncio.wait_for(asyncio.gather(first, *later), WAIT)
    assert commits.batches == [[0], [1, 2, 3, 4, 5]]
    await asyncio.wait_for(batcher.stop(), WAIT)


async def test_a_batch_holds_at_most_max_batch_items() -> None:
    commits = HeldCommits()
    commits.release.set()
    batcher: Batcher[int] = Batcher(commits, max_batch=3, name="test")
    batcher.start()
    await asyncio.wait_for(asyncio.gather(*(batcher.submit(n) for n in range(7))), WAIT)
    assert commits.batches == [[0, 1, 2], [3, 4, 5], [6]]
    await asyncio.wait_for(batcher.stop(), WAIT)


async def test_flush_waits_for_the_batch_in_flight() -> None:
    commits = HeldCommits()
    batcher: Batcher[int] = Batcher(commits, max_batch=100, name="test")
    batcher.start()
    item = batcher.submit(1)
    await asyncio.wait_for(commits.started.wait(), WAIT)
    flushed = asyncio.create_task(batcher.flush())
    await asyncio.sleep(0)  # let flush start waiting: it must not return yet
    assert not flushed.done() and not item.done()
    commits.release.set()
    await asyncio.wait_for(flushed, WAIT)
    assert item.done()
    await asyncio.wait_for(batcher.stop(), WAIT)


async def test_stop_settles_what_is_pending_and_later_items_alone() -> None:
    commits = HeldCommits()
    batcher: Batcher[int] = Batcher(commits, max_batch=100, name="test")
    batcher.start()
    pending = [batcher.submit(n) for n in range(3)]
    commits.release.set()
    await asyncio.wait_for(batcher.stop(), WAIT)
    assert all(f.done() for f in pending)
    late = [batcher.submit(10), batcher.submit(11)]
    await asyncio.wait_for(asyncio.gather(*late), WAIT)
    assert commits.batches[-2:] == [[10], [11]]


async def test_a_failed_item_fails_only_its_own_caller() -> None:
    commits = HeldCommits()
    commits.release.set()
    batcher: Batcher[int] = Batcher(commits, max_batch=100, name="test")
    batcher.start()
    ok, bad = batcher.submit(1), batcher.submit(-1)
    results = await asyncio.wait_for(asyncio.gather(ok, bad, return_exceptions=True), WAIT)
    assert results[0] is None and isinstance(results[1], ValueError)
    await asyncio.wait_for(batcher.stop(), WAIT)


async def test_items_before_start_wait_for_it() -> None:
    commits = HeldCommits()
    commits.release.set()
    batcher: Batcher[int] = Batcher(commits, max_batch=100, name="test")
    early = batcher.submit(1)
    await asyncio.sleep(0)
    assert not early.done() and commits.batches == []
    batcher.start()
    await asyncio.wait_for(early, WAIT)
    assert commits.batches == [[1]]
    await asyncio.wait_for(batcher.stop(), WAIT)


async def test_flush_waits_even_when_the_newest_caller_gave_up() -> None:
    commits = HeldCommits()
    batcher: Batcher[int] = Batcher(commits, max_batch=100, name="test")
    batcher.start()
    first = batcher.submit(1)
    await asyncio.wait_for(commits.started.wait(), WAIT)
    second = batcher.submit(2)
    second.cancel()  # its caller was cancelled: the item is still committed
    flushed = asyncio.create_task(batcher.flush())
    await asyncio.sleep(0)
    assert not flushed.done()
    commits.release.set()
    await asyncio.wait_for(flushed, WAIT)
    assert first.done() and commits.batches == [[1], [2]]
    await asyncio.wait_for(batcher.stop(), WAIT)
