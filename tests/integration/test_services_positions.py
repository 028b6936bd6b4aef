"""PositionsService on the demo devnet world: an account's lots equal the lens's, closed lots
come from events, pending exits name the sequences they wait for, in O(1) requests."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.networks import devnet_from_world
from numerbay_desktop.core import portfolio
from numerbay_desktop.core.portfolio import LotState
from numerbay_desktop.services.marketplace import MarketplaceService
from numerbay_desktop.services.positions import PositionsService
from numerbay_desktop.store.cache import Cache

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def client(devnet_world: Any) -> AsyncIterator[ChainClient]:
    async with ChainClient(devnet_from_world(devnet_world.describe())) as chain:
        await chain.connect()
        yield chain


async def test_positions_of_the_busiest_stakers_match_the_lens(
    devnet_world: Any, client: ChainClient, tmp_path: Path
) -> None:
    view = await MarketplaceService(client).read_chain()
    deposits = Counter(
        str(e.args["owner"]) for events in view.events.values() for e in events
        if e.name == "Deposit"
    )
    lens = ContractAbi.load("VaultLens").at(view.lens)
    service = PositionsService(client, Cache(tmp_path / "c.sqlite3"))
    exits_seen = closed_seen = 0
    for account, _ in deposits.most_common(4):
        before = client.stats.http_requests
        p = await service.load(account, view.vaults)
        assert client.stats.http_requests - before <= 3
        session = client.pinned(p.block_number)
        open_lots = [lot for lot in p.lots if lot.state is not LotState.CLOSED]
        for lot in open_lots:
            read = lens.read("lot", lot.vault, lot.lot_id)
            record = dict(zip(read.function.output_fields, await session.read(read), strict=True))
            assert lot.value == record["value"] and lot.fees_accrued == record["accrued_fees"]
            assert lot.state is LotState.from_code(record["state"])
            assert lot.unlock_time == record["unlock_time"] and lot.account == account
            assert lot.principal >= record["principal"]  # the deposit, before fees
        # Every deposit is a lot: open ones from the lens, cancelled/fulfilled ones from events.
        assert len(p.lots) == deposits[account]
        closed_seen += sum(lot.state is LotState.CLOSED for lot in p.lots)
        assert p.totals == portfolio.totals(p.lots)
        if p.totals.value:
            assert sum(p.allocation.values()) == 1
        vault_abi = ContractAbi.load("NumerBayVault")
        for vault in view.vaults:
            claim = await session.read(vault_abi.at(vault).read("claimable", account))
            assert p.claimable.get(vault, 0) == claim
        for pending in p.pending_exits:
            exits_seen += 1
            info = p.vault_infos[pending.vault]
            assert [w.seq for w in pending.waits_for] == list(
                range(info["applied_count"] + 1, pending.exit_seq + 1))
            assert all(w.round_id is not None for w in pending.waits_for)
            assert pending.final == (not pending.waits_for)
        for alert in p.alerts:
            assert alert.vault in p.vault_infos and alert.message
        # A second load reads only new blocks' events (block times cached), in two requests.
        before = client.stats.http_requests
        again = await service.load(account, view.vaults)
        assert client.stats.http_requests - before <= 2
        assert again.lots == p.lots
    assert closed_seen and exits_seen, (closed_seen, exits_seen)


async def test_value_history_and_csv_from_the_accounts_events(
    devnet_world: Any, client: ChainClient
) -> None:
    view = await MarketplaceService(client).read_chain()
    owners = Counter(
        str(e.args["owner"]) for events in view.events.values() for e in events
        if e.name == "Deposit"
    )
    account = owners.most_common(1)[0][0]
    service = PositionsService(client)
    p = await service.load(account, view.vaults)
    events = await service.portfolio_events(p)
    deposits = [e for e in events if e.kind == "deposit"]
    assert len(deposits) == owners[account] == len(p.lots)
    assert sum(e.amount for e in deposits) == sum(lot.principal for lot in p.lots)
    series = await service.value_history(p)
    assert series and series[-1].invested == p.totals.principal - p.totals.returned
    # The replayed value ends near the lens's value (rounding dust and accruing fees aside).
    assert abs(series[-1].value - p.totals.gross_value) <= max(10**15, p.totals.value // 50)
    rows = await service.csv_rows(p)
    assert rows[0][0].lower().startswith("date") and len(rows) > len(deposits)
