"""Typed settings: round trip, validation, migrations, and recovery from a bad file."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from pydantic import ValidationError

from numerbay_desktop.store import settings as settings_module
from numerbay_desktop.store.settings import (
    DEFAULT_NUMERAI_API_URL,
    SCHEMA_VERSION,
    Settings,
    load_settings,
    save_settings,
    settings_path,
)


def test_defaults_when_no_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings.network == "devnet"
    assert settings.theme == "light"
    assert settings.numerai_api_url == DEFAULT_NUMERAI_API_URL
    assert settings.first_run_done is False
    assert settings.rpc_urls_for("mainnet") == []
    assert not settings_path(tmp_path).exists()


def test_round_trip_is_exact_and_private(tmp_path: Path) -> None:
    settings = Settings(
        network="mainnet",
        rpc_urls={"mainnet": ["https://eth.example.org", "https://backup.example.org"]},
        theme="dark",
        first_run_done=True,
    )
    settings.window.width = 1400
    path = save_settings(tmp_path, settings)
    assert path.stat().st_mode & 0o077 == 0
    on_disk = json.loads(path.read_text())
    assert on_disk["schema_version"] == SCHEMA_VERSION
    loaded = load_settings(tmp_path)
    assert loaded == settings
    assert loaded.rpc_urls_for() == ["https://eth.example.org", "https://backup.example.org"]
    assert loaded.rpc_urls_for("sepolia") == []


def test_assignment_is_validated() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.theme = "purple"  # type: ignore[assignment]
    with pytest.raises(ValidationError):
        settings.network = "goerli"  # type: ignore[assignment]
    with pytest.raises(ValidationError):
        settings.numerai_api_url = "ftp://numer.ai"


def test_secret_shaped_values_are_refused() -> None:
    key = "0x" + "ab" * 32
    with pytest.raises(ValidationError, match="private key"):
        Settings(rpc_urls={"custom": [f"https://node.example.org/{key}"]})
    # An ordinary provider URL with a 32-character project id is fine.
    Settings(rpc_urls={"custom": ["https://mainnet.infura.io/v3/" + "a1" * 16]})


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[1, 2, 3]",
        json.dumps({"schema_version": 99, "theme": "dark"}),
        json.dumps({"schema_version": "one"}),
        json.dumps({"schema_version": 1, "theme": "purple"}),
    ],
    ids=["corrupt", "not-an-object", "future-version", "bad-version", "invalid-value"],
)
def test_unusable_file_is_backed_up_and_defaults_used(
    tmp_path: Path, content: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = settings_path(tmp_path)
    path.write_text(content)
    with caplog.at_level(logging.WARNING):
        settings = load_settings(tmp_path)
    assert settings == Settings()
    assert not path.exists()
    backups = list(tmp_path.glob("settings.json.bad-*"))
    assert len(backups) == 1
    assert backups[0].read_text() == content  # nothing lost
    assert any("could not be used" in r.getMessage() for r in caplog.records)


def test_second_bad_file_gets_its_own_backup(tmp_path: Path) -> None:
    for _ in range(2):
        settings_path(tmp_path).write_text("{broken")
        load_settings(tmp_path)
    assert len(list(tmp_path.glob("settings.json.bad-*"))) == 2


def test_migration_hook_runs_in_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Pretend this build is at version 2 and version 1 named the theme "appearance".
    def rename_appearance(raw: dict) -> dict:
        raw["theme"] = raw.pop("appearance")
        return raw

    monkeypatch.setattr(settings_module, "SCHEMA_VERSION", 2)
    monkeypatch.setattr(settings_module, "MIGRATIONS", {1: rename_appearance})
    migrated = settings_module.migrate({"schema_version": 1, "appearance": "dark"})
    assert migrated == {"schema_version": 2, "theme": "dark"}
    with pytest.raises(ValueError, match="no migration"):
        monkeypatch.setattr(settings_module, "SCHEMA_VERSION", 3)
        settings_module.migrate({"schema_version": 1, "appearance": "dark"})


def test_unknown_keys_are_ignored(tmp_path: Path) -> None:
    settings_path(tmp_path).write_text(json.dumps({"schema_version": 1, "theme": "dark", "x": 1}))
    assert load_settings(tmp_path).theme == "dark"
