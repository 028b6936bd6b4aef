"""MarketRefresher: the cached snapshot at once, a background refresh behind it, concurrent
refreshes joined into one, and a dead node reported through on_error (a typed ChainError)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.errors import ChainError
from numerbay_desktop.chain.networks import devnet, devnet_from_world
from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.services.marketplace import MarketplaceService
from numerbay_desktop.services.models import RefreshResult
from numerbay_desktop.services.refresh import MarketRefresher
from numerbay_desktop.store.cache import Cache

pytestmark = pytest.mark.asyncio


async def test_open_paints_the_cache_then_refreshes_in_the_background(
    devnet_world: Any, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "c.sqlite3")
    updates: list[RefreshResult] = []
    async with ChainClient(devnet_from_world(devnet_world.describe())) as client:
        refresher = MarketRefresher(MarketplaceService(client, None, cache),
                                    on_update=updates.append)
        assert await refresher.open() is None  # nothing cached yet; a refresh starts
        for _ in range(200):
            if updates:
                break
            await asyncio.sleep(0.05)
        assert len(updates) == 1 and refresher.latest is updates[0].snapshot
        await refresher.stop()

        # The next start paints from the cache; two refreshes asked at once are one.
        again = MarketRefresher(MarketplaceService(client, None, cache), on_update=updates.append)
        before = client.stats.http_requests
        cached = await again.open(refresh=False)
        assert cached is not None and cached.from_cache and client.stats.http_requests == before
        assert cached.rows == updates[0].snapshot.rows
        first, second = await asyncio.gather(again.refresh_now(), again.refresh_now())
        assert first is second and len(updates) == 2
        assert client.stats.http_requests - before <= 2
        await again.stop()


async def test_a_dead_node_reaches_on_error_and_keeps_the_cached_rows(tmp_path: Path) -> None:
    network = devnet("http://127.0.0.1:9", factory="0x" + "11" * 20)
    errors: list[NumerbayError] = []
    async with ChainClient(network, timeout_s=1, total_timeout_s=2) as client:
        refresher = MarketRefresher(MarketplaceService(client, None, Cache(tmp_path / "c")),
                                    on_error=errors.append)
        with pytest.raises(ChainError):
            await refresher.refresh_now()
        assert len(errors) == 1 and isinstance(errors[0], ChainError)
        assert refresher.latest is None and refresher.last_error is errors[0]
        await refresher.stop()
