"""Page 1 of the full record and of the family copy of the example meeting, saved as PNG under
tests/artifacts/ (record-full-page-1.png, record-family-page-1.png) so a person can look at
them: the example (tests/data/example-meeting.json, every name invented) with who came and
went and what each person said of the plan."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from server.record import export
from tests.integration.test_export import FIRST_TIME, example_document, pdf_text

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
ENDED = "2026-05-12T11:25:00+01:00"
# Who came when (minutes after 10:00 BST) and left (None: stayed to the end), for the example.
CAME = {"p1": (0, None), "p2": (3, None), "p3": (6, 80), "p4": (4, None), "p5": (1, None),
        "p6": (2, 62), "p7": (5, 45), "p8": (0, None)}  # fmt: skip
SAID = [
    ("p2", True, "We will keep Grandma's nights going."),
    ("p3", False, "I don't drink every evening, and I want that written down."),
    ("p4", True, ""),
    ("p5", True, "Agreed, with the plan written by 26 May."),
]


def at(minutes: int) -> str:
    return f"2026-05-12T{10 + minutes // 60:02d}:{minutes % 60:02d}:00+01:00"


def example(*, family: bool) -> dict[str, Any]:
    document = example_document(FIRST_TIME, family=family)
    document["meeting"]["endedAt"] = ENDED
    document["attendance"] = [
        {"participant": pid, "firstJoined": at(came),
         "lastLeft": None if left is None else at(left), "minutes": (left or 85) - came}
        for pid, (came, left) in CAME.items()
    ]  # fmt: skip
    document["agreement"] = [
        {"participantId": pid, "agreed": agreed, "words": words, "recordedAt": ENDED}
        for pid, agreed, words in SAID
    ]
    return document


@pytest.mark.parametrize("variant", ["full", "family"])
def test_page_one_as_png(variant: str, tmp_path: Path) -> None:
    pdf = tmp_path / f"record-{variant}.pdf"
    pdf.write_bytes(export.render(example(family=variant == "family"), "pdf"))
    text = pdf_text(pdf)
    assert "Chris Example Family Dad 10:06 BST 11:20 BST 74" in text
    assert "Chris Example (Family, Dad): Did not agree" in text
    ARTIFACTS.mkdir(exist_ok=True)
    name = ARTIFACTS / f"record-{variant}-page-1"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(name)],
        check=True, timeout=60,
    )  # fmt: skip
    assert name.with_suffix(".png").read_bytes().startswith(b"\x89PNG")
