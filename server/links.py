"""Invitation links: a random token per role, of which the database keeps only a hash."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits: guessing is hopeless, so a fast hash is enough to store it


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check before touching the database."""
    return 20 <= len(token) <= 100 and all(c.isalnum() or c in "-_" for c in token)
