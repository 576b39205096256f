"""Invitation links: a random token per role, of which the database keeps only a hash.

A token is derived from the server's secret key and a random salt kept with the link, so the
facilitator's meeting page can show a link again while a copy of the database alone holds
no usable token (rotating SAFETYMAP_SECRET_KEY invalidates every link).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

SALT_BYTES = 16


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def derive_token(key: str, salt: str) -> str:
    """256 bits from HMAC-SHA256(secret key, salt): guessing is hopeless."""
    digest = hmac.new(key.encode(), b"link:" + salt.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def looks_like_token(token: str) -> bool:
    """Cheap shape check before touching the database."""
    return 20 <= len(token) <= 100 and all(c.isalnum() or c in "-_" for c in token)
