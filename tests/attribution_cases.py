"""What tests/*/test_attribution.py shares between its tiers (the pure checks in
tests/unit and the ones against a real server)."""

from __future__ import annotations

import time

from pycrdt import Doc, Map, Text

from server.sync import protocol
from tests.yclient import YClient


def forged_edit(victim: YClient, sender: YClient, card_id: str) -> bytes:
    """A tiny update written under `victim`'s Yjs clientID, as `sender` would send it."""
    forged: Doc = Doc(client_id=victim.doc.client_id)
    forged.apply_update(sender.doc.get_update())
    before = forged.get_state()
    forged.get("items", type=Map)[card_id] = Map({"section": "safety", "text": Text("x")})
    return protocol.encode(protocol.SyncUpdate(forged.get_update(before)))


async def present(client: YClient, watcher: YClient) -> None:
    """`client` announces itself, and `watcher` sees its clientID in presence."""
    await client.set_presence({"cursor": None}, clock=int(time.time()))
    await watcher.wait_for(lambda: watcher.presence.get(client.doc.client_id) is not None)
