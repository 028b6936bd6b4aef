"""The shared devnet world of a test session, and per-test rollback.

`devnet_world` (session): the demo world of `numerbay devnet up` (contracts, 12 demo vaults,
about 135 days of history, the local Numerai's GraphQL server), loaded from the cached state
dump in `.cache/devnet` when it is there (keyed by the artifacts' hashes, the seed and the
builder's version), else built once and cached. `devnet` (function): the same world, rolled
back after the test (`evm_snapshot`/`evm_revert` together with the simulator's snapshot).
Registered in tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:  # imported inside the fixtures: sessions without a devnet stay light
    from numerbay_desktop.devnet.world import DevnetWorld

DEVNET_CACHE = Path(__file__).resolve().parent.parent / ".cache" / "devnet"


@pytest.fixture(scope="session")
def devnet_cache_dir() -> Path:
    DEVNET_CACHE.mkdir(parents=True, exist_ok=True)
    return DEVNET_CACHE


@pytest.fixture(scope="session")
def devnet_world(devnet_cache_dir: Path) -> Iterator[DevnetWorld]:
    from numerbay_desktop.devnet.world import DevnetWorld, WorldConfig

    world = DevnetWorld.open(WorldConfig(), devnet_cache_dir)
    try:
        world.start_numerai()
        yield world
    finally:
        world.stop()


@pytest.fixture
def devnet(devnet_world: DevnetWorld) -> Iterator[DevnetWorld]:
    snapshot = devnet_world.snapshot()
    try:
        yield devnet_world
    finally:
        devnet_world.restore(snapshot)
