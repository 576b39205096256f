"""The organisation's jargon list (SAFETYMAP_JARGON_FILE) reaches the board's config as the
file says, the shipped list when the setting is unset; the shared screen gets none."""

from __future__ import annotations

from pathlib import Path

from server.board.jargon import load_jargon
from tests.conftest import RunningServer, running_server
from tests.integration.test_meeting_pages import create_meeting, signed_in
from tests.integration.test_page_json import UNSAFE, embedded_config

OWN_LIST = """# Our service's words
DV: Say what happened </script><script>alert(1)</script> & who was there.
team around the family: Say who meets, and when.
allow: OK, GP, SENCO
"""


async def board_configs(server: RunningServer) -> tuple[dict[str, object], dict[str, object]]:
    """The facilitator's board config, and the shared screen's."""
    async with await signed_in(server) as chair:
        meeting_id = await create_meeting(chair)
        opened = await chair.get(f"/meetings/{meeting_id}/board")
        board = await chair.get(opened.headers["location"])
        screen = await chair.get(f"/m/{meeting_id}/present")
    payload, config = embedded_config(board.text)
    assert not any(ch in payload for ch in UNSAFE)
    return config, embedded_config(screen.text)[1]


async def test_the_organisations_list_reaches_the_board(tmp_path: Path) -> None:
    own = tmp_path / "our-words.txt"
    own.write_text(OWN_LIST, encoding="utf-8")
    async with running_server(tmp_path / "data", SAFETYMAP_JARGON_FILE=str(own)) as server:
        config, screen = await board_configs(server)
    assert config["jargon"] == {
        "terms": [
            {
                "term": "DV",
                "suggestion": "Say what happened </script><script>alert(1)</script> & who was "
                "there.",
            },
            {"term": "team around the family", "suggestion": "Say who meets, and when."},
        ],
        "allowed": ["OK", "GP", "SENCO"],
    }
    assert screen["jargon"] == {"terms": [], "allowed": []}  # nobody types there


async def test_the_shipped_list_when_the_setting_is_unset(server: RunningServer) -> None:
    config, _ = await board_configs(server)
    jargon = config["jargon"]
    assert jargon == load_jargon(None).as_json()
    assert isinstance(jargon, dict)
    assert {"DV", "neglect", "non-engagement", "LAC"} <= {t["term"] for t in jargon["terms"]}
