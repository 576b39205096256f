"""Meeting-level actions shared by the command line and the web API."""

from __future__ import annotations

from typing import Any

from .permissions import LABEL_SETS, Role
from .settings import Settings
from .store import Meeting, Store


class InvalidMeeting(ValueError):
    """A meeting request with a field the server cannot accept (the message says which)."""


def validate(title: str, label_set: str) -> str:
    title = " ".join(title.split())
    if not title:
        raise InvalidMeeting("a meeting needs a title")
    if len(title) > 200:
        raise InvalidMeeting("the title is longer than 200 characters")
    if label_set not in LABEL_SETS:
        raise InvalidMeeting(f"label set must be one of {', '.join(LABEL_SETS)}")
    return title


def created_json(settings: Settings, meeting: Meeting, tokens: dict[Role, str]) -> dict[str, Any]:
    """The shape of `safetymap meeting create --json` (and of the API that creates meetings)."""
    return {
        "id": meeting.id,
        "title": meeting.title,
        "ws_url": settings.ws_url,
        "links": {role.value: settings.link_url(tokens[role]) for role in Role},
    }


async def create(
    settings: Settings, store: Store, title: str, label_set: str = "child_protection"
) -> dict[str, Any]:
    meeting, tokens = await store.create_meeting(validate(title, label_set), label_set)
    return created_json(settings, meeting, tokens)
