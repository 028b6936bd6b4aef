"""Shared test setup: every test gets its own data folder; nothing touches the user's real folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "tests" / "artifacts"

# Tool caches (titanoboa, vvm) default to $HOME: keep them in the build tree.
os.environ.setdefault("XDG_CACHE_HOME", str(REPO / ".cache" / "xdg"))


@pytest.fixture(autouse=True)
def isolated_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "numerbay-data"
    monkeypatch.setenv("NUMERBAY_DATA_DIR", str(data_dir))
    return data_dir


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
