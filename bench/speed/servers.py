"""The servers under test, each a subprocess pinned to one CPU, and how to make rooms on them.

Safety Map gets a fresh SQLite data directory (synchronous=FULL, the product default: every
update is appended durably before it is relayed) and its meetings are made through the product's
own interfaces: a facilitator and an API token from the `safetymap` CLI, then `POST
/api/meetings`; clients connect with the meeting's professional link, as stock y-websocket
clients do (`/ws/<meeting>?token=…&name=…&key=…`). The peers need no setup: a room is the URL path.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import peers

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def pinned(cpu: int | None) -> list[str]:
    """The prefix that runs a command on one CPU (its threads inherit the mask)."""
    return ["taskset", "-c", str(cpu)] if cpu is not None else []


def cpu_seconds(pid: int) -> float:
    """utime + stime of a whole process (every thread): fields 14 and 15 of /proc/PID/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(stat[11]) + int(stat[12])) / _CLOCK_TICKS


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def safetymap_command() -> list[str]:
    """The `safetymap` command of this interpreter's environment."""
    found = Path(sys.executable).parent / "safetymap"
    return [str(found)] if found.exists() else [sys.executable, "-m", "server.cli"]


def safetymap_env(data_dir: Path, port: int, **settings: str) -> dict[str, str]:
    """The environment of a measured `safetymap serve`: only the settings given here."""
    # Inherited SAFETYMAP_* settings (say a PostgreSQL URL) would change what is measured.
    inherited = {k: v for k, v in os.environ.items() if not k.startswith("SAFETYMAP_")}
    return {
        **inherited,
        "SAFETYMAP_DATA_DIR": str(data_dir),
        "SAFETYMAP_BASE_URL": f"http://127.0.0.1:{port}",
        "SAFETYMAP_LOG_LEVEL": "WARNING",
        **settings,
    }


class Server:
    """One server process. `rooms(n, clients)` gives each room's client URLs."""

    name = ""
    persists = False  # does it keep documents in a database (so a cold load means anything)?
    stop_timeout = 10.0  # then SIGKILL (a wedged pycrdt-websocket never exits on SIGINT)
    shareable = True  # may --quick reuse it across scenarios?
    framing = "y-websocket"  # what its clients speak (loadgen.mjs): y-websocket or hocuspocus

    def __init__(self, cpu: int | None) -> None:
        self.cpu = cpu
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.workdir = Path(tempfile.mkdtemp(prefix=f"speed-{self.name}-"))
        self.log_path = self.workdir / "server.log"
        self._names = itertools.count(1)

    def command(self) -> list[str]:
        raise NotImplementedError

    def env(self) -> dict[str, str]:
        return dict(os.environ)

    def prepare(self) -> None:
        """Anything to do before the first start (accounts, tokens)."""

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [*pinned(self.cpu), *self.command()],
                env=self.env(),
                stdout=log,
                stderr=log,
                cwd=REPO,
            )
        deadline = time.monotonic() + 60
        while not self.ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start:\n{self.log_tail()}")
            time.sleep(0.05)

    def ready(self) -> bool:
        return listening(self.port)

    def stop(self) -> None:
        """SIGINT, as an operator would (Safety Map saves and compacts every room)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pid)

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise KeyError("VmRSS")

    def log_tail(self, lines: int = 30) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def log_problems(self) -> list[str]:
        if not self.log_path.exists():
            return []
        text = self.log_path.read_text(errors="replace").splitlines()
        # The ERROR line, and the exception that ends each traceback.
        wanted = re.compile(r"^(ERROR|[A-Za-z_.]*(Error|Exception)\b)")
        return [line[:200] for line in text if wanted.match(line)]

    def rooms(self, count: int, clients: int) -> list[list[str]]:
        """`count` new rooms, with `clients` client URLs each."""
        made = []
        for _ in range(count):
            room = f"bench-{next(self._names)}"
            made.append([f"ws://127.0.0.1:{self.port}/{room}" for _ in range(clients)])
        return made


class SafetyMap(Server):
    name = "safetymap"
    persists = True
    stop_timeout = 60.0  # it saves and compacts every room first

    def __init__(
        self, cpu: int | None, synchronous: str = "FULL", people: int | None = None
    ) -> None:
        super().__init__(cpu)
        self.synchronous = synchronous
        # Past this many clients a meeting's clients share names, as one person's tabs and
        # devices do (None: a name each).
        self.people = people
        self.data_dir = self.workdir / "data"
        self.token = ""

    def env(self) -> dict[str, str]:
        return safetymap_env(
            self.data_dir, self.port, SAFETYMAP_SQLITE_SYNCHRONOUS=self.synchronous
        )

    def cli(self, *args: str, stdin: str | None = None) -> str:
        done = subprocess.run(
            [*safetymap_command(), *args],
            env=self.env(),
            input=stdin,
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"safetymap {' '.join(args)} failed:\n{done.stderr}")
        return done.stdout

    def prepare(self) -> None:
        email = "bench@example.org"
        self.cli(
            "facilitator",
            "add",
            email,
            "--name",
            "Bench Facilitator",
            "--password-stdin",
            stdin="a fictional bench password\n",
        )
        self.token = self.cli("token", "create", email).strip().splitlines()[-1]

    def command(self) -> list[str]:
        return [*safetymap_command(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/readyz", timeout=1) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def create_meeting(self) -> dict[str, object]:
        body = json.dumps(
            {
                "title": f"Bench meeting {next(self._names)}",
                "labelSet": "child_protection",
                "waitingRoom": False,  # load clients join at once, nobody to admit them
            }
        ).encode()
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/meetings",
            data=body,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return dict(json.loads(response.read()))

    def rooms(self, count: int, clients: int) -> list[list[str]]:
        made = []
        for _ in range(count):
            meeting = self.create_meeting()
            links = meeting["links"]
            assert isinstance(links, dict)
            token = str(links["professional"]).rsplit("/", 1)[1]
            base = f"{meeting['ws_url']}/{meeting['id']}?"
            # A participant key per person (docs/protocol.md, "Connecting"): a reconnect
            # storm is people coming back as themselves, found by the key with the link.
            keys: dict[int, str] = {}
            made.append(
                [
                    base
                    + urlencode(
                        {
                            "token": token,
                            "name": f"Person {self._person(k)}",
                            "key": keys.setdefault(self._person(k), secrets.token_urlsafe(32)),
                        }
                    )
                    for k in range(clients)
                ]
            )
        return made

    def _person(self, k: int) -> int:
        return (k % self.people if self.people else k) + 1


class NodeReference(Server):
    name = "node"

    def command(self) -> list[str]:
        return ["node", str(peers.NODE_SERVER)]

    def env(self) -> dict[str, str]:
        return {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port)}


class Hocuspocus(Server):
    """`@hocuspocus/server` with its defaults (hocuspocus_server.mjs): documents in memory,
    any token let in. A room is a document name, sent before every message; the URL's path
    carries it to the load generator (the server reads it only from the messages)."""

    name = "hocuspocus"
    framing = "hocuspocus"

    def command(self) -> list[str]:
        return ["node", str(peers.HOCUSPOCUS_SERVER)]

    def env(self) -> dict[str, str]:
        modules = str(peers.NODE_DIR / "node_modules")
        return {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port), "MODULES": modules}


class PycrdtWebsocket(Server):
    name = "pycrdt"
    shareable = False  # an overload or a race can leave it refusing every later client

    def __init__(self, cpu: int | None, deflate: bool) -> None:
        self.deflate = deflate
        super().__init__(cpu)

    def command(self) -> list[str]:
        flags = [] if self.deflate else ["--ws-per-message-deflate", "false"]
        return [
            str(peers.VENV / "bin" / "uvicorn"), "pycrdt_app:app",
            "--app-dir", str(Path(__file__).parent),
            "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning", *flags,
        ]  # fmt: skip


# What run.py measures, by the name used on the command line and in the results.
TARGETS = {
    "safetymap": ("Safety Map", lambda cpu: SafetyMap(cpu)),
    # Not a shipped setting for a record: what the fsync before each relay costs (opt-in).
    "safetymap-nofsync": (
        "Safety Map, synchronous=OFF (no fsync)",
        lambda cpu: SafetyMap(cpu, synchronous="OFF"),
    ),
    "node": ("@y/websocket-server", lambda cpu: NodeReference(cpu)),
    "hocuspocus": ("Hocuspocus", lambda cpu: Hocuspocus(cpu)),
    "pycrdt": ("pycrdt-websocket, deflate on", lambda cpu: PycrdtWebsocket(cpu, deflate=True)),
    "pycrdt-nodeflate": (
        "pycrdt-websocket, deflate off",
        lambda cpu: PycrdtWebsocket(cpu, deflate=False),
    ),
}
# What a run measures unless --targets names others: every shipped setup and every peer.
DEFAULT_TARGETS = [t for t in TARGETS if t != "safetymap-nofsync"]
