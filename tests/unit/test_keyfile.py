"""The generated secret key file: processes starting together on a fresh data folder agree on
one whole key, every time; an empty file is an error naming the fix, never an empty key."""

from __future__ import annotations

from pathlib import Path

import pytest

from server import keyfile
from server.settings import Settings, SettingsError


def test_an_empty_key_file_is_an_error_naming_the_fix(tmp_path: Path) -> None:
    (tmp_path / "secret_key").write_text("  \n")
    with pytest.raises(keyfile.KeyFileError, match=r"is empty: restore it .* or delete it"):
        keyfile.load_or_create(tmp_path)
    with pytest.raises(SettingsError, match="is empty"):
        Settings.from_env({"SAFETYMAP_DATA_DIR": str(tmp_path)})
    # A key in the environment needs no file.
    assert Settings.from_env(
        {"SAFETYMAP_DATA_DIR": str(tmp_path), "SAFETYMAP_SECRET_KEY": "k" * 40}
    ).secret_key_set


def test_a_key_made_once_is_kept(tmp_path: Path) -> None:
    first = keyfile.load_or_create(tmp_path / "fresh")
    assert keyfile.load_or_create(tmp_path / "fresh") == first
