"""What a hostile participant tried against the document rules, through a real server and real
websockets (issue 14; each found by an attack on the first version of the rules):

- a hand-made update whose odd content makes pycrdt fail while it reports the change, with
  the deletion of someone else's card in it: the room kept the deletion, unjudged, and served
  it to everyone who synced;
- stances and marks as plain JSON objects instead of Y.Maps, naming other people;
- a card hidden by giving it a section no reader shows;
- maps nested 500 deep that made ending the meeting fail;
- a withdrawal whose time is not a time, which broke the Markdown and PDF records.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from pycrdt import Doc, Map, Text, merge_updates

from server.sync import protocol
from tests.conftest import RunningServer
from tests.integration.test_export import run_export
from tests.waiting import within
from tests.yclient import YClient

AT = "2026-05-12T10:00:00+01:00"


async def joined(server: RunningServer, meeting: dict[str, Any], role: str, name: str) -> YClient:
    client = await server.client(meeting, role, name=name)
    await within(client.synced.wait(), 20, "client synced")
    await client.whoami()
    return client


def card(author: str, text: str, **more: Any) -> Map[Any]:
    fields = {"section": "danger", "text": Text(text), "order": "a0", "author": author}
    return Map({**fields, "createdAt": AT, **more})


async def send_update(client: YClient, update: bytes) -> None:
    await client.send(protocol.encode(protocol.SyncUpdate(update)))


def scratch(client: YClient) -> Doc[Any]:
    """A copy of the client's document under a clientID of its own (as a hand-made client)."""
    doc: Doc[Any] = Doc()
    doc.apply_update(client.doc.get_update())
    return doc


def _varuint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | 0x80 if n else byte)
        if not n:
            return bytes(out)


def _string(s: str) -> bytes:
    return _varuint(len(s.encode())) + s.encode()


def format_marker_at(client_id: int, key: str) -> bytes:
    """An update of one struct: a text formatting marker (ContentFormat) at items[key]."""
    info = 6 | 0x20  # ContentFormat, with a parentSub (a map key), no origins
    struct = _varuint(client_id) + _varuint(0) + bytes([info]) + _varuint(1) + _string("items")
    content = _string(key) + _string("bold") + _string("true")
    return _varuint(1) + _varuint(1) + struct + content + _varuint(0)


async def test_a_deletion_hidden_in_an_update_the_rules_cannot_read_is_not_kept(
    server: RunningServer,
) -> None:
    meeting = await server.meeting()
    sam = await joined(server, meeting, "facilitator", "Sam")
    dana = await joined(server, meeting, "professional", "Dana")
    dana.items["c1"] = card(await dana.whoami(), "Police worry")
    await sam.wait_for(lambda: "c1" in sam.cards())
    mum = await joined(server, meeting, "family", "Mum")
    await mum.wait_for(lambda: "c1" in mum.cards())
    copy = scratch(mum)
    before = copy.get_state()
    del copy.get("items", type=Map)["c1"]
    smuggled = merge_updates(format_marker_at(copy.client_id, "k"), copy.get_update(before))
    await send_update(mum, smuggled)
    await mum.wait_closed()
    assert mum.close_code in (4403, 4422)
    # Whoever syncs now gets the card: the room went back to its log.
    late = await joined(server, meeting, "professional", "Late")
    assert "c1" in late.cards() and "k" not in late.items
    await sam.disconnect()
    await sam.connect()
    await within(sam.synced.wait(), 20, "sam synced")
    await sam.wait_for(lambda: "c1" in sam.cards())
    assert sam.close_code is None  # the facilitator's own sync is accepted after it


async def test_stances_and_marks_as_plain_objects_are_held_to_their_owners(
    server: RunningServer,
) -> None:
    meeting = await server.meeting()
    sam = await joined(server, meeting, "facilitator", "Sam")
    dana = await joined(server, meeting, "professional", "Dana")
    sam_id, dana_id = await sam.whoami(), await dana.whoami()
    dana.items["c1"] = card(dana_id, "Police worry", stance=Map())
    scale = {"question": "How safe?", "low": "Not", "high": "Very", "ratings": Map()}
    sam.doc.get("scales", type=Map)["s1"] = Map(scale)
    await dana.wait_for(lambda: "s1" in dana.doc.get("scales", type=Map) and "c1" in sam.cards())
    forged_mark = {"value": 10, "reason": "Completely safe now", "at": AT}

    def forgeries(c: YClient, me: str) -> list[Callable[[], object]]:
        scales = c.doc.get("scales", type=Map)
        return [
            lambda: c.items["c1"].__setitem__("stance", {sam_id: "dispute"}),
            lambda: scales["s1"].__setitem__("ratings", {sam_id: forged_mark}),
            lambda: c.items.__setitem__("c2", card(me, "Mine", stance={dana_id: "agree"})),
            lambda: scales.__setitem__("s2", Map({**scale, "ratings": {sam_id: forged_mark}})),
        ]

    for n in range(4):
        mum = await joined(server, meeting, "family", "Mum")
        await mum.wait_for(lambda m=mum: "c1" in m.cards())
        forgeries(mum, await mum.whoami())[n]()
        await mum.wait_closed()
        assert mum.close_code == 4403
    check = await joined(server, meeting, "professional", "Check")
    assert dict(check.items["c1"]["stance"]) == {}
    assert dict(check.doc.get("scales", type=Map)["s1"]["ratings"]) == {}
    assert "c2" not in check.items and "s2" not in check.doc.get("scales", type=Map)


async def test_a_card_cannot_be_hidden_by_moving_it_out_of_every_section(
    server: RunningServer,
) -> None:
    meeting = await server.meeting()
    dana = await joined(server, meeting, "professional", "Dana")
    dana.items["c1"] = card(await dana.whoami(), "Police worry")
    for hide in (
        lambda c: c.items["c1"].__setitem__("section", "zzz"),
        lambda c: c.items["c1"].pop("section"),
    ):
        mum = await joined(server, meeting, "family", "Mum")
        await mum.wait_for(lambda m=mum: "c1" in m.cards())
        hide(mum)
        await mum.wait_closed()
        assert mum.close_code == 4403
    # Moving it to another section is anyone's to do.
    mum = await joined(server, meeting, "family", "Mum")
    await mum.wait_for(lambda: "c1" in mum.cards())
    mum.items["c1"]["section"] = "complicating"
    await dana.wait_for(lambda: dana.items["c1"]["section"] == "complicating")


def nest(client: YClient, parent: Map[Any], key: str, depth: int) -> None:
    """Maps nested `depth` deep at parent[key], in one transaction (one update)."""
    with client.doc.transaction():
        parent[key] = Map()
        inner = parent[key]
        for _ in range(depth):
            inner["x"] = Map()
            inner = inner["x"]


async def test_deep_nesting_and_a_bad_withdrawal_time_never_break_the_record(
    server: RunningServer, tmp_path: Path
) -> None:
    meeting = await server.meeting()
    sam = await joined(server, meeting, "facilitator", "Sam")
    mum = await joined(server, meeting, "family", "Mum")
    me = await mum.whoami()
    mum.items["c1"] = card(me, "Mum's worry")
    nest(mum, mum.items, "zz", 500)  # no section: no reader shows it, but must cope
    nest(mum, mum.items["c1"], "notes", 500)  # a field of a card: readers must cope
    await sam.wait_for(lambda: "zz" in sam.items and "notes" in sam.items.get("c1", {}))
    other = await joined(server, meeting, "professional", "Dana")
    other.items["c2"] = card(await other.whoami(), "Dana's worry")
    bad = await joined(server, meeting, "family", "Dad")
    await bad.wait_for(lambda: "c2" in bad.cards())
    bad.items["c2"]["withdrawn"] = {"by": await bad.whoami(), "at": "x"}
    await bad.wait_closed()
    assert bad.close_code == 4403
    md = await run_export(server, meeting["id"], tmp_path / "draft.md", "--format", "md")
    assert "Mum's worry" in md and "Dana's worry" in md
    auth = {"Authorization": f"Bearer {meeting['tokens']['facilitator']}"}
    async with httpx.AsyncClient(base_url=server.address, headers=auth) as http:
        assert (await http.post(f"/api/meetings/{meeting['id']}/end")).status_code == 200
