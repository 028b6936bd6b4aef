"""The marketplace's request count does not grow with the number of vaults: 300 factory
vaults (several Multicall3 chunks per step) still load in 3 HTTP requests, counted at the
client's transport, and their rows equal single lens reads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.networks import devnet
from numerbay_desktop.devnet.anvil import Anvil
from numerbay_desktop.services.marketplace import MarketplaceService
from numerbay_desktop.store.cache import Cache
from tests.bench.bench_marketplace import _build_world

VAULTS = 300


@pytest.fixture(scope="module")
def many_vaults() -> Iterator[tuple[Anvil, str, str, str]]:
    with Anvil.start(port=0, extra_args=["--gas-limit", "30000000000"]) as node:
        factory, lens, multicall = _build_world(node, VAULTS)
        yield node, factory, lens, multicall


@pytest.mark.asyncio
async def test_three_requests_for_hundreds_of_vaults(
    many_vaults: tuple[Any, str, str, str], tmp_path: Path
) -> None:
    node, factory, lens, multicall = many_vaults
    network = devnet(node.rpc_url, multicall3=multicall, factory=factory)
    async with ChainClient(network) as client:
        await client.connect()  # the chain-id check, once per session
        market = MarketplaceService(client, None, Cache(tmp_path / "c.sqlite3"))
        before = client.stats.http_requests
        snapshot = (await market.refresh()).snapshot
        assert client.stats.http_requests - before == 3
        assert len(snapshot.rows) == VAULTS
        assert all(r.kind == "candidate" for r in snapshot.rows)  # never staked: unregistered
        before = client.stats.http_requests
        again = await market.refresh()
        assert client.stats.http_requests - before == 2 and again.changes == ()
        session = client.pinned(snapshot.block_number)
        view = ContractAbi.load("VaultLens").at(lens)
        for row in snapshot.rows[:: VAULTS // 10]:
            read = view.read("vault_info", row.vault)
            record = dict(zip(read.function.output_fields, await session.read(read), strict=True))
            assert (row.model_name, row.capacity, row.min_deposit) == (
                record["model_name"], record["capacity"], record["min_deposit"])
            tiers, commitments = await session.read(view.read("schedule", row.vault))
            assert len(row.tiers) == len(tiers) and len(row.commitments) == len(commitments)
