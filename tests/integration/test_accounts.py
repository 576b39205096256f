"""Facilitator accounts: the set-up link, signing in and out, sessions, CSRF, the CLI."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from server.store.schema import create_engine
from tests.conftest import RunningServer, running_server
from tests.webclient import Browser


async def setup_url(server: RunningServer) -> str:
    secret = await server.services.accounts.setup_link()
    return f"/setup/{secret}"


async def test_setup_link_creates_the_first_account_once(server: RunningServer) -> None:
    url = await setup_url(server)
    async with Browser(server) as browser:
        short = await browser.sign_up_first(url, password="short")
        assert short.status_code == 400
        assert "at least 12 characters" in short.text and 'href="#password"' in short.text
        created = await browser.sign_up_first(url)
        assert created.status_code == 303 and created.headers["location"] == "/"
        dashboard = await browser.get("/")
        assert dashboard.status_code == 200 and "Your meetings" in dashboard.text
    async with Browser(server) as other:
        again = await other.get(url)
        assert again.status_code == 404 and "does not work" in again.text
    # With an account in place, no set-up link works any more, even a new one.
    fresh = await setup_url(server)
    async with Browser(server) as late:
        assert (await late.get(fresh)).status_code == 404


async def test_login_logout_and_session_cookie(server: RunningServer) -> None:
    await server.services.accounts.add("jo@example.org", "Jo Chair", "a long enough secret")
    async with Browser(server) as browser:
        assert (await browser.get("/")).headers["location"] == "/login"
        wrong = await browser.submit("/login", {"email": "jo@example.org", "password": "nope"})
        unknown = await browser.submit("/login", {"email": "x@example.org", "password": "nope"})
        assert wrong.status_code == unknown.status_code == 400
        assert "not right" in wrong.text and "not right" in unknown.text
        ok = await browser.submit(
            "/login", {"email": "JO@example.org ", "password": "a long enough secret"}
        )
        assert ok.status_code == 303
        cookie = ok.headers["set-cookie"]
        assert "sm_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
        assert "Secure" not in cookie  # plain http base URL
        session = browser.http.cookies["sm_session"]
        assert (await browser.get("/")).status_code == 200
        out = await browser.submit("/", {}, action="/logout")
        assert out.status_code == 303
    async with Browser(server) as thief:
        thief.http.cookies.set("sm_session", session)
        assert (await thief.get("/")).status_code == 303  # the old session is gone


async def test_forms_need_the_csrf_token(server: RunningServer) -> None:
    await server.services.accounts.add("jo@example.org", "Jo Chair", "a long enough secret")
    async with Browser(server) as browser:
        await browser.submit(
            "/login", {"email": "jo@example.org", "password": "a long enough secret"}
        )
        forged = await browser.http.post("/", data={"title": "Forged", "label_set": "early_help"})
        assert forged.status_code == 403
        cross = await browser.http.post(
            "/",
            data={"title": "X", "csrf": browser.http.cookies["sm_csrf"]},
            headers={"origin": "https://evil.example"},
        )
        assert cross.status_code == 403
    mine = await server.services.store.meetings_of(
        (await server.services.accounts.by_email("jo@example.org")).id  # type: ignore[union-attr]
    )
    assert mine == []


async def test_session_cookie_is_secure_on_https(tmp_path: Path) -> None:
    async with running_server(tmp_path, SAFETYMAP_BASE_URL="https://maps.example.org") as server:
        await server.services.accounts.add("jo@example.org", "Jo Chair", "a long enough secret")
        async with Browser(server) as browser:
            page = await browser.get("/login")
            assert "Secure" in page.headers["set-cookie"]
            assert "max-age" in page.headers["strict-transport-security"]


async def test_cli_adds_a_facilitator_with_argon2id(tmp_path: Path) -> None:
    env = {**os.environ, "SAFETYMAP_DATA_DIR": str(tmp_path)}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "facilitator", "add", "Ann@Example.org",
        "--name", "Ann Chair", "--password-stdin",
        env=env, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(process.communicate(b"a long enough secret\n"), 60)
    assert process.returncode == 0, out
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'safetymap.db'}")
    try:
        from sqlalchemy import text

        async with engine.connect() as conn:
            row = (await conn.execute(text("select email, password_hash from facilitators"))).one()
    finally:
        await engine.dispose()
    assert row.email == "ann@example.org"
    assert row.password_hash.startswith("$argon2id$")
    token = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "token", "create", "ann@example.org",
        env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    secret, _ = await asyncio.wait_for(token.communicate(), 60)
    assert token.returncode == 0 and len(secret.strip()) >= 43


@pytest.mark.parametrize("password", ["", "short"])
async def test_cli_refuses_a_weak_password(tmp_path: Path, password: str) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "facilitator", "add", "a@example.org",
        "--name", "A", "--password-stdin",
        env={**os.environ, "SAFETYMAP_DATA_DIR": str(tmp_path)},
        stdin=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, err = await asyncio.wait_for(process.communicate(password.encode() + b"\n"), 60)
    assert process.returncode == 2 and b"12 characters" in err
