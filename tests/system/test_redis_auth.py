"""Redis with a password, and over TLS (`rediss://`): the relay works with the right ones, and
a process refuses to start, in one line naming the fix and never the password, with a wrong
one. Real `redis-server` processes of the test's own."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.live.relay import Kind, Message, Relay
from server.live.relay_stream import check
from server.settings import SettingsError
from tests.cluster import RedisServer
from tests.conftest import free_port
from tests.databases import database_url
from tests.servers import cli, command, running, server_env
from tests.waiting import within

PASSWORD = "s3cret-relay-pass"  # the test's own Redis


async def _nothing() -> None:
    return None


async def _relays_talk(url: str) -> None:
    """Two relays of one deployment on `url`: what one publishes, the other delivers."""
    heard: list[Message] = []
    arrived = asyncio.Event()

    def deliver(message: Message) -> None:
        heard.append(message)
        arrived.set()

    first, second = Relay(url, deployment="d"), Relay(url, deployment="d")
    await first.start(lambda _: None, _nothing)
    await second.start(deliver, _nothing)
    try:
        first.publish(Kind.UPDATE, "m1", "main", b"through the relay")
        await asyncio.wait_for(arrived.wait(), 10)
        assert heard[0].payload == b"through the relay" and second.connected
    finally:
        await first.stop()
        await second.stop()


@pytest.fixture
async def locked_redis(tmp_path: Path) -> AsyncIterator[RedisServer]:
    redis = RedisServer(tmp_path)
    redis.argv += ["--requirepass", PASSWORD]
    redis.url = f"redis://:{PASSWORD}@127.0.0.1:{redis.port}/0"
    await redis.start()
    try:
        yield redis
    finally:
        await redis.kill()


async def test_the_relay_works_with_the_password(locked_redis: RedisServer) -> None:
    await _relays_talk(locked_redis.url)
    await check(locked_redis.url)


@pytest.mark.parametrize("auth", ["wrong-password@", "", "someone:wrong@"])
async def test_a_wrong_or_missing_password_is_one_line_naming_the_fix(
    locked_redis: RedisServer, auth: str
) -> None:
    url = f"redis://{':' if auth and ':' not in auth else ''}{auth}127.0.0.1:{locked_redis.port}/0"
    for attempt in (check(url), Relay(url).start(lambda _: None, _nothing)):
        with pytest.raises(SettingsError) as refused:
            await within(attempt, 30, "the locked Redis refused the connection")
        line = str(refused.value)
        assert "\n" not in line and "SAFETYMAP_REDIS_URL" in line and "password" in line
        assert "wrong" not in line  # the password given is never repeated


async def test_serve_with_a_wrong_password_stops_in_one_line(
    locked_redis: RedisServer, tmp_path: Path
) -> None:
    secret = "not-the-password-xyz"
    port = free_port()
    async with database_url("postgresql", tmp_path) as db_url:
        env = server_env(
            tmp_path / "data",
            port,
            SAFETYMAP_DATABASE_URL=db_url,
            SAFETYMAP_REDIS_URL=f"redis://:{secret}@127.0.0.1:{locked_redis.port}/0",
            SAFETYMAP_SECRET_KEY="redis-auth-test-secret-key-not-for-production",
        )
        await cli(env, "db", "upgrade")
        proc = await asyncio.create_subprocess_exec(
            *command(), "serve", "--host", "127.0.0.1", "--port", str(port), env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode not in (0, None), (out, err)
    assert secret.encode() not in out + err
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1, err.decode()
    assert "SAFETYMAP_REDIS_URL" in lines[0] and "password" in lines[0]


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA and a server certificate for 127.0.0.1 it signed (openssl)."""
    ca_key, ca, key, csr, cert = (
        folder / name for name in ("ca.key", "ca.pem", "r.key", "r.csr", "r.pem")
    )

    def run(*argv: str) -> None:
        subprocess.run(["openssl", *argv], check=True, capture_output=True, timeout=60)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=Test CA",
        "-keyout", str(ca_key), "-out", str(ca))  # fmt: skip
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
        "-keyout", str(key), "-out", str(csr))  # fmt: skip
    extensions = folder / "san.cnf"
    extensions.write_text("subjectAltName=IP:127.0.0.1\n")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key),
        "-CAcreateserial", "-days", "1", "-out", str(cert),
        "-extfile", str(extensions))  # fmt: skip
    return ca, cert, key


async def test_rediss_works_with_its_ca_and_refuses_without(tmp_path: Path) -> None:
    binary, openssl = shutil.which("redis-server"), shutil.which("openssl")
    assert binary and openssl, "redis-server (built with TLS, as Debian's is) and openssl"
    ca, cert, key = _certificates(tmp_path)
    port = free_port()
    argv = [binary, "--save", "", "--appendonly", "no", "--bind", "127.0.0.1", "--port", "0",
            "--tls-port", str(port), "--tls-cert-file", str(cert), "--tls-key-file", str(key),
            "--tls-ca-cert-file", str(ca), "--tls-auth-clients", "no",
            "--requirepass", PASSWORD, "--dir", str(tmp_path)]  # fmt: skip
    async with running(argv, port, tmp_path / "redis-tls.log"):
        base = f"rediss://:{PASSWORD}@127.0.0.1:{port}/0"
        await _relays_talk(f"{base}?ssl_ca_certs={ca}")
        with pytest.raises(SettingsError, match="TLS certificate did not verify"):
            await check(base)  # the system's CAs do not know this one
