"""Helpers for the stateful convergence test: a server on its own thread, and a manual peer.

`ServerThread` runs the real server in a background thread with its own event loop, so
a synchronous test (Hypothesis drives the steps) can talk to it over real sockets and still
run server-side code on the server's loop with `call`.

`Peer` is a synchronous Yjs client whose incoming frames are only applied when the test says
so (`deliver`): that is how the test reorders and delays messages. Local edits are sent at
once while connected; offline edits stay in the document and sync on reconnect.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

from pycrdt import Doc, Map, TransactionEvent
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from server.services import Services
from server.settings import Settings
from server.sync import protocol
from server.sync.closes import TOO_SLOW
from server.ws.serve import Server

from .conftest import free_port, make_settings, start_server

T = TypeVar("T")

# Codes a server may legitimately close a well-behaved peer with; anything else is a bug.
ALLOWED_CLOSES = frozenset({1000, 1001, TOO_SLOW})


class ServerThread:
    """A real server (SQLite in `data_dir`) on a free port, served from a background thread."""

    def __init__(self, data_dir: Path, **overrides: str) -> None:
        port = free_port()
        self.settings: Settings = make_settings(
            data_dir, port, SAFETYMAP_PORT=str(port), **overrides
        )
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name="safetymap-server", daemon=True)
        self._uv: Server | None = None
        self._task: asyncio.Task[None] | None = None

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        try:
            self.loop.run_forever()
        finally:
            pending = asyncio.all_tasks(self.loop)
            for task in pending:
                task.cancel()
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
            self.loop.run_until_complete(self.loop.shutdown_default_executor())
            self.loop.close()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 15.0) -> T:
        """Run a coroutine on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def start(self) -> None:
        self._thread.start()
        self._uv, self._task = self.call(start_server(self.settings))

    @property
    def services(self) -> Services:
        assert self._uv is not None
        services: Services = self._uv.app.state.services
        return services

    def stop(self) -> None:
        if self._uv is not None and self._task is not None:
            self._uv.stop()
            self.call(_finish(self._task), timeout=20)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(20)

    def wait_until(self, check: Callable[[], bool], timeout: float = 5.0) -> None:
        """Poll `check` on the server's loop (it reads server state) until it holds."""

        async def holds() -> bool:
            return check()

        deadline = time.monotonic() + timeout
        while not self.call(holds()):
            if time.monotonic() > deadline:
                raise TimeoutError("server condition not met in time")
            time.sleep(0.01)


async def _finish(task: asyncio.Task[None]) -> None:
    await asyncio.wait_for(task, 15)


def decode_state_vector(data: bytes) -> dict[int, int]:
    reader = protocol.Reader(data)
    result = {}
    for _ in range(reader.var_uint()):
        client = reader.var_uint()
        result[client] = reader.var_uint()
    return result


def items_json(doc: Doc) -> str:
    return json.dumps(doc.get("items", type=Map).to_py(), sort_keys=True)


class Peer:
    """A pycrdt Doc behind a synchronous websocket whose deliveries the test controls."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.doc: Doc = Doc()
        self.ws: ClientConnection | None = None
        self.synced = False  # received the server's SyncStep2 on the current connection
        self.closes: list[tuple[int | None, str]] = []  # closes the server initiated
        self._outbox: list[bytes] = []
        self._applying = False
        self.doc.observe(self._on_change)

    @property
    def connected(self) -> bool:
        return self.ws is not None

    @property
    def items(self) -> Map[Any]:
        return self.doc.get("items", type=Map)

    def dump(self) -> str:
        return items_json(self.doc)

    def state(self) -> dict[int, int]:
        return decode_state_vector(self.doc.get_state())

    # Connection ---------------------------------------------------------------------------

    def connect(self, *, answer_now: bool) -> None:
        """Open a socket and send SyncStep1; with `answer_now`, answer the server's step 1
        before returning, else leave it queued for a later `deliver`."""
        assert self.ws is None
        self.synced = False
        self.ws = connect(
            self.url,
            compression=None,
            proxy=None,
            open_timeout=5,
            ping_interval=None,
            close_timeout=5,
            max_size=None,
            max_queue=None,  # buffer everything; `deliver` decides when frames count
            legacy=True,  # a plain connection object, closed by `disconnect`
        )
        self._send(protocol.SyncStep1(self.doc.get_state()))
        if answer_now:
            deadline = time.monotonic() + 5
            while self.ws is not None and time.monotonic() < deadline:
                if isinstance(self._receive_one(timeout=1.0), protocol.SyncStep1):
                    return
            raise AssertionError(f"no SyncStep1 from the server on connect (closes: {self.closes})")

    def disconnect(self) -> None:
        """Close from the client side; frames not yet delivered are lost with the socket."""
        ws, self.ws = self.ws, None
        self._outbox.clear()
        if ws is not None:
            ws.close()

    # Delivery -----------------------------------------------------------------------------

    def deliver(self, limit: int | None = None, timeout: float = 0.02) -> int:
        """Apply up to `limit` frames that arrive within `timeout` of each other."""
        count = 0
        while self.ws is not None and (limit is None or count < limit):
            if self._receive_one(timeout) is None:
                break
            count += 1
        return count

    def _receive_one(self, timeout: float) -> protocol.Message | None:
        assert self.ws is not None
        try:
            frame = self.ws.recv(timeout=timeout)
        except TimeoutError:
            return None
        except ConnectionClosed:
            self._lost()
            return None
        assert isinstance(frame, bytes), "the server sent a text frame"
        message = protocol.decode(frame)
        match message:
            case protocol.SyncStep1(state_vector):
                self._send(protocol.SyncStep2(self.doc.get_update(state_vector)))
            case protocol.SyncStep2(update):
                self._apply(update)
                self.synced = True
            case protocol.SyncUpdate(update):
                self._apply(update)
            case protocol.PermissionDenied(reason):
                raise AssertionError(f"permission denied for an allowed edit: {reason}")
            case _:
                pass  # awareness is not part of this test
        return message

    # Sending ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def editing(self) -> Iterator[None]:
        """Make local changes in one transaction; send the update at once if connected."""
        with self.doc.transaction():
            yield
        outbox, self._outbox = self._outbox, []
        for update in outbox:
            self._send(protocol.SyncUpdate(update))

    def _on_change(self, event: TransactionEvent) -> None:
        if not self._applying and self.ws is not None:
            self._outbox.append(event.update)

    def _apply(self, update: bytes) -> None:
        self._applying = True
        try:
            self.doc.apply_update(update)
        finally:
            self._applying = False

    def _send(self, message: protocol.Message) -> None:
        if self.ws is None:
            return
        try:
            self.ws.send(protocol.encode(message))
        except ConnectionClosed:
            self._lost()

    def _lost(self) -> None:
        ws, self.ws = self.ws, None
        self._outbox.clear()
        if ws is not None:
            self.closes.append((ws.close_code, ws.close_reason or ""))
            ws.close()


def room_url(ws_url: str, meeting_id: str, token: str, name: str) -> str:
    # A participant key of the peer's own (docs/protocol.md, "Connecting"): its reconnects
    # are the same participant, who owns the clientIDs it wrote with.
    key = hashlib.sha256(f"{token}:{name}".encode()).hexdigest()
    return f"{ws_url}/{meeting_id}?" + urlencode({"token": token, "name": name, "key": key})
