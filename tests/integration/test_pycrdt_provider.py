"""pycrdt's own `Provider`, over a websockets connection, syncs with the server.

The provider knows nothing of this project: it only needs pycrdt's four-member `Channel`
(`path`, `send`, `recv`, async iteration). The adapter below is all it takes, which shows the
server speaks the same sync protocol as pycrdt, not just as our own test client.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from pycrdt import Doc, Map, Provider, Text, TransactionEvent
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosedOK

from tests.conftest import RunningServer


class WebsocketChannel:
    """A pycrdt `Channel` around a websockets client connection."""

    def __init__(self, ws: ClientConnection, path: str) -> None:
        self._ws = ws
        self._path = path

    @property
    def path(self) -> str:
        return self._path

    def __aiter__(self) -> WebsocketChannel:
        return self

    async def __anext__(self) -> bytes:
        try:
            return await self.recv()
        except ConnectionClosedOK:
            raise StopAsyncIteration from None

    async def send(self, message: bytes) -> None:
        await self._ws.send(message)

    async def recv(self) -> bytes:
        message = await self._ws.recv()
        assert isinstance(message, bytes), "the server sends binary frames only"
        return message


def _cards(doc: Doc) -> dict[str, str]:
    items = doc.get("items", type=Map)
    return {key: str(card["text"]) for key, card in items.items()}


async def _wait_doc(doc: Doc, condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Wait until `condition` holds, re-checking after each transaction on `doc`."""
    changed = asyncio.Event()

    def on_change(_: TransactionEvent) -> None:
        changed.set()

    subscription = doc.observe(on_change)
    try:
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("condition not met in time")
            changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)
    finally:
        doc.unobserve(subscription)


def _card(section: str, text: str) -> Map[Any]:
    return Map({"section": section, "text": Text(text), "order": "a0"})


async def test_pycrdt_provider_exchanges_edits_with_a_peer(server: RunningServer) -> None:
    meeting = await server.meeting()
    peer = await server.client(meeting, "family", name="Jo")
    await asyncio.wait_for(peer.synced.wait(), 5)
    peer.add_card("from-peer", "strengths", "Aunt Priya drives Sol to football")

    doc: Doc = Doc()
    items = doc.get("items", type=Map)
    items["offline"] = _card("harm", "Sol's school reported two missed days")  # before connecting
    query = urlencode({"token": meeting["tokens"]["professional"], "name": "Provider"})
    async with connect(f"{server.ws_url}/{meeting['id']}?{query}", max_size=None) as ws:
        provider = Provider(doc, WebsocketChannel(ws, meeting["id"]))
        async with provider:
            await asyncio.wait_for(provider.synced.wait(), 5)
            # Server to provider: the peer's card, whether in SyncStep2 or relayed after it.
            await _wait_doc(doc, lambda: "from-peer" in items)
            # Provider to server: the offline card goes out in its SyncStep2 reply.
            await peer.wait_for(lambda: "offline" in peer.cards())

            # Live edits, both ways.
            items["from-provider"] = _card("goals", "Sol sleeps at home every night")
            await peer.wait_for(lambda: "from-provider" in peer.cards())
            peer.items["from-provider"]["text"].insert(0, "Agreed: ")
            await _wait_doc(doc, lambda: str(items["from-provider"]["text"]).startswith("Agreed"))
            text = items["from-peer"]["text"]
            text.insert(len(text), " on Saturdays")
            await peer.wait_for(lambda: peer.cards()["from-peer"].endswith(" on Saturdays"))

            expected = {
                "from-peer": "Aunt Priya drives Sol to football on Saturdays",
                "offline": "Sol's school reported two missed days",
                "from-provider": "Agreed: Sol sleeps at home every night",
            }
            assert _cards(doc) == expected
            assert peer.cards() == expected
            assert items["offline"]["section"] == "harm"

    # What the provider sent is durable: a late joiner gets the same document from the server.
    late = await server.client(meeting, "viewer")
    await late.wait_for(lambda: len(late.cards()) == 3)
    assert late.dump() == peer.dump()
