"""Stock Yjs in Node (yjs + y-websocket's WebsocketProvider) against the server.

The Node peer is client/interop/yjs-peer.mjs; it prints one JSON line per event. These tests
need `npm ci --prefix client` to have been run: without client/node_modules they fail (they
never skip, so a CI that forgot the install step cannot pass).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pycrdt import Doc, Map

from server.board.permissions import Layer
from server.live.meetings import create
from tests.conftest import RunningServer
from tests.waiting import within
from tests.yclient import new_key

CLIENT = Path(__file__).resolve().parents[2] / "client"
PEER = CLIENT / "interop" / "yjs-peer.mjs"
NODE_PACKAGES = ("yjs", "y-websocket", "ws")
PEER_TIMEOUT = 20.0  # seconds a Node peer waits before giving up (Node starts slowly on a busy CI)


@dataclass
class PeerRun:
    returncode: int
    events: list[dict[str, Any]]
    stderr: str

    def names(self) -> list[str]:
        return [event["event"] for event in self.events]

    def event(self, name: str) -> dict[str, Any]:
        found = [event for event in self.events if event["event"] == name]
        assert len(found) == 1, f"expected one {name!r} event in {self}"
        return found[0]


class NodePeers:
    """Starts Node peers for one test and makes sure none outlives it."""

    def __init__(self, server: RunningServer) -> None:
        self.server = server
        self.running: list[asyncio.subprocess.Process] = []

    async def start(
        self,
        meeting: dict[str, Any],
        role: str,
        *,
        card_id: str,
        text: str,
        layer: str = "",
        wait_for: str = "",
        expect_close: bool = False,
        close_code: int | None = None,
        key: str = "",
    ) -> asyncio.subprocess.Process:
        _require_node_modules()
        # `--option=value`: a random token or key may begin with "-", which node's parseArgs
        # would take for an option of its own when given as a separate argument.
        args = [
            str(PEER),
            f"--ws-url={self.server.ws_url}",
            f"--room={meeting['id']}" + (f"/{layer}" if layer else ""),
            f"--token={meeting['tokens'][role]}",
            f"--name=Node {role}",
            f"--id={card_id}",
            f"--text={text}",
            f"--timeout={PEER_TIMEOUT}",
        ]
        if wait_for:
            args.append(f"--wait-for={wait_for}")
        if expect_close:
            args.append("--expect-close")
        if close_code is not None:
            args.append(f"--close-code={close_code}")
        if key:
            args.append(f"--key={key}")
        process = await asyncio.create_subprocess_exec(
            "node",
            *args,
            cwd=CLIENT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        self.running.append(process)
        return process

    async def result(self, process: asyncio.subprocess.Process) -> PeerRun:
        stdout, stderr = await asyncio.wait_for(process.communicate(), PEER_TIMEOUT + 10)
        assert process.returncode is not None
        events = [json.loads(line) for line in stdout.decode().splitlines() if line.strip()]
        return PeerRun(process.returncode, events, stderr.decode())

    async def stop_all(self) -> None:
        for process in self.running:
            if process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
            await within(process.communicate(), 30, "a Node peer exited once killed")


def _require_node_modules() -> None:
    if shutil.which("node") is None:
        pytest.fail("node is not installed: these interop tests need Node 20 and npm")
    missing = [
        name
        for name in NODE_PACKAGES
        if not (CLIENT / "node_modules" / name / "package.json").exists()
    ]
    if missing:
        pytest.fail(
            f"client/node_modules lacks {', '.join(missing)}: run `npm ci --prefix client` first"
        )


@pytest.fixture
async def node(server: RunningServer) -> AsyncIterator[NodePeers]:
    peers = NodePeers(server)
    try:
        yield peers
    finally:
        await peers.stop_all()


async def _stored_cards(server: RunningServer, meeting_id: str, layer: Layer) -> set[str]:
    """Card ids in the durable update log: what any later joiner would receive."""
    await server.services.journal.flush()
    doc: Doc = Doc()
    for update in await server.services.store.load(meeting_id, layer):
        doc.apply_update(update)
    return set(doc.get("items", type=Map).keys())


async def test_node_and_python_peers_exchange_cards_and_converge(
    server: RunningServer, node: NodePeers
) -> None:
    meeting = await server.meeting()
    py = await server.client(meeting, "family", name="Jo")
    await asyncio.wait_for(py.synced.wait(), 5)

    process = await node.start(
        meeting,
        "professional",
        card_id="node-card",
        text="Nan Rita walks Leo to nursery — every weekday",
        wait_for="py-card",
    )
    py.add_card("py-card", "harm", "Leo missed two health visits in March")
    await py.wait_for(lambda: "node-card" in py.cards(), timeout=PEER_TIMEOUT)
    run = await node.result(process)

    assert run.returncode == 0, run
    assert run.names() == ["synced", "wrote", "seen", "cards"], run
    assert run.event("seen") == {
        "event": "seen",
        "id": "py-card",
        "text": "Leo missed two health visits in March",
    }
    card = py.items["node-card"]
    assert str(card["text"]) == "Nan Rita walks Leo to nursery — every weekday"
    assert card["section"] == "strengths"
    assert card["order"] == "a0"
    # Both peers hold the same cards with the same texts, and so does the server's log.
    assert run.event("cards")["cards"] == py.cards()
    assert await _stored_cards(server, meeting["id"], Layer.MAIN) == {"node-card", "py-card"}
    late = await server.client(meeting, "viewer")
    await late.wait_for(lambda: len(late.cards()) == 2)
    assert late.dump() == py.dump()


async def test_node_viewer_edit_is_refused_with_4403(
    server: RunningServer, node: NodePeers
) -> None:
    meeting = await server.meeting()
    py = await server.client(meeting, "professional", name="Alex")
    await asyncio.wait_for(py.synced.wait(), 5)

    process = await node.start(
        meeting, "viewer", card_id="viewer-card", text="Should never land", expect_close=True
    )
    run = await node.result(process)

    assert run.returncode == 0, run
    assert run.names() == ["synced", "wrote", "closed"], run
    closed = run.event("closed")
    assert closed["code"] == 4403
    assert closed["reason"].startswith("read-only")
    # The stock client understood the auth message that came before the close.
    assert "Permission denied" in run.stderr
    # Nothing of the refused edit reached anyone: a later accepted edit arrives alone.
    py.add_card("after", "goals", "Leo sleeps at home every night")
    late = await server.client(meeting, "facilitator")
    await late.wait_for(lambda: "after" in late.cards())
    assert set(late.cards()) == {"after"}
    assert set(py.cards()) == {"after"}
    assert await _stored_cards(server, meeting["id"], Layer.MAIN) == {"after"}


async def test_node_family_link_cannot_open_professional_layer(
    server: RunningServer, node: NodePeers
) -> None:
    meeting = await server.meeting()
    process = await node.start(
        meeting,
        "family",
        layer="professional",
        card_id="family-card",
        text="Should never land",
        expect_close=True,
    )
    run = await node.result(process)

    assert run.returncode == 0, run
    assert run.names() == ["closed"], run  # refused before any sync
    assert run.event("closed")["code"] == 4403
    assert run.event("closed")["cards"] == {}
    assert await _stored_cards(server, meeting["id"], Layer.PROFESSIONAL) == set()


async def test_node_peer_with_a_key_is_let_in_once_and_comes_back_as_itself(
    server: RunningServer, node: NodePeers
) -> None:
    """docs/protocol.md "Connecting": a stock client sends `key=`; held in the waiting room
    (4510), let in, then started again with the same key it is the same participant, not
    held again. Without a key it is someone new, and waits."""
    meeting = await create(server.settings, server.services.store, "Keys", waiting_room=True)
    meeting["tokens"] = {role: url.rsplit("/", 1)[1] for role, url in meeting["links"].items()}
    chair = {"Authorization": f"Bearer {meeting['tokens']['facilitator']}"}
    base = f"/api/meetings/{meeting['id']}/participants"
    key = new_key()

    first = await node.start(
        meeting, "family", card_id="n1", text="Held", expect_close=True, close_code=4510, key=key
    )
    run = await node.result(first)
    assert run.returncode == 0 and run.names() == ["closed"], run
    async with httpx.AsyncClient(base_url=server.address, headers=chair) as http:
        [waiting] = (await http.get(base)).json()["participants"]
        assert (await http.post(f"{base}/{waiting['id']}/admit")).status_code == 200

    py = await server.client(meeting, "facilitator", name="Sam")
    await asyncio.wait_for(py.synced.wait(), 5)
    again = await node.start(
        meeting, "family", card_id="n2", text="Back as myself", wait_for="py-card", key=key
    )
    py.add_card("py-card", "strengths", "Leo's nan visits on Sundays")
    run = await node.result(again)
    assert run.returncode == 0 and run.names() == ["synced", "wrote", "seen", "cards"], run
    await py.wait_for(lambda: "n2" in py.cards(), timeout=PEER_TIMEOUT)

    keyless = await node.start(
        meeting, "family", card_id="n3", text="Held", expect_close=True, close_code=4510
    )
    run = await node.result(keyless)
    assert run.returncode == 0 and run.names() == ["closed"], run
    async with httpx.AsyncClient(base_url=server.address, headers=chair) as http:
        people = (await http.get(base)).json()["participants"]
    family = [(p["id"], p["admission"]) for p in people if p["role"] == "family"]
    assert family == [(waiting["id"], "admitted"), (family[1][0], "waiting")], people
    await py.disconnect()


async def test_node_peer_joining_five_present_people_is_not_closed(
    server: RunningServer, node: NodePeers
) -> None:
    """A stock provider passes on every presence change it hears: joining a room where five
    people are present, its first presence frame names all five. That is no claim on their
    clientIDs, and no reason to close it (the server once did, 4400, at more than 4)."""
    meeting = await server.meeting()
    present = []
    for n in range(5):
        client = await server.client(meeting, "professional", name=f"Person {n}")
        await asyncio.wait_for(client.synced.wait(), 5)
        await client.set_presence({"user": {"color": "#000000"}})
        present.append(client)
    await present[0].wait_for(lambda: len(present[0].presence) >= 5)

    process = await node.start(
        meeting, "family", card_id="node-card", text="Nan Rita visits", wait_for="py-card"
    )
    await present[0].wait_for(lambda: "node-card" in present[0].cards(), timeout=PEER_TIMEOUT)
    # The peer has heard everyone by now, and passed it on: it is still connected.
    await present[0].wait_for(lambda: len(present[0].presence) >= 6, timeout=PEER_TIMEOUT)
    present[0].add_card("py-card", "strengths", "Leo's nan visits on Sundays")
    run = await node.result(process)
    assert run.returncode == 0 and run.names() == ["synced", "wrote", "seen", "cards"], run
    # The others' entries it passed on changed nothing of theirs: each is still who they are.
    names = {s["user"]["name"] for s in present[0].presence.values() if s and "user" in s}
    assert {f"Person {n}" for n in range(5)} <= names
