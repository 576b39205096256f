"""`safetymap key rotate`: after it and a restart, no old link, session, API token or join
cookie works, and the meeting page shows four new links that do; as docs/operations.md says."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import httpx
from sqlalchemy import text

from server.store import Store
from server.store.schema import create_engine
from tests.admin_client import add_facilitator, join, ok, page_links, run, sign_in
from tests.conftest import free_port
from tests.databases import database_url
from tests.servers import serve, server_env

EMAIL = "jo@example.org"


async def _people(http: httpx.AsyncClient, meeting_id: str, token: str) -> list[dict[str, str]]:
    got = await http.get(
        f"/api/meetings/{meeting_id}/participants", headers={"authorization": f"Bearer {token}"}
    )
    assert got.status_code == 200, got.text
    people: list[dict[str, str]] = got.json()["participants"]
    return people


async def test_rotation_replaces_every_link_session_token_and_join_cookie(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(tmp_path, port)
    await add_facilitator(env, EMAIL, "Jo Chair")
    api = {"authorization": f"Bearer {(await ok(env, 'token', 'create', EMAIL)).strip()}"}
    base = f"http://127.0.0.1:{port}"
    # Fresh connections each time: the same browsers (cookies) across the restart.
    fresh = httpx.Limits(max_keepalive_connections=0)
    family = httpx.AsyncClient(base_url=base, limits=fresh)
    owner = httpx.AsyncClient(base_url=base, limits=fresh)
    async with family, owner:
        await _before_and_after(env, port, tmp_path, family, owner, api)


async def _before_and_after(
    env: dict[str, str],
    port: int,
    tmp_path: Path,
    family: httpx.AsyncClient,
    owner: httpx.AsyncClient,
    api: dict[str, str],
) -> None:
    async with serve(env, port, tmp_path / "one.log", stop=signal.SIGINT):
        made = await owner.post(
            "/api/meetings", json={"title": "Planning", "waitingRoom": False}, headers=api
        )
        assert made.status_code == 201, made.text
        meeting_id = made.json()["id"]
        old = {role: url.rsplit("/", 1)[1] for role, url in made.json()["links"].items()}
        assert await join(family, old["family"], "Sam") == 303
        assert (await family.get(f"/m/{meeting_id}")).status_code == 200
        assert await sign_in(owner, EMAIL) == 303
        page = await owner.get(f"/meetings/{meeting_id}")
        assert page_links(page.text) == old
        assert (await owner.get(f"/meetings/{meeting_id}/board")).status_code == 303
        people = await _people(owner, meeting_id, old["facilitator"])
        chair = [p["id"] for p in people if p["role"] == "facilitator"]
        assert len(chair) == 1

    key_file = tmp_path / "secret_key"
    old_key = key_file.read_text()
    out = await ok(env, "key", "rotate", process=True)  # as an operator would
    assert "4 link(s) replaced, 1 session(s) ended, 1 API token(s) revoked" in out
    assert f"The new key is in {key_file}" in out
    assert key_file.read_text() != old_key and len(key_file.read_text().strip()) >= 43
    assert key_file.stat().st_mode & 0o077 == 0
    assert not (tmp_path / "secret_key.new").exists()

    async with serve(env, port, tmp_path / "two.log", stop=signal.SIGINT):
        for token in old.values():  # every old link, as a join page and as a bearer token
            assert (await family.get(f"/join/{token}")).status_code == 404
        bearer = {"authorization": f"Bearer {old['facilitator']}"}
        listed = await family.get(f"/api/meetings/{meeting_id}/participants", headers=bearer)
        assert listed.status_code == 401
        assert (await family.get(f"/m/{meeting_id}")).status_code == 404  # the join cookie
        assert (await owner.get(f"/meetings/{meeting_id}")).status_code == 303  # the session
        assert (await owner.get("/api/meetings", headers=api)).status_code == 401

        assert await sign_in(owner, EMAIL) == 303
        new = page_links((await owner.get(f"/meetings/{meeting_id}")).text)
        assert set(new) == set(old) and not set(new.values()) & set(old.values())
        for token in new.values():
            assert (await owner.get(f"/join/{token}")).status_code == 200
        assert await join(family, new["family"], "Sam") == 303
        assert (await family.get(f"/m/{meeting_id}")).status_code == 200
        # The owner comes back to their meeting as the same participant, not someone new.
        assert (await owner.get(f"/meetings/{meeting_id}/board")).status_code == 303
        people = await _people(owner, meeting_id, new["facilitator"])
        assert [p["id"] for p in people if p["role"] == "facilitator"] == chair
        assert [p["name"] for p in people].count("Sam") == 2  # a new participant, by design


async def test_rotation_with_the_key_in_the_environment_on_postgresql(tmp_path: Path) -> None:
    """The key in SAFETYMAP_SECRET_KEY: printed once (alone on standard output) or read from
    standard input; a weak or unchanged key is refused and changes nothing."""
    async with database_url("postgresql", tmp_path) as url:
        old_key = "o" * 8 + "ld-key-0123456789-abcdefghijklmnop"
        env = {**server_env(tmp_path, 8000), "SAFETYMAP_DATABASE_URL": url}
        env["SAFETYMAP_SECRET_KEY"] = old_key
        await ok(env, "db", "upgrade")
        created = json.loads(await ok(env, "meeting", "create", "--title", "Plan", "--json"))
        family = created["links"]["family"].rsplit("/", 1)[1]
        await add_facilitator(env, EMAIL, "Jo Chair")
        await ok(env, "token", "create", EMAIL)

        for weak in ("short", old_key, "a" * 40):
            code, out, err = await run(env, "key", "rotate", "--new-key-stdin", stdin=weak)
            assert code == 2 and out == "" and err.startswith("error: ")
        code, out, err = await run(env, "key", "rotate")
        assert code == 0, err
        printed = out.strip()
        assert len(printed) >= 43 and "\n" not in printed
        assert "1 API token(s) revoked" in err and "SAFETYMAP_SECRET_KEY" in err
        assert not (tmp_path / "secret_key").exists()  # nothing written beside the env key

        chosen = "a-key-from-the-operators-secret-store-0123456789"
        code, out, err = await run(
            {**env, "SAFETYMAP_SECRET_KEY": printed}, "key", "rotate", "--new-key-stdin",
            stdin=chosen + "\n",
        )  # fmt: skip
        assert code == 0 and out == "", err
        # A meeting made on the command line has no owner, so no meeting page: the command
        # line shows its new links, and they work.
        after = {**env, "SAFETYMAP_SECRET_KEY": chosen}
        listed = json.loads(await ok(after, "meeting", "links", created["id"], "--json"))
        assert set(listed["links"]) == {"facilitator", "family", "professional", "viewer"}
        assert listed["links"]["family"] != created["links"]["family"]
        new_family = listed["links"]["family"].rsplit("/", 1)[1]

        engine = create_engine(url)
        try:
            async with engine.connect() as conn:
                left = (await conn.execute(text("select count(*) from credentials"))).scalar()
            assert left == 0
            for key, works in ((old_key, False), (printed, False), (chosen, True)):
                store = Store(engine, key)  # the links a meeting page under this key shows
                shown = await store.link_tokens(created["id"])
                assert len(shown) == 4
                for token in shown.values():
                    assert (await store.resolve(token) is not None) is works
            assert await Store(engine, chosen).resolve(family) is None
            assert await Store(engine, chosen).resolve(new_family) is not None
        finally:
            await engine.dispose()
