"""Under an ASGI server without the "safetymap.direct" extension (here uvicorn's stock
websocket protocol), every frame goes through the connection's bounded queue and its sender
task: the same sync, refusals and too-slow close as under `safetymap serve`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import uvicorn

from server.sync import protocol
from server.web.app import create_app
from tests.conftest import RunningServer, free_port, make_settings
from tests.integration.test_room_lifecycle import (
    test_slow_client_is_closed_and_others_keep_up as slow_client_scenario,
)


@contextlib.asynccontextmanager
async def stock_uvicorn(data_dir: Path, **overrides: str) -> AsyncIterator[RunningServer]:
    port = free_port()
    settings = make_settings(data_dir, port, SAFETYMAP_PORT=str(port), **overrides)
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,  # the too-slow test's big cards must stay big
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.01)
        yield RunningServer(settings, server, app.state.services)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 40)


async def test_edits_and_refusals_go_through_the_queue(tmp_path: Path) -> None:
    async with stock_uvicorn(tmp_path / "data") as server:
        meeting = await server.meeting()
        editor = await server.client(meeting, "professional")
        viewer = await server.client(meeting, "viewer", name="Shared screen")
        editor.add_card("c1", "strengths", "Gran collects the children on Fridays")
        await viewer.wait_for(lambda: "c1" in viewer.cards())

        viewer.add_card("v1", "harm", "typed on the shared screen")
        await viewer.wait_closed()
        assert viewer.close_code == 4403
        # Queued before the close, so sent before it.
        assert isinstance(protocol.decode(viewer.received[-1]), protocol.PermissionDenied)
        assert not editor.closed.is_set()


async def test_a_slow_client_is_closed_as_too_slow_and_others_keep_up(tmp_path: Path) -> None:
    overrides = {
        "SAFETYMAP_SEND_QUEUE_FRAMES": "16",
        "SAFETYMAP_MAX_DOCUMENT_BYTES": str(64 * 2**20),
        "SAFETYMAP_MAX_CARD_TEXT": "100000",  # big cards, to fill the slow client's socket
        "SAFETYMAP_BYTE_LIMIT": "0/1",  # the writer sends 20 MB on purpose
        "SAFETYMAP_PARTICIPANT_BYTE_LIMIT": "0/1",
    }
    async with stock_uvicorn(tmp_path / "data", **overrides) as server:
        # Here its socket fills, the sender task blocks, and the queue overflows.
        await slow_client_scenario(server)
