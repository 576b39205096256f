"""The unit tier is pure: no sockets, no database, no subprocesses. A test that needs one of
them belongs in tests/integration (a real server and database) or tests/system."""

from __future__ import annotations

import socket
import subprocess
from typing import Any, NoReturn

import pytest


def _refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise AssertionError(
        "a unit test opened a socket or started a process: move it to tests/integration"
    )


@pytest.fixture(autouse=True)
def pure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse)
    monkeypatch.setattr(socket.socket, "bind", _refuse)
    monkeypatch.setattr(subprocess.Popen, "__init__", _refuse)
