"""Edits that become durable in one commit reach each other client as one merged update:
fewer frames than edits, the same map everywhere, nothing twice, nobody's own edit sent back,
and nothing before the update log holds it (real PostgreSQL, whose update log is held with a
table lock while the edits arrive, so that they share the next commit)."""

from __future__ import annotations

from pathlib import Path

from server import metrics
from server.sync import protocol
from tests.conftest import running_server
from tests.databases import migrated_postgresql
from tests.waiting import eventually, within
from tests.yclient import YClient

EDITS = 10  # per writer


def accepted() -> float:
    return metrics.REGISTRY.get_sample_value("safetymap_updates_accepted_total") or 0.0


def updates(client: YClient, since: int) -> list[bytes]:
    """The document updates relayed to `client` (its frames from `since` on)."""
    found = []
    for frame in client.received[since:]:
        message = protocol.decode(frame)
        if isinstance(message, protocol.SyncUpdate):
            found.append(message.update)
    return found


def card(writer: int, k: int) -> str:
    return f"w{writer}e{k:02d}"  # no id is part of another: found in an update's bytes


async def test_edits_sharing_a_commit_reach_each_other_client_as_one_update(
    tmp_path: Path,
) -> None:
    async with (
        migrated_postgresql(tmp_path) as (url, admin),
        running_server(tmp_path, SAFETYMAP_DATABASE_URL=url) as server,
    ):
        meeting = await server.meeting()
        writers = [await server.client(meeting, "professional", name=f"W{n}") for n in range(3)]
        screen = await server.client(meeting, "viewer", name="Screen")
        everyone = [*writers, screen]
        for client in everyone:
            await within(client.synced.wait(), 20, "a client synced")

        # A lone edit goes out on its own, as soon as its commit lands.
        marks = [len(client.received) for client in everyone]
        writers[0].add_card("first", "strengths", "typed alone")
        for client in everyone[1:]:
            await client.wait_for(lambda c=client: "first" in c.cards())  # type: ignore[misc]
        assert [len(updates(c, m)) for c, m in zip(everyone, marks, strict=True)] == [0, 1, 1, 1]

        # Every writer types while the update log is held: what arrives meanwhile waits for
        # the commit in flight and rides in the next one.
        marks = [len(client.received) for client in everyone]
        before = accepted()
        async with admin.transaction():
            await admin.execute("LOCK TABLE updates IN EXCLUSIVE MODE")
            for k in range(EDITS):
                for n, writer in enumerate(writers):
                    writer.add_card(card(n, k), "worries", f"edit {k} of writer {n}")
            await eventually(lambda: accepted() >= before + len(writers) * EDITS, 10)
            # Accepted, not durable: relayed to nobody yet.
            assert not any(updates(c, m) for c, m in zip(everyone, marks, strict=True))

        expected = {"first": "typed alone"}
        expected |= {card(n, k): f"edit {k} of writer {n}" for n in range(3) for k in range(EDITS)}
        for client in everyone:
            await client.wait_for(lambda c=client: c.cards() == expected, 10)  # type: ignore[misc]
        assert len({client.dump() for client in everyone}) == 1

        for i, (client, mark) in enumerate(zip(everyone, marks, strict=True)):
            got = updates(client, mark)
            # The commit that was in flight, then everything that waited for it: two frames
            # at most, for thirty edits (one frame per edit before).
            assert 1 <= len(got) <= 2, (i, len(got))
            for n in range(3):
                for k in range(EDITS):
                    holding = sum(card(n, k).encode() in update for update in got)
                    # Nobody is sent their own edit back; everyone else gets each edit once.
                    assert holding == (0 if n == i else 1), (i, card(n, k), holding)
