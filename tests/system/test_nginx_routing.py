"""Each meeting to one process: two server processes behind a real nginx running the shipped
deploy/nginx.conf (`hash $safetymap_meeting consistent`). Every websocket of a meeting lands
on the same process, meetings spread over both, and when a meeting's process is killed its
clients reconnect to the other and converge, with nothing anyone saw lost."""

from __future__ import annotations

import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.cluster import Cluster, cluster, converged
from tests.servers import create_meeting
from tests.system.test_nginx import behind_nginx, connections
from tests.waiting import within
from tests.yclient import YClient


@asynccontextmanager
async def _nginx(group: Cluster, folder: Path) -> AsyncIterator[int]:
    async with behind_nginx(group.ports, folder) as listen:
        yield listen


async def _spread(group: Cluster) -> list[int]:
    return [await connections(port) if i in group.procs else 0
            for i, port in enumerate(group.ports)]  # fmt: skip


async def _join(group: Cluster, listen: int, meeting: dict[str, Any], name: str) -> YClient:
    token = meeting["tokens"]["professional"]
    client = YClient(f"ws://127.0.0.1:{listen}/ws", meeting["id"], token, name=name)
    await client.connect()
    await within(client.synced.wait(), 20, f"{name} synced through nginx")
    group.clients.append(client)
    return client


async def test_every_websocket_of_a_meeting_reaches_one_process(tmp_path: Path) -> None:
    async with cluster(tmp_path, 2) as (group, first), _nginx(group, tmp_path / "nginx") as port:
        served_by: list[int] = []
        meeting = first
        # Meetings with random ids until both processes serve some (two or three are needed
        # on average; twelve all on one process would be a 1 in 2,000 chance).
        while len(served_by) < 4 or set(served_by) != {0, 1}:
            assert len(served_by) < 12, f"every meeting went to one process: {served_by}"
            if served_by:
                meeting = await create_meeting(group.env(0), "Routing (fictional family)")
            before = await _spread(group)
            for k in range(3):
                await _join(group, port, meeting, f"Meeting {len(served_by)} person {k}")
            added = [a - b for a, b in zip(await _spread(group), before, strict=True)]
            assert sorted(added) == [0, 3], f"a meeting's websockets spread as {added}"
            served_by.append(added.index(3))

        # The meeting's own pages go to its process too; a join link has no meeting id in its
        # path and may reach either, then redirects to /m/<id>, which is routed.
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            join = await http.get(f"/join/{first['tokens']['professional']}")
            assert join.status_code in (200, 303), join.status_code


async def test_a_meeting_moves_only_when_its_process_goes(tmp_path: Path) -> None:
    async with cluster(tmp_path, 2) as (group, meeting), _nginx(group, tmp_path / "nginx") as port:
        clients = [await _join(group, port, meeting, f"Person {k}") for k in range(3)]
        spread = await _spread(group)
        assert sorted(spread) == [0, 3], spread
        home = spread.index(3)
        for k, client in enumerate(clients):
            client.add_card(f"before{k}", "worries", f"typed before the crash {k}")
        before = {f"before{k}": f"typed before the crash {k}" for k in range(3)}
        await converged(clients, before)

        # Its process dies without a word; y-websocket reconnects, through nginx, to the other.
        await group.kill(home, signal.SIGKILL)
        for client in clients:
            await within(client.closed.wait(), 10, "the websocket closed with its process")
            await client.connect()
            await within(client.synced.wait(), 20, "reconnected through nginx")
        assert await _spread(group) == [3 if i != home else 0 for i in range(2)]
        for k, client in enumerate(clients):
            client.add_card(f"after{k}", "strengths", f"typed after the crash {k}")
        after = {**before, **{f"after{k}": f"typed after the crash {k}" for k in range(3)}}
        await converged(clients, after)

        # Back again: it gets its meeting's new websockets while the old ones stay where they
        # are, so the meeting spans both processes for a while, and still converges.
        await group.start(home)
        late = await _join(group, port, meeting, "Person who came late")
        spread = await _spread(group)
        assert spread[home] == 1 and sum(spread) == 4, spread
        await converged([*clients, late], after)
        late.add_card("late", "safety", "typed on the process that came back")
        clients[0].add_card("stayed", "safety", "typed on the process that stayed")
        everything = {
            **after,
            "late": "typed on the process that came back",
            "stayed": "typed on the process that stayed",
        }
        await converged([*clients, late], everything)
