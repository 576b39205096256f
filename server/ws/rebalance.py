"""Rebalancing: send one process's websockets back through the proxy.

A websocket stays on the process it first reached. After a rolling restart (SIGTERM one
process, start it again, then the next) every client has reconnected away from each process
in turn, so they all end on whichever was restarted first and the others serve nobody. The
shipped nginx config sends each meeting to one process (a consistent hash of the meeting id),
but only *new* connections. So `safetymap serve` takes SIGUSR1 as "shed your websockets": it
closes them with REBALANCE (4512), which a client reconnects on at once, through the proxy, to
its meeting's own process, every client of a meeting to the same one (a share of them would
split meetings over processes, and a split meeting costs both processes its work). Those
already home come straight back. Nobody loses an edit: what a client sent is durable before it
is relayed, and a reconnect resyncs the rest.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from types import FrameType
from typing import TypeVar

from starlette.applications import Starlette

from server.live.rooms import Rooms
from server.sync.closes import REBALANCE, REBALANCING

log = logging.getLogger(__name__)

SIGNAL = signal.SIGUSR1
SHARE = 1.0  # all: each meeting goes back whole to the process its id hashes to

T = TypeVar("T")


def spread(items: Sequence[T], share: float) -> list[T]:
    """`share` of `items` (rounded down), picked evenly through them, so each meeting's
    connections, listed together, lose about that share and no meeting moves whole."""
    return [item for i, item in enumerate(items) if int((i + 1) * share) > int(i * share)]


def rebalance(rooms: Rooms, share: float = SHARE) -> int:
    """Close `share` of this process's websockets so they reconnect elsewhere; how many."""
    connections = rooms.connections()
    moving = spread(connections, share)
    for peer in moving:
        peer.close(REBALANCE, REBALANCING)
    log.info(
        "rebalancing: closed %d of %d websockets with %d; they reconnect through the proxy",
        len(moving),
        len(connections),
        REBALANCE,
    )
    return len(moving)


def on_signal(app: Starlette) -> None:
    """SIGUSR1 rebalances the process serving `app` (called in the main thread, before the
    server runs; uvicorn keeps SIGINT and SIGTERM for itself)."""

    def handle(_signum: int, _frame: FrameType | None) -> None:
        services = getattr(app.state, "services", None)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return  # not serving yet, or any more
        if services is not None:
            # A signal handler runs between two bytecodes of whatever the loop was doing:
            # leave the closing to the loop's next turn.
            loop.call_soon_threadsafe(rebalance, services.rooms)

    signal.signal(SIGNAL, handle)
