"""A minimal Yjs peer for tests: a pycrdt Doc synced over a real websocket.

It speaks the wire protocol with the project's own encoder, applies what it receives, sends
its local edits, and records how the server closed it. Waiting is always on a condition with
a timeout, never a fixed sleep.

Like a well-behaved stock client, each YClient sends a participant key of its own (`key=`), so
its reconnects are the same participant; `key=False` sends none (every connection is someone
new), a string sends that key. `relationship=` is sent with the name, as the join page sends
it for a family member. `token=None` with `cookie=` opens the socket as a browser's board
does: by its join cookie, without a token.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import secrets
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from pycrdt import Doc, Map, Text, TransactionEvent
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server.sync import awareness, protocol


def new_key() -> str:
    return secrets.token_urlsafe(32)


class YClient:
    def __init__(
        self,
        ws_url: str,
        room: str,
        token: str | None,
        *,
        name: str = "",
        key: str | bool = True,
        cookie: str = "",
        relationship: str = "",
        agency: str = "",
    ) -> None:
        self.key = new_key() if key is True else (key or None)
        query = {"token": token, "name": name} if token is not None else {}
        if token is not None and relationship:
            query["relationship"] = relationship
        if token is not None and agency:
            query["agency"] = agency
        if token is not None and self.key:
            query["key"] = self.key
        self.url = f"{ws_url}/{room}" + (f"?{urlencode(query)}" if query else "")
        self.cookie = cookie
        self.doc: Doc = Doc()
        self.ws: ClientConnection | None = None
        self.synced = asyncio.Event()
        self.closed = asyncio.Event()
        self.close_code: int | None = None
        self.close_reason = ""
        self.received: list[bytes] = []
        self.presence: dict[int, dict[str, Any] | None] = {}
        self.updates_received = 0
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self._applying = False  # set while applying a remote update: not ours to send back
        self.doc.observe(self._on_local)

    # Connection ---------------------------------------------------------------------------

    async def connect(self) -> None:
        self.synced.clear()
        self.closed.clear()
        self.close_code, self.close_reason = None, ""
        headers = {"Cookie": self.cookie} if self.cookie else None
        self.ws = await connect(
            self.url, max_size=None, ping_interval=None, additional_headers=headers
        )
        self._reader = asyncio.create_task(self._read(self.ws))
        await self.send(protocol.encode(protocol.SyncStep1(self.doc.get_state())))

    async def disconnect(self) -> None:
        if self.ws is not None:
            await self.ws.close()
            await self.wait_closed()
            self.ws = None

    async def send(self, frame: bytes) -> None:
        assert self.ws is not None
        with contextlib.suppress(ConnectionClosed):
            await self.ws.send(frame)

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for frame in ws:
                assert isinstance(frame, bytes)
                self.received.append(frame)
                await self._handle(frame)
        except ConnectionClosed:
            pass
        finally:
            self.close_code, self.close_reason = ws.close_code, ws.close_reason or ""
            self.closed.set()
            self._changed.set()

    async def _handle(self, frame: bytes) -> None:
        message = protocol.decode(frame)
        match message:
            case protocol.SyncStep1(state_vector):
                reply = protocol.SyncStep2(self.doc.get_update(state_vector))
                await self.send(protocol.encode(reply))
            case protocol.SyncStep2(update):
                self._apply(update)
                self.synced.set()
            case protocol.SyncUpdate(update):
                self.updates_received += 1
                self._apply(update)
            case protocol.AwarenessUpdate(payload):
                for entry in awareness.decode_update(payload):
                    self.presence[entry.client_id] = entry.state
        self._changed.set()

    def _apply(self, update: bytes) -> None:
        # Observers run synchronously inside apply_update, so a flag tells them apart.
        self._applying = True
        try:
            self.doc.apply_update(update)
        finally:
            self._applying = False

    def _on_local(self, event: TransactionEvent) -> None:
        if self.ws is None or self._applying:
            return
        frame = protocol.encode(protocol.SyncUpdate(event.update))
        asyncio.get_running_loop().create_task(self.send(frame))

    # Helpers for tests --------------------------------------------------------------------

    async def wait_for(self, condition: Callable[[], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("condition not met in time")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_closed(self, timeout: float = 5.0) -> None:
        await asyncio.wait_for(self.closed.wait(), timeout)

    async def set_presence(self, state: dict[str, Any], clock: int = 1) -> None:
        entry = awareness.Entry(self.doc.client_id, clock, state)
        payload = awareness.encode_update([entry])
        await self.send(protocol.encode(protocol.AwarenessUpdate(payload)))

    @property
    def items(self) -> Map[Any]:
        return self.doc.get("items", type=Map)

    def add_card(self, item_id: str, section: str, text: str) -> None:
        self.items[item_id] = Map({"section": section, "text": Text(text), "order": "a0"})

    def cards(self) -> dict[str, str]:
        result = {}
        for key, value in self.items.items():
            if isinstance(value, Map) and isinstance(value.get("text"), Text):
                result[key] = str(value["text"])
        return result

    def dump(self) -> str:
        return json.dumps(self.items.to_py(), sort_keys=True, default=str)

    async def whoami(self, timeout: float = 5.0) -> str:
        """This connection's participant id, as the server stamps it on our own presence."""
        if self.presence.get(self.doc.client_id) is None:
            await self.set_presence({"cursor": None})
        await self.wait_for(lambda: self.presence.get(self.doc.client_id) is not None, timeout)
        state = self.presence[self.doc.client_id]
        assert state is not None
        return str(state["user"]["id"])
