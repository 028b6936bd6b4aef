"""MarketplaceService on the demo devnet world (real anvil, real vaults, the local Numerai):
rows equal the lens, settled rounds give returns, O(1) requests, cache first then refresh,
and a Numerai outage still loads the rows with the error stated."""

from __future__ import annotations

from collections.abc import AsyncIterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.networks import devnet_from_world
from numerbay_desktop.numerai.client import NumeraiClient
from numerbay_desktop.services.marketplace import MarketplaceService
from numerbay_desktop.services.models import visible_rows
from numerbay_desktop.services.vault_history import VaultHistoryService
from numerbay_desktop.store.cache import Cache

pytestmark = pytest.mark.asyncio
RAY = 10**27


@pytest_asyncio.fixture
async def client(devnet_world: Any) -> AsyncIterator[ChainClient]:
    async with ChainClient(devnet_from_world(devnet_world.describe())) as chain:
        await chain.connect()
        yield chain


def _numerai(world: Any, **kwargs: Any) -> NumeraiClient:
    return NumeraiClient(world.describe()["numerai_url"], timeout=20, **kwargs)


async def test_rows_match_the_lens_and_returns_come_from_settlements(
    devnet_world: Any, client: ChainClient, tmp_path: Path
) -> None:
    numerai = _numerai(devnet_world)
    market = MarketplaceService(client, numerai, Cache(tmp_path / "c.sqlite3"))
    before = client.stats.http_requests
    result = await market.refresh()
    assert client.stats.http_requests - before <= 3  # pin, list + events, lens views
    snapshot = result.snapshot
    assert snapshot.numerai_error is None
    vaults = [r for r in snapshot.rows if r.kind in ("vault", "candidate")]
    info = devnet_world.describe()
    assert sorted(r.vault for r in vaults) == sorted(info["vaults"])
    assert {c.change for c in result.changes} == {"added"}

    lens = ContractAbi.load("VaultLens").at(info["contracts"]["lens"])
    session = client.pinned(snapshot.block_number)
    for row in vaults:
        assert row.vault is not None
        read = lens.read("vault_info", row.vault)
        record = dict(zip(read.function.output_fields, await session.read(read), strict=True))
        assert row.total_assets == record["total_assets"]
        assert row.at_stake == record["at_stake"] and row.idle == record["idle"]
        assert row.index_ray == record["index_ray"]
        assert row.capacity_left == max(0, record["capacity"] - record["total_assets"])
        assert row.model_name == record["model_name"]
        tiers, commitments = await session.read(lens.read("schedule", row.vault))
        assert [(t.min_stake, t.fixed_fee_bps, t.profit_share_bps) for t in row.tiers] == [
            tuple(t) for t in tiers]
        assert len(row.commitments) == len(commitments)
        assert row.fee_range is not None
        assert row.fee_range.fixed_max_bps == max(t[1] for t in tiers)
        source = snapshot.source_of(row, "total_assets") or ""
        assert f"vault_info({row.vault})" in source and str(snapshot.block_number) in source
        assert "RoundSettled" in (snapshot.source_of(row, "return_3m") or "")
        assert "Numerai" in (snapshot.source_of(row, "consistency") or "")
        # Returns from RoundSettled events agree with the lens's index.
        assert row.settled_rounds == record["applied_count"] or row.settled_rounds >= 1
        if row.settled_rounds:
            assert row.return_since_start == Fraction(record["index_ray"], RAY) - 1
            assert row.sparkline and all(0 <= p <= 1 for p in row.sparkline)
        assert row.stats is not None and row.stats.numerai_model_id is not None
    settled = [r for r in vaults if r.settled_rounds >= 30]
    assert settled, "the demo world settles at least 30 rounds per vault"
    assert any(r.stats is not None and r.stats.consistency is not None for r in vaults)
    assert any(r.stakers for r in vaults)

    # The history service sees the same settlements, from the vault's own logs.
    history = await VaultHistoryService(client).load(settled[0].vault or "")
    assert len(history.settled) == settled[0].settled_rounds
    assert history.index_points[-1].index_ray == settled[0].index_ray

    # Greyed Numerai models without a vault, and candidates, only on request.
    everything = visible_rows(snapshot, include_candidates=True, include_models=True)
    greyed = [r for r in everything if r.greyed]
    assert greyed and all(r.vault is None and r.stats is not None for r in greyed)
    assert len(visible_rows(snapshot)) <= len(vaults)
    numerai.close()


async def test_opens_from_cache_then_refresh_reports_changes(
    devnet: Any, client: ChainClient, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "c.sqlite3")
    first = (await MarketplaceService(client, None, cache).refresh()).snapshot

    # A new session (the app restarted): the page paints from SQLite without the network.
    market = MarketplaceService(client, None, cache)
    before = client.stats.http_requests
    cached = market.cached()
    assert client.stats.http_requests == before
    assert cached is not None and cached.from_cache
    assert cached.rows == first.rows and cached.block_number == first.block_number

    # Nothing moved: a refresh changes nothing, and known vaults cost one request less.
    again = await market.refresh()
    assert client.stats.http_requests - before <= 2
    assert again.changes == () and not again.snapshot.from_cache

    # A day of the world (owners stake and settle, stakers come and go), then a refresh.
    devnet.advance(1)
    later = await market.refresh()
    assert later.snapshot.block_number > first.block_number
    changed = {c.key: c for c in later.changes if c.change == "changed"}
    assert changed, later.changes
    for key, change in changed.items():
        old, new = first.row(key), later.snapshot.row(key)
        assert old is not None and new is not None
        assert all(getattr(old, f) != getattr(new, f) for f in change.fields)
    # Incremental events: settlements of the day appended to the cached ones.
    assert sum(r.settled_rounds for r in later.snapshot.rows) >= sum(
        r.settled_rounds for r in first.rows)


async def test_numerai_down_still_loads_rows_with_the_error(
    devnet_world: Any, client: ChainClient
) -> None:
    numerai = NumeraiClient("http://127.0.0.1:9", timeout=3)  # nothing listens there
    snapshot = (await MarketplaceService(client, numerai).refresh()).snapshot
    numerai.close()
    vaults = [r for r in snapshot.rows if r.kind in ("vault", "candidate")]
    assert len(vaults) == len(devnet_world.describe()["vaults"])
    assert snapshot.numerai_error is not None and "Numerai" in snapshot.numerai_error
    assert all(r.total_assets is not None for r in vaults)
    assert all(r.stats is None or r.stats.corr_rep is None for r in vaults)
    assert not any(r.greyed for r in snapshot.rows)


async def test_numerai_down_after_a_good_refresh_keeps_the_last_known_stats(
    devnet_world: Any, client: ChainClient, tmp_path: Path
) -> None:
    cache = Cache(tmp_path / "c.sqlite3")
    numerai = _numerai(devnet_world)
    good = (await MarketplaceService(client, numerai, cache).refresh()).snapshot
    numerai.close()
    dead = NumeraiClient("http://127.0.0.1:9", timeout=3)
    later = (await MarketplaceService(client, dead, cache).refresh()).snapshot
    dead.close()
    assert later.numerai_error is not None and "Showing the statistics fetched" in (
        later.numerai_error)
    assert later.numerai_fetched_at == good.numerai_fetched_at
    for row in good.rows:
        again = later.row(row.key)
        assert again is not None and again.stats == row.stats
    assert sum(r.greyed for r in later.rows) == sum(r.greyed for r in good.rows) > 0
