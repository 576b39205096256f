"""The peers, installed into the ignored bench/.peers, and the versions of everything measured.

- bench/.peers/node: `npm ci` of bench/speed/package.json (the reference server
  `@y/websocket-server`, `@hocuspocus/server`, and yjs/ws for the load generator).
- bench/.peers/venv: `pycrdt-websocket==0.16.5` and `uvicorn[standard]` (uvloop, httptools,
  websockets: the same stack Safety Map's `serve` runs on), and py-spy for `--profile`. Its own
  venv, so its pycrdt may differ from ours.
"""

from __future__ import annotations

import filecmp
import importlib.metadata
import json
import platform
import shutil
import subprocess
import sys
import venv
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = HERE.parent / ".peers"
NODE_DIR = PEERS / "node"
NODE_SERVER = NODE_DIR / "node_modules" / "@y" / "websocket-server" / "src" / "server.js"
HOCUSPOCUS_SERVER = HERE / "hocuspocus_server.mjs"  # it loads @hocuspocus/server from NODE_DIR
VENV = PEERS / "venv"
PYCRDT_WEBSOCKET = "pycrdt-websocket==0.16.5"
VENV_PACKAGES = [PYCRDT_WEBSOCKET, "uvicorn[standard]", "py-spy"]


def _run(command: list[str], cwd: Path | None = None) -> None:
    print(f"[install] {' '.join(command)}", file=sys.stderr, flush=True)
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def install() -> None:
    """Install what is missing or out of date; quick when everything is in place."""
    NODE_DIR.mkdir(parents=True, exist_ok=True)
    fresh = all(
        (NODE_DIR / name).exists() and filecmp.cmp(HERE / name, NODE_DIR / name, shallow=False)
        for name in ("package.json", "package-lock.json")
    )
    if not (fresh and NODE_SERVER.exists()):
        for name in ("package.json", "package-lock.json"):
            shutil.copyfile(HERE / name, NODE_DIR / name)
        _run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=NODE_DIR)
    stamp = VENV / "bench-packages.json"
    if not (stamp.exists() and json.loads(stamp.read_text()) == VENV_PACKAGES):
        if not (VENV / "bin" / "python").exists():
            venv.create(VENV, with_pip=True)
        _run([str(VENV / "bin" / "python"), "-m", "pip", "install", "--quiet", *VENV_PACKAGES])
        stamp.write_text(json.dumps(VENV_PACKAGES))


def _node_version(package: str, under: Path = NODE_DIR) -> str:
    path = under / "node_modules" / package / "package.json"
    return str(json.loads(path.read_text())["version"]) if path.exists() else "?"


def _venv_versions(packages: list[str]) -> dict[str, str]:
    script = (
        "import importlib.metadata as m, json, sys\n"
        "out = {}\n"
        "for p in sys.argv[1:]:\n"
        "    try: out[p] = m.version(p)\n"
        "    except m.PackageNotFoundError: out[p] = 'not installed'\n"
        "print(json.dumps(out))\n"
    )
    if not (VENV / "bin" / "python").exists():  # --no-install without the pycrdt peer
        return {}
    done = subprocess.run(
        [str(VENV / "bin" / "python"), "-c", script, *packages], capture_output=True, text=True
    )
    return dict(json.loads(done.stdout)) if done.returncode == 0 else {}


def _ours(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=HERE, capture_output=True, text=True)
    return done.stdout.strip()


def versions() -> dict[str, dict[str, str]]:
    server_dir = NODE_DIR / "node_modules" / "@y" / "websocket-server"
    dirty = " (with uncommitted changes)" if _git("status", "--porcelain", "--", "server") else ""
    node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    return {
        "Safety Map": {
            "commit": _git("rev-parse", "--short", "HEAD") + dirty,
            "python": platform.python_version(),
            **{
                p: _ours(p)
                for p in (
                    "pycrdt",
                    "uvicorn",
                    "uvloop",
                    "websockets",
                    "starlette",
                    "sqlalchemy",
                    "aiosqlite",
                )
            },
        },
        "@y/websocket-server": {
            "node": node,
            "@y/websocket-server": _node_version("@y/websocket-server"),
            "yjs": _node_version("yjs"),
            "ws": _node_version("ws", server_dir)
            if (server_dir / "node_modules" / "ws").exists()
            else _node_version("ws"),
        },
        "Hocuspocus": {
            "node": node,
            "@hocuspocus/server": _node_version("@hocuspocus/server"),
            "yjs": _node_version("yjs"),
            "crossws": _node_version("crossws"),
        },
        "pycrdt-websocket": _venv_versions(
            ["pycrdt-websocket", "pycrdt", "uvicorn", "uvloop", "websockets", "anyio"]
        ),
        "load generator": {
            "node": node,
            "yjs": _node_version("yjs"),
            "ws": _node_version("ws"),
        },
    }


def machine() -> dict[str, str]:
    model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return {"nproc": nproc, "cpu": model, "kernel": platform.release()}
