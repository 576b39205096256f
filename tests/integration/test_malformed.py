"""A malformed-input matrix: one bad frame closes only its sender, and changes nothing.

For each bad frame: the sender is closed with the documented code and a reason; the other
participants stay connected and keep editing; and the room's document (as a fresh client
sees it, and as the update log holds it) is exactly what it was before.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc, Map, Text

from server.board.permissions import Layer
from server.sync import closes, crdt, protocol
from server.sync.awareness import Entry, encode_update
from server.sync.protocol import (
    PermissionDenied,
    QueryAwareness,
    SyncStep1,
    SyncStep2,
    SyncUpdate,
    encode,
    write_var_bytes,
    write_var_string,
    write_var_uint,
)
from tests.conftest import RunningServer, running_server
from tests.malformed_cases import PANIC_UPDATE, PARTIAL_UPDATE
from tests.yclient import YClient


def awareness_frame(payload: bytes) -> bytes:
    return encode(protocol.AwarenessUpdate(payload))


def awareness_entry(state_json: str, *, utf8: bool = True) -> bytes:
    head = write_var_uint(1) + write_var_uint(123) + write_var_uint(1)
    if utf8:
        return head + write_var_string(state_json)
    return head + write_var_bytes(b"\xff\xfe")


def card_update(item_id: str, text: str) -> bytes:
    """An ordinary, valid update adding one card (made in a scratch document)."""
    doc: Doc = Doc()
    card = Map({"section": "harm", "text": Text(text), "order": "a1"})
    doc.get("items", type=Map)[item_id] = card
    return doc.get_update()


MALFORMED = closes.MALFORMED


REJECTED = closes.UPDATE_REJECTED


CASES: list[tuple[str, bytes | str, int]] = [
    ("empty_frame", b"", MALFORMED),
    ("truncated_varint", b"\x80", MALFORMED),
    ("varint_too_long", b"\xff" * 10, MALFORMED),
    ("unknown_message_type", b"\x07", MALFORMED),
    ("unknown_sync_step", b"\x00\x09\x00", MALFORMED),
    ("sync_without_payload", b"\x00\x02", MALFORMED),
    ("huge_declared_length", b"\x00\x02" + write_var_uint(2**40), MALFORMED),
    ("declared_length_past_frame", b"\x00\x02" + write_var_uint(40) + b"\x00" * 10, MALFORMED),
    ("trailing_bytes_after_update", encode(SyncUpdate(crdt.EMPTY_UPDATE)) + b"\x00", MALFORMED),
    ("trailing_bytes_after_query", encode(QueryAwareness()) + b"\x03", MALFORMED),
    ("garbage", bytes.fromhex("1337deadbeefcafe"), MALFORMED),
    ("text_frame", "hello, is this the meeting?", MALFORMED),
    ("auth_message_from_client", encode(PermissionDenied("let me in")), MALFORMED),
    ("awareness_bad_json", awareness_frame(awareness_entry("{not json")), MALFORMED),
    ("awareness_state_is_a_list", awareness_frame(awareness_entry("[1, 2]")), MALFORMED),
    ("awareness_state_is_a_string", awareness_frame(awareness_entry('"hi"')), MALFORMED),
    ("awareness_state_not_utf8", awareness_frame(awareness_entry("", utf8=False)), MALFORMED),
    ("awareness_count_too_high", awareness_frame(write_var_uint(3)), MALFORMED),
    (
        "awareness_trailing_bytes",
        awareness_frame(encode_update([Entry(123, 1, {})]) + b"\x00"),
        MALFORMED,
    ),
    ("bad_state_vector", encode(SyncStep1(b"\xff\xff\xff")), MALFORMED),
    ("truncated_state_vector", encode(SyncStep1(b"\x02\x01")), MALFORMED),
    ("unappliable_update", b"\x00\x02" + write_var_bytes(b"\xff\xff\xff"), REJECTED),
    ("unappliable_step2", encode(SyncStep2(b"\xff\xff\xff")), REJECTED),
    ("truncated_update", encode(SyncUpdate(card_update("x1", "Dad walks Mia")[:-3])), REJECTED),
    ("partially_applied_update", encode(SyncUpdate(PARTIAL_UPDATE)), REJECTED),
    ("rust_panic_update", encode(SyncUpdate(PANIC_UPDATE)), REJECTED),
]


def state_vector(data: bytes) -> dict[int, int]:
    reader = protocol.Reader(data)
    result = {reader.var_uint(): reader.var_uint() for _ in range(reader.var_uint())}
    reader.expect_end()
    return result


async def fresh_view(srv: RunningServer, meeting: dict[str, Any]) -> tuple[str, dict[int, int]]:
    """The document as a newly connected client gets it: card data and state vector."""
    checker = await srv.client(meeting, "viewer", name="Checker")
    try:
        await asyncio.wait_for(checker.synced.wait(), 5)
        return checker.dump(), state_vector(checker.doc.get_state())
    finally:
        await checker.disconnect()


async def logged_state(srv: RunningServer, meeting: dict[str, Any]) -> dict[int, int]:
    """The state vector of everything in the update log (what a restart would load)."""
    await srv.services.journal.flush()
    updates = await srv.services.store.load(meeting["id"], Layer.MAIN)
    return state_vector(crdt.doc_from_updates(updates).get_state())


async def first_of(*waits: Coroutine[Any, Any, None]) -> None:
    """Wait until one of several conditions holds (each raises on its own timeout)."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def connected(srv: RunningServer, meeting: dict[str, Any], role: str, name: str) -> YClient:
    client = await srv.client(meeting, role, name=name)
    await asyncio.wait_for(client.synced.wait(), 5)
    return client


async def assert_only_sender_closed(
    srv: RunningServer, frame: bytes | str, code: int, *, baseline_text: str = "Nan visits weekly"
) -> None:
    meeting = await srv.meeting()
    witness = await connected(srv, meeting, "facilitator", "Sam")
    peer = await connected(srv, meeting, "family", "Jo")
    witness.add_card("base", "strengths", baseline_text)
    await peer.wait_for(lambda: "base" in peer.cards())
    before = await fresh_view(srv, meeting)

    sender = await connected(srv, meeting, "professional", "Alex")
    assert sender.ws is not None
    await sender.ws.send(frame)
    await sender.wait_closed()
    assert sender.close_code == code, (sender.close_code, sender.close_reason)
    assert sender.close_reason.strip(), "a close must say why"

    assert not witness.closed.is_set() and not peer.closed.is_set()
    assert await fresh_view(srv, meeting) == before
    assert await logged_state(srv, meeting) == before[1]

    # The room still works: an edit travels from one remaining client to the other.
    witness.add_card("after", "goals", "Mia sleeps at home every night")
    await peer.wait_for(lambda: "after" in peer.cards())
    after_dump, after_state = await fresh_view(srv, meeting)
    assert after_dump == witness.dump() == peer.dump()
    assert set(witness.cards()) == {"base", "after"}
    assert after_state == await logged_state(srv, meeting)
    for client in (witness, peer):
        assert client.close_code is None
        await client.disconnect()


@pytest.mark.parametrize(("frame", "code"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
async def test_bad_frame_closes_only_its_sender(
    server: RunningServer, frame: bytes | str, code: int
) -> None:
    await assert_only_sender_closed(server, frame, code)


async def test_partially_applied_update_then_later_edits_still_sync(server: RunningServer) -> None:
    """After the room is rebuilt from its log, the sender can come back and edit normally."""
    meeting = await server.meeting()
    witness = await connected(server, meeting, "facilitator", "Sam")
    sender = await connected(server, meeting, "professional", "Alex")
    witness.add_card("base", "strengths", "Uncle Ray cooks on Fridays")
    await sender.wait_for(lambda: "base" in sender.cards())
    for round_ in range(2):
        await sender.send(encode(SyncUpdate(PARTIAL_UPDATE)))
        await sender.wait_closed()
        assert sender.close_code == REJECTED
        sender = await connected(server, meeting, "professional", f"Alex {round_}")
        sender.add_card(f"ok{round_}", "safety", "Gran has a key")
        await witness.wait_for(lambda r=round_: f"ok{r}" in witness.cards())  # type: ignore[misc]
    assert set(witness.cards()) == {"base", "ok0", "ok1"}
    assert witness.dump() == (await fresh_view(server, meeting))[0]
    await witness.disconnect()
    await sender.disconnect()


@pytest.fixture
async def small_frames(tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(tmp_path, SAFETYMAP_MAX_FRAME_BYTES="2048") as srv:
        yield srv


@pytest.fixture
async def small_documents(tmp_path: Path) -> AsyncIterator[RunningServer]:
    async with running_server(tmp_path, SAFETYMAP_MAX_DOCUMENT_BYTES="4096") as srv:
        yield srv


async def test_frame_over_the_limit_is_1009(small_frames: RunningServer) -> None:
    # The baseline card itself travels in a frame just under the limit, so it is accepted.
    near = "a" * 1800
    assert len(encode(SyncUpdate(card_update("base", near)))) < 2048
    big = encode(SyncUpdate(card_update("big", "b" * 3000)))
    assert len(big) > 2048
    await assert_only_sender_closed(small_frames, big, closes.MESSAGE_TOO_BIG, baseline_text=near)


async def test_one_update_past_the_document_limit_is_4413(small_documents: RunningServer) -> None:
    big = encode(SyncUpdate(card_update("big", "Long account of the weekend. " * 170)))
    assert 4096 < len(big) < 1024 * 1024
    await assert_only_sender_closed(small_documents, big, closes.DOCUMENT_TOO_LARGE)


async def test_rewriting_a_card_many_times_stays_under_the_limit(
    small_documents: RunningServer,
) -> None:
    # Rewritten words leave the document but stay in the log until it is compacted: the
    # limit is on the document, so ten rewrites of a 1 KiB card (10 KiB of log against a
    # 4 KiB limit, no compaction meanwhile) are all kept.
    srv = small_documents
    meeting = await srv.meeting()
    writer = await connected(srv, meeting, "professional", "Alex")
    watcher = await connected(srv, meeting, "viewer", "Wall screen")
    writer.add_card("c", "safety", "draft 0 " + "x" * 1024)
    for i in range(1, 11):
        text = writer.items["c"]["text"]
        with writer.doc.transaction():
            del text[:]
            text += f"draft {i} " + "x" * 1024
        seen = watcher.wait_for(
            lambda i=i: watcher.cards().get("c", "").startswith(f"draft {i} ")  # type: ignore[misc]
        )
        await first_of(seen, writer.wait_closed())
        assert not writer.closed.is_set(), (writer.close_code, writer.close_reason)
    dump, _ = await fresh_view(srv, meeting)
    assert dump == watcher.dump() == writer.dump()
    await watcher.disconnect()
    await writer.disconnect()


async def test_document_growing_past_the_limit_keeps_only_whole_updates(
    small_documents: RunningServer,
) -> None:
    srv = small_documents
    meeting = await srv.meeting()
    writer = await connected(srv, meeting, "professional", "Alex")
    # A viewer watches: the test client echoes what it receives, and a viewer's echo is
    # checked for changes rather than counted against the size limit.
    watcher = await connected(srv, meeting, "viewer", "Wall screen")
    accepted = 0
    for i in range(20):
        writer.add_card(f"c{i}", "safety", f"{i} " + "Aunt Bea checks in by phone. " * 20)
        seen = watcher.wait_for(lambda i=i: f"c{i}" in watcher.cards())  # type: ignore[misc]
        await first_of(seen, writer.wait_closed())
        if writer.closed.is_set():
            break
        accepted += 1
    assert writer.close_code == closes.DOCUMENT_TOO_LARGE, writer.close_reason
    assert writer.close_reason.strip()
    assert accepted >= 2
    assert f"c{accepted}" in writer.cards()  # the refused card was sent ...
    dump, state = await fresh_view(srv, meeting)
    assert set(watcher.cards()) == {f"c{i}" for i in range(accepted)}  # ... and kept nowhere
    assert dump == watcher.dump()
    assert state == await logged_state(srv, meeting)
    assert watcher.close_code is None
    await watcher.disconnect()


async def test_rejoining_near_the_limit_is_not_refused(small_documents: RunningServer) -> None:
    srv = small_documents
    meeting = await srv.meeting()
    writer = await connected(srv, meeting, "professional", "Alex")
    watcher = await connected(srv, meeting, "viewer", "Wall screen")
    writer.add_card("c", "harm", "ab" * 800)
    text = writer.items["c"]["text"]
    with writer.doc.transaction():
        for i in range(500):  # 500 separate deleted ranges: a delete set of ~1.4 kB
            del text[i : i + 1]
    expected = str(text)
    await watcher.wait_for(lambda: watcher.cards().get("c") == expected)
    assert writer.close_code is None  # both edits fitted under the limit (~3.2 of 4 kB)

    await writer.disconnect()
    await writer.connect()  # answers the server's step 1 with its delete set, nothing new
    await asyncio.wait_for(writer.synced.wait(), 5)
    # The writer sent its step 2 before it was synced; a round trip after it shows its fate.
    answered = len(writer.received)
    await writer.send(encode(QueryAwareness()))
    await writer.wait_for(lambda: writer.closed.is_set() or len(writer.received) > answered)
    assert writer.close_code is None, (writer.close_code, writer.close_reason)
    await writer.disconnect()
    await watcher.disconnect()
