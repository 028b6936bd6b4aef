"""vault_math: the integer bucket-and-index VaultModel against the exact brute-force oracle.

Random histories (deposits, cancels, stakes, settlements recorded out of order and applied
in order, write-offs and late NMR, exits, fulfilment, claims, fee claims, checkpoints,
schedule changes, rolls, shutdown, time travel) run on both; after every step each lot's
value, the aggregates and the conservation identity must agree within a dust bound.
`make fuzz` (NUMERBAY_FUZZ=1) runs 100,000 histories; the default suite a few thousand.
"""

from __future__ import annotations

import os
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numerbay_desktop.core import vault_math as vm
from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.vault_model import (
    ACTIVE,
    EXITING,
    FINAL,
    JOINED,
    PENDING,
    VaultModel,
)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "contracts"))
from oracle import ScheduleSpec, VaultOracle

NMR = 10**18
DAY = 86_400
OWNERS = ("alice", "bob", "carol")
FUZZ = os.environ.get("NUMERBAY_FUZZ") == "1"


# ------------------------------------------------------------------------------- unit checks
def test_effective_bps_rounds_up() -> None:
    assert vm.effective_bps(1000, 0) == 1000
    assert vm.effective_bps(1000, 10_000) == 0
    assert vm.effective_bps(333, 5_000) == 167  # 166.5 rounds up
    assert vm.effective_bps(1, 9_999) == 1


def test_tier_for_basis_picks_highest_reached() -> None:
    tiers = (vm.Tier(0, 200, 2000), vm.Tier(100 * NMR, 150, 1500), vm.Tier(1000 * NMR, 100, 1000))
    assert vm.tier_for_basis(tiers, 0) == 0
    assert vm.tier_for_basis(tiers, 100 * NMR - 1) == 0
    assert vm.tier_for_basis(tiers, 100 * NMR) == 1
    assert vm.tier_for_basis(tiers, 10**30) == 2


def test_preview_deposit() -> None:
    schedule = vm.Schedule(
        (vm.Tier(0, 200, 2000), vm.Tier(100 * NMR, 150, 1500)),
        (vm.Commitment(0, 0), vm.Commitment(90 * DAY, 2500)),
    )
    preview = vm.preview_deposit(schedule, 150 * NMR, 1, now=1_000, stake_count=7)
    assert preview == vm.DepositPreview(1, 113, 1125, 1_000 + 90 * DAY, 8)
    with pytest.raises(InvalidInput):
        vm.preview_deposit(schedule, NMR, 2, now=0, stake_count=0)


def test_schedule_validation() -> None:
    with pytest.raises(InvalidInput):
        vm.Schedule((vm.Tier(1, 0, 0),), (vm.Commitment(0, 0),))
    with pytest.raises(InvalidInput):
        vm.Schedule((vm.Tier(0, 0, 0), vm.Tier(0, 0, 0)), (vm.Commitment(0, 0),))
    with pytest.raises(InvalidInput):
        vm.Schedule((vm.Tier(0, 0, 0),), (vm.Commitment(5, 0), vm.Commitment(5, 0)))


def test_fixed_fee_splits_at_activation() -> None:
    high = vm.Schedule((vm.Tier(0, 1000, 0),), (vm.Commitment(0, 0),))
    low = vm.Schedule((vm.Tier(0, 100, 0),), (vm.Commitment(0, 0),))
    snapshot = vm.Terms(1000, 0)
    activations = [(0, high), (vm.YEAR // 2, low)]
    bps_seconds = vm.fee_bps_seconds(activations, NMR, 0, snapshot, 0, vm.YEAR)
    assert vm.fixed_fee(1000 * NMR, bps_seconds) == 55 * NMR  # 5% + 0.5%
    raised = [(0, low), (10, high)]  # a raise never goes above the snapshot
    assert vm.fee_bps_seconds(raised, NMR, 0, vm.Terms(100, 0), 0, 20) == 100 * 20


def test_profit_share_and_index() -> None:
    assert vm.profit_share_value(10 * NMR, 2 * vm.RAY, vm.RAY, 2000) == 2 * NMR
    assert vm.profit_share_value(10 * NMR, vm.RAY, 2 * vm.RAY, 2000) == 0
    assert vm.profit_share_units(10 * NMR, 2 * vm.RAY, vm.RAY, 2000) == NMR
    units = 10 * vm.RAY  # X = 10 NMR-units at G = 1
    assert vm.next_index(vm.RAY, 15, 10, 10) == vm.RAY * 3 // 2
    assert vm.next_index(vm.RAY, 0, 10, 10) == 0  # everything lost: wiped out
    assert vm.next_index(vm.RAY, 2, 3, 3) == vm.RAY - vm.RAY // 3 - 1  # a loss rounds up
    assert vm.next_index(vm.RAY, 5, 5, 0) == vm.RAY  # nobody exposed: unchanged
    assert vm.value_of(units, vm.RAY) == 10 * vm.RAY
    assert vm.units_of(NMR, 3 * vm.RAY) == NMR // 3


def test_newcomer_gets_nothing_from_earlier_round() -> None:
    model = VaultModel(vm.Schedule((vm.Tier(0, 0, 0),), (vm.Commitment(0, 0),)),
                       max_round_bps=2000)
    first = model.deposit("alice", 1000 * NMR, 0)
    model.now = 1
    model.stake(100 * NMR)
    late = model.deposit("bob", 1000 * NMR, 0)
    model.record(1, 200 * NMR)
    assert model.lot_value(first) == 1100 * NMR
    assert model.lot_value(late) == 1000 * NMR
    assert model.state(late) == JOINED


def test_leaver_still_bears_the_losing_round() -> None:
    model = VaultModel(vm.Schedule((vm.Tier(0, 0, 0),), (vm.Commitment(0, 0),)),
                       max_round_bps=2000)
    leaver = model.deposit("alice", 1000 * NMR, 0)
    model.deposit("bob", 1000 * NMR, 0)
    model.stake(200 * NMR)
    assert model.request_exit("alice", leaver) == 1
    assert model.state(leaver) == EXITING
    fulfilled = model.record(1, 0)  # the round burned everything it staked
    assert [lot_id for lot_id, _, _ in fulfilled] == [leaver]
    assert model.claimable["alice"] == 900 * NMR


# --------------------------------------------------------------------------- random histories
def schedule_strategy() -> st.SearchStrategy[tuple[list[vm.Tier], list[vm.Commitment]]]:
    tier = st.tuples(st.integers(0, 1000), st.integers(0, 5000))
    mins = st.lists(st.integers(1, 5000), max_size=3, unique=True)
    durations = st.lists(st.sampled_from([0, 7 * DAY, 30 * DAY, 90 * DAY, 365 * DAY]),
                         min_size=1, max_size=3, unique=True)

    @st.composite
    def build(draw: st.DrawFn) -> tuple[list[vm.Tier], list[vm.Commitment]]:
        minimums = [0, *sorted(m * NMR for m in draw(mins))]
        tiers = [vm.Tier(m, *draw(tier)) for m in minimums]
        chosen = set(draw(durations))
        if draw(st.booleans()):
            chosen.add(0)  # a vault without minimum commitment: exits without waiting
        commitments = [vm.Commitment(d, draw(st.integers(0, 10_000))) for d in sorted(chosen)]
        return tiers, commitments

    return build()


WEIGHTS = {
    "deposit": 5, "stake": 7, "settle": 9, "time": 4, "exit": 5, "fulfill": 4, "claim": 2,
    "claim_fees": 1, "cancel": 2, "checkpoint": 1, "write_off": 2, "late": 2, "schedule": 1,
    "roll": 2, "shutdown": 1,
}
NAMES = [name for name, weight in WEIGHTS.items() for _ in range(weight)]
WORD = st.integers(0, 2**32)
OP = st.tuples(st.sampled_from(NAMES), WORD, WORD, WORD)

Op = tuple[str, int, int, int]


def spec_of(schedule: vm.Schedule) -> ScheduleSpec:
    tiers = [(t.min_stake, t.fixed_fee_bps, t.profit_share_bps) for t in schedule.tiers]
    return ScheduleSpec(tiers, [(c.duration, c.discount_bps) for c in schedule.commitments])


class History:
    """Runs one random history on the model and the oracle side by side."""

    def __init__(self, tiers: list[vm.Tier], commitments: list[vm.Commitment]) -> None:
        schedule = vm.Schedule(tuple(tiers), tuple(commitments))
        self.model = VaultModel(schedule, now=1_000, max_round_bps=2000, max_at_stake_bps=9500)
        self.oracle = VaultOracle(spec_of(schedule))
        self.oracle.activations[0] = (1_000, spec_of(schedule))
        self.late_paid: set[int] = set()
        self.steps = 0

    @property
    def now(self) -> int:
        return self.model.now

    def run(self, op: Op) -> None:
        name, a, b, c = op
        getattr(self, "op_" + name)(a, b, c)
        self.steps += 1
        self.sync_applied()
        self.check()

    def sync_applied(self, fulfilled: list[tuple[int, int, int]] | None = None) -> None:
        while self.oracle.applied_count < self.model.applied_count:
            j = self.oracle.applied_count + 1
            sequence = self.oracle.apply_next(self.now)
            if sequence.eligible > 0:
                assert sequence.eligible >= sequence.amount, f"X_{j} < A_{j}"
        assert self.oracle.applied_count == self.model.applied_count
        for lot_id, _pay, _fee in fulfilled or []:
            self.oracle.fulfill(lot_id)

    # -- operations ------------------------------------------------------------------
    def op_deposit(self, owner: int, assets: int, commitment: int) -> None:
        name = OWNERS[owner % len(OWNERS)]
        assets = NMR + assets * (assets % 7 + 1) * 10**11 % (5000 * NMR)
        commitment %= len(self.model.current.commitments)
        try:
            lot_id = self.model.deposit(name, assets, commitment)
        except vm.VaultRuleError:
            return
        self.oracle.deposit(lot_id, name, assets, commitment, self.now)
        lot = self.model.lots[lot_id]
        mirrored = self.oracle.lots[lot_id]
        # the basis counts held principal, which fees cut by rounded amounts
        low, high = sorted((lot.basis_nmr * NMR, mirrored.basis))
        if high - low > NMR:
            raise AssertionError(f"tier basis {low} vs {high}")
        if low == high:
            assert (lot.fixed_bps, lot.profit_bps) == (mirrored.fixed_bps, mirrored.profit_bps)
        else:  # a rounding wei put the two bases on both sides of a whole NMR
            mirrored.basis, mirrored.fixed_bps, mirrored.profit_bps = (
                lot.basis_nmr * NMR, lot.fixed_bps, lot.profit_bps)

    def pick_lot(self, index: int, *states: int) -> int | None:
        lots = [i for i in self.model.lots if self.model.state(i) in states]
        return lots[index % len(lots)] if lots else None

    def op_cancel(self, index: int, _b: int, _c: int) -> None:
        lot_id = self.pick_lot(index, PENDING, JOINED)
        if lot_id is None:
            return
        owner = self.model.lots[lot_id].owner
        try:
            paid = self.model.cancel_deposit(owner, lot_id)
        except vm.VaultRuleError:
            return
        self.oracle.cancel(lot_id, paid)

    def op_stake(self, percent: int, _b: int, _c: int) -> None:
        amount = self.model.stake_ceiling() * (1 + percent % 100) // 100
        try:
            self.model.stake(amount)
        except vm.VaultRuleError:
            return
        self.oracle.stake(amount, self.now)

    def op_settle(self, index: int, payout_pct: int, burn_pct: int) -> None:
        waiting = [j for j, s in enumerate(self.model.seqs, 1) if not s.recorded]
        if not waiting:
            return
        seq = waiting[index % len(waiting)]
        payout_pct = 0 if payout_pct % 3 == 0 else payout_pct % 101
        burn_pct = 0 if burn_pct % 3 == 0 else burn_pct % 101
        amount = self.model.seqs[seq - 1].amount
        received = amount + amount * payout_pct // 100 - amount * burn_pct // 100
        self.oracle.record(seq, received)
        self.sync_applied(self.model.record(seq, received))

    def op_write_off(self, _a: int, _b: int, _c: int) -> None:
        seq = self.model.applied_count + 1
        try:
            fulfilled = self.model.write_off()
        except vm.VaultRuleError:
            return
        self.oracle.write_off(seq)
        self.sync_applied(fulfilled)

    def op_late(self, index: int, percent: int, _c: int) -> None:
        written = [j for j, s in enumerate(self.model.seqs, 1)
                   if s.written_off and not s.late_booked]
        if not written:
            return
        seq = written[index % len(written)]
        amount = self.model.seqs[seq - 1].amount * (percent % 201) // 100
        self.oracle.late_arrival(amount)
        self.sync_applied(self.model.record(seq, amount))

    def op_exit(self, index: int, _b: int, _c: int) -> None:
        lot_id = self.pick_lot(index, JOINED, ACTIVE)
        if lot_id is None:
            return
        try:
            self.model.request_exit(self.model.lots[lot_id].owner, lot_id)
        except vm.VaultRuleError:
            return
        self.oracle.request_exit(lot_id, self.now)

    def op_fulfill(self, count: int, _b: int, _c: int) -> None:
        self.sync_applied(self.model.fulfill(1 + count % 8))

    def op_claim(self, owner: int, _b: int, _c: int) -> None:
        name = OWNERS[owner % len(OWNERS)]
        try:
            paid = self.model.claim(name)
        except vm.VaultRuleError:
            return
        self.oracle.claim(name, paid)

    def op_claim_fees(self, _a: int, _b: int, _c: int) -> None:
        try:
            owner_part, cut = self.model.claim_fees()
        except vm.VaultRuleError:
            return
        self.oracle.claim_fees(owner_part + cut)

    def op_time(self, seconds: int, long: int, _c: int) -> None:
        self.model.now += seconds % (400 * DAY if long % 8 == 0 else 20 * DAY)

    def op_checkpoint(self, index: int, _b: int, _c: int) -> None:
        lot_id = self.pick_lot(index, PENDING, JOINED, ACTIVE)
        if lot_id is None:
            return
        try:
            self.model.checkpoint(lot_id)
        except vm.VaultRuleError:
            return
        self.oracle.charge(lot_id, self.now)

    def op_schedule(self, fixed: int, profit: int, _c: int) -> None:
        if len(self.model.versions) >= vm.MAX_FEE_VERSIONS:
            return  # beyond MAX_FEE_VERSIONS the fee walk is bounded (contracts/SPEC.md)
        fixed, profit = fixed % 1001, profit % 5001
        current = self.model.current
        tiers = tuple(vm.Tier(t.min_stake, fixed if i == 0 else t.fixed_fee_bps,
                              profit if i == 0 else t.profit_share_bps)
                      for i, t in enumerate(current.tiers))
        schedule = vm.Schedule(tiers, current.commitments)
        self.model.now += self.model.schedule_delay  # proposed now, active after the delay
        self.model.activate_schedule(schedule)
        self.oracle.activate_schedule(spec_of(schedule), self.now)

    def op_roll(self, index: int, _b: int, _c: int) -> None:
        lot_id = self.pick_lot(index, PENDING, JOINED, ACTIVE)
        if lot_id is None:
            return
        try:
            self.model.roll([lot_id])
        except vm.VaultRuleError:
            return
        self.oracle.roll(lot_id, self.now)
        lot, after = self.model.lots[lot_id], self.oracle.lots[lot_id]
        assert (lot.fixed_bps, lot.profit_bps) == (after.fixed_bps, after.profit_bps)

    def op_shutdown(self, rare: int, _b: int, _c: int) -> None:
        if rare % 4:
            return
        try:
            self.model.shutdown()
        except vm.VaultRuleError:
            return
        self.oracle.shutdown(self.now)

    # -- invariants --------------------------------------------------------------------
    def check(self) -> None:
        model, oracle = self.model, self.oracle
        if oracle.wiped_out or (model.shut_down and model.index_ray == 0):
            return  # after a wipe-out only conservation is meaningful (checked by the oracle)
        dust = 4 * self.steps + 4
        # A lot may end above its exact value by the other lots' floored unit fractions
        # valued at today's index (contracts/SPEC.md, change 5): < lots x G / RAY wei.
        above = 2 + len(oracle.lots) * -(-model.index_ray // vm.RAY)
        lots = 0
        for lot_id in oracle.lots:
            expected = oracle.lot_value(lot_id) + oracle.final_value(lot_id)
            got = model.lot_value(lot_id)
            assert got <= expected + above, f"lot {lot_id} worth {got} > oracle {float(expected)}"
            assert expected - got <= dust, f"lot {lot_id}: {got} vs {float(expected)}"
            accrued = model.accrued_fixed_fee(lot_id)
            assert abs(accrued - oracle.accrued_fixed(lot_id, self.now)) <= dust
            if model.state(lot_id) != FINAL:
                lots += got
        liabilities = (lots + model.exits_due + model.claimable_total + model.fees_owed
                       + model.surplus)
        assert (model.idle, model.at_stake) == (oracle.idle, oracle.at_stake)
        slack = model.idle + model.at_stake - liabilities
        bound = dust * (len(oracle.lots) + 1)
        assert 0 <= slack <= bound, f"conservation slack {slack}"
        assert abs(model.exits_due - oracle.exits_due) <= bound
        assert abs(model.fees_owed - oracle.fees_owed) <= bound
        assert abs(model.surplus - oracle.surplus) <= bound
        assert all(g >= 0 for g in model.index)
        assert model.idle >= model.claimable_total
        for owner in OWNERS:
            owed = oracle.claimable.get(owner, Fraction(0))
            assert model.claimable.get(owner, 0) <= owed + 2


def run_history(schedule: tuple[list[vm.Tier], list[vm.Commitment]], ops: list[Op]) -> None:
    history = History(*schedule)
    for op in ops:
        history.run(op)


HISTORY = (schedule_strategy(), st.lists(OP, min_size=20, max_size=80))


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(*HISTORY)
def test_model_matches_oracle(schedule: tuple[list[vm.Tier], list[vm.Commitment]],
                              ops: list[Op]) -> None:
    run_history(schedule, ops)


@pytest.mark.fuzz
@pytest.mark.skipif(not FUZZ, reason="long campaign: make fuzz (NUMERBAY_FUZZ=1)")
@settings(max_examples=100_000, deadline=None, suppress_health_check=list(HealthCheck))
@given(*HISTORY)
def test_model_matches_oracle_fuzz(schedule: tuple[list[vm.Tier], list[vm.Commitment]],
                                   ops: list[Op]) -> None:
    run_history(schedule, ops)


def test_rounding_dust_after_a_large_late_result_stays_within_the_bound() -> None:
    """The `make fuzz` history of 25 Nov 2026 (contracts/SPEC.md, change 5): a late result
    multiplies the index by ~14 and one lot ends 2.05 wei above its exact value."""
    schedule = ([vm.Tier(min_stake=0, fixed_fee_bps=0, profit_share_bps=0)],
                [vm.Commitment(duration=0, discount_bps=0)])
    ops = [("deposit", 0, 4_294_967_296, 0), ("settle", 0, 0, 0), ("deposit", 0, 0, 0),
           ("deposit", 0, 0, 0), ("deposit", 0, 0, 0), ("deposit", 0, 2, 0),
           ("stake", 0, 0, 0), ("stake", 0, 0, 0), ("stake", 0, 0, 0), ("stake", 7954, 0, 0),
           ("settle", 0, 0, 0), ("settle", 0, 0, 1712), ("exit", 0, 0, 0),
           ("deposit", 0, 0, 0), ("settle", 0, 0, 0), ("time", 12960001, 0, 0),
           ("write_off", 0, 0, 0), ("stake", 0, 0, 0), ("late", 0, 25, 0), ("settle", 0, 0, 0)]
    run_history(schedule, ops)  # type: ignore[arg-type]
