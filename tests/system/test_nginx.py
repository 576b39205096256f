"""Two server processes behind a real nginx (Debian's package) running deploy/nginx.conf:
websockets pass through, both clients of one meeting land on the same process (routing by
meeting: test_nginx_routing.py), and they converge; a request head never finished is closed
after the file's client_header_timeout; a phone's photo (larger than the site's body limit
elsewhere) is uploaded and read back."""

from __future__ import annotations

import asyncio
import io
import os
import re
import shutil
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from PIL import Image

from tests.cluster import cluster, converged
from tests.conftest import free_port
from tests.pictures import send
from tests.servers import running
from tests.waiting import eventually, within
from tests.yclient import YClient

CONFIG = Path(__file__).parents[2] / "deploy" / "nginx.conf"


def _site(ports: list[int], listen: int, folder: Path) -> str:
    """The repo's nginx.conf, with this test's ports and log file."""
    site = CONFIG.read_text()
    shipped = {"8001": str(ports[0]), "8002": str(ports[1])}
    site = re.sub(r"127\.0\.0\.1:(8001|8002)\b", lambda m: f"127.0.0.1:{shipped[m[1]]}", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};")
    site = site.replace("/var/log/nginx/safetymap.error.log", str(folder / "error.log"))
    return site.replace("/var/log/nginx/safetymap.access.log", str(folder / "access.log"))


def nginx_binary(*also: str) -> str:
    """nginx (Debian installs it in /usr/sbin, not on every PATH), and `also` on PATH: fails
    under CI when missing, else skips."""
    nginx = shutil.which("nginx", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    missing = [name for name in also if shutil.which(name) is None]
    if nginx is None or missing:
        names = ", ".join(["nginx", *also])
        message = f"not installed: one of {names} (Debian packages {names})"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return nginx


def _main_config(folder: Path, site: Path) -> str:
    temp = "".join(
        f"    {name}_temp_path {folder / name};\n"
        for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        "user root;\nworker_processes 1;\n"
        f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
        "events { worker_connections 256; }\n"
        f"http {{\n{temp}    include {site};\n}}\n"
    )


def _configure(ports: list[int], folder: Path) -> tuple[list[str], int]:
    """The shipped site in front of these server ports: nginx's command line, its port."""
    nginx = nginx_binary()
    folder.mkdir()
    listen = free_port()
    site = folder / "safetymap.conf"
    site.write_text(_site(ports, listen, folder))
    main = folder / "nginx.conf"
    main.write_text(_main_config(folder, site))
    return [nginx, "-p", str(folder), "-c", str(main), "-g", "daemon off;"], listen


@asynccontextmanager
async def behind_nginx(ports: list[int], folder: Path) -> AsyncIterator[int]:
    """A real nginx running the shipped site in front of these server ports: its own port."""
    argv, listen = _configure(ports, folder)
    async with running(argv, listen, folder / "error.log"):
        yield listen


async def connections(port: int) -> int:
    """The websockets a server process holds, from its /metrics."""
    async with httpx.AsyncClient() as http:
        page = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
    match = re.search(r"^safetymap_websocket_connections (\S+)$", page, re.MULTILINE)
    assert match, page
    return int(float(match.group(1)))


async def test_two_processes_behind_nginx_converge(tmp_path: Path) -> None:
    folder = tmp_path / "nginx"
    async with (
        cluster(tmp_path, 2) as (group, meeting),
        behind_nginx(group.ports, folder) as listen,
    ):
        # A request head never finished: nginx closes it after client_header_timeout.
        slow, slow_writer = await asyncio.open_connection("127.0.0.1", listen)
        slow_writer.write(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        slow_since = time.monotonic()
        proxied = f"ws://127.0.0.1:{listen}/ws"
        token = meeting["tokens"]["professional"]
        a = YClient(proxied, meeting["id"], token, name="Through nginx, first")
        b = YClient(proxied, meeting["id"], token, name="Through nginx, second")
        for client in (a, b):
            await client.connect()
            await within(client.synced.wait(), 20, "client synced")
            group.clients.append(client)
        # The meeting's id chose one process for both websockets.
        assert sorted([await connections(port) for port in group.ports]) == [0, 2]
        a.add_card("a", "worries", "typed on the first process")
        b.add_card("b", "strengths", "typed on the second process")
        await converged(
            [a, b], {"a": "typed on the first process", "b": "typed on the second process"}
        )
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{listen}") as http:
            assert (await http.get("/healthz")).json() == {"status": "ok"}
            assert (await http.get("/metrics")).status_code == 404
        for client in (a, b):
            await client.disconnect()  # nginx logs a websocket when it closes
        access = folder / "access.log"
        await eventually(lambda: access.read_text().count("/ws/") == 2)
        assert token not in access.read_text()
        configured = re.search(r"client_header_timeout (\d+)s;", CONFIG.read_text())
        assert configured, "deploy/nginx.conf sets no client_header_timeout"
        header_timeout = float(configured.group(1))
        assert header_timeout <= 15
        await asyncio.wait_for(slow.read(), header_timeout + 5)  # closed: EOF
        assert time.monotonic() - slow_since >= header_timeout - 1
        slow_writer.close()


async def test_a_phones_photo_is_uploaded_and_read_back_through_nginx(tmp_path: Path) -> None:
    """A photo of several MB (a phone's is 2 to 5) through deploy/nginx.conf: the site's 2 MB
    body limit elsewhere must not refuse it before the server sees it."""
    folder = tmp_path / "nginx"
    async with (
        cluster(tmp_path, 2) as (group, meeting),
        behind_nginx(group.ports, folder) as listen,
    ):
        token = meeting["tokens"]["professional"]
        pro = YClient(f"ws://127.0.0.1:{listen}/ws", meeting["id"], token, name="Dana")
        await pro.connect()
        await within(pro.synced.wait(), 20, "client synced")
        group.clients.append(pro)
        noise = Image.frombytes("RGB", (1800, 1400), os.urandom(1800 * 1400 * 3))
        out = io.BytesIO()
        noise.save(out, "JPEG", quality=98)  # as detailed as a phone's photo, and larger
        photo = out.getvalue()
        assert 3_000_000 < len(photo) < 10 * 2**20
        query = f"?token={token}&key={pro.key}"
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{listen}", timeout=60) as http:
            sent = await send(http, meeting["id"], photo, query=query)
            assert sent.status_code == 201, sent.text
            read = await http.get(sent.json()["url"] + query)
        assert read.status_code == 200 and read.headers["content-type"] == "image/jpeg"
        assert Image.open(io.BytesIO(read.content)).size == (1800, 1400)
        await pro.disconnect()
