"""No link token, display name or card text reaches the server's logs."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx

from tests.conftest import free_port
from tests.servers import create_meeting, read_log, serve, server_env
from tests.waiting import within
from tests.yclient import YClient


async def test_server_logs_carry_no_secrets_or_content(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(tmp_path, port, SAFETYMAP_LOG_LEVEL="DEBUG")
    log = tmp_path / "server.log"  # standard output and error, as an operator would see them
    meeting = await create_meeting(env, "Log check")
    token = meeting["tokens"]["family"]
    async with serve(env, port, log, stop=signal.SIGINT):
        client = YClient(
            meeting["ws_url"], meeting["id"], token, name="Marker Name Zq", agency="Marker Kp"
        )
        await client.connect()
        await within(client.synced.wait(), 20, "client synced")
        # What someone said when the plan was read back stays out of the logs too.
        chair = {"Authorization": f"Bearer {meeting['tokens']['facilitator']}"}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=chair) as http:
            said = {"agreed": False, "words": "Marker words Vb3"}
            path = f"/api/meetings/{meeting['id']}/agreement/{await client.whoami()}"
            assert (await http.put(path, json=said)).status_code == 200
        client.add_card("c1", "harm", "secret card text Qx7")
        await client.send(b"\x07garbage")  # an error path too
        await client.wait_closed()
        assert client.close_code == 4400
    text = read_log(log)
    assert "WebSocket" in text  # uvicorn did log the connection ...
    for secret in (token, "Marker", "Qx7", "secret card text", "Kp", "Vb3"):
        assert secret not in text  # ... without the token, the name or the card
