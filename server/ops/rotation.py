"""Rotating the secret key (`safetymap key rotate`): what must change with it, and the change.

Everything the key signs or derives either dies with it by itself or is rewritten here:
- link tokens are HMAC(key, salt) and only their hash is stored (links.py): every live link
  gets the hash of its token under the new key, so the old token stops working and the
  meeting page (which re-derives the token) shows the new, working one. Link ids stay, so
  each meeting keeps its participants, waiting room and record;
- the owner's own participant is found by a key derived from the secret key: re-keyed, so a
  facilitator comes back to their meetings as themselves;
- facilitator sessions, API tokens and the set-up link are random, not derived, so the key
  does not reach them: all of them are deleted (sign in again; `safetymap token create`);
- signed cookies (meetings joined, known devices, a pending join) fail their signature under
  the new key; a participant's key cookie is scoped to the old link's path, so people come
  back through the new link as new participants.

The plan is pure (board/key_rotation.py), the store writes it in one transaction
(store/deployment.py: `rotate`), and the key file is replaced atomically here. Every process must
be stopped while this runs and restarted with the new key.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_MIN = 32  # characters, as startup.py asks of any key; what `new_key` makes has 64


def new_key() -> str:
    """384 random bits, URL-safe: as the first run makes (settings.py)."""
    return secrets.token_urlsafe(48)


def check_new_key(new: str, old: str) -> str | None:
    """Why a key an operator supplies cannot be used, or None."""
    if len(new) < KEY_MIN:
        return f"the new key must be at least {KEY_MIN} characters long"
    if any(c.isspace() or not c.isprintable() for c in new):
        return "the new key must be one line without spaces"
    if "change-me" in new.lower():
        return "the new key is the example's placeholder"
    if len(set(new)) < 16:
        return "the new key is not random enough: make one with `openssl rand -base64 48`"
    if new == old:
        return "the new key is the key in use"
    return None


def stage_key_file(path: Path, key: str) -> Path:
    """Write the new key beside the key file (owner-only, synced), not yet in its place."""
    staged = path.with_name(path.name + ".new")
    staged.unlink(missing_ok=True)
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    return staged


def commit_key_file(staged: Path, path: Path) -> None:
    """Put the staged key in place in one rename: a reader sees the old key or the new."""
    os.replace(staged, path)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)  # the rename itself survives a power cut
    finally:
        os.close(directory)
