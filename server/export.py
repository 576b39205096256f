"""Exports of a meeting's record, as pure functions of its rendered map (no I/O).

Each export of the same snapshot is byte-for-byte the same apart from `generatedAt`: the map
is rendered deterministically and serialised with sorted keys. The family copy is rendered
without the professionals-only layer at all, and says so.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from . import crdt, model
from .i18n import environment
from .store import Snapshot

FORMATS = ("json", "md")
_templates = environment()


def record(snapshot: Snapshot, *, family: bool) -> dict[str, Any]:
    """The snapshot's rendered map, or its family copy rendered from the main layer alone."""
    if not family:
        return snapshot.rendered
    return model.render_meeting(
        crdt.doc_from_updates([snapshot.state_main]),
        None,
        {**snapshot.rendered["meeting"]},
        snapshot.roster,
    )


def with_export_facts(
    rendered: Mapping[str, Any],
    snapshot: Mapping[str, Any] | None,
    *,
    family: bool,
    generated_at: str,
) -> dict[str, Any]:
    facts = {
        "snapshot": dict(snapshot) if snapshot else None,
        "variant": "family" if family else "full",
        "draft": snapshot is None,
        "generatedAt": generated_at,
    }
    return {**rendered, "export": facts}


def to_json(document: Mapping[str, Any]) -> str:
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def to_markdown(document: Mapping[str, Any]) -> str:
    people = {p["id"]: p for p in document["participants"]}
    text: str = _templates.get_template("export.md.j2").render(
        map=document,
        people=people,
        columns=model.COLUMNS,
        labels=document["labels"],
        statuses={s: s.replace("_", " ") for s in model.NEXT_STEP_STATUSES},
    )
    return text.rstrip() + "\n"


def render(document: Mapping[str, Any], fmt: str) -> str:
    if fmt == "json":
        return to_json(document)
    if fmt == "md":
        return to_markdown(document)
    raise ValueError(f"format must be one of {', '.join(FORMATS)}")
