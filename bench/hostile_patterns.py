#!/usr/bin/env python
"""The attacker of bench/hostile.py: one hostile pattern against one meeting, from one link.

hostile.py runs this as its own process (SCHED_IDLE, on the load generator's CPU), so that building
and sending the attack's frames does not share an event loop with the quiet meeting's clients
it times:

    python bench/hostile_patterns.py '<spec as JSON>'

It builds its frames, prints "ready", waits for "go" on stdin, attacks for `seconds` from
`parallel` connections at a time (each a tab with a participant key of its own, reused on
every reconnect as y-websocket does), closes what is still open and prints one line of JSON:
what it sent and how the server closed it. Every pattern stays within the server's join
limit (a token bucket here, a little under the server's) and per-connection message limit,
and reconnects whenever the server closes it, as an attacker would. Not a test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import secrets
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from pycrdt import Doc, Map, Text
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's `server`

from server.sync import protocol, structs
from server.sync.protocol import write_var_bytes, write_var_string, write_var_uint

# What each pattern is, the link it comes from and how many connections it keeps going.
PATTERNS: dict[str, tuple[str, str, int]] = {
    "presence": ("presence flood", "family", 1),
    "held": ("held updates", "family", 1),
    "noop": ("read-only no-ops", "viewer", 1),
    "malformed": ("malformed frames", "family", 16),
    "storm": ("reconnect storm", "viewer", 8),
}

FLOOD_FRAMES = 20  # presence: frames per connection of ...
FLOOD_ENTRIES = 20_000  # ... this many clientIDs each (as many as fit in a frame)
CLAIMED = 4  # presence: clientIDs a connection claims first (the server's cap)
RENEWALS = 50  # presence: renewals of those 4 large states before the flood
BIG_FRAMES = 4  # held: frames just under 1 MiB, then small ones until the server closes
SMALL_FRAMES = 500
# A close code that means the link no longer works: the attacker of that tab gives up.
PERMANENT = {4401, 4403}


@dataclass(frozen=True, slots=True)
class Spec:
    pattern: str
    ws_url: str
    meeting_id: str
    token: str
    seconds: float
    parallel: int
    join_count: int
    join_period: float
    message_count: int
    message_period: float
    max_frame: int  # SAFETYMAP_MAX_FRAME_BYTES
    max_held: int  # bytes of held updates one connection may have (max document bytes / 4)


@dataclass(slots=True)
class Stats:
    pattern: str
    connections: int = 0
    failed_connects: int = 0  # handshakes refused or timed out
    frames: int = 0
    bytes: int = 0
    codes: dict[str, int] = field(default_factory=dict)  # close code -> connections
    prepare_seconds: float = 0.0
    attack_seconds: float = 0.0
    notes: list[str] = field(default_factory=list)


class Pace:
    """A token bucket on the attacker's side, a little inside a server limit."""

    def __init__(self, count: int, period: float, margin: float = 0.9) -> None:
        self.burst = max(1.0, count * margin)
        self.rate = count / period * margin
        self.tokens = self.burst
        self.stamp = time.monotonic()

    async def take(self, deadline: float) -> bool:
        """Wait for a token; False if none comes before `deadline`."""
        while True:
            now = time.monotonic()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return True
            wait = (1.0 - self.tokens) / self.rate
            if now + wait > deadline:
                return False
            await asyncio.sleep(wait)


def new_key() -> str:
    return secrets.token_urlsafe(32)  # 43 URL-safe characters, as tests/yclient.py sends


def url(spec: Spec, key: str) -> str:
    query = urlencode({"token": spec.token, "name": "Visitor", "key": key})
    return f"{spec.ws_url}/{spec.meeting_id}?{query}"


async def open_ws(address: str) -> ClientConnection:
    return await connect(
        address, max_size=None, ping_interval=None, compression=None, open_timeout=10
    )


async def drain(ws: ClientConnection) -> None:
    """Read and drop whatever the server sends, so it never counts us as too slow."""
    with contextlib.suppress(ConnectionClosed):
        async for _ in ws:
            pass


def update_frame(update: bytes) -> bytes:
    return protocol.encode(protocol.SyncUpdate(update))


def delete_set_update(client: int, clock: int, length: int) -> bytes:
    """A v1 update with no structs and one deleted range."""
    return (
        b"\x00\x01"
        + write_var_uint(client)
        + b"\x01"
        + write_var_uint(clock)
        + (write_var_uint(length))
    )


# Sessions: what one connection does once open. True: wait for the server to close it.

Session = Callable[[ClientConnection, float, Stats], Awaitable[bool]]


async def send(ws: ClientConnection, frame: bytes | str, stats: Stats) -> None:
    await ws.send(frame)
    stats.frames += 1
    stats.bytes += len(frame)


# 1. Presence flood ------------------------------------------------------------------------


def presence_entry(client: int, clock: int, raw: str) -> bytes:
    return write_var_uint(client) + write_var_uint(clock) + write_var_string(raw)


def presence_frame(entries: list[bytes]) -> bytes:
    payload = write_var_uint(len(entries)) + b"".join(entries)
    return bytes([protocol.MESSAGE_AWARENESS]) + write_var_bytes(payload)


def sized_state(size: int, seed: int) -> str:
    """A presence state of exactly `size` bytes of JSON, as a browser's might look, padded."""
    if size >= 200:
        head = '{"user":{"name":"Visitor","color":"#30bced"},"cursor":{"card":"c-%04d"},"x":"'
    else:
        head = '{"cursor":{"card":"c-%04d"},"x":"'
    head %= seed % 10_000
    return head + "y" * (size - len(head) - 2) + '"}'


def flood_frames(max_frame: int) -> list[bytes]:
    """FLOOD_FRAMES frames of fresh clientIDs: 20,000 small states, and the largest states the
    server takes (4,096 bytes) as many as fit in a frame, alternately."""
    frames = []
    room = max_frame - 16
    for n in range(FLOOD_FRAMES):
        entries: list[bytes] = []
        if n % 2 == 0:
            size, count = 44, FLOOD_ENTRIES
        else:
            size, count = 4096, FLOOD_ENTRIES
        total = 0
        for i in range(count):
            entry = presence_entry(random.getrandbits(32) | 1 << 31, 1, sized_state(size, i))
            if total + len(entry) > room:
                break
            entries.append(entry)
            total += len(entry)
        frames.append(presence_frame(entries))
    return frames


def presence_session(spec: Spec) -> Session:
    flood = flood_frames(spec.max_frame)
    big = [sized_state(4000, i) for i in range(CLAIMED)]

    async def session(ws: ClientConnection, deadline: float, stats: Stats) -> bool:
        # New clientIDs on every connection: claim the 4 allowed with ~4 KB states, renew them
        # (each renewal is relayed to everyone in the meeting), then flood.
        ids = [random.getrandbits(32) for _ in range(CLAIMED)]
        for clock in range(1, RENEWALS + 1):
            if time.monotonic() > deadline:
                return False
            await send(
                ws,
                presence_frame(
                    [presence_entry(c, clock, s) for c, s in zip(ids, big, strict=True)]
                ),
                stats,
            )
            await asyncio.sleep(0.01)
        for frame in flood:
            await send(ws, frame, stats)
        return True

    return session


# 2. Held updates --------------------------------------------------------------------------


def held_frames(spec: Spec) -> list[bytes]:
    """Updates that can never be applied: they build on a struct (a card made by a Yjs client
    we never send) that never arrives. Four frames just under 1 MiB that together stay within
    what the server holds for one connection, then small deletions of that client's structs."""
    phantom: Doc[Any] = Doc()
    phantom.get("items", type=Map)["phantom"] = Map({"section": "harm", "text": Text("x")})
    doc: Doc[Any] = Doc()
    doc.apply_update(phantom.get_update())
    text = doc.get("items", type=Map)["phantom"]["text"]
    per_frame = min(spec.max_frame - 64, spec.max_held // BIG_FRAMES - 4096)
    frames = []
    for n in range(BIG_FRAMES):
        before = doc.get_state()
        # The first builds on the phantom's character, the next ones on the previous frame.
        text.insert(len(text), "abcdefghij"[n] * (per_frame - 40))
        frames.append(update_frame(doc.get_update(before)))
    # Deletions of the phantom's structs that do not exist: ~15 bytes each, all waiting.
    frames += [
        update_frame(delete_set_update(phantom.client_id, 1000 + i, 1)) for i in range(SMALL_FRAMES)
    ]
    assert all(len(f) <= spec.max_frame for f in frames)
    return frames


def held_session(spec: Spec) -> Callable[[], Session]:
    def one_tab() -> Session:
        frames = held_frames(spec)  # a Yjs client of its own per tab

        async def session(ws: ClientConnection, deadline: float, stats: Stats) -> bool:
            pace = Pace(spec.message_count, spec.message_period)
            for frame in frames:
                if not await pace.take(deadline):
                    return False
                await send(ws, frame, stats)
            return True

        return session

    return one_tab


# 3. Read-only no-ops ----------------------------------------------------------------------


async def noop_frames(spec: Spec) -> list[bytes]:
    """~16-byte updates that change nothing: a deleted range the map already holds (read from
    the map, as a screen that synced it would), alternately as an update and a sync step 2,
    and every fourth the empty update."""
    doc: Doc[Any] = Doc()
    ws = await open_ws(url(spec, new_key()))
    try:
        await ws.send(protocol.encode(protocol.SyncStep1(doc.get_state())))
        async for frame in ws:
            assert isinstance(frame, bytes)
            message = protocol.decode(frame)
            if isinstance(message, protocol.SyncStep2):
                doc.apply_update(message.update)
                break
    finally:
        await ws.close()
    deletes = structs.shape(doc.get_update(doc.get_state())).deletes
    if not deletes:
        raise RuntimeError("the attacked map has no deletions to resend")
    frames = []
    for i, (client, clock, length) in enumerate(deletes):
        update = delete_set_update(client, clock, min(length, 2))
        kind = protocol.SyncUpdate if i % 2 else protocol.SyncStep2
        frames.append(protocol.encode(kind(update)))
        if i % 3 == 2:
            frames.append(update_frame(b"\x00\x00"))
    return frames


def noop_session(spec: Spec, frames: list[bytes]) -> Session:
    position = 0

    async def session(ws: ClientConnection, deadline: float, stats: Stats) -> bool:
        nonlocal position
        pace = Pace(spec.message_count, spec.message_period)
        while await pace.take(deadline):
            await send(ws, frames[position % len(frames)], stats)
            position += 1
        return False

    return session


# 4. Malformed frames ----------------------------------------------------------------------


def malformed_frames() -> list[bytes | str]:
    rng = random.Random(15)
    return [
        b"\x00\x00" + b"\xff" * 9,  # a varint too long
        b"\x07",  # unknown message type
        b"\x00\x05\x00",  # unknown sync message type
        b"\x00\x02\x40\x01\x02",  # a length past the end of the frame
        b"\x00\x02\x02\x00\x00\x00",  # trailing bytes
        b"\x01" + write_var_bytes(b"\x01\x05\x01" + write_var_string("{not json")),
        update_frame(rng.randbytes(48)),  # garbage where an update should be
        b"\x00\x00" + write_var_bytes(b"\x85\x80\x80\x80\x02"),  # a state vector claiming 2**29
        b"\x02\x01",  # an auth message from a client
        b"\x03\x00",  # query awareness with trailing bytes
        "text frames are not part of the protocol",
        rng.randbytes(64),
    ]


def malformed_session() -> Session:
    frames = malformed_frames()
    position = 0

    async def session(ws: ClientConnection, deadline: float, stats: Stats) -> bool:
        nonlocal position
        for _ in range(3):  # a burst; the first one closes the connection
            await send(ws, frames[position % len(frames)], stats)
            position += 1
        return True

    return session


# 5. Reconnect storm -----------------------------------------------------------------------


def storm_session() -> Session:
    step1 = protocol.encode(protocol.SyncStep1(b"\x00"))  # an empty document: send me all

    async def session(ws: ClientConnection, deadline: float, stats: Stats) -> bool:
        await send(ws, step1, stats)
        return False  # and leave at once

    return session


# Running ----------------------------------------------------------------------------------


async def tab(
    spec: Spec, stats: Stats, joins: Pace, session: Session, deadline: float, key: str
) -> None:
    """One attacker's tab: connect, do `session`, and when closed connect again."""
    address = url(spec, key)
    while time.monotonic() < deadline:
        if not await joins.take(deadline):
            return
        try:
            ws = await open_ws(address)
        except Exception:  # refused handshake, timeout: try again
            stats.failed_connects += 1
            await asyncio.sleep(0.1)
            continue
        stats.connections += 1
        reader = asyncio.create_task(drain(ws))
        wait = False
        try:
            wait = await session(ws, deadline, stats)
        except ConnectionClosed:
            wait = True
        if wait:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(reader), 2.0)
        if not reader.done():
            await ws.close()
            await reader
        code = ws.close_code
        stats.codes[str(code)] = stats.codes.get(str(code), 0) + 1
        if code in PERMANENT:
            stats.notes.append(f"closed with {code}: gave up this tab")
            return
        if code in (4529, 4503):  # try again, as a stock client does
            await asyncio.sleep(0.5)


async def main(spec: Spec) -> Stats:
    stats = Stats(spec.pattern)
    started = time.monotonic()
    tabs = spec.parallel
    one_tab: Callable[[], Session]
    if spec.pattern == "presence":
        shared = presence_session(spec)
        one_tab = lambda: shared  # noqa: E731
    elif spec.pattern == "held":
        one_tab = held_session(spec)
    elif spec.pattern == "noop":
        shared = noop_session(spec, await noop_frames(spec))
        one_tab = lambda: shared  # noqa: E731
    elif spec.pattern == "malformed":
        shared = malformed_session()
        one_tab = lambda: shared  # noqa: E731
    elif spec.pattern == "storm":
        shared = storm_session()
        one_tab = lambda: shared  # noqa: E731
    else:
        raise SystemExit(f"unknown pattern {spec.pattern}")
    sessions = [one_tab() for _ in range(tabs)]
    keys = [new_key() for _ in range(tabs)]
    stats.prepare_seconds = time.monotonic() - started
    print("ready", flush=True)
    if (await asyncio.to_thread(sys.stdin.readline)).strip() != "go":
        raise SystemExit("not told to go")
    joins = Pace(spec.join_count, spec.join_period)
    started = time.monotonic()
    deadline = started + spec.seconds
    await asyncio.gather(
        *(tab(spec, stats, joins, s, deadline, k) for s, k in zip(sessions, keys, strict=True))
    )
    stats.attack_seconds = time.monotonic() - started
    return stats


if __name__ == "__main__":
    # The quiet meeting's clients share this CPU and time what they receive: the attacker
    # runs only when they leave the CPU idle (an attacker has a machine of its own), so what
    # is measured is the server, not this process's handshakes delaying the receiver.
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (OSError, AttributeError):
        with contextlib.suppress(OSError):
            os.nice(19)
    result = asyncio.run(main(Spec(**json.loads(sys.argv[1]))))
    print(json.dumps(asdict(result)), flush=True)
