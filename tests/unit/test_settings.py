"""Settings read from the environment (server/settings.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import Settings, SettingsError


def test_without_a_base_url_every_command_names_the_address_it_serves_on(tmp_path: Path) -> None:
    # `safetymap meeting create` printed links to :8000 while `serve` listened on 18000.
    env = {
        "SAFETYMAP_DATA_DIR": str(tmp_path),
        "SAFETYMAP_SECRET_KEY": "k" * 40,
        "SAFETYMAP_PORT": "18000",
    }
    settings = Settings.from_env(env)
    assert settings.base_url == "http://127.0.0.1:18000"
    assert settings.link_url("t") == "http://127.0.0.1:18000/join/t"
    assert not settings.base_url_set
    assert Settings.from_env({**env, "SAFETYMAP_HOST": "0.0.0.0"}).base_url.endswith(":18000")
    chosen = Settings.from_env({**env, "SAFETYMAP_BASE_URL": "https://map.example.org/"})
    assert chosen.base_url == "https://map.example.org"


def test_the_time_zone_is_a_known_iana_name(tmp_path: Path) -> None:
    env = {"SAFETYMAP_DATA_DIR": str(tmp_path), "SAFETYMAP_SECRET_KEY": "k" * 40}
    assert Settings.from_env(env).timezone == "Europe/London"
    assert Settings.from_env({**env, "SAFETYMAP_TIMEZONE": "UTC"}).timezone == "UTC"
    for wrong in ("Mars/Olympus_Mons", "../etc/passwd", "BST"):
        with pytest.raises(SettingsError) as refused:
            Settings.from_env({**env, "SAFETYMAP_TIMEZONE": wrong})
        message = str(refused.value)
        assert "\n" not in message and "SAFETYMAP_TIMEZONE" in message
        assert "Europe/London" in message  # names the fix


def test_a_number_written_wrong_is_refused_naming_the_number_to_write(tmp_path: Path) -> None:
    # "5MB" for the picture limit was refused with only "must be a number", "-1" with only
    # "must not be negative": neither said what to write.
    env = {"SAFETYMAP_DATA_DIR": str(tmp_path), "SAFETYMAP_SECRET_KEY": "k" * 40}
    for name, wrong, fix in (
        ("SAFETYMAP_PICTURE_MAX_BYTES", "5MB", "such as 10485760 (the default)"),
        ("SAFETYMAP_PICTURE_MAX_BYTES", "-1", "the default is 10485760"),
        ("SAFETYMAP_PING_INTERVAL", "20s", "such as 20 (the default)"),
        ("SAFETYMAP_LINK_DAYS", "-30", "the default is 30"),
    ):
        with pytest.raises(SettingsError) as refused:
            Settings.from_env({**env, name: wrong})
        message = str(refused.value)
        assert "\n" not in message and name in message and repr(wrong) in message, message
        assert fix in message, message


def test_serve_says_which_languages_jargon_list_and_picture_limit_it_read(tmp_path: Path) -> None:
    # A jargon file or a limit set in the wrong environment file was silently not used.
    from server.ops.startup import practice_line

    env = {"SAFETYMAP_DATA_DIR": str(tmp_path), "SAFETYMAP_SECRET_KEY": "k" * 40}
    said = practice_line(Settings.from_env(env))
    assert said.startswith("Languages: en, pl. Jargon: "), said
    assert "words from the shipped list. Pictures: up to 10 MiB each." in said, said
    ours = tmp_path / "our-jargon.txt"
    ours.write_text("TAF: Say who meets.\ncore group\n", encoding="utf-8")
    said = practice_line(
        Settings.from_env(
            {
                **env,
                "SAFETYMAP_JARGON_FILE": str(ours),
                "SAFETYMAP_LANGUAGES": "pl",
                "SAFETYMAP_PICTURE_MAX_BYTES": "2097152",
            }
        )
    )
    assert said == f"Languages: pl, en. Jargon: 2 words from {ours}. Pictures: up to 2 MiB each."
