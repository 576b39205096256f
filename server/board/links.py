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


# Participant keys: the secret by which a participant comes back as themselves (a browser's
# cookie, or a stock client's `key=`), never the name they typed. Stored, like tokens, only
# as a SHA-256 (`token_hash`).
KEY_MIN, KEY_MAX = 32, 128
KEY_MIN_DISTINCT = 8  # a key of fewer different characters was not drawn at random


def new_key() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def looks_like_key(key: str) -> bool:
    """A key a client chose: 32 to 128 of A-Z a-z 0-9 - _ (32 hex digits are 128 bits), and
    not something plainly typed by hand, like 'aaaa...'."""
    return (
        KEY_MIN <= len(key) <= KEY_MAX
        and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)
        and len(set(key)) >= KEY_MIN_DISTINCT
    )


def derive_key(secret: str, purpose: str) -> str:
    """A key only this server can compute (for the meeting owner's own participant)."""
    digest = hmac.new(secret.encode(), b"participant:" + purpose.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()
