"""Several server processes serving one meeting through Redis, on PostgreSQL: real processes,
a real Redis, real websocket clients spread over the processes."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import httpx
import pytest
from pycrdt import Map, Text

from tests.cluster import RedisServer, cluster, converged
from tests.conftest import free_port
from tests.pictures import carries_no_metadata, drawing_png, photo_with_gps, send
from tests.yclient import YClient


def _edit(client: YClient, name: str, k: int, rng: random.Random) -> None:
    """A random edit: a new card, or text typed into one of this client's cards."""
    own = [key for key in client.cards() if key.startswith(f"{name}-")]
    if not own or rng.random() < 0.5:
        client.add_card(f"{name}-{k}", rng.choice(["worries", "strengths", "safety"]), f"{k}")
    else:
        text = client.items[rng.choice(own)]["text"]
        assert isinstance(text, Text)
        text.insert(rng.randint(0, len(text)), f"<{k}>")


@pytest.mark.parametrize("size", [2, 3])
async def test_clients_on_different_processes_converge(tmp_path: Path, size: int) -> None:
    rng = random.Random(size)
    async with cluster(tmp_path, size) as (group, meeting):
        clients = [
            await group.connect(meeting, i % size, name=f"Person {i}") for i in range(2 * size)
        ]
        for k in range(30):
            for n, client in enumerate(clients):
                _edit(client, f"p{n}", k, rng)
            if k % 10 == 9:
                await asyncio.sleep(0)  # let some frames go out between bursts
        # Everyone ends with the same map, whichever process they are on.
        await clients[0].wait_for(lambda: len(clients[0].cards()) >= 2 * size, timeout=20)
        try:
            for client in clients:
                await client.wait_for(lambda c=client: c.dump() == clients[0].dump(), 20)  # type: ignore[misc]
            expected = clients[0].cards()
            await converged(clients, expected)
        except TimeoutError:
            raise AssertionError(group.logs()) from None
        # Each side's edits all arrived: every card each client created is there.
        assert {key.split("-")[0] for key in expected} == {f"p{n}" for n in range(2 * size)}
        # Presence crosses processes too: client 0 sees every other client's name.
        names = {f"Person {i}" for i in range(2 * size)}
        for n, client in enumerate(clients):
            await client.set_presence({"cursor": n})
        await clients[0].wait_for(
            lambda: names <= {s["user"]["name"] for s in clients[0].presence.values() if s}, 10
        )
        # The database alone reloads to the same document: a process started now has not
        # loaded the meeting, so it reads it from the log.
        group.ports.append(free_port())
        await group.start(size)
        fresh = await group.connect(meeting, size, role="viewer")
        assert fresh.cards() == expected


async def test_a_late_joiner_on_another_process_sees_who_is_already_here(tmp_path: Path) -> None:
    """Someone already in the meeting announced themselves before the second process had the
    meeting loaded (it had nobody to tell): on loading it, that process asks the others who
    is here, at once, not at their next renewal (15 s later, in a browser)."""
    async with cluster(tmp_path, 2) as (group, meeting):
        early = await group.connect(meeting, 0, name="Already here")
        await early.whoami()  # its presence is stamped, relayed, and dropped by process 1
        late = await group.connect(meeting, 1, name="Late")

        def names() -> set[str]:
            return {s["user"]["name"] for s in late.presence.values() if s and "user" in s}

        try:
            await late.wait_for(lambda: "Already here" in names(), 5)
        except TimeoutError:
            raise AssertionError(f"the late joiner sees only {names()}") from None


async def test_sigkill_one_process_loses_nothing_anyone_saw(tmp_path: Path) -> None:
    async with cluster(tmp_path, 2) as (group, meeting):
        a = await group.connect(meeting, 0, name="On the first")
        b = await group.connect(meeting, 1, name="On the second")
        for k in range(40):
            a.add_card(f"a{k}", "worries", f"from a {k}")
            b.add_card(f"b{k}", "strengths", f"from b {k}")
        expected = {**{f"a{k}": f"from a {k}" for k in range(40)},
                    **{f"b{k}": f"from b {k}" for k in range(40)}}  # fmt: skip
        await converged([a, b], expected)
        # Some more, and the first process dies mid-meeting without a word.
        for k in range(40, 50):
            a.add_card(f"a{k}", "worries", f"from a {k}")
        await b.wait_for(lambda: "a49" in b.cards(), 10)
        await group.kill(0)
        await a.wait_closed(10)
        # A reconnects to the surviving process (as behind a load balancer) and edits on.
        await group.reconnect(a, 1)
        a.add_card("after", "safety", "after the crash")
        expected |= {f"a{k}": f"from a {k}" for k in range(40, 50)} | {"after": "after the crash"}
        await converged([a, b], expected)


async def test_redis_restart_mid_meeting_converges_without_reconnecting(tmp_path: Path) -> None:
    redis = RedisServer(tmp_path)
    await redis.start()
    try:
        async with cluster(tmp_path, 2, redis) as (group, meeting):
            a = await group.connect(meeting, 0, name="On the first")
            b = await group.connect(meeting, 1, name="On the second")
            a.add_card("before", "worries", "before the outage")
            await converged([a, b], {"before": "before the outage"})
            await redis.kill()
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{group.ports[0]}") as http:
                assert (await http.get("/readyz")).status_code == 503  # not ready without Redis
            # Edits go on while Redis is away: durable, and shared within each process.
            a.add_card("a-out", "worries", "typed on the first during the outage")
            b.add_card("b-out", "strengths", "typed on the second during the outage")
            await a.wait_for(lambda: "a-out" in a.cards(), 5)
            await redis.start()  # empty: it kept nothing
            expected = {
                "before": "before the outage",
                "a-out": "typed on the first during the outage",
                "b-out": "typed on the second during the outage",
            }
            try:
                await converged([a, b], expected, timeout=30)
            except TimeoutError:
                raise AssertionError(group.logs()) from None
            assert not a.closed.is_set() and not b.closed.is_set()
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{group.ports[0]}") as http:
                assert (await http.get("/readyz")).json() == {"status": "ready"}
            b.add_card("after", "safety", "after the outage")
            await converged([a, b], expected | {"after": "after the outage"})
    finally:
        await redis.kill()


async def test_ending_in_one_process_is_read_only_in_all(tmp_path: Path) -> None:
    async with cluster(tmp_path, 2) as (group, meeting):
        a = await group.connect(meeting, 0, role="facilitator", name="Facilitator")
        b = await group.connect(meeting, 1, name="Elsewhere")
        b.add_card("kept", "safety", "said before the end")
        await converged([a, b], {"kept": "said before the end"})
        token = meeting["tokens"]["facilitator"]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{group.ports[0]}") as http:
            ended = await http.post(
                f"/api/meetings/{meeting['id']}/end", headers={"authorization": f"Bearer {token}"}
            )
        assert ended.status_code == 200, ended.text
        # The other process learns at once: the map says so, and an edit there is refused.
        meta = b.doc.get("meta", type=Map)
        await b.wait_for(lambda: meta.get("status") == "ended", 10)
        b.add_card("late", "safety", "after the end")
        await b.wait_closed(10)
        assert b.close_code == 4403 and "ended" in b.close_reason
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{group.ports[1]}") as http:
            snapshot = await http.get(
                f"/api/meetings/{meeting['id']}/snapshots/1",
                headers={"authorization": f"Bearer {token}"},
            )
        assert snapshot.status_code == 200, snapshot.text
        assert "said before the end" in snapshot.text and "after the end" not in snapshot.text


async def test_revoking_a_link_closes_its_connections_on_every_process(tmp_path: Path) -> None:
    async with cluster(tmp_path, 2) as (group, meeting):
        b = await group.connect(meeting, 1, role="family", name="Family member")
        token = meeting["tokens"]["facilitator"]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{group.ports[0]}") as http:
            revoked = await http.post(
                f"/api/meetings/{meeting['id']}/links/family/revoke",
                headers={"authorization": f"Bearer {token}"},
            )
        assert revoked.status_code == 200, revoked.text
        await b.wait_closed(10)
        assert b.close_code == 4401


async def test_a_picture_uploaded_through_one_process_is_named_and_read_through_another(
    tmp_path: Path,
) -> None:
    """The upload goes to the first process; the card naming it is written through the
    second, which checks the id by itself (no lookup: it is signed) and keeps it; the
    picture is read back through the second, from the shared database, byte for byte."""
    async with cluster(tmp_path, 2) as (group, meeting):
        uploader = await group.connect(meeting, 0, name="Ana")
        writer = await group.connect(meeting, 1, role="family", name="Jo")
        first, second = (f"http://127.0.0.1:{port}" for port in group.ports)
        token = meeting["tokens"]["professional"]
        async with httpx.AsyncClient(base_url=first) as http:
            query = f"?token={token}&key={uploader.key}"
            sent = await send(http, meeting["id"], photo_with_gps(), query=query)
            assert sent.status_code == 201, sent.text
            hidden = await send(
                http, meeting["id"], drawing_png(), query=query, layer="professional"
            )
            assert hidden.status_code == 201, hidden.text
            there = await http.get(sent.json()["url"] + query)
        picture = sent.json()["id"]
        me = await writer.whoami()
        writer.items["voice"] = Map(
            {
                "section": "child_voice",
                "text": Text("Leo drew his houses"),
                "order": "V",
                "author": me,
                "createdAt": "2026-01-01T10:00:00+00:00",
                "pictures": [{"id": picture, "alt": "Leo's three houses"}],
            }
        )
        await uploader.wait_for(lambda: "voice" in uploader.items, 10)
        assert not writer.closed.is_set()
        family = f"?token={meeting['tokens']['family']}&key={writer.key}"
        async with httpx.AsyncClient(base_url=second) as http:
            here = await http.get(sent.json()["url"] + family)
            assert here.status_code == 200 and here.content == there.content
            assert carries_no_metadata(here.content)
            # The professionals' picture: not for the family, on any process.
            assert (await http.get(hidden.json()["url"] + family)).status_code == 404
        # Named on the shared map through the second process: refused there too.
        writer.items["voice"]["pictures"] = [{"id": hidden.json()["id"], "alt": "Notes"}]
        await writer.wait_closed(10)
        assert writer.close_code == 4403
