"""The record renders without the web, the rooms or the database: importing the PDF renderer
loads none of their libraries (the import contracts in pyproject.toml check the server's own
modules; this checks what actually loads)."""

from __future__ import annotations

import subprocess
import sys

EDGE_LIBRARIES = ("starlette", "sqlalchemy", "redis", "uvicorn", "alembic")


def test_the_pdf_renderer_loads_no_web_database_or_relay_library() -> None:
    probe = (
        "import sys, server.record.pdf, server.record.export;"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({EDGE_LIBRARIES!r})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]", out.stdout
