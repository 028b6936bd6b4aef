"""VaultDetailService on the demo devnet world, and a proposed schedule change seen by the
model page (pending schedule with its ETA), the marketplace row and the holders' alerts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_asyncio

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.networks import devnet_from_world
from numerbay_desktop.services.marketplace import MarketplaceService
from numerbay_desktop.services.positions import PositionsService
from numerbay_desktop.services.vault_detail import VaultDetailService

pytestmark = pytest.mark.asyncio
WAD = 10**18


@pytest_asyncio.fixture
async def client(devnet_world: Any) -> AsyncIterator[ChainClient]:
    async with ChainClient(devnet_from_world(devnet_world.describe())) as chain:
        await chain.connect()
        yield chain


async def test_detail_of_every_demo_vault(devnet_world: Any, client: ChainClient) -> None:
    snapshot = (await MarketplaceService(client).refresh()).snapshot
    service = VaultDetailService(client)
    for row in snapshot.rows:
        assert row.vault is not None
        detail = await service.load(row.vault, lens=snapshot.lens)
        assert detail.tiers == row.tiers and detail.commitments == row.commitments
        assert detail.info["queue_length"] == len(detail.exit_queue)
        assert (detail.pending is None) == (detail.info["pending_eta"] == 0)
        seqs = [q.exit_seq for q in detail.exit_queue]
        assert seqs == sorted(seqs)  # the queue is in request order
        for q in detail.exit_queue:
            assert q.final == (q.exit_seq <= detail.info["applied_count"])
    assert any(row.queue_length for row in snapshot.rows)  # the world has exits waiting
    # Without the lens address, the vault's factory is asked for it.
    first = snapshot.rows[0].vault or ""
    assert (await service.load(first)).info == (await service.load(first, lens=snapshot.lens)).info


async def test_a_proposed_schedule_reaches_page_row_and_alerts(
    devnet: Any, client: ChainClient
) -> None:
    market = MarketplaceService(client)
    view = await market.read_chain()
    holders = {
        (e.vault, str(e.args["owner"])) for events in view.events.values() for e in events
        if e.name == "Deposit"
    }
    positions = PositionsService(client)
    held = None
    for v, a in sorted(holders):
        lots = (await positions.load(a, [v])).lots
        if any(lot.state.value in ("pending", "joined", "active") for lot in lots):
            held = (v, a)
            break
    assert held is not None
    vault, account = held
    owner = view.infos[vault]["owner"]
    node = devnet.anvil
    node.rpc("anvil_setBalance", [owner, hex(10**20)])
    node.rpc("anvil_impersonateAccount", [owner])
    admin = ContractAbi.load("VaultAdmin")
    data = admin.function("propose_schedule").encode(
        [(0, 300, 2_500), (100 * WAD, 150, 1_500)], [(0, 0), (30 * 86_400, 1_000)]
    )
    tx = node.rpc("eth_sendTransaction", [{"from": owner, "to": vault, "data": "0x" + data.hex(),
                                            "gas": hex(1_000_000)}])
    for _ in range(200):
        receipt: Any = node.rpc("eth_getTransactionReceipt", [tx])
        if receipt is not None:
            break
        await asyncio.sleep(0.02)
    assert receipt is not None and receipt["status"] == "0x1"
    node.rpc("anvil_stopImpersonatingAccount", [owner])

    detail = await VaultDetailService(client).load(vault)
    assert detail.pending is not None and detail.pending.eta > 0
    assert [t.fixed_fee_bps for t in detail.pending.tiers] == [300, 150]
    row = (await market.refresh()).snapshot.row(vault)
    assert row is not None and row.pending_eta == detail.pending.eta
    p = await positions.load(account, view.vaults)
    alerts = [a for a in p.alerts if a.kind == "pending_schedule" and a.vault == vault]
    assert alerts and alerts[0].when == detail.pending.eta
