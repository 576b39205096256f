"""Logging set-up: nothing secret or personal leaves the process through a log line.

Link tokens travel in websocket URLs (`?token=…`), and uvicorn logs the path of every
websocket it accepts. A filter on the root handlers redacts them before anything is written.
"""

from __future__ import annotations

import logging
import re

_SECRET_PARAMS = re.compile(r"((?:token|name|relationship)=)[^&\s\"']*", re.IGNORECASE)
_JOIN_PATH = re.compile(r"(/join/)[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    return _JOIN_PATH.sub(r"\1…", _SECRET_PARAMS.sub(r"\1…", text))


class Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


# Database drivers log statement parameters (update bytes, names) at DEBUG: never let them.
_QUIET = ("aiosqlite", "sqlalchemy", "asyncpg", "alembic")


def configure(level: str) -> None:
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
    for handler in logging.getLogger().handlers:
        handler.addFilter(Redact())


def uvicorn_log_config() -> dict[str, object]:
    """uvicorn's own handlers, with the same filter."""
    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, object] = {**LOGGING_CONFIG}
    config["filters"] = {"redact": {"()": "server.logs.Redact"}}
    handlers = {
        name: {**handler, "filters": ["redact"]}
        for name, handler in LOGGING_CONFIG["handlers"].items()
    }
    config["handlers"] = handlers
    return config
