"""core.fees' preview equals VaultLens.preview_deposit to the wei, on the devnet.

Random vaults (the demo world's, whose stakers hold lots that count towards a new lot's tier,
and fresh vaults created with random fee schedules), random accounts, amounts (often right
at a tier boundary, where a wei decides the tier) and commitments. The app's side goes
through `StakingService.load` (the reads the staking form makes) and `StakeSnapshot.preview`;
the chain's side is the lens called at the same block with Multicall3's block time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.networks import devnet_from_world
from numerbay_desktop.devnet.node import Tx
from numerbay_desktop.devnet.scenario import address_of
from numerbay_desktop.services.staking import StakingService

WAD = 10**18
DAY = 86_400
ACCOUNTS = 26  # demo accounts, owners and the background stakers (20-25) who hold lots
EXAMPLES = 60

tier_st = st.tuples(st.integers(1, 20_000), st.integers(0, 1_000), st.integers(0, 5_000))
schedule_st = st.tuples(
    st.lists(tier_st, min_size=0, max_size=7, unique_by=lambda t: t[0]),
    st.lists(st.tuples(st.integers(0, 365 * DAY), st.integers(0, 10_000)), min_size=1,
             max_size=4, unique_by=lambda c: c[0]),
    st.tuples(st.integers(0, 1_000), st.integers(0, 5_000)),
)


class Bench:
    """One event loop, client and service for the whole hypothesis run."""

    def __init__(self, world: Any) -> None:
        self.world = world
        self.info = world.describe()
        self.loop = asyncio.new_event_loop()
        self.client = ChainClient(devnet_from_world(self.info))
        self.service = StakingService(self.client)
        self.accounts = [address_of(self.info["mnemonic"], i) for i in range(ACCOUNTS)]
        self.created = 0

    def rollback(self, snapshot: str) -> None:
        """Undo an example's transactions; the next example reads with a fresh client (one
        that never saw the later blocks)."""
        self.world.rpc.call("evm_revert", [snapshot])
        self.world.rpc.forget_nonces()
        self.run(self.client.close())
        self.client = ChainClient(devnet_from_world(self.info))
        self.service = StakingService(self.client)

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def create_vault(self, schedule: tuple[Any, ...]) -> str:
        tiers_raw, commitments_raw, first = schedule
        tiers = [(0, *first), *sorted((m * WAD, f, p) for m, f, p in tiers_raw)]
        commitments = sorted(commitments_raw)
        factory = ContractAbi.load("VaultFactory").at(self.info["contracts"]["factory"])
        self.created += 1
        model_id = (0xFEE5 << 32 | self.created).to_bytes(32, "big")
        data = factory.calldata(
            "create_vault", f"fee-check-{self.created}", model_id, tiers, commitments,
            10**9 * WAD, WAD, 2_000, 5_000, 150 * DAY, 7 * DAY)
        owner = self.accounts[1]
        self.world.rpc.send([Tx(owner, factory.address, "0x" + data.hex(),
                                "create a fee-check vault", gas=8_000_000)])
        count = self.run(self.client.read(factory.read("vault_count")))
        return str(self.run(self.client.read(factory.read("vaults", count - 1))))

    def deposit(self, vault: str, account: str, amount: int) -> None:
        """A pending lot (no round staked since): it must NOT count towards the next tier."""
        self.world.mint(account, amount)
        nmr = ContractAbi.load("MockNMR").at(self.info["contracts"]["nmr"])
        bound = ContractAbi.load("NumerBayVault").at(vault)
        self.world.rpc.send([
            Tx(account, nmr.address, "0x" + nmr.calldata("approve", vault, amount).hex(),
               "approve", gas=200_000),
        ])
        self.world.rpc.send([
            Tx(account, vault, "0x" + bound.calldata("deposit", amount, 0, 10_000, 10_000).hex(),
               "deposit", gas=1_000_000),
        ])

    def close(self) -> None:
        self.run(self.client.close())
        self.loop.close()


@pytest.fixture
def bench(devnet: Any) -> Iterator[Bench]:
    b = Bench(devnet)
    try:
        yield b
    finally:
        b.close()


def amount_near(data: st.DataObject, mins: list[int], older: int) -> int:
    boundary = data.draw(st.sampled_from(mins)) - older
    return data.draw(st.one_of(
        st.integers(0, 10**6 * WAD),
        st.integers(max(0, boundary - 2), max(0, boundary + 2)),
        st.integers(max(0, boundary - WAD), max(0, boundary + WAD)),
    ))


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_preview_equals_the_lens_to_the_wei(bench: Bench, data: st.DataObject) -> None:
    snapshot = bench.world.rpc.call("evm_snapshot")
    try:
        check_one(bench, data)
    finally:
        bench.rollback(snapshot)


def check_one(bench: Bench, data: st.DataObject) -> None:
    account = data.draw(st.sampled_from(bench.accounts), label="account")
    if data.draw(st.booleans(), label="fresh vault"):
        vault = bench.create_vault(data.draw(schedule_st, label="schedule"))
    else:
        vault = data.draw(st.sampled_from(bench.info["vaults"]), label="demo vault")
        if data.draw(st.integers(0, 2), label="deposit first") == 0:
            before = bench.run(bench.service.load(vault, account))
            amount = min(data.draw(st.integers(1_000, 20_000)) * WAD, before.room)
            # minted first, so the balance is no limit; capacity, pause or a full lot list are
            refused = [p for p in before.problems(amount) if "account holds" not in p]
            if not refused:
                bench.deposit(vault, account, amount)
    snap = bench.run(bench.service.load(vault, account))
    commitment_id = data.draw(st.integers(0, len(snap.schedule.commitments) - 1))
    older = snap.existing_basis
    amount = amount_near(data, [t.min_stake for t in snap.schedule.tiers], older)

    chain_time, chain = bench.run(bench.service.chain_preview(vault, account, amount,
                                                              commitment_id))
    mine = snap.preview(amount, commitment_id)
    assert (mine.tier_id, mine.fixed_bps, mine.profit_bps, mine.first_sequence) == (
        chain.tier_id, chain.fixed_bps, chain.profit_bps, chain.first_sequence)
    # the lens adds the duration to its own block time; the snapshot read the same clock
    assert mine.unlock_time - snap.chain_time == chain.unlock_time - chain_time
    assert snap.chain_time == chain_time


def test_some_examples_counted_older_lots(devnet: Any) -> None:
    """The demo world's stakers hold lots that count towards a new lot's tier, so the
    property test exercises the basis rule (not only a lone deposit)."""
    b = Bench(devnet)
    try:
        counted = 0
        for vault in b.info["vaults"]:
            for account in b.accounts[20:]:
                snap = b.run(b.service.load(vault, account))
                counted += snap.existing_basis > 0
                if snap.existing_basis:
                    _, chain = b.run(b.service.chain_preview(vault, account, WAD, 0))
                    assert chain.tier_id == snap.preview(WAD, 0).tier_id
        assert counted >= 3
    finally:
        b.close()
