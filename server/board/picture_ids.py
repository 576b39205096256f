"""Picture ids: random, unguessable, URL-safe, and signed for one meeting and one layer.

An id is 22 characters of randomness (128 bits) then 16 of HMAC-SHA256 over the meeting,
the layer and that randomness, under the server's secret key. The upload mints one only once
the picture is stored; the document rules (picture_rules.py) then know, from the id alone,
that it was uploaded to this meeting and this layer: no database lookup while a room applies
an update, and the same answer in every process. A picture of the professionals-only layer
carries an id no main-layer card can name. Fetching still finds the row by id and meeting
and checks its layer against the reader (a forged id names no row).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

_RANDOM = 22  # characters: 16 bytes, URL-safe base64 without padding
_SIGNATURE = 16  # characters: 12 bytes of the HMAC
LENGTH = _RANDOM + _SIGNATURE


def _signature(key: str, meeting_id: str, layer: str, random: str) -> str:
    message = f"picture:{meeting_id}:{layer}:{random}".encode()
    digest = hmac.new(key.encode(), message, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode()


def mint(key: str, meeting_id: str, layer: str) -> str:
    random = secrets.token_urlsafe(16)
    return random + _signature(key, meeting_id, layer, random)


def looks_like_id(picture_id: object) -> bool:
    """The shape of an id (before any work on it): 38 of A-Z a-z 0-9 - _."""
    return (
        isinstance(picture_id, str)
        and len(picture_id) == LENGTH
        and all(c.isascii() and (c.isalnum() or c in "-_") for c in picture_id)
    )


def signed_for(key: str, meeting_id: str, layer: str, picture_id: object) -> bool:
    """Was this id minted by this server for this meeting and layer?"""
    if not looks_like_id(picture_id):
        return False
    assert isinstance(picture_id, str)
    random, given = picture_id[:_RANDOM], picture_id[_RANDOM:]
    return hmac.compare_digest(given, _signature(key, meeting_id, layer, random))
