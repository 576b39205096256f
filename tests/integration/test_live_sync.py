"""Two clients converge; a late joiner gets everything; offline edits merge on reconnect."""

from __future__ import annotations

from tests.conftest import RunningServer
from tests.waiting import within


async def test_two_clients_converge(server: RunningServer) -> None:
    meeting = await server.meeting()
    a = await server.client(meeting, "facilitator", name="Sam")
    b = await server.client(meeting, "family", name="Jo")
    await within(a.synced.wait(), 20, "a synced")
    await within(b.synced.wait(), 20, "b synced")
    a.add_card("c1", "strengths", "Grandma collects Mia from school")
    b.add_card("c2", "harm", "Mia was left alone")
    await a.wait_for(lambda: set(a.cards()) == {"c1", "c2"})
    await b.wait_for(lambda: set(b.cards()) == {"c1", "c2"})
    a.items["c1"]["text"].insert(0, "Every day: ")
    await b.wait_for(lambda: b.cards()["c1"].startswith("Every day: "))
    assert a.dump() == b.dump()


async def test_late_joiner_gets_whole_state(server: RunningServer) -> None:
    meeting = await server.meeting()
    a = await server.client(meeting, "professional")
    for i in range(20):
        a.add_card(f"c{i}", "safety", f"card {i}")
    late = await server.client(meeting, "viewer")
    await late.wait_for(lambda: len(late.cards()) == 20)
    assert late.dump() == a.dump()


async def test_offline_edits_merge_on_reconnect(server: RunningServer) -> None:
    meeting = await server.meeting()
    a = await server.client(meeting, "professional", name="Alex")
    b = await server.client(meeting, "family", name="Jo")
    a.add_card("shared", "goals", "Mia is safe")
    await b.wait_for(lambda: "shared" in b.cards())
    await b.disconnect()
    b.add_card("offline", "strengths", "written on the bus")
    b.items["shared"]["text"].insert(len(b.cards()["shared"]), " at home")
    a.items["shared"]["text"].insert(0, "All agree: ")
    await a.wait_for(lambda: True)
    await b.connect()
    await a.wait_for(lambda: "offline" in a.cards() and a.cards()["shared"].endswith(" at home"))
    await b.wait_for(lambda: b.cards()["shared"].startswith("All agree: "))
    assert a.cards()["shared"] == "All agree: Mia is safe at home"
    assert a.dump() == b.dump()
