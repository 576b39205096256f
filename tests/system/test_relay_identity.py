"""A deployment's identity keeps two deployments on one Redis apart: a restored copy of the
production database (same rows, same meeting ids, same links) pointed at the production Redis
exchanges no edit with production, either way, while processes on one database still do.
Real server processes, two real PostgreSQL databases (one made from the other) and one Redis."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import uuid
from contextlib import AsyncExitStack
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy import delete, func, select

from server.store import deployment
from server.store.schema import create_engine
from server.store.schema import deployment as deployment_table
from server.store.schema.migrate import upgrade
from tests.cluster import Cluster, RedisServer
from tests.databases import POSTGRES_ADMIN, database_url
from tests.servers import cli, create_meeting
from tests.waiting import eventually

METRICS_TOKEN = "relay-identity-metrics-token"


async def _ignored_some(group: Cluster, i: int) -> bool:
    """Has process i ignored messages from another deployment (its metric says so)?"""
    async with httpx.AsyncClient() as http:
        page = await http.get(
            f"http://127.0.0.1:{group.ports[i]}/metrics",
            headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
        )
    found = re.search(r"^safetymap_relay_foreign_messages_total (\S+)$", page.text, re.M)
    assert found, page.text
    return float(found.group(1)) > 0


async def test_a_restored_copy_on_the_same_redis_shares_no_edits(tmp_path: Path) -> None:
    async with AsyncExitStack() as stack:
        production = await stack.enter_async_context(database_url("postgresql", tmp_path))
        redis = RedisServer(tmp_path)
        await redis.start()
        stack.push_async_callback(redis.kill)
        settings = {"SAFETYMAP_METRICS_TOKEN": METRICS_TOKEN}
        (tmp_path / "prod").mkdir()
        (tmp_path / "copy").mkdir()
        prod = Cluster(tmp_path / "prod", production, redis.url, 2)
        prod.shared.update(settings)
        await cli(prod.env(0), "db", "upgrade")
        meeting = await create_meeting(prod.env(0), "Identity test (fictional family)")
        # The copy: the same database, rows and all, as a restore would make it.
        copy_name = f"safetymap_copy_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(POSTGRES_ADMIN, timeout=5)
        stack.push_async_callback(admin.close)
        server, name = production.rsplit("/", 1)
        await admin.execute(f'CREATE DATABASE "{copy_name}" TEMPLATE "{name}"')
        drop = f'DROP DATABASE IF EXISTS "{copy_name}" WITH (FORCE)'
        stack.push_async_callback(admin.execute, drop)
        copy = Cluster(tmp_path / "copy", f"{server}/{copy_name}", redis.url, 1)
        copy.shared.update(settings)
        stack.push_async_callback(prod.stop)
        stack.push_async_callback(copy.stop)
        await asyncio.gather(prod.start(0), prod.start(1), copy.start(0))

        first = await prod.connect(meeting, 0, name="Production one")
        second = await prod.connect(meeting, 1, name="Production two")
        restored = await copy.connect(meeting, 0, name="On the copy")
        try:
            first.add_card("p1", "worries", "PROD-ONLY text")
            await second.wait_for(lambda: "p1" in second.cards(), 10)  # one database: relayed
            await eventually(lambda: _ignored_some(copy, 0), timeout=10)
            assert "p1" not in restored.cards()  # it reached the copy's process, which ignored it
            restored.add_card("c1", "strengths", "COPY-ONLY text")
            await eventually(lambda: _ignored_some(prod, 1), timeout=10)
            second.add_card("p2", "safety", "after the copy wrote")
            await first.wait_for(lambda: "p2" in first.cards(), 10)
            assert "c1" not in first.cards() and "c1" not in second.cards()
            assert set(restored.cards()) == {"c1"}
        except TimeoutError:
            raise AssertionError(prod.logs() + copy.logs()) from None
        # Logged once per process, without any content.
        log = copy.log(0).read_text(errors="replace")
        assert log.count("another deployment") == 1, log
        assert "PROD-ONLY" not in log + prod.logs()


async def test_the_identity_is_made_once_and_depends_on_the_database(tmp_path: Path) -> None:
    async with database_url("postgresql", tmp_path) as url:
        engine = create_engine(url)
        try:
            await upgrade(engine)  # the migration made one
            made = await deployment.identity(engine)
            async with engine.begin() as conn:
                await conn.execute(delete(deployment_table))
            # Made again, by many at once: one row, one identity for all.
            engines = [create_engine(url) for _ in range(8)]
            try:
                found = await asyncio.gather(*(deployment.identity(e) for e in engines))
            finally:
                await asyncio.gather(*(e.dispose() for e in engines))
            assert len(set(found)) == 1 and found[0] != made
            async with engine.connect() as conn:
                assert await conn.scalar(select(func.count()).select_from(deployment_table)) == 1
            assert await deployment.identity(engine) == found[0]
        finally:
            await engine.dispose()
    # SQLite: a copy of the file is another deployment.
    (tmp_path / "b").mkdir()
    original, copied = tmp_path / "a.db", tmp_path / "b" / "a.db"
    engine = create_engine(f"sqlite+aiosqlite:///{original}")
    await upgrade(engine)
    ours = await deployment.identity(engine)
    await engine.dispose()
    await asyncio.to_thread(shutil.copy, original, copied)
    link = tmp_path / "link.db"  # the same file by another path
    await asyncio.to_thread(os.symlink, original, link)
    for path, same in ((original, True), (link, True), (copied, False)):
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        assert (await deployment.identity(engine) == ours) is same
        await engine.dispose()
