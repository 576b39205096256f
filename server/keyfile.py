"""The generated secret key file, `<data dir>/secret_key`: made once, atomically, never empty.

Processes starting together on a fresh data folder must agree on one key and never read a
half-written one. So the key is written and fsynced into a private temporary file first, then
hard-linked into place: the link fails if the name exists (O_EXCL semantics), and whoever
lost reads the winner's whole key. The name never points at an empty or partial file.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path

NAME = "secret_key"


class KeyFileError(Exception):
    """The key file cannot be used or made; the message names the fix."""


def load_or_create(data_dir: Path) -> str:
    path = data_dir / NAME
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        _create(path)
    except OSError as exc:
        raise KeyFileError(
            f"cannot create the secret key file {path} ({exc.strerror or type(exc).__name__}): "
            "make SAFETYMAP_DATA_DIR writable, or set SAFETYMAP_SECRET_KEY"
        ) from None
    return _read(path)


def _read(path: Path) -> str:
    try:
        key = path.read_text().strip()
    except FileNotFoundError:
        raise
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(
            f"cannot read the secret key file {path} ({type(exc).__name__}): make it readable "
            "by this user, or set SAFETYMAP_SECRET_KEY"
        ) from None
    if not key:
        # An empty key would sign forgeable cookies: never fall back to one, nor replace it
        # silently (a new key ends every session and link made with the old one).
        raise KeyFileError(
            f"the secret key file {path} is empty: restore it from a backup, or delete it to "
            "generate a new key (every link and session made with the old one stops working)"
        )
    return key


def _create(path: Path) -> None:
    """Put a new key at `path` unless another process already has; mode 0600 throughout."""
    fd, temp = tempfile.mkstemp(prefix=f".{NAME}.", dir=path.parent)  # created 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temp, path)
        except FileExistsError:
            return  # another process was first: its key is complete, and it is the one
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the new name survives a power cut too
        finally:
            os.close(directory)
    finally:
        os.unlink(temp)
