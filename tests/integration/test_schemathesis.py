"""schemathesis against `schemas/openapi.json` on a real server process: every operation, with
a facilitator's API token, on made-up and on real meetings: no 5xx, and every response
(status, content type, body, headers) is what the description says. Cases are generated both
within the description and outside it (negative: wrong types, values out of range), and every
whole-number parameter is also sent the values that break a lax reader: past the range the
database holds, look-alike digits (superscript two, circled one, Arabic-Indic and full-width
one), a sign, a space. Each must be refused with a 4xx, never read as a number nor answered
500.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode

from server.services import Services
from server.settings import Settings
from tests.conftest import free_port
from tests.schemathesis_cases import (
    ODD_NUMBERS,
    schema,
    whole_number_parameters,
)

EMAIL = "schema@example.org"


schema.config.generation.update(modes=list(GenerationMode))  # inside the description and out


async def facilitator_token(env: dict[str, str]) -> str:
    """Create the schema (as `safetymap serve` would), a facilitator and an API token."""
    services = await Services.start(Settings.from_env(env))
    try:
        person = await services.accounts.add(EMAIL, "Sam", "x" * 16)
        return await services.accounts.create_api_token(person)
    finally:
        await services.stop()


class Target:
    def __init__(self, base_url: str, token: str, meetings: list[str]) -> None:
        self.base_url = base_url
        self.token = token
        self.meetings = meetings  # an open one and an ended one


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    port = free_port()
    data = tmp_path_factory.mktemp("schemathesis")
    env = {
        **os.environ,
        "SAFETYMAP_DATA_DIR": str(data),
        "SAFETYMAP_SECRET_KEY": "schemathesis-secret",
        "SAFETYMAP_SQLITE_SYNCHRONOUS": "NORMAL",
        "SAFETYMAP_PORT": str(port),
        "SAFETYMAP_LOG_LEVEL": "WARNING",
        # schemathesis sends made-up tokens on purpose: none of them should be throttled.
        "SAFETYMAP_TOKEN_GUESS_LIMIT": "0/1",
    }
    token = asyncio.run(facilitator_token(env))
    log = (data / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)  # polling a port that has no event to wait on
        auth = {"Authorization": f"Bearer {token}"}
        made = [
            httpx.post(f"{base}/api/meetings", json={"title": t}, headers=auth, timeout=10)
            for t in ("Open (example)", "Ended (example)")
        ]
        ids = [m.json()["id"] for m in made]
        ended = httpx.post(f"{base}/api/meetings/{ids[1]}/end", headers=auth, timeout=10)
        assert ended.status_code == 200, ended.text
        yield Target(base, token, ids)
    finally:
        proc.terminate()
        proc.wait(30)
        log.close()
        text = (data / "server.log").read_text()
        assert "Traceback" not in text, text[-3000:]


def aim(case: Any, target: Target) -> None:
    """Two cases in three go to a real meeting (open or ended), the rest to made-up ids."""
    if "meeting_id" in (case.path_parameters or {}):
        pick = zlib.crc32(json.dumps(case.path_parameters, default=str).encode()) % 3
        if pick < 2:
            case.path_parameters["meeting_id"] = target.meetings[pick]


@settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@schema.parametrize()
def test_the_api_does_what_openapi_json_says(case: Any, target: Target) -> None:
    aim(case, target)
    headers = {"Authorization": f"Bearer {target.token}"}
    response = case.call_and_validate(base_url=target.base_url, headers=headers, timeout=30)
    assert response.status_code < 500


ODD_NUMBERS += [str(10**20), "9" * 400]


def ended_meeting(target: Target) -> str:
    """A new meeting, ended (so it has snapshot 1): the generated cases may have deleted the
    target's own meetings by now."""
    auth = {"Authorization": f"Bearer {target.token}"}
    made = httpx.post(f"{target.base_url}/api/meetings", json={"title": "Odd"}, headers=auth)
    meeting_id = str(made.json()["id"])
    ended = httpx.post(f"{target.base_url}/api/meetings/{meeting_id}/end", headers=auth)
    assert ended.status_code == 200, ended.text
    return meeting_id


@pytest.mark.parametrize(("path", "method", "where", "name", "value"), whole_number_parameters())
def test_odd_whole_numbers_are_refused_not_misread(
    target: Target, path: str, method: str, where: str, name: str, value: str
) -> None:
    operation = schema[path][method]
    headers = {"Authorization": f"Bearer {target.token}"}

    def call(number: str) -> Any:
        # On a meeting with snapshot 1: a value misread as 1 would find it.
        places: dict[str, dict[str, Any]] = {"path": {"meeting_id": meeting_id}, "query": {}}
        places[where][name] = number
        case = operation.Case(path_parameters=places["path"], query=places["query"] or None)
        return case.call(base_url=target.base_url, headers=headers, timeout=30)

    meeting_id = ended_meeting(target)
    assert call("1").status_code == 200
    response = call(value)
    assert 400 <= response.status_code < 500, (value, response.status_code, response.text[:200])
