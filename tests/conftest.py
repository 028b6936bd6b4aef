"""Shared test setup: each test has its own data folder; none touches the user's real ones."""

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


@pytest.fixture(scope="session")
def anvil():  # type: ignore[no-untyped-def]
    """One anvil for the whole test session. Tests that change state roll back with
    `evm_snapshot` / `evm_revert` (see `anvil_snapshot`)."""
    from numerbay_desktop.devnet.anvil import Anvil

    node = Anvil.start(port=0)
    yield node
    node.stop()


@pytest.fixture
def anvil_snapshot(anvil):  # type: ignore[no-untyped-def]
    """The shared anvil, rolled back to its previous state after the test."""
    snapshot_id = anvil.rpc("evm_snapshot")
    yield anvil
    anvil.rpc("evm_revert", [snapshot_id])


from tests.devnet_fixtures import *  # noqa: E402, F403 - the shared devnet world fixtures
