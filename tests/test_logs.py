"""No link token, display name or card text reaches the server's logs."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from server import logs

from .conftest import free_port
from .yclient import YClient


def test_redact_hides_tokens_names_and_join_links() -> None:
    line = 'x - "WebSocket /ws/m1?token=abc_DEF-123&name=Jo%20Example" [accepted] /join/tok-123'
    cleaned = logs.redact(line)
    assert "abc_DEF-123" not in cleaned and "Jo%20Example" not in cleaned
    assert "tok-123" not in cleaned
    assert logs.redact("GET /setup/Set_up-Token9 HTTP/1.1") == "GET /setup/… HTTP/1.1"
    assert "/ws/m1?token=…" in cleaned


async def test_server_logs_carry_no_secrets_or_content(tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "SAFETYMAP_DATA_DIR": str(tmp_path),
        "SAFETYMAP_BASE_URL": f"http://127.0.0.1:{port}",
        "SAFETYMAP_LOG_LEVEL": "DEBUG",
    }
    create = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "meeting", "create", "--title", "Log check", "--json",
        "--no-waiting-room",
        env=env, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, _ = await create.communicate()
    meeting = json.loads(out)
    token = meeting["links"]["family"].rsplit("/", 1)[1]
    serve = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "server.cli", "serve", "--port", str(port),
        env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    try:
        async with asyncio.timeout(20):
            while True:
                try:
                    _, writer = await asyncio.open_connection("127.0.0.1", port)
                    writer.close()
                    break
                except OSError:
                    await asyncio.sleep(0.05)
        client = YClient(meeting["ws_url"], meeting["id"], token, name="Marker Name Zq")
        await client.connect()
        await client.synced.wait()
        client.add_card("c1", "harm", "secret card text Qx7")
        await client.send(b"\x07garbage")  # an error path too
        await client.wait_closed()
        assert client.close_code == 4400
    finally:
        serve.send_signal(signal.SIGINT)
        output, _ = await asyncio.wait_for(serve.communicate(), 30)
    text = output.decode()
    assert "WebSocket" in text  # uvicorn did log the connection ...
    for secret in (token, "Marker", "Qx7", "secret card text"):
        assert secret not in text  # ... without the token, the name or the card
