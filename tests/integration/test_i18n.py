"""Every user-visible server string is in the one translation catalogue, and the committed
catalogue template is current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]


POT = ROOT / "server" / "locale" / "messages.pot"


EXTRACT = [
    "-F",
    "babel.cfg",
    "-k",
    "_",
    "-k",
    "N_",
    "--no-location",
    "--omit-header",
    "--sort-output",
]


def test_catalogue_template_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            *EXTRACT,
            "-o",
            str(fresh),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert fresh.read_text() == POT.read_text(), (
        "run: pybabel extract " + " ".join(EXTRACT) + " -o server/locale/messages.pot ."
    )
