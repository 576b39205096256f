"""Every websocket close is one INFO line with its code and who closed it (JSON with the
meeting and request ids when SAFETYMAP_LOG_FORMAT=json), and never a token, name or card."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from tests.conftest import free_port
from tests.servers import create_meeting, read_log, serve, server_env
from tests.waiting import eventually, within
from tests.yclient import YClient


async def test_each_close_is_one_line_with_its_code(tmp_path: Path) -> None:
    port = free_port()
    env = server_env(tmp_path, port, SAFETYMAP_LOG_LEVEL="INFO", SAFETYMAP_LOG_FORMAT="json")
    log = tmp_path / "server.log"
    meeting = await create_meeting(env, "Close logs")
    token = meeting["tokens"]["professional"]
    async with serve(env, port, log, stdout=tmp_path / "server.out", stop=signal.SIGINT):
        leaving = YClient(meeting["ws_url"], meeting["id"], token, name="Marker Name Zq")
        await leaving.connect()
        await within(leaving.synced.wait(), 20, "leaving synced")
        leaving.add_card("c1", "harm", "secret card text Qx7")
        await leaving.disconnect()  # the client closes: 1000

        broken = YClient(meeting["ws_url"], meeting["id"], token, name="Marker Name Zq")
        await broken.connect()
        await within(broken.synced.wait(), 20, "broken synced")
        await broken.send(b"\x07garbage")  # the server closes: 4400
        await broken.wait_closed()

        stranger = YClient(meeting["ws_url"], meeting["id"], "x" * 43, name="Marker Name Zq")
        await stranger.connect()  # refused: 4401
        await stranger.wait_closed()
        assert stranger.close_code == 4401

        def closes() -> list[dict[str, str]]:
            lines = [json.loads(line) for line in read_log(log).splitlines() if line.strip()]
            return [
                line
                for line in lines
                if line["logger"] == "server.web.websocket"
                and line["message"].startswith("websocket ")
            ]

        await eventually(lambda: len(closes()) == 3)
        staying = YClient(meeting["ws_url"], meeting["id"], token, name="Marker Name Zq")
        await staying.connect()
        await within(staying.synced.wait(), 20, "staying synced")
    # The server stopped with `staying` connected: its own restart close, not the client's.
    by_client, by_server, refused, restart = (line["message"] for line in closes())
    assert by_client.startswith("websocket closed by the client: 1000 (professional, main layer")
    assert by_server.startswith("websocket closed by the server: 4400 malformed frame")
    assert refused.startswith("websocket refused: 4401 this link is not valid")
    assert restart.startswith("websocket closed by the server (restarting): 1012 (professional")
    for line in closes():
        assert line["level"] == "INFO"
        assert line["meeting_id"] == meeting["id"] and line["request_id"]
    everything = read_log(log) + read_log(tmp_path / "server.out")
    for secret in (token, "Marker", "Qx7", "secret card text"):
        assert secret not in everything
