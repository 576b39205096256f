"""The websocket refuses pages from other sites (cross-site websocket hijacking). Here the pure
checks (no server, database or process); the checks against a real server and database are in
tests/integration/test_origin.py."""

from __future__ import annotations

import pytest

from server.web.websocket import same_origin

BASE = "https://map.example.org"


@pytest.mark.parametrize(
    ("origin", "host", "allowed"),
    [
        (None, "map.example.org", True),  # not a browser
        ("https://map.example.org", "10.0.0.5:8001", True),  # the base URL, behind a proxy
        ("http://127.0.0.1:8000", "127.0.0.1:8000", True),  # the host it was sent to
        ("https://evil.example", "map.example.org", False),
        ("https://map.example.org.evil.example", "map.example.org", False),
        ("http://map.example.org", "10.0.0.5:8001", False),  # downgraded scheme
        ("null", "map.example.org", False),  # sandboxed frame or file page
        ("chrome-extension://abc", "map.example.org", False),
    ],
)
def test_same_origin(origin: str | None, host: str, allowed: bool) -> None:
    assert same_origin(origin, BASE, host) is allowed
