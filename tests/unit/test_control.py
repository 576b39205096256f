"""The relay's control messages (server/live/control.py): typed here, and on the wire the JSON
objects earlier releases send and read, so that two releases agree during a rolling restart."""

from __future__ import annotations

import json

import pytest

from server.board.permissions import Status
from server.live import control

WIRE = [
    (control.StatusChanged(Status.ENDED), {"action": "status", "value": "ended"}),
    (control.LockChanged(True), {"action": "locked", "value": True}),
    (control.Deleted(), {"action": "deleted"}),
    (
        control.Close(4401, "link revoked", links=(3, 7)),
        {"action": "close", "links": [3, 7], "code": 4401, "reason": "link revoked"},
    ),
    (
        control.Close(4403, "taken out", participants=("p1",)),
        {"action": "close", "participants": ["p1"], "code": 4403, "reason": "taken out"},
    ),
    # New in the release that routes meetings (sharing.py); earlier ones ignore it.
    (control.Left("main"), {"action": "left", "layer": "main"}),
]


@pytest.mark.parametrize(("message", "wire"), WIRE)
def test_each_message_is_the_json_earlier_releases_use(
    message: control.Control, wire: dict[str, object]
) -> None:
    assert json.loads(control.encode(message)) == wire
    assert control.decode(json.dumps(wire).encode()) == message


def test_an_action_from_a_newer_release_is_ignored_and_garbage_is_an_error() -> None:
    assert control.decode(b'{"action": "renamed", "value": "x"}') is None
    with pytest.raises(ValueError):
        control.decode(b"[1, 2]")
