"""Random edits, deliveries, disconnects and reconnects; in the end everyone agrees.

After yjs's tests/testHelper.js, as a Hypothesis state machine: three editors (facilitator,
professional, family) and a read-only shared screen work on one meeting's shared map through
a real server. Each peer only applies incoming frames when a `deliver` step says so, in
chunks, so updates arrive late, out of step with local edits, or never (a disconnect drops
whatever was not delivered). Editors keep editing offline and resync on reconnect, either
answering the server's step 1 at once or leaving it queued behind later edits.

When a run ends every peer reconnects and delivers until all agree; then a fresh peer (the
server's view) and a document rebuilt from the database after the room unloaded must agree
with them too.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from pycrdt import Map, Text

from server.board.model import SECTIONS
from server.board.permissions import Layer
from server.live import meetings
from server.sync import crdt
from tests.stateful_peer import (
    ALLOWED_CLOSES,
    Peer,
    ServerThread,
    decode_state_vector,
    items_json,
    room_url,
)

# (role, fictional display name). The last one only watches.
PEOPLE = (("facilitator", "Sam"), ("professional", "Alex"), ("family", "Jo"), ("viewer", "Screen"))
EDITORS = range(3)
EVERYONE = range(len(PEOPLE))

# A small pool of ids, so cards are deleted and added again under the same id. Each editor has
# its own (card ids are fresh random strings in the product: two people never add the same
# one, and replacing someone else's card is the facilitator's, see document_rules.py).
CARD_IDS = ("c1", "c2", "c3", "c4", "c5")
FACILITATOR = 0
# Multi-byte characters too: pycrdt indexes text in UTF-8 bytes, so edits use char boundaries.
TEXT = st.text(alphabet="ab ëZ😀", min_size=1, max_size=4)
FIELDS = st.one_of(
    st.tuples(st.just("section"), st.sampled_from(SECTIONS)),
    st.tuples(st.just("order"), st.sampled_from(("a1", "a2", "aV", "b", "Zz"))),
    st.tuples(st.just("owner"), st.sampled_from(("Sam", "Jo's aunt", "school nurse"))),
    st.tuples(st.just("status"), st.sampled_from(("not_started", "in_progress", "done"))),
)
PICK = st.integers(min_value=0, max_value=1_000)
CONVERGE_SECONDS = 5.0


def boundaries(text: Text) -> list[int]:
    """Index of every character boundary, in pycrdt's UTF-8 byte offsets."""
    return [0, *itertools.accumulate(len(ch.encode()) for ch in str(text))]


class ConvergenceMachine(RuleBasedStateMachine):
    server: ServerThread  # set by the test function

    def __init__(self) -> None:
        super().__init__()
        services = self.server.services
        created = self.server.call(
            meetings.create(self.server.settings, services.store, "Stateful convergence")
        )
        self.meeting_id: str = created["id"]
        self.tokens = {role: url.rsplit("/", 1)[1] for role, url in created["links"].items()}
        self.ws_url: str = created["ws_url"]
        self.peers = [Peer(self._url(role, name)) for role, name in PEOPLE]
        for peer in self.peers:
            peer.connect(answer_now=True)

    def _url(self, role: str, name: str) -> str:
        return room_url(self.ws_url, self.meeting_id, self.tokens[role], name)

    def _card(self, editor: int, pick: int) -> Map[Any] | None:
        items = self.peers[editor].items
        cards = sorted(key for key, value in items.items() if isinstance(value, Map))
        return items[cards[pick % len(cards)]] if cards else None

    # Network ------------------------------------------------------------------------------

    @rule(who=st.sampled_from(EVERYONE), limit=st.none() | st.integers(1, 3))
    def deliver(self, who: int, limit: int | None) -> None:
        self.peers[who].deliver(limit)

    @precondition(lambda self: any(p.connected for p in self.peers))
    @rule(pick=PICK)
    def disconnect(self, pick: int) -> None:
        online = [p for p in self.peers if p.connected]
        online[pick % len(online)].disconnect()

    @precondition(lambda self: not all(p.connected for p in self.peers))
    @rule(pick=PICK, answer_now=st.booleans())
    def reconnect(self, pick: int, answer_now: bool) -> None:
        offline = [p for p in self.peers if not p.connected]
        offline[pick % len(offline)].connect(answer_now=answer_now)

    # Edits --------------------------------------------------------------------------------

    @rule(editor=st.sampled_from(EDITORS), card_id=st.sampled_from(CARD_IDS),
          section=st.sampled_from(SECTIONS), text=TEXT)  # fmt: skip
    def add_card(self, editor: int, card_id: str, section: str, text: str) -> None:
        peer = self.peers[editor]
        card_id = f"{card_id}-{editor}"
        if card_id in peer.items:
            return  # a new card, never a replacement
        card = Map({"section": section, "text": Text(text), "order": "a1"})
        with peer.editing():
            peer.items[card_id] = card

    @rule(pick=PICK)
    def delete_card(self, pick: int) -> None:
        # Only the facilitator deletes a card without an author; the others would withdraw it.
        peer = self.peers[FACILITATOR]
        keys = sorted(peer.items.keys())
        if keys:
            with peer.editing():
                del peer.items[keys[pick % len(keys)]]

    @rule(editor=st.sampled_from(EDITORS), pick=PICK, at=PICK, text=TEXT)
    def insert_text(self, editor: int, pick: int, at: int, text: str) -> None:
        card = self._card(editor, pick)
        if card is not None and isinstance(card.get("text"), Text):
            body: Text = card["text"]
            spots = boundaries(body)
            with self.peers[editor].editing():
                body.insert(spots[at % len(spots)], text)

    @rule(editor=st.sampled_from(EDITORS), pick=PICK, at=PICK, length=st.integers(1, 3))
    def delete_text(self, editor: int, pick: int, at: int, length: int) -> None:
        card = self._card(editor, pick)
        if card is not None and isinstance(card.get("text"), Text):
            body: Text = card["text"]
            spots = boundaries(body)
            if len(spots) > 1:
                start = at % (len(spots) - 1)
                end = spots[min(start + length, len(spots) - 1)]
                with self.peers[editor].editing():
                    del body[spots[start] : end]

    @rule(editor=st.sampled_from(EDITORS), pick=PICK, field=FIELDS)
    def set_field(self, editor: int, pick: int, field: tuple[str, str]) -> None:
        card = self._card(editor, pick)
        if card is not None:
            key, value = field
            with self.peers[editor].editing():
                card[key] = value

    # Checks -------------------------------------------------------------------------------

    @invariant()
    def server_never_refuses_a_good_peer(self) -> None:
        for (role, _), peer in zip(PEOPLE, self.peers, strict=True):
            unexpected = [c for c in peer.closes if c[0] not in ALLOWED_CLOSES]
            assert not unexpected, f"server closed the {role} peer: {unexpected}"

    def teardown(self) -> None:
        try:
            self._everyone_converges()
        finally:
            for peer in self.peers:
                peer.disconnect()

    def _everyone_converges(self) -> None:
        for peer in self.peers:
            if not peer.connected:
                peer.connect(answer_now=True)
        deadline = time.monotonic() + CONVERGE_SECONDS
        while not self._converged():
            self.server_never_refuses_a_good_peer()
            if time.monotonic() > deadline:
                raise AssertionError("peers did not converge:\n" + self._describe())
            for peer in self.peers:
                if not peer.connected:
                    peer.connect(answer_now=True)  # closed as too slow: resync
                peer.deliver(timeout=0.01)
        agreed = self.peers[0].dump()

        fresh = Peer(self._url("viewer", "Late screen"))
        try:
            fresh.connect(answer_now=True)
            deadline = time.monotonic() + CONVERGE_SECONDS
            while not fresh.synced:
                assert fresh.connected, f"fresh peer closed: {fresh.closes}"
                assert time.monotonic() < deadline, "fresh peer got no SyncStep2"
                fresh.deliver(limit=1, timeout=0.1)
            assert fresh.dump() == agreed, "the server's document differs from the peers'"
        finally:
            fresh.disconnect()

        for peer in self.peers:
            peer.disconnect()
        rooms = self.server.services.rooms
        self.server.wait_until(lambda: rooms.loaded(self.meeting_id, Layer.MAIN) is None)
        rows = self.server.call(self.server.services.store.load(self.meeting_id, Layer.MAIN))
        reloaded = items_json(crdt.doc_from_updates(rows))
        assert reloaded == agreed, "the document rebuilt from the database differs"

    def _describe(self) -> str:
        lines = [f"server room: {self.server.call(self._room_state())}"]
        for (role, _), peer in zip(PEOPLE, self.peers, strict=True):
            lines.append(
                f"{role}: connected={peer.connected} synced={peer.synced} "
                f"state={peer.state()} items={peer.dump()}"
            )
        return "\n".join(lines)

    async def _room_state(self) -> dict[int, int] | None:
        room = self.server.services.rooms.loaded(self.meeting_id, Layer.MAIN)
        return decode_state_vector(room.doc.get_state()) if room else None

    def _converged(self) -> bool:
        if not all(p.connected and p.synced for p in self.peers):
            return False
        first = self.peers[0]
        return all(p.state() == first.state() and p.dump() == first.dump() for p in self.peers)


# Default settings, and background compaction running between almost every edit (it once
# lost text that was appended while it merged).
SERVER_SETTINGS = {
    "default": {},
    "compacting": {"SAFETYMAP_COMPACT_INTERVAL": "0.05", "SAFETYMAP_COMPACT_THRESHOLD": "2"},
}


@pytest.fixture(params=sorted(SERVER_SETTINGS))
def server_thread(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ServerThread]:
    running = ServerThread(tmp_path / "data", **SERVER_SETTINGS[request.param])
    try:
        running.start()
        yield running
    finally:
        running.stop()


def test_random_edits_and_deliveries_converge(server_thread: ServerThread) -> None:
    class Machine(ConvergenceMachine):
        server = server_thread

    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
