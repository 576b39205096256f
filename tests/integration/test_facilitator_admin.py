"""Facilitator administration from the CLI: disable and enable, reset a password, remove (and
what becomes of the meetings), API tokens that expire and can be listed and revoked."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from server.store import Store
from server.store.accounts import Accounts
from server.store.schema import create_engine
from tests.admin_client import add_facilitator, ok, run, sign_in
from tests.conftest import free_port
from tests.databases import BACKENDS, database_url
from tests.servers import serve, server_env

ANN, BOB = "ann@example.org", "bob@example.org"


def _status(listing: str, email: str) -> list[str]:
    """`facilitator list`'s line for an account, split: status, email, created, counts…"""
    return next(line.split() for line in listing.splitlines() if f" {email} " in line)


async def test_disabling_ends_sessions_and_tokens_at_once(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(tmp_path, port)
    await add_facilitator(env, ANN, "Ann Chair")
    api = {"authorization": f"Bearer {(await ok(env, 'token', 'create', ANN)).strip()}"}
    async with (
        serve(env, port, tmp_path / "server.log"),
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as ann,
    ):
        assert await sign_in(ann, ANN) == 303
        assert (await ann.get("/")).status_code == 200
        assert (await ann.get("/api/meetings", headers=api)).status_code == 200
        assert _status(await ok(env, "facilitator", "list"), ANN)[3:5] == ["1", "1"]

        await ok(env, "facilitator", "disable", ANN)  # while the server runs
        assert (await ann.get("/")).status_code == 303  # signed out
        assert (await ann.get("/api/meetings", headers=api)).status_code == 401
        assert await sign_in(ann, ANN) == 400  # as a wrong password
        assert _status(await ok(env, "facilitator", "list"), ANN)[:1] == ["disabled"]
        code, _, err = await run(env, "token", "create", ANN)
        assert code == 2 and "disabled" in err

        await ok(env, "facilitator", "enable", ANN)
        assert await sign_in(ann, ANN) == 303
        assert (await ann.get("/api/meetings", headers=api)).status_code == 401  # stays revoked

        new = "another long enough secret"
        out = await ok(env, "facilitator", "reset-password", ANN, "--password-stdin", stdin=new)
        assert "1 session(s) ended" in out
        assert (await ann.get("/")).status_code == 303
        assert await sign_in(ann, ANN) == 400
        assert await sign_in(ann, ANN, new) == 303

        # API tokens expire: by default after 90 days, or as asked; expired ones are refused.
        token = (await ok(env, "token", "create", ANN, "--days", "1")).strip()
        bearer = {"authorization": f"Bearer {token}"}
        assert (await ann.get("/api/meetings", headers=bearer)).status_code == 200
        engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'safetymap.db'}")
        try:
            async with engine.begin() as conn:
                await conn.execute(
                    text("update credentials set expires_at = :past where kind = 'api'"),
                    {"past": datetime.now(UTC) - timedelta(seconds=1)},
                )
        finally:
            await engine.dispose()
        assert (await ann.get("/api/meetings", headers=bearer)).status_code == 401
        assert ANN not in await ok(env, "token", "list")
        code, _, err = await run(env, "token", "create", ANN, "--days", "366")
        assert code == 2 and "1 to 365" in err


@pytest.mark.parametrize("backend", BACKENDS)
async def test_removing_and_tokens(backend: str, tmp_path: Path) -> None:
    async with database_url(backend, tmp_path) as url:
        env = {**server_env(tmp_path, 8000), "SAFETYMAP_DATABASE_URL": url}
        await ok(env, "db", "upgrade")
        for email in (ANN, BOB):
            await add_facilitator(env, email, email.split("@")[0].title())
        engine = create_engine(url)
        try:
            accounts, store = Accounts(engine), Store(engine, "k" * 43)
            ann, bob = await accounts.by_email(ANN), await accounts.by_email(BOB)
            assert ann is not None and bob is not None
            meeting, _ = await store.create_meeting("Plan", "child_protection", owner_id=ann.id)

            code, _, err = await run(env, "facilitator", "remove", ANN)
            assert code == 2 and "owns 1 open meeting" in err and "--transfer-to" in err
            assert await accounts.by_email(ANN) is not None
            out = await ok(env, "facilitator", "remove", ANN, "--transfer-to", BOB)
            assert "1 meeting(s) given to bob@example.org" in out
            assert await accounts.by_email(ANN) is None
            assert (await store.meeting(meeting.id) or pytest.fail()).owner_id == bob.id

            # Tokens: listed by id (never the token), revoked one by one or all at once.
            await ok(env, "token", "create", BOB, "--days", "30")
            await ok(env, "token", "create", BOB)
            listing = await ok(env, "token", "list", BOB)
            ids = re.findall(r"^([0-9a-f]{12}) ", listing, re.MULTILINE)
            soon = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%d")
            later = (datetime.now(UTC) + timedelta(days=90)).strftime("%Y-%m-%d")
            assert len(ids) == 2 and soon in listing and later in listing
            assert "revoked API token" in await ok(env, "token", "revoke", ids[0])
            assert ids[0] not in await ok(env, "token", "list")
            code, _, err = await run(env, "token", "revoke", ids[0])
            assert code == 2 and "no API token" in err
            assert "revoked 1 API token(s)" in await ok(env, "token", "revoke", "--all", BOB)
            assert len((await ok(env, "token", "list")).splitlines()) == 1  # the heading

            out = await ok(env, "facilitator", "remove", BOB, "--force")
            assert "1 meeting(s) left without an owner" in out
            assert (await store.meeting(meeting.id) or pytest.fail()).owner_id is None
            assert await accounts.count() == 0
        finally:
            await engine.dispose()
