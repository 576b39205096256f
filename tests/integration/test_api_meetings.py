"""The JSON API for facilitators (API token or session + CSRF), and its OpenAPI description."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from openapi_spec_validator import validate
from starlette.routing import Route

from server.web.app import create_app
from tests.conftest import RunningServer, free_port, make_settings
from tests.webclient import Browser

SPEC_PATH = Path(__file__).parents[2] / "schemas" / "openapi.json"
PROBES = ("/healthz", "/readyz", "/metrics")


async def api_token(server: RunningServer, email: str = "sam@example.org") -> str:
    accounts = server.services.accounts
    person = await accounts.add(email, "Sam Chair", "a long enough secret")
    return await accounts.create_api_token(person)


async def test_create_list_and_end_with_an_api_token(server: RunningServer) -> None:
    token = await api_token(server)
    auth = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=server.address, headers=auth) as http:
        created = await http.post(
            "/api/meetings", json={"title": "Review for Mia", "labelSet": "children_in_care"}
        )
        assert created.status_code == 201, created.text
        body = created.json()
        assert set(body) == {"id", "title", "ws_url", "links"}
        assert set(body["links"]) == {"facilitator", "professional", "family", "viewer"}
        bad = await http.post("/api/meetings", json={"title": "", "labelSet": "nope"})
        assert bad.status_code == 422
        listed = (await http.get("/api/meetings")).json()["meetings"]
        assert [m["title"] for m in listed] == ["Review for Mia"]
        assert listed[0]["labelSet"] == "children_in_care" and listed[0]["status"] == "open"
        ended = await http.post(f"/api/meetings/{body['id']}/end")
        assert ended.status_code == 200 and ended.json()["n"] == 1
        assert ended.json()["endedBy"]
        snaps = await http.get(f"/api/meetings/{body['id']}/snapshots")
        assert [s["n"] for s in snaps.json()["snapshots"]] == [1]
    other = await api_token(server, "other@example.org")
    async with httpx.AsyncClient(base_url=server.address) as http:
        foreign = await http.get(
            f"/api/meetings/{body['id']}/snapshots", headers={"Authorization": f"Bearer {other}"}
        )
        assert foreign.status_code == 401
        assert (await http.get("/api/meetings")).status_code == 401


async def test_session_callers_need_the_csrf_header(server: RunningServer) -> None:
    await server.services.accounts.add("sam@example.org", "Sam", "a long enough secret")
    async with Browser(server) as browser:
        await browser.submit(
            "/login", {"email": "sam@example.org", "password": "a long enough secret"}
        )
        without = await browser.http.post("/api/meetings", json={"title": "No header"})
        assert without.status_code == 403
        with_header = await browser.http.post(
            "/api/meetings",
            json={"title": "With header"},
            headers={"X-CSRF-Token": browser.http.cookies["sm_csrf"]},
        )
        assert with_header.status_code == 201
        listed = await browser.http.get("/api/meetings")
        assert [m["title"] for m in listed.json()["meetings"]] == ["With header"]


def test_openapi_is_valid_and_describes_every_api_route(tmp_path: Path) -> None:
    spec = json.loads(SPEC_PATH.read_text())
    validate(spec, base_uri=SPEC_PATH.resolve().as_uri())
    app = create_app(make_settings(tmp_path, free_port()))
    served = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, Route) and (route.path.startswith("/api/") or route.path in PROBES)
        for method in (route.methods or set()) - {"HEAD"}
    }
    described = {(path, method) for path, item in spec["paths"].items() for method in item}
    assert served == described


def break_database(path: Path) -> None:
    """A database that has gone away: the SQLite file is replaced by a folder."""
    for extra in path.parent.glob(path.name + "*"):
        extra.unlink()
    path.mkdir()


async def test_health_and_readiness(server: RunningServer) -> None:
    async with httpx.AsyncClient(base_url=server.address) as http:
        assert (await http.get("/healthz")).json() == {"status": "ok"}
        assert (await http.get("/readyz")).json() == {"status": "ready"}
        await server.services.store.engine.dispose()
        break_database(Path(server.settings.database_url.split("///", 1)[1]))
        broken = await http.get("/readyz")
        assert broken.status_code == 503 and broken.json()["status"] == "unavailable"
