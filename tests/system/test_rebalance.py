"""A rolling restart leaves a meeting's websockets on the process that stayed up; SIGUSR1 makes
that process close them with 4512, and they reconnect through nginx to their meeting's own
process (the shipped config hashes on the meeting), the whole meeting together."""

from __future__ import annotations

import asyncio
import re
import signal
from pathlib import Path

import httpx

from server.sync.closes import REBALANCE
from server.ws.rebalance import spread
from tests.cluster import Cluster, cluster, converged
from tests.conftest import free_port
from tests.servers import running
from tests.system.test_nginx import _main_config, _site, nginx_binary
from tests.waiting import eventually
from tests.yclient import YClient


def test_spread_picks_a_share_evenly() -> None:
    assert spread(list(range(6)), 0.5) == [1, 3, 5]
    assert spread(list(range(7)), 0.5) == [1, 3, 5]
    assert spread([1], 0.5) == []
    assert len(spread(list(range(100)), 0.25)) == 25


async def _connections(port: int) -> int:
    async with httpx.AsyncClient() as http:
        page = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    match = re.search(r"^safetymap_websocket_connections (\S+)$", page, re.MULTILINE)
    assert match, page
    return int(float(match.group(1)))


async def _spread_of(group: Cluster) -> list[int]:
    return [await _connections(port) for port in group.ports]


async def _reconnect_closed(clients: list[YClient], code: int, count: int) -> None:
    """Wait for `count` clients closed with `code`, and reconnect them (as y-websocket does)."""
    await eventually(lambda: sum(c.close_code == code for c in clients) == count, timeout=20)
    for client in clients:
        if client.close_code == code:
            await client.connect()  # through nginx again, one after another
            await asyncio.wait_for(client.synced.wait(), 10)


async def test_sigusr1_rebalances_after_a_rolling_restart(tmp_path: Path) -> None:
    nginx = nginx_binary()
    async with cluster(tmp_path, 2, SAFETYMAP_LOG_LEVEL="INFO") as (group, meeting):
        folder = tmp_path / "nginx"
        folder.mkdir()
        listen = free_port()
        site = folder / "safetymap.conf"
        site.write_text(_site(group.ports, listen, folder))  # as shipped: max_fails=0
        main = folder / "nginx.conf"
        main.write_text(_main_config(folder, site))
        argv = [nginx, "-p", str(folder), "-c", str(main), "-g", "daemon off;"]
        async with running(argv, listen, folder / "error.log"):
            proxied = f"ws://127.0.0.1:{listen}/ws"
            token = meeting["tokens"]["professional"]
            clients = [YClient(proxied, meeting["id"], token, name=f"c{i}") for i in range(6)]
            for client in clients:
                await client.connect()
                await asyncio.wait_for(client.synced.wait(), 10)
                group.clients.append(client)
            spread = await _spread_of(group)
            assert sorted(spread) == [0, 6], spread  # one meeting: one process
            home, other = spread.index(6), spread.index(0)

            # Rolling restart, first step: its process goes (1012), its clients move over.
            await group.kill(home, signal.SIGTERM)
            await _reconnect_closed(clients, 1012, 6)
            await group.start(home)
            assert (await _spread_of(group))[other] == 6

            # Rebalance the other: its websockets close with 4512 and go back home, together.
            group.procs[other].send_signal(signal.SIGUSR1)
            await _reconnect_closed(clients, REBALANCE, 6)
            await eventually(lambda: _home(group, home), timeout=10)

            for i, client in enumerate(clients):
                client.add_card(f"card{i}", "strengths", f"typed by client {i}")
            await converged(clients, {f"card{i}": f"typed by client {i}" for i in range(6)})
        log = group.log(other).read_text()
        assert "rebalancing: closed 6 of 6 websockets with 4512" in log
        assert log.count(f"websocket closed by the server: {REBALANCE}") == 6
        assert token not in group.logs()


async def _home(group: Cluster, home: int) -> bool:
    return (await _spread_of(group))[home] == 6
