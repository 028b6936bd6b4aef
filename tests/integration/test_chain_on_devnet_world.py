"""The chain client on the demo devnet world (read only): its description becomes a Network,
and the marketplace's reads and the vault history from events come back batched and pinned."""

from __future__ import annotations

from typing import Any

import pytest

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.events import decode_log
from numerbay_desktop.chain.networks import devnet_from_world

pytestmark = pytest.mark.asyncio


async def test_marketplace_reads_and_history_of_the_demo_world(devnet_world: Any) -> None:
    info = devnet_world.describe()
    network = devnet_from_world(info)
    assert network.multicall3 is not None and network.factory is not None
    lens = ContractAbi.load("VaultLens").at(info["contracts"]["lens"])
    factory = ContractAbi.load("VaultFactory").at(network.factory)
    async with ChainClient(network) as client:
        assert await client.connect() == info["chain_id"]
        before = client.stats.http_requests
        session, (count,) = await client.pin_and_read([factory.read("vault_count")])
        vaults = await session.read_many([factory.read("vaults", i) for i in range(count)])
        outcomes = await session.multicall([lens.read("vault_info", v).as_call() for v in vaults])
        assert client.stats.http_requests - before == 3
        assert sorted(vaults) == sorted(info["vaults"])
        infos = {
            v: lens.read("vault_info", v).function.decode_record(o.data)
            for v, o in zip(vaults, outcomes, strict=True)
        }
        for summary in devnet_world.vault_summaries():
            record = infos[summary["address"]]
            assert str(record["total_assets"]) == summary["total_assets"]
            assert record["applied_count"] == summary["applied"]

        # History from events: every vault's logs over the whole chain, in block spans.
        before = client.stats.http_requests
        logs = await client.get_logs(
            vaults, from_block=0, to_block=session.block_number, max_span=5_000
        )
        assert client.stats.http_requests - before == 1
        events = [decode_log(log, prefer=["NumerBayVault", "VaultAdmin"]) for log in logs]
        names = {e.name for e in events if e is not None}
        assert len(logs) > 100 and names  # 135 days of deposits, stakes and settlements
        assert all(e is not None for e in events)
