"""Logging set-up: nothing secret or personal leaves the process through a log line.

Link tokens travel in websocket URLs (`?token=…`) and set-up tokens in paths, and the server
logs the path of every request (uvicorn's access log) and websocket it accepts (asgi_socket.py).
A filter on every handler redacts them before anything is written, whichever format (`text`
or `json`) is chosen. Card text is never passed to a logger in the first place.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from server import log_context

_SECRET_PARAMS = re.compile(r"((?:token|key|name|relationship|agency)=)[^&\s\"']*", re.IGNORECASE)
_SECRET_PATHS = re.compile(r"(/(?:join|setup)/)[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    return _SECRET_PATHS.sub(r"\1…", _SECRET_PARAMS.sub(r"\1…", text))


class Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned == message:
            return True
        if isinstance(record.args, tuple):
            # Keep the arguments' shape (uvicorn's access formatter unpacks them).
            msg, args = record.msg, record.args
            record.msg = redact(msg) if isinstance(msg, str) else msg
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
            if record.getMessage() == cleaned:
                return True
            record.msg, record.args = msg, args
        record.msg, record.args = cleaned, None
        return True


class Context(logging.Filter):
    """Puts the request and meeting ids of the task that logs onto the record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = log_context.request_id.get()
        record.meeting_id = log_context.meeting_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the ids when known."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in ("request_id", "meeting_id"):
            value = getattr(record, key, None)
            if value is not None:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def failure_line(message: str, log_format: str = "text") -> str:
    """A start-up failure as the one line `safetymap` prints on stderr before it exits."""
    message = " ".join(message.split())  # one line, whatever the message held
    if log_format != "json":
        return f"error: {message}"
    record = logging.makeLogRecord(
        {"name": "server.ops.startup", "levelname": "CRITICAL", "levelno": logging.CRITICAL}
    )
    record.msg = redact(message)
    return JsonFormatter().format(record)


def announcement(message: str, log_format: str = "text") -> str:
    """A start-up line `safetymap serve` prints on standard output whatever the log level (where
    it listens, the set-up link): as it is, or one JSON object like every log line."""
    if log_format != "json":
        return message
    record = logging.makeLogRecord(
        {"name": "server.cli", "levelname": "INFO", "levelno": logging.INFO}
    )
    record.msg = " ".join(message.split())
    return JsonFormatter().format(record)


# Database drivers log statement parameters (update bytes, names) at DEBUG: never let them.
_QUIET = ("aiosqlite", "sqlalchemy", "asyncpg", "alembic")
_TEXT = "%(levelname)s %(name)s: %(message)s"


def configure(level: str, log_format: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else logging.Formatter(_TEXT))
    handler.addFilter(Context())
    handler.addFilter(Redact())
    logging.basicConfig(level=level, handlers=[handler])
    for name in _QUIET:
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
