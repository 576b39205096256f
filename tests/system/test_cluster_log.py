"""Every character typed on either of two processes is in the log once the rooms unload, while
both compact as often as they can: a compaction never deletes a row it did not merge (another
process's append that committed between its read and its delete). Real `safetymap serve`
processes on PostgreSQL and a real Redis."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from pycrdt import Text

from tests.cluster import cluster
from tests.yclient import YClient

PER_PROCESS = 6  # typists on each of the two processes
CHARACTERS = 1000  # each types this many, one update per character
# Compaction as often as it can, each merging a few dozen rows (a longer merge holds its read
# and its delete further apart): without the fix this lost characters in 3 runs of 3.
BUSY = {
    "SAFETYMAP_COMPACT_INTERVAL": "0.02",
    "SAFETYMAP_COMPACT_THRESHOLD": "30",
    "SAFETYMAP_MESSAGE_LIMIT": "0/1",
    "SAFETYMAP_JOIN_LIMIT": "0/1",
    "SAFETYMAP_LINK_JOIN_LIMIT": "0/1",
}


async def type_into_own_card(client: YClient, card: str) -> None:
    client.add_card(card, "worries", "")
    await asyncio.sleep(0)
    text = client.items[card]["text"]
    assert isinstance(text, Text)
    for k in range(CHARACTERS):
        text += "abcdefghij"[k % 10]
        await asyncio.sleep(0.001)  # fast typists, on both processes at once


async def test_compaction_on_two_processes_loses_no_character(tmp_path: Path) -> None:
    async with cluster(tmp_path, 2, **BUSY) as (group, meeting):
        typists = [
            (await group.connect(meeting, i % 2, name=f"Typist {i}"), f"card-{i}")
            for i in range(2 * PER_PROCESS)
        ]
        await asyncio.gather(*(type_into_own_card(client, card) for client, card in typists))
        expected = {card: "".join("abcdefghij"[k % 10] for k in range(CHARACTERS))
                    for _, card in typists}  # fmt: skip
        # While connected, everyone sees every character (the relay is not the problem).
        for client, _ in typists:
            await client.wait_for(lambda c=client: c.cards() == expected, 60)  # type: ignore[misc]
        for client, _ in typists:
            await client.disconnect()
        group.clients.clear()
        # Both processes stop (SIGTERM: the rooms compact once more) and a new one starts: it
        # has only the log.
        for i in (0, 1):
            await group.kill(i, signal.SIGTERM)
        await group.start(0)
        fresh = await group.connect(meeting, 0, name="Reader")
        loaded = fresh.cards()
        missing = sum(len(text) for text in expected.values()) - sum(
            len(loaded.get(card, "")) for card in expected
        )
        assert loaded == expected, f"{missing} of {len(expected) * CHARACTERS} characters lost"
