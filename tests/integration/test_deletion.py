"""Deletion is real: every trace of a meeting goes, down to the bytes of the SQLite file, and
ended meetings are deleted once their retention period is over."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import func, select, update

from server.board.permissions import Layer
from server.board.picture_encoding import reencode
from server.store import PictureCaps, audit, now
from server.store.schema import (
    agreements,
    links,
    meetings,
    participants,
    pictures,
    snapshots,
    updates,
)
from server.store.schema import audit as audit_table
from tests.conftest import RunningServer, running_server
from tests.integration.test_api_meetings import api_token
from tests.pictures import photo_with_gps, send
from tests.servers import cli, create_meeting, server_env
from tests.waiting import eventually, within


def _raw(data_dir: Path) -> bytes:
    """Every byte SQLite keeps: the database file, its write-ahead log and shared memory."""
    return b"".join(p.read_bytes() for p in sorted(data_dir.glob("safetymap.db*")))


async def _rows(server: RunningServer, meeting_id: str) -> dict[str, int]:
    counts = {}
    async with server.services.store.engine.connect() as conn:
        tables = (meetings, links, participants, updates, snapshots, agreements, pictures)
        for table in (*tables, audit_table):
            column = table.c.id if table is meetings else table.c.meeting_id
            query = select(func.count()).select_from(table).where(column == meeting_id)
            counts[table.name] = (await conn.execute(query)).scalar_one()
    return counts


async def test_a_deleted_meeting_leaves_no_trace(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    async with running_server(data_dir) as server:
        token = await api_token(server)
        owner = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=server.address, headers=owner) as http:
            created = (
                await http.post(
                    "/api/meetings", json={"title": "Deletion test", "waitingRoom": False}
                )
            ).json()
        meeting = {
            **created,
            "tokens": {r: u.rsplit("/", 1)[1] for r, u in created["links"].items()},
        }
        marker = f"MARKER-{uuid.uuid4().hex}"
        chair = await server.client(meeting, "facilitator", name="Sam")
        notes = await server.client(
            meeting, "professional", layer="professional", name="Alex", agency=f"{marker} agency"
        )
        await within(chair.synced.wait(), 20, "chair synced")
        await within(notes.synced.wait(), 20, "notes synced")
        chair.add_card("c1", "worries", f"{marker} on the map")
        notes.add_card("x1", "complicating", f"{marker} in the notes")
        await chair.wait_for(lambda: "c1" in chair.cards())
        await notes.wait_for(lambda: "x1" in notes.cards())
        await server.services.journal.flush()
        # A picture in the notes: its stored (re-encoded) bytes are a marker of their own.
        async with httpx.AsyncClient(base_url=server.address) as http:
            query = f"?token={meeting['tokens']['professional']}&key={notes.key}"
            sent = await send(http, meeting["id"], photo_with_gps(), query=query, layer="notes")
            assert sent.status_code == 400  # (the layer is named "professional")
            sent = await send(
                http, meeting["id"], photo_with_gps(), query=query, layer="professional"
            )
            assert sent.status_code == 201, sent.text
            picture = (await http.get(sent.json()["url"] + query)).content
            # Its thumbnail, kept in the same row, is a marker too.
            small = (await http.get(sent.json()["url"] + query + "&size=small")).content
        assert len(small) < len(picture)
        windows = [picture[i : i + 32] for i in range(200, len(picture) - 32, 997)]
        thumb = [small[i : i + 32] for i in range(200, len(small) - 32, 307)]
        assert len(windows) > 5 and len(thumb) > 5
        windows += thumb
        assert all(w in _raw(data_dir) for w in windows)
        async with httpx.AsyncClient(base_url=server.address, headers=owner) as http:
            # What Alex said when the plan was read back goes with the meeting too.
            alex = await notes.whoami()
            said = {"agreed": False, "words": f"{marker} in their words"}
            recorded = await http.put(f"/api/meetings/{meeting['id']}/agreement/{alex}", json=said)
            assert recorded.status_code == 200, recorded.text
            assert (await http.post(f"/api/meetings/{meeting['id']}/end")).status_code == 200
        # The test means something only if the marker was on disk to begin with.
        assert marker.encode() in _raw(data_dir)
        before = await _rows(server, meeting["id"])
        kept = ("links", "participants", "updates", "snapshots", "agreements", "pictures")
        assert all(before[name] for name in kept)

        # A link, even the facilitator's, cannot delete: only the owner's account.
        async with httpx.AsyncClient(base_url=server.address) as http:
            by_link = await http.delete(
                f"/api/meetings/{meeting['id']}",
                headers={"Authorization": f"Bearer {meeting['tokens']['facilitator']}"},
            )
            assert by_link.status_code == 403
            deleted = await http.delete(f"/api/meetings/{meeting['id']}", headers=owner)
            assert deleted.status_code == 200, deleted.text
            gone = await http.get(f"/api/meetings/{meeting['id']}/snapshots", headers=owner)
            assert gone.status_code == 401
        # Whoever still had it open is closed at once.
        await chair.wait_closed()
        assert chair.close_code == 4401
        after = await _rows(server, meeting["id"])
        assert after == {name: 0 for name in after} | {"audit": 1}
        [entry] = await audit.for_meeting(server.services.store.engine, meeting["id"])
        assert entry.event.action == "delete" and entry.event.actor.kind == "facilitator"
        assert marker.encode() not in _raw(data_dir)
        assert not any(w in _raw(data_dir) for w in windows)
    assert marker.encode() not in _raw(data_dir)
    assert not any(w in _raw(data_dir) for w in windows)


async def test_ended_meetings_past_retention_are_purged(tmp_path: Path) -> None:
    env = server_env(tmp_path / "data", 8000, SAFETYMAP_RETENTION_DAYS="90")
    old, recent, still_open = [await create_meeting(env, t) for t in ("Old", "Recent", "Open")]
    async with running_server(tmp_path / "data", SAFETYMAP_RETENTION_DAYS="0") as server:
        store = server.services.store
        # A picture on the old meeting: deleted with it.
        file = reencode(photo_with_gps())
        caps = PictureCaps(10, 2**20)
        assert await store.add_picture("p" * 38, old["id"], Layer.MAIN, file, "someone", caps)
        for meeting, days in ((old, 100), (recent, 10)):
            assert await store.end_meeting(meeting["id"], None, now(), lambda s, r, w, e: {})
            async with store.engine.begin() as conn:
                await conn.execute(
                    update(meetings)
                    .where(meetings.c.id == meeting["id"])
                    .values(ended_at=now() - timedelta(days=days))
                )
    out = await cli(env, "purge")
    assert "deleted 1 meetings" in out
    async with running_server(tmp_path / "data", SAFETYMAP_RETENTION_DAYS="5") as server:
        store = server.services.store
        assert await store.meeting(old["id"]) is None
        assert await store.picture(old["id"], "p" * 38) is None
        assert await store.meeting(still_open["id"]) is not None
        # The server enforces retention by itself too: 5 days is past "recent".
        await eventually(lambda: _gone(server, recent["id"]), timeout=10)
        assert await store.meeting(still_open["id"]) is not None


async def _gone(server: RunningServer, meeting_id: str) -> bool:
    return await server.services.store.meeting(meeting_id) is None
