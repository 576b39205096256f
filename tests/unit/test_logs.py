"""No link token, display name or card text reaches the server's logs. Here the pure checks (no
server, database or process); the checks against a real server and database are in
tests/integration/test_logs.py."""

from __future__ import annotations

from server import logs


def test_redact_hides_tokens_names_and_join_links() -> None:
    line = 'x - "WebSocket /ws/m1?token=abc_DEF-123&name=Jo%20Example" [accepted] /join/tok-123'
    cleaned = logs.redact(line)
    assert "abc_DEF-123" not in cleaned and "Jo%20Example" not in cleaned
    assert "tok-123" not in cleaned
    assert logs.redact("GET /setup/Set_up-Token9 HTTP/1.1") == "GET /setup/… HTTP/1.1"
    assert "/ws/m1?token=…" in cleaned
