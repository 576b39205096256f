"""The storage contract: what `Store` promises, run against both real databases
(SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from pycrdt import Doc, Map, Text
from sqlalchemy import text, update

from server import store as store_module
from server.board.links import new_key
from server.board.permissions import Admission, Layer, Role, Status
from server.store import (
    Author,
    LogEntry,
    MeetingFull,
    MeetingGone,
    Participant,
    Refusal,
    Store,
    append,
    audit,
    now,
    pg_writer,
)
from server.store.people import shown_names
from server.store.schema import create_engine, links
from server.store.schema.migrate import upgrade
from server.sync import crdt
from tests.databases import BACKENDS, database_url, migrated_store
from tests.waiting import eventually, within


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with migrated_store(request.param, tmp_path) as opened:
        yield opened


def server_log() -> tuple[list[bytes], dict[str, Any]]:
    """A log as a room journals it: A adds a card, B types into it, A adds another card."""
    server: Doc[Any] = Doc()
    a: Doc[Any] = Doc()
    b: Doc[Any] = Doc()
    log: list[bytes] = []
    subscription = server.observe(lambda event: log.append(event.update))

    def push(peer: Doc[Any]) -> None:
        server.apply_update(peer.get_update(server.get_state()))
        for other in (a, b):
            other.apply_update(server.get_update(other.get_state()))

    a.get("items", type=Map)["c1"] = Map({"text": Text("Gran"), "order": "a1"})
    push(a)
    a.get("items", type=Map)["c1"]["section"] = "strengths"
    push(a)
    b.get("items", type=Map)["c1"]["text"].insert(4, " helps")
    push(b)
    a.get("items", type=Map)["c2"] = Map({"text": Text("School"), "order": "a2"})
    push(a)
    server.unobserve(subscription)
    return log, server.get("items", type=Map).to_py()


def items(updates: list[bytes]) -> dict[str, Any]:
    return crdt.doc_from_updates(updates).get("items", type=Map).to_py()  # type: ignore[no-any-return]


async def test_links_resolve_until_revoked(store: Store) -> None:
    meeting, tokens = await store.create_meeting("Contract", "early_help")
    grants = {role: await store.resolve(token) for role, token in tokens.items()}
    assert {role: g.role for role, g in grants.items() if g} == {r: r for r in Role}
    assert await store.resolve("not-a-token") is None
    assert await store.resolve(tokens[Role.FAMILY][:-2] + "xx") is None
    revoked, new = await store.regenerate_link(meeting.id, Role.FAMILY)
    assert len(revoked) == 1
    assert await store.resolve(tokens[Role.FAMILY]) is None
    fresh = await store.resolve(new)
    assert fresh is not None and fresh.role is Role.FAMILY and fresh.meeting_id == meeting.id


async def test_guest_links_stop_at_the_end_and_after_their_lifetime(store: Store) -> None:
    meeting, tokens = await store.create_meeting("Contract", "child_protection")
    grant = await store.resolve(tokens[Role.FAMILY])
    assert grant is not None
    jo = await store.participant(grant, "Jo")
    # The same database seen by a server whose links last a day: these are an hour old.
    later = Store(store.engine, "test-secret", link_lifetime=timedelta(hours=1))
    later_still = Store(store.engine, "test-secret", link_lifetime=timedelta(hours=2))
    async with store.engine.begin() as conn:
        await conn.execute(update(links).values(created_at=now() - timedelta(hours=1, minutes=30)))
    for role in Role:
        expired = role is not Role.FACILITATOR
        assert (await later.resolve(tokens[role]) is None) is expired, role
        assert (await later_still.resolve(tokens[role]) is None) is False, role
    assert await later.resolve_link(grant.link_id) is None
    assert await later.joined(meeting.id, jo.id) is None
    assert await later_still.joined(meeting.id, jo.id) is not None
    # Once the meeting ends, only the facilitator's link works.
    assert await store.end_meeting(
        meeting.id, None, now(), lambda states, roster, writers, editors: {}
    )
    working = {role for role in Role if await store.resolve(tokens[role]) is not None}
    assert working == {Role.FACILITATOR}
    assert await store.joined(meeting.id, jo.id) is None


async def test_participants_are_found_by_key_never_by_name(store: Store) -> None:
    """Issue 14: a participant comes back by the key their browser or client holds; the same
    name without it is someone new, and the same key on another link finds nobody there."""
    meeting, tokens = await store.create_meeting("Contract", "child_protection")
    grant = await store.resolve(tokens[Role.FAMILY])
    pro = await store.resolve(tokens[Role.PROFESSIONAL])
    assert grant is not None and pro is not None
    key, other = new_key(), new_key()
    jo = await store.participant(grant, "Jo", "Mum", key=key)
    again = await store.participant(grant, "Jo", "Mum", key=key)
    namesake = await store.participant(grant, "Jo", "Mum", key=other)
    keyless = await store.participant(grant, "Jo", "Mum")
    assert jo.id == again.id
    assert len({jo.id, namesake.id, keyless.id}) == 3
    assert (await store.participant(grant, "Someone else", key=key)).id == jo.id
    assert (await store.participant(pro, "Jo", key=key)).id not in {jo.id, namesake.id}
    arrived = await store.arrival(tokens[Role.FAMILY], key)
    assert arrived is not None and arrived[1] is not None and arrived[1].id == jo.id
    arrived = await store.arrival(tokens[Role.FAMILY], new_key())
    assert arrived is not None and arrived[1] is None
    # The same key at the same moment (one client, twice): one participant.
    sam = new_key()
    together = await asyncio.gather(*(store.participant(grant, "Sam", key=sam) for _ in range(5)))
    assert len({p.id for p in together}) == 1
    roster = await store.roster(meeting.id)
    assert [p["name"] for p in roster] == ["Jo", "Jo", "Jo", "Jo", "Sam"]
    assert roster[0] == {"id": jo.id, "name": "Jo", "role": "family", "relationship": "Mum"}
    shown = shown_names(await store.people(meeting.id))
    assert [shown[p["id"]] for p in roster] == ["Jo", "Jo (2)", "Jo (3)", "Jo (4)", "Sam"]


async def test_append_load_and_compact(store: Store) -> None:
    meeting, _ = await store.create_meeting("Contract", "child_protection")
    log, expected = server_log()
    await store.append([LogEntry(meeting.id, Layer.MAIN, u) for u in log])
    assert await store.load(meeting.id, Layer.PROFESSIONAL) == []
    assert items(await store.load(meeting.id, Layer.MAIN)) == expected
    size = await store.compact(meeting.id, Layer.MAIN)
    rows = await store.load(meeting.id, Layer.MAIN)
    assert len(rows) == 1 and len(rows[0]) == size
    assert items(rows) == expected


async def test_compaction_folds_a_long_log_slice_by_slice(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A log of several MiB is merged a slice at a time (memory stays near the document's
    size), and the folded state is the same document: one card rewritten 600 times."""
    meeting, _ = await store.create_meeting("Contract", "child_protection")
    doc: Doc[Any] = Doc()
    log: list[bytes] = []
    subscription = doc.observe(lambda event: log.append(event.update))
    card = doc.get("items", type=Map)
    for i in range(600):
        card["c"] = Map({"section": "safety", "text": Text(f"draft {i} " + "x" * 8192)})
    doc.unobserve(subscription)
    await store.append([LogEntry(meeting.id, Layer.MAIN, u) for u in log])
    merged: list[int] = []
    real_merge = crdt.merge

    def counting_merge(updates: list[bytes]) -> bytes:
        merged.append(sum(map(len, updates)))
        return real_merge(updates)

    monkeypatch.setattr(store_module.crdt, "merge", counting_merge)
    size = await store.compact(meeting.id, Layer.MAIN)
    assert len(merged) > 3 and max(merged) < 2 * 2**20, merged  # 4.8 MiB of log, in slices
    rows = await store.load(meeting.id, Layer.MAIN)
    assert len(rows) == 1 and len(rows[0]) == size < 64 * 1024  # the last draft and tombstones
    assert items(rows) == {"c": {"section": "safety", "text": "draft 599 " + "x" * 8192}}


async def test_compaction_keeps_updates_appended_meanwhile_after_the_state(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows appended while compaction merges must replay after the merged state: yrs drops
    content when an update arrives before what it builds on."""
    meeting, _ = await store.create_meeting("Contract", "child_protection")
    log, expected = server_log()
    await store.append([LogEntry(meeting.id, Layer.MAIN, u) for u in log[:2]])
    merging, release = threading.Event(), threading.Event()
    real_merge = crdt.merge

    def paused_merge(updates: list[bytes]) -> bytes:
        merging.set()
        release.wait(10)
        return real_merge(updates)

    monkeypatch.setattr(store_module.crdt, "merge", paused_merge)
    compaction = asyncio.create_task(store.compact(meeting.id, Layer.MAIN))
    assert await asyncio.to_thread(merging.wait, 10)
    # Appending must not wait for the compaction (live edits go on while it merges).
    appending = store.append([LogEntry(meeting.id, Layer.MAIN, u) for u in log[2:]])
    try:
        await asyncio.wait_for(appending, 5)
    finally:
        release.set()
    await within(compaction, 30, "the paused compaction finished once released")
    rows = await store.load(meeting.id, Layer.MAIN)
    assert len(rows) == 3  # the merged state, then the two appended meanwhile
    assert items(rows) == expected


WITHDREW = (("withdraw", "c1"),)


async def test_end_meeting_once_with_snapshot(store: Store) -> None:
    meeting, tokens = await store.create_meeting("Contract", "children_in_care")
    grant = await store.resolve(tokens[Role.FACILITATOR])
    assert grant is not None
    person = await store.participant(grant, "Sam")
    log, expected = server_log()
    await store.append([LogEntry(meeting.id, Layer.MAIN, u) for u in log])
    # Who wrote in which card, and a withdrawal, in the same commits as the updates.
    sam = Author(person.id, False, "facilitator")
    await store.append(
        [
            LogEntry(meeting.id, Layer.MAIN, crdt.EMPTY_UPDATE, (), sam, ("c1", "c2"), ()),
            LogEntry(meeting.id, Layer.MAIN, crdt.EMPTY_UPDATE, (), sam, ("c1",), WITHDREW),
        ]
    )
    seen: list[tuple[dict[Layer, bytes], list[dict[str, Any]]]] = []
    editors_seen: list[Any] = []

    def render(
        states: dict[Layer, bytes],
        roster: list[dict[str, Any]],
        writers: dict[Layer, Any],
        editors: dict[Layer, Any],
    ) -> dict[str, Any]:
        seen.append((states, roster))
        editors_seen.append(editors)
        return {"k": 1}

    meta = await store.end_meeting(meeting.id, "p1", now(), render)
    assert meta is not None and meta.n == 1
    assert await store.end_meeting(meeting.id, "p1", now(), render) is None
    ended = await store.meeting(meeting.id)
    assert ended is not None and ended.status is Status.ENDED and ended.ended_at is not None
    snapshot = await store.snapshot(meeting.id, 1)
    assert snapshot is not None
    # The snapshot is the whole log as it stood at the end, whoever appended it.
    [(states, roster)] = seen
    assert items([snapshot.state_main]) == expected == items([states[Layer.MAIN]])
    assert snapshot.rendered == {"k": 1, "agreement": []}  # nobody's agreement recorded
    assert snapshot.roster == roster == [person.identity()]
    assert [m.n for m in await store.snapshots(meeting.id)] == [1]
    assert json.dumps(meta.as_json())
    assert editors_seen == [
        {Layer.MAIN: {"c1": [person.id], "c2": [person.id]}, Layer.PROFESSIONAL: {}}
    ]
    trail = [
        e for e in await audit.for_meeting(store.engine, meeting.id) if e.event.action == "withdraw"
    ]
    assert [(e.event.actor.id, e.event.actor.label, dict(e.event.details)) for e in trail] == [
        (person.id, "facilitator", {"card": "c1", "layer": "main"})
    ]


async def test_the_log_refuses_updates_of_an_ended_meeting(store: Store) -> None:
    """Another process may still hold an edit when this one ends the meeting: the log keeps
    it only if it lands before the end (and so in the snapshot), and refuses it after."""
    ended, _ = await store.create_meeting("Ended", "child_protection")
    still_open, _ = await store.create_meeting("Open", "child_protection")
    log, expected = server_log()
    assert (
        await store.end_meeting(ended.id, None, now(), lambda states, roster, writers, editors: {})
        is not None
    )
    refused = await store.append(
        [LogEntry(ended.id, Layer.MAIN, log[0])]
        + [LogEntry(still_open.id, Layer.MAIN, u) for u in log]
    )
    assert refused == {0: Refusal.ENDED}
    assert await store.load(ended.id, Layer.MAIN) == []
    assert items(await store.load(still_open.id, Layer.MAIN)) == expected


async def test_compactions_from_two_processes_take_turns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two server processes (two engines) compacting one meeting: the second waits for the
    first, so it never writes a merged state over one that already folded in newer rows."""
    async with database_url("postgresql", tmp_path) as url:
        engines = [create_engine(url), create_engine(url)]
        await upgrade(engines[0])
        first, second = (Store(engine, "test-secret") for engine in engines)
        try:
            meeting, _ = await first.create_meeting("Contract", "child_protection")
            log, expected = server_log()
            await first.append([LogEntry(meeting.id, Layer.MAIN, u) for u in log[:2]])
            merging, release = threading.Event(), threading.Event()
            real_merge = crdt.merge
            calls = 0

            def merge_pausing_the_first(updates: list[bytes]) -> bytes:
                nonlocal calls
                calls += 1
                if calls == 1:
                    merging.set()
                    release.wait(10)
                return real_merge(updates)

            monkeypatch.setattr(store_module.crdt, "merge", merge_pausing_the_first)
            one = asyncio.create_task(first.compact(meeting.id, Layer.MAIN))
            assert await asyncio.to_thread(merging.wait, 10)  # it has read two rows
            await second.append([LogEntry(meeting.id, Layer.MAIN, u) for u in log[2:]])
            other = asyncio.create_task(second.compact(meeting.id, Layer.MAIN))

            async def other_is_waiting_for_the_lock() -> bool:
                async with engines[1].connect() as conn:
                    waiting = await conn.execute(
                        text("select count(*) from pg_locks where not granted")
                    )
                    return bool(waiting.scalar_one())

            try:
                await eventually(other_is_waiting_for_the_lock, timeout=10)
                assert not other.done()
            finally:
                release.set()
            await asyncio.gather(one, other)
            rows = await first.load(meeting.id, Layer.MAIN)
            assert items(rows) == expected
        finally:
            for each in (first, second):
                await each.close()  # its engine too


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_head_count_holds_when_people_join_at_once(backend: str, tmp_path: Path) -> None:
    """Ten people opening the family link at the same moment into a meeting that takes three:
    three get in, seven are told it is full (the count and the insert are one step)."""
    async with database_url(backend, tmp_path) as url:
        engine = create_engine(url)
        await upgrade(engine)
        store = Store(engine, "test-secret", max_participants=3)
        try:
            meeting, tokens = await store.create_meeting("Contract", "child_protection")
            grant = await store.resolve(tokens[Role.FAMILY])
            assert grant is not None
            outcomes = await asyncio.gather(
                *(store.add_participant(grant, f"Person {i}") for i in range(10)),
                return_exceptions=True,
            )
            joined = [o for o in outcomes if isinstance(o, Participant)]
            full = [o for o in outcomes if isinstance(o, MeetingFull)]
            assert (len(joined), len(full)) == (3, 7), outcomes
            assert len(await store.people(meeting.id)) == 3
        finally:
            await store.close()


async def test_joining_a_meeting_deleted_meanwhile_is_refused(store: Store) -> None:
    """The link was checked, then the meeting went: the join is refused (it used to retry
    the insert until Python's recursion limit)."""
    meeting, tokens = await store.create_meeting("Contract", "child_protection")
    grant = await store.resolve(tokens[Role.FAMILY])
    assert grant is not None
    assert await store.delete_meeting(meeting.id)
    with pytest.raises(MeetingGone):
        await store.add_participant(grant, "Jo")
    with pytest.raises(MeetingGone):
        await store.participant(grant, "Jo")


async def test_compaction_never_deletes_a_row_committed_after_its_read(tmp_path: Path) -> None:
    """Another process's journal takes an id, compaction reads the log without that row (not
    committed yet), the row commits, then compaction deletes what it merged: the row must
    survive. A delete by id range (READ COMMITTED: its own snapshot sees the row) lost it.

    The window is held open with a row lock on the first row, which compaction rewrites
    between its read and its delete; nothing in the server is patched."""
    async with database_url("postgresql", tmp_path) as url:
        engine = create_engine(url)
        await upgrade(engine)
        store = Store(engine, "test-secret")
        raw = url.replace("postgresql+asyncpg://", "postgresql://")
        other, holder = await asyncpg.connect(raw), await asyncpg.connect(raw)
        try:
            meeting, _ = await store.create_meeting("Contract", "child_protection")
            log, _ = server_log()
            await store.append([LogEntry(meeting.id, Layer.MAIN, log[0])])
            # Another process's append, in flight: its id is taken, its commit still to come.
            in_flight = other.transaction()
            await in_flight.start()
            await other.execute(
                "insert into updates (meeting_id, layer, data) values ($1, $2, $3)",
                meeting.id, Layer.MAIN.value, log[1],
            )  # fmt: skip
            await store.append([LogEntry(meeting.id, Layer.MAIN, log[2])])
            held = holder.transaction()
            await held.start()
            await holder.fetch(
                "select id from updates where meeting_id = $1 order by id limit 1 for update",
                meeting.id,
            )
            compaction = asyncio.create_task(store.compact(meeting.id, Layer.MAIN))

            async def compaction_waits_on_the_first_row() -> bool:
                waiting = await holder.fetchval("select count(*) from pg_locks where not granted")
                return bool(waiting) or compaction.done()

            try:
                await eventually(compaction_waits_on_the_first_row, timeout=10)
                assert not compaction.done(), "compaction did not wait: the window was missed"
                await in_flight.commit()  # the row lands between compaction's read and delete
            finally:
                await held.rollback()
            await asyncio.wait_for(compaction, 10)
            rows = await store.load(meeting.id, Layer.MAIN)
            assert items(rows) == items(log[:3])  # nothing lost, B's typing included
            assert len(rows) == 2  # the merged state, and the row it never read
        finally:
            await other.close()
            await holder.close()
            await store.close()


async def test_the_log_holds_each_author_to_the_meeting_as_it_commits(store: Store) -> None:
    """A process may not have heard of a lock, a removal or a revoked link (a relay message
    lost): the log itself refuses what the database says that author may no longer write."""
    meeting, tokens = await store.create_meeting("Contract", "child_protection")
    people = {}
    for role, name in [(Role.FACILITATOR, "Sam"), (Role.FAMILY, "Jo"), (Role.PROFESSIONAL, "Ana")]:
        grant = await store.resolve(tokens[role])
        assert grant is not None
        people[name] = await store.participant(grant, name)
    log, _ = server_log()

    def by(name: str, update: bytes) -> LogEntry:
        author = Author(people[name].id, bound_by_lock=name != "Sam")
        return LogEntry(meeting.id, Layer.MAIN, update, author=author)

    assert await store.append([by("Jo", log[0]), by("Ana", log[1])]) == {}
    assert await store.set_locked(meeting.id, True)
    refused = await store.append([by("Jo", log[2]), by("Sam", log[2]), LogEntry(
        meeting.id, Layer.MAIN, log[3])])  # fmt: skip
    assert refused == {0: Refusal.LOCKED}  # the facilitator and the server still write
    assert await store.set_locked(meeting.id, False)
    await store.admit(meeting.id, people["Ana"].id, Admission.REMOVED)
    await store.revoke_link(meeting.id, Role.FAMILY)
    refused = await store.append([by("Ana", log[3]), by("Jo", log[3]), by("Sam", log[3])])
    assert refused == {0: Refusal.BARRED, 1: Refusal.BARRED}
    rows = await store.load(meeting.id, Layer.MAIN)
    assert len(rows) == 5  # two, then Sam's and the server's, then Sam's again


@pytest.mark.parametrize("backend", BACKENDS)
async def test_one_link_fills_only_its_own_waiting_room(backend: str, tmp_path: Path) -> None:
    """Issue 13: one family link opened under many invented names at once, into a meeting with
    a waiting room. Nobody waiting takes a place in the meeting; the link holds `max_waiting`
    of them (counted and inserted as one step, however many come at once); turning one away
    frees a place to wait on that link, and nothing else."""
    from server.board.permissions import Admission
    from server.store import WaitingRoomFull

    async with database_url(backend, tmp_path) as url:
        engine = create_engine(url)
        await upgrade(engine)
        store = Store(engine, "test-secret", max_participants=3, max_waiting=5)
        try:
            meeting, tokens = await store.create_meeting(
                "Contract", "child_protection", waiting_room=True
            )
            family, viewer, professional = [
                await store.resolve(tokens[role])
                for role in (Role.FAMILY, Role.VIEWER, Role.PROFESSIONAL)
            ]
            assert family is not None and viewer is not None and professional is not None
            outcomes = await asyncio.gather(
                *(store.add_participant(family, f"Invented {i}") for i in range(12)),
                return_exceptions=True,
            )
            waiting = [o for o in outcomes if isinstance(o, Participant)]
            refused = [o for o in outcomes if isinstance(o, WaitingRoomFull)]
            assert (len(waiting), len(refused)) == (5, 7), outcomes
            assert {p.admission for p in waiting} == {Admission.WAITING}
            assert len(await store.people(meeting.id)) == 5  # nothing kept of the refused
            # Every link but the facilitator's waits, the shared screen's too, each link in a
            # waiting room of its own.
            keys = [new_key() for _ in range(3)]
            screens = [
                await store.participant(viewer, f"Screen {i}", key=k) for i, k in enumerate(keys)
            ]
            assert {s.admission for s in screens} == {Admission.WAITING}
            alex = await store.participant(professional, "Alex")
            assert alex.admission is Admission.WAITING
            # Three let in fill the meeting; a fourth screen still waits (no place taken).
            for screen in screens:
                let_in = await store.admit(meeting.id, screen.id, Admission.ADMITTED)
                assert let_in is not None and let_in.admitted
            assert (await store.participant(viewer, "Screen 4")).admission is Admission.WAITING
            # Turning someone away frees a place to wait on their link, not one in the meeting.
            assert (await store.admit(meeting.id, waiting[0].id, Admission.REJECTED)) is not None
            jo_key = new_key()
            jo = await store.participant(family, "Jo", "mum", key=jo_key)
            assert jo.admission is Admission.WAITING
            with pytest.raises(WaitingRoomFull):
                await store.participant(family, "Invented 99")
            # The meeting is full: letting Jo in leaves her waiting, with her place kept.
            still = await store.admit(meeting.id, jo.id, Admission.ADMITTED)
            assert still is not None and still.admission is Admission.WAITING
            # Taking someone out frees their place: now Jo is let in.
            await store.admit(meeting.id, screens[0].id, Admission.REMOVED)
            let_in = await store.admit(meeting.id, jo.id, Admission.ADMITTED)
            assert let_in is not None and let_in.admitted
            # The facilitator is never kept out, nor held.
            chair = await store.facilitator_participant(meeting.id, "Sam")
            assert chair is not None and chair.admitted
            # Jo's key finds her, let in; her name without it is someone new, who waits.
            assert (await store.participant(family, "Jo", "mum", key=jo_key)).id == jo.id
            namesake = await store.participant(family, "Jo", "mum")
            assert namesake.id != jo.id and namesake.admission is Admission.WAITING
            # Taken out is still out: the screen's key finds it, taken out.
            back = await store.participant(viewer, "Screen 0", key=keys[0])
            assert back.id == screens[0].id and back.admission is Admission.REMOVED
        finally:
            await store.close()


@pytest.mark.parametrize("backend", BACKENDS)
async def test_the_head_count_holds_when_people_are_let_in_at_once(
    backend: str, tmp_path: Path
) -> None:
    """Eight family members and six shared screens, all waiting (the waiting room holds every
    link but the facilitator's), are let in at the same moment into a meeting that takes
    four: exactly four are let in (on PostgreSQL the admissions take a lock per meeting)."""
    from server.board.permissions import Admission

    async with database_url(backend, tmp_path) as url:
        engine = create_engine(url)
        await upgrade(engine)
        store = Store(engine, "test-secret", max_participants=4)
        try:
            meeting, tokens = await store.create_meeting(
                "Contract", "child_protection", waiting_room=True
            )
            family, viewer = [await store.resolve(tokens[r]) for r in (Role.FAMILY, Role.VIEWER)]
            assert family is not None and viewer is not None
            waiting = [await store.participant(family, f"Person {i}") for i in range(8)]
            waiting += [await store.participant(viewer, f"Screen {i}") for i in range(6)]
            assert {p.admission for p in waiting} == {Admission.WAITING}
            outcomes = await asyncio.gather(
                *(store.admit(meeting.id, p.id, Admission.ADMITTED) for p in waiting),
                return_exceptions=True,
            )
            assert all(isinstance(o, Participant) for o in outcomes), outcomes
            people = await store.people(meeting.id)
            assert sum(p.admitted for p in people) == 4, [p.admission for p in people]
            let_in = [o for o in outcomes if isinstance(o, Participant) and o.admitted]
            assert len(let_in) == 4
            left = [p for p in people if p.admission is Admission.WAITING]
            assert len(left) == 14 - 4
        finally:
            await store.close()


async def test_revoking_a_link_turns_away_whoever_still_waits_on_it(store: Store) -> None:
    """A forwarded link opened under invented names: replacing it clears the waiting room of
    those names, and leaves alone the people already let in and other links' waiting."""
    meeting, tokens = await store.create_meeting("Contract", "child_protection", waiting_room=True)
    family = await store.resolve(tokens[Role.FAMILY])
    pro = await store.resolve(tokens[Role.PROFESSIONAL])
    assert family is not None and pro is not None
    let_in = await store.participant(family, "Jo")
    await store.admit(meeting.id, let_in.id, Admission.ADMITTED)
    invented = [await store.participant(family, f"Invented {i}") for i in range(3)]
    colleague = await store.participant(pro, "Ana")
    await store.regenerate_link(meeting.id, Role.FAMILY)
    standing = {p.id: p.admission for p in await store.people(meeting.id)}
    assert {standing[p.id] for p in invented} == {Admission.REJECTED}
    assert standing[let_in.id] is Admission.ADMITTED
    assert standing[colleague.id] is Admission.WAITING


async def test_an_append_keeps_its_writers_cards_and_trail_in_its_own_commit(store: Store) -> None:
    """Beside the updates, a batch binds the clientIDs it brought first, who wrote in which
    card, and the withdrawals in the audit trail; an entry refused writes none of them, and
    what is known already is not written twice. On PostgreSQL this is one statement of
    arrays (pg_writer.py), on SQLite statements on the sqlite3 driver (append.py): the same
    outcome."""
    meeting, tokens = await store.create_meeting("Contract", "child_protection")
    people = {}
    for role, name in [(Role.FAMILY, "Jo"), (Role.PROFESSIONAL, "Ana")]:
        grant = await store.resolve(tokens[role])
        assert grant is not None
        people[name] = await store.participant(grant, name)
    jo = Author(people["Jo"].id, bound_by_lock=True, role="family")
    ana = Author(people["Ana"].id, bound_by_lock=True, role="professional")
    log, _ = server_log()
    first = [
        LogEntry(meeting.id, Layer.MAIN, log[0], ((11, jo.participant_id),), jo, ("c1",)),
        LogEntry(meeting.id, Layer.MAIN, log[1], ((11, jo.participant_id),), jo, ("c1",),
                 (("withdraw", "c1"),)),
        LogEntry(meeting.id, Layer.PROFESSIONAL, log[2], ((12, ana.participant_id),), ana,
                 ("c9",), (("restore", "c9"),)),
    ]  # fmt: skip
    assert await store.append(first) == {}
    await store.admit(meeting.id, ana.participant_id, Admission.REMOVED)
    second = [
        LogEntry(meeting.id, Layer.MAIN, log[2], ((13, ana.participant_id),), ana, ("c2",),
                 (("withdraw", "c2"),)),
        LogEntry(meeting.id, Layer.MAIN, log[3], ((14, jo.participant_id),), jo, ("c2",),
                 (("restore", "c1"),)),
    ]  # fmt: skip
    assert await store.append(second) == {0: Refusal.BARRED}

    assert items(await store.load(meeting.id, Layer.MAIN)) == items(
        [log[0], log[1], log[3]]
    )  # in order, without the refused one
    assert await store.writers(meeting.id, Layer.MAIN) == {
        11: jo.participant_id,
        14: jo.participant_id,
    }
    assert await store.writers(meeting.id, Layer.PROFESSIONAL) == {12: ana.participant_id}
    editors = await store.card_writers(meeting.id)
    assert editors[Layer.MAIN] == {"c1": [jo.participant_id], "c2": [jo.participant_id]}
    assert editors[Layer.PROFESSIONAL] == {"c9": [ana.participant_id]}
    trail = [
        (e.event.actor.id, e.event.actor.label, e.event.action, e.event.details)
        for e in await store.trail(meeting.id)
        if e.event.action in ("withdraw", "restore")
    ]
    assert trail == [
        (jo.participant_id, "family", "withdraw", {"card": "c1", "layer": "main"}),
        (ana.participant_id, "professional", "restore", {"card": "c9", "layer": "professional"}),
        (jo.participant_id, "family", "restore", {"card": "c1", "layer": "main"}),
    ]


async def test_sqlite_stores_the_appends_rows_as_the_engine_stores_its_own(
    tmp_path: Path,
) -> None:
    """SQLite's append binds its values on the sqlite3 driver itself (append.py): the text it
    stores must be the text SQLAlchemy stores everywhere else, or readers that order and compare
    it as text (a card's writers by first_seen, the trail and retention by `at`) go wrong
    without an error. Read back raw, beside rows the engine wrote."""
    async with migrated_store("sqlite", tmp_path) as store:
        meeting, tokens = await store.create_meeting("Contract", "child_protection")
        grant = await store.resolve(tokens[Role.FAMILY])
        assert grant is not None
        jo = await store.participant(grant, "Jo")  # created_at: written by the engine
        author = Author(jo.id, bound_by_lock=True, role="family")
        withdrawn = audit.event(meeting.id, audit.SYSTEM, "withdraw", card="é", layer="main")
        await audit.record(store.engine, withdrawn)  # written by the engine
        log, _ = server_log()
        entry = LogEntry(meeting.id, Layer.MAIN, log[0], ((11, jo.id),), author, ("é",),
                         (("withdraw", "é"),))  # fmt: skip
        assert await store.append([entry]) == {}
        async with store.engine.connect() as conn:

            async def raw(sql: str) -> list[tuple[Any, ...]]:
                return [tuple(row) for row in await conn.exec_driver_sql(sql)]

            stamps = await raw("SELECT typeof(created_at), created_at FROM participants")
            stamps += await raw("SELECT typeof(first_seen), first_seen FROM writers")
            stamps += await raw("SELECT typeof(first_seen), first_seen FROM card_writers")
            stamps += await raw("SELECT typeof(at), at FROM audit")
            trail = await raw("SELECT actor_kind, details FROM audit WHERE action = 'withdraw'")
            [(stored,)] = await raw("SELECT typeof(data) FROM updates")
    assert len(stamps) >= 5
    pattern = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}")
    assert all(kind == "text" and pattern.fullmatch(at) for kind, at in stamps), stamps
    details = dict(trail)
    assert details["participant"] == details["system"] == '{"card": "\\u00e9", "layer": "main"}'
    assert stored == "blob"


async def test_sqlite_asks_for_a_batchs_meetings_and_people_in_slices(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An SQLite before 3.32 binds at most 999 parameters, and a batch of the journal's 2,000
    entries names as many meetings and people: SQLite's append asks for them a slice at a time
    (here 2), and decides on every one as it would in one go."""
    monkeypatch.setattr(append, "_SLICE", 2)
    async with migrated_store("sqlite", tmp_path) as store:
        meetings = [(await store.create_meeting(f"M{i}", "child_protection")) for i in range(5)]
        authors: list[Author] = []
        for _, tokens in meetings:
            grant = await store.resolve(tokens[Role.FAMILY])
            assert grant is not None
            person = await store.participant(grant, "Jo")
            authors.append(Author(person.id, bound_by_lock=True, role="family"))
        await store.end_meeting(meetings[1][0].id, None, now(), lambda *_: {})
        await store.admit(meetings[3][0].id, authors[3].participant_id, Admission.REMOVED)
        log, _ = server_log()
        batch = [
            LogEntry(meeting.id, Layer.MAIN, log[0], (), author)
            for (meeting, _), author in zip(meetings, authors, strict=True)
        ]
        assert await store.append(batch) == {1: Refusal.ENDED, 3: Refusal.BARRED}
        for i in (0, 2, 4):
            assert len(await store.load(meetings[i][0].id, Layer.MAIN)) == 1


async def test_a_card_id_the_column_cannot_hold_is_left_out(store: Store) -> None:
    """Who wrote in a card is kept only for ids its column holds (100 characters, no NUL): the
    board's rules keep to that, but a longer id from anywhere else must not fail the commit,
    which would be retried for ever on PostgreSQL, holding back every meeting's edits."""
    meeting, tokens = await store.create_meeting("Contract", "child_protection")
    grant = await store.resolve(tokens[Role.FAMILY])
    assert grant is not None
    jo = await store.participant(grant, "Jo")
    author = Author(jo.id, bound_by_lock=True, role="family")
    log, _ = server_log()
    entry = LogEntry(meeting.id, Layer.MAIN, log[0], (), author, ("c" * 101, "c" * 100))
    assert await within(store.append([entry]), 10, "the append") == {}
    editors = await store.card_writers(meeting.id)
    assert editors[Layer.MAIN] == {"c" * 100: [jo.id]}


async def test_a_large_batch_is_logged_in_its_order(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A commit under load holds hundreds of edits: PostgreSQL writes them from arrays, a
    statement per slice of bytes (here small, so a dozen slices). The log holds every one, in
    the order appended (it is replayed in id order)."""
    monkeypatch.setattr(pg_writer, "_SLICE_BYTES", 2_000)
    meeting, _ = await store.create_meeting("Contract", "child_protection")
    doc: Doc[Any] = Doc()
    typed: list[bytes] = []
    doc.observe(lambda event: typed.append(event.update))
    text = doc.get("items", type=Map)
    for i in range(700):
        text[f"c{i % 7}"] = f"step {i}"
    entries = [LogEntry(meeting.id, Layer.MAIN, u) for u in typed]
    assert await store.append(entries) == {}
    assert await store.load(meeting.id, Layer.MAIN) == typed


async def test_appends_made_at_once_each_land(store: Store) -> None:
    """The journal is not the only caller: a server change to a meeting not loaded here, or a
    review's start, appends beside it. PostgreSQL's writer holds one connection, so they take
    turns on it; none fails, none is lost."""
    meeting, _ = await store.create_meeting("Contract", "child_protection")
    log, expected = server_log()
    entries = [LogEntry(meeting.id, Layer.MAIN, u) for u in log]
    outcomes = await asyncio.gather(*(store.append([e]) for e in entries * 5))
    assert outcomes == [{}] * len(entries) * 5
    assert len(await store.load(meeting.id, Layer.MAIN)) == len(entries) * 5
    assert items(await store.load(meeting.id, Layer.MAIN)) == expected


async def test_the_writer_comes_back_from_a_connection_the_database_ended(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's writer holds its connection between appends. A restart or an idle timeout
    ends it unseen; after a while unused it goes back to the pool, which pings it, so the next
    append lands at once instead of failing first (and warning every room that nothing is
    saved)."""
    monkeypatch.setattr(pg_writer, "_IDLE", 0.0)  # every pause counts as a long one
    async with migrated_store("postgresql", tmp_path) as store:
        meeting, _ = await store.create_meeting("Contract", "child_protection")
        log, expected = server_log()
        assert await store.append([LogEntry(meeting.id, Layer.MAIN, log[0])]) == {}
        async with store.engine.connect() as conn:
            ended = await conn.execute(
                text(
                    "select pg_terminate_backend(pid) from pg_stat_activity "
                    "where datname = current_database() and pid <> pg_backend_pid()"
                )
            )
            assert ended.scalars().all()  # the writer's connection, at least
        entries = [LogEntry(meeting.id, Layer.MAIN, u) for u in log[1:]]
        assert await store.append(entries) == {}
        assert items(await store.load(meeting.id, Layer.MAIN)) == expected
