"""The record as Markdown, every value escaped as plain text (markdown_text.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from server.record import templated
from server.record.times import Times


def build(document: Mapping[str, Any], times: Times) -> str:
    return (
        templated.fill("export.md.j2", document, templated.markdown(times.language), times).rstrip()
        + "\n"
    )
