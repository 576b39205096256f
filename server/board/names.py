"""Telling apart people who typed the same name: a typed name proves nothing, so two people
who gave one must never read as one. Pure."""

from __future__ import annotations

from collections.abc import Iterable


def numbered(names: Iterable[str]) -> list[str]:
    """Each name as shown, in the order given (first come first): a name someone earlier
    already gave (case and spacing aside) gets its number, "Jo", "Jo (2)"."""
    seen: dict[str, int] = {}
    shown = []
    for name in names:
        same = " ".join(name.split()).casefold()
        seen[same] = seen.get(same, 0) + 1
        shown.append(name if seen[same] == 1 else f"{name} ({seen[same]})")
    return shown
