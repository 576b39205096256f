"""What a process keeps of relayed messages is bounded in bytes: its outbox while Redis is away,
what it puts on the stream, and what it remembers of what it read. Updates and presence may be
dropped to stay within the bounds (the others then reload from the database); a meeting-wide
action never is."""

from __future__ import annotations

import json

import pytest

from server.live import relay as relay_module
from server.live.relay import Kind, Message, Relay, encode

NOWHERE = "redis://127.0.0.1:9/0"  # never connected to in the tests that only queue


ENDED = json.dumps({"action": "status", "value": "ended"}).encode()


def test_large_updates_travel_as_markers_and_large_presence_stays_home() -> None:
    relay = Relay(NOWHERE, max_entry=1024)
    relay.publish(Kind.UPDATE, "m1", "main", b"u" * 1024)  # at the bound: carried
    relay.publish(Kind.UPDATE, "m1", "main", b"u" * 1025)
    relay.publish(Kind.UPDATE, "m1", "main", b"u" * 5000)  # that marker is still waiting
    relay.publish(Kind.AWARENESS, "m1", "main", b"a" * 1025)
    relay.publish(Kind.UPDATE, "m2", "main", b"u" * 2000)
    relay.publish(Kind.CONTROL, "m1", "", ENDED + b" " * 2000)  # an action is never cut
    sizes = [(m.kind, m.meeting_id, len(m.payload)) for m in relay._outbox]
    assert sizes == [
        (Kind.UPDATE, "m1", 1024),
        (Kind.UPDATE, "m1", 0),
        (Kind.UPDATE, "m2", 0),
        (Kind.CONTROL, "m1", len(ENDED) + 2000),
    ]
    assert relay._outbox[1].is_marker("m1", "main")


def test_an_overflowing_outbox_drops_updates_and_presence_never_an_action() -> None:
    relay = Relay(NOWHERE, outbox_bytes=64 * 1024)
    relay.publish(Kind.CONTROL, "m1", "", ENDED)
    for n in range(1000):  # 1 MB of updates and presence while Redis is away
        relay.publish(Kind.UPDATE if n % 2 else Kind.AWARENESS, "m1", "main", b"x" * 1000)
        assert relay._outbox_bytes <= 64 * 1024 + 1200
    relay.publish(Kind.CONTROL, "m1", "", b'{"action": "deleted"}')
    kinds = [m.kind for m in relay._outbox]
    assert kinds[0] is Kind.CONTROL and kinds[-1] is Kind.CONTROL
    assert sum(m.kind is Kind.CONTROL for m in relay._outbox) == 2
    assert relay._outbox_bytes == sum(m.cost for m in relay._outbox)
    assert relay._lost  # the others will be told to reload from the database


def test_what_was_read_is_kept_within_a_budget_and_for_a_minute(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    relay = Relay(NOWHERE, recent_bytes=100_000, max_entry=4096)
    delivered: list[Message] = []

    def entry(kind: Kind, payload: bytes) -> dict[bytes, bytes]:
        fields = encode(Message(kind, "another process", "m1", "main", payload, 1.0))
        return {k.encode(): v if isinstance(v, bytes) else v.encode() for k, v in fields.items()}

    mark = relay.mark()
    # From a process that does not bound what it publishes: 1 MB updates and presence.
    relay._take(entry(Kind.UPDATE, b"u" * 2**20), delivered.append)
    relay._take(entry(Kind.AWARENESS, b"a" * 2**20), delivered.append)
    assert [(m.kind, m.payload) for m in delivered] == [(Kind.UPDATE, b"")]  # reload from log
    assert relay.since(mark) == delivered
    for _ in range(100):  # 400 KB of small updates: only the newest 100 KB are kept
        relay._take(entry(Kind.UPDATE, b"s" * 4000), delivered.append)
    assert relay._recent_bytes <= 100_000 and len(relay._recent) < 30
    assert relay.since(mark) is None  # forgotten: the loading room reloads from the log
    monkeypatch.setattr(relay_module, "_RECENT_SECONDS", 0.0)
    relay._forget_old()
    assert not relay._recent and relay._recent_bytes == 0
