"""VaultHistoryService on the demo devnet world: RoundSettled series equal the lens's
sequences, logs come in block spans of one batch, and the cache makes later loads incremental."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.networks import devnet_from_world
from numerbay_desktop.core.analytics import round_returns
from numerbay_desktop.services.vault_history import VaultHistoryService
from numerbay_desktop.store.cache import Cache

pytestmark = pytest.mark.asyncio


@pytest_asyncio.fixture
async def client(devnet_world: Any) -> AsyncIterator[ChainClient]:
    async with ChainClient(devnet_from_world(devnet_world.describe())) as chain:
        await chain.connect()
        yield chain


def _record(read: Any, value: Any) -> dict[str, Any]:
    return dict(zip(read.function.output_fields, value, strict=True))


async def test_history_series_match_the_lens(devnet_world: Any, client: ChainClient) -> None:
    info = devnet_world.describe()
    vault = info["vaults"][0]
    lens = ContractAbi.load("VaultLens").at(info["contracts"]["lens"])
    head = await client.block_number()
    before = client.stats.http_requests
    history = await VaultHistoryService(client, max_span=250).load(vault, head)
    spans = -(-(head + 1) // 250)
    assert client.stats.http_requests - before == -(-spans // 100)  # one batch of spans
    session = client.pinned(head)
    read = lens.read("vault_info", vault)
    state = _record(read, await session.read(read))
    settled = history.settled
    assert len(settled) == state["applied_count"] >= 30
    assert settled[-1].index_ray == state["index_ray"]
    reads = [lens.read("sequence", vault, s.seq) for s in settled]
    sequences = [_record(r, v) for r, v in zip(reads, await session.read_many(reads),
                                               strict=True)]
    for s, seq in zip(settled, sequences, strict=True):
        assert (s.round_id, s.index_ray, s.received) == (
            seq["round_id"], seq["index_ray"], seq["received"])
    assert len(history.index_points) == len(settled)
    assert len(round_returns(history.index_points)) == len(settled) - 1
    assert all(p.at_stake + p.not_staked >= p.at_stake for p in history.stake_points)
    names = {e.name for e in history.events}
    assert {"Deposit", "RoundStaked", "RoundSettled"} <= names
    assert len(history.events_named("RoundStaked")) == state["stake_count"]


async def test_history_is_cached_and_extended_incrementally(
    devnet: Any, client: ChainClient, tmp_path: Path
) -> None:
    vault = devnet.describe()["vaults"][1]
    cache = Cache(tmp_path / "c.sqlite3")
    first = await VaultHistoryService(client, cache).load(vault)
    service = VaultHistoryService(client, cache)
    cached = service.cached(vault)
    assert cached is not None and cached.events == first.events
    devnet.advance(2)
    later = await service.load(vault)
    assert later.block_number > first.block_number
    assert later.events[: len(first.events)] == first.events
    assert len(later.events) > len(first.events)
    fresh = await VaultHistoryService(client).load(vault, later.block_number)  # no cache
    assert fresh.events == later.events
