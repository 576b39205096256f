"""deploy/ installs as written: the systemd units pass `systemd-analyze verify` with the real
command, the environment file template names every setting production must have, and the
TLS site (deploy/nginx-tls.conf) runs in a real nginx next to a Debian-style default site,
redirecting http to https and serving pages, websockets and each process's metrics."""

from __future__ import annotations

import asyncio
import configparser
import re
import shlex
import shutil
import ssl
import subprocess
from pathlib import Path

import httpx
import pytest
from websockets.asyncio.client import connect

from server.cli import _parser
from server.ops import startup
from server.settings import SETTINGS, Settings
from server.sync import protocol
from tests.cluster import cluster
from tests.conftest import free_port
from tests.servers import command, running
from tests.system.test_nginx import _main_config, nginx_binary

DEPLOY = Path(__file__).parents[2] / "deploy"
UNITS = ("safetymap@.service", "safetymap-migrate.service")
INSTALLED = "/opt/safetymap/bin/safetymap"
NAME = "map.example.org"


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def test_units_run_real_commands(tmp_path: Path) -> None:
    real = command()
    for name in UNITS:
        unit = _unit(name)
        argv = shlex.split(unit["Service"]["ExecStart"].replace("%i", "8001"))
        assert argv[0] == INSTALLED, argv
        _parser().parse_args(argv[1:])  # the safetymap command takes these arguments
        assert unit["Service"]["EnvironmentFile"] == "/etc/safetymap/safetymap.env"
        # The same unit, pointing at the command installed here.
        text = (DEPLOY / "systemd" / name).read_text().replace(INSTALLED, shlex.join(real))
        (tmp_path / name).write_text(text)
    assert _unit(UNITS[0])["Unit"]["Requires"] == "safetymap-migrate.service"
    verify = shutil.which("systemd-analyze")
    if verify is None:
        return  # configparser's reading above is all we can do without systemd
    result = subprocess.run(
        [verify, "verify", "safetymap@8001.service", "safetymap-migrate.service"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    complaints = [line for line in result.stderr.splitlines() if "safetymap" in line]
    assert result.returncode == 0 and not complaints, result.stderr


def _env_file() -> dict[str, str]:
    values = {}
    for line in (DEPLOY / "safetymap.env.example").read_text().splitlines():
        match = re.fullmatch(r"#?([A-Z_]+)=(.*)", line)
        if match:
            values[match.group(1)] = match.group(2)
    return values


def test_env_template_lists_what_production_needs() -> None:
    values = _env_file()
    assert set(values) <= {*SETTINGS, "FORWARDED_ALLOW_IPS"}, set(values) - set(SETTINGS)
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "BASE_URL"):
        assert f"SAFETYMAP_{name}" in values
    # As shipped, the placeholder key is refused at start, in one line naming the fix.
    with pytest.raises(startup.StartupError, match="SAFETYMAP_SECRET_KEY"):
        startup.check_settings(Settings.from_env(values))
    # Filled in, nothing else is missing (and a public http:// address would be warned about).
    values["SAFETYMAP_SECRET_KEY"] = "k" * 8 + "a-real-key-is-64-random-characters-long"
    assert startup.check_settings(Settings.from_env(values)) == []


DEFAULT_SITE = """server {{
    listen 127.0.0.1:{port} default_server;
    server_name _;
    return 404;
}}
"""


def _tls_site(ports: list[int], http: int, https: int, folder: Path) -> str:
    """deploy/nginx-tls.conf with this test's ports, certificate and log; IPv4 only."""
    site = (DEPLOY / "nginx-tls.conf").read_text()
    site = re.sub(r"\n *listen \[::\][^\n]*", "", site)
    site = site.replace("listen 80;", f"listen 127.0.0.1:{http};")
    site = site.replace("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;")
    shipped = {"8001": str(ports[0]), "8002": str(ports[1])}
    site = re.sub(r"\b(8001|8002)\b", lambda m: shipped[m.group(1)], site)
    site = site.replace(f"/etc/letsencrypt/live/{NAME}/fullchain.pem", str(folder / "cert.pem"))
    site = site.replace(f"/etc/letsencrypt/live/{NAME}/privkey.pem", str(folder / "key.pem"))
    site = site.replace("/var/log/nginx/safetymap.error.log", str(folder / "site-error.log"))
    return site.replace("/var/log/nginx/safetymap.access.log", str(folder / "access.log"))


def _certificate(folder: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(folder / "key.pem"), "-out", str(folder / "cert.pem"),
         "-subj", f"/CN={NAME}", "-addext", f"subjectAltName=DNS:{NAME},IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


async def test_tls_site_next_to_a_default_site(tmp_path: Path) -> None:
    nginx = nginx_binary("openssl")
    metrics_token = "metrics-token-for-the-test-0123456789"
    async with cluster(
        tmp_path, 2, SAFETYMAP_BASE_URL=f"https://{NAME}", SAFETYMAP_METRICS_TOKEN=metrics_token
    ) as (group, meeting):
        folder = tmp_path / "nginx"
        folder.mkdir()
        _certificate(folder)
        http, https = free_port(), free_port()
        default = folder / "default.conf"
        default.write_text(DEFAULT_SITE.format(port=http))
        site = folder / "safetymap.conf"
        site.write_text(_tls_site(group.ports, http, https, folder))
        main = folder / "nginx.conf"
        # Debian's order: the default site first (sites-enabled/default), ours after it.
        config = _main_config(folder, default)
        head, _, _ = config.rpartition("}\n")  # the end of `http { }`: ours after the default
        main.write_text(f"{head}    include {site};\n}}\n")
        argv = [nginx, "-p", str(folder), "-c", str(main), "-g", "daemon off;"]
        async with running(argv, https, folder / "error.log"):
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{http}") as plain:
                moved = await plain.get("/login?next=x", headers={"Host": NAME})
                assert moved.status_code == 301
                assert moved.headers["location"] == f"https://{NAME}/login?next=x"
                # Another name falls to the default site, as ours would without server_name.
                assert (await plain.get("/login", headers={"Host": "other"})).status_code == 404
            tls = ssl.create_default_context(cafile=str(folder / "cert.pem"))
            async with httpx.AsyncClient(
                base_url=f"https://127.0.0.1:{https}", verify=tls, headers={"Host": NAME}
            ) as secure:
                page = await secure.get("/login")
                assert page.status_code == 200
                assert "max-age" in page.headers["strict-transport-security"]
                assert (await secure.get("/metrics")).status_code == 404
                for port in group.ports:
                    assert (await secure.get(f"/metrics/{port}")).status_code == 401
                    scraped = await secure.get(
                        f"/metrics/{port}", headers={"Authorization": f"Bearer {metrics_token}"}
                    )
                    assert scraped.status_code == 200
                    assert "safetymap_websocket_connections" in scraped.text
            # A stock client over wss:// through the TLS site gets the server's sync step 1.
            token = meeting["tokens"]["professional"]
            url = f"wss://127.0.0.1:{https}/ws/{meeting['id']}?token={token}"
            async with connect(url, ssl=tls, server_hostname=NAME) as ws:
                first = await asyncio.wait_for(ws.recv(), 10)
                assert isinstance(first, bytes)
                assert isinstance(protocol.decode(first), protocol.SyncStep1)
        assert token not in (folder / "access.log").read_text()
