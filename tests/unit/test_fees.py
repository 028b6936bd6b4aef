"""core.fees: the staking form's preview, next-tier hint, fee curve and scenario table."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerbay_desktop.core import fees
from numerbay_desktop.core import vault_math as vm
from numerbay_desktop.core.errors import InvalidInput

NMR = 10**18
DAY = 86_400
SCHEDULE = vm.Schedule(
    (vm.Tier(0, 200, 2000), vm.Tier(100 * NMR, 150, 1500), vm.Tier(1000 * NMR, 100, 1000)),
    (vm.Commitment(0, 0), vm.Commitment(90 * DAY, 2500)),
)


def test_preview_carries_the_chain_terms_and_the_yearly_fee() -> None:
    quote = fees.preview_fees(SCHEDULE, 150 * NMR, 1, now=1_000, stake_count=7)
    assert (quote.tier_id, quote.fixed_bps, quote.profit_bps) == (1, 113, 1125)  # 112.5 up
    assert quote.unlock_time == 1_000 + 90 * DAY
    assert quote.first_sequence == 8
    assert quote.fixed_fee_per_year == 150 * NMR * 113 // 10_000
    assert quote.tier_fixed_bps == 150 and quote.discount_bps == 2500


def test_older_lots_count_towards_the_tier() -> None:
    alone = fees.preview_fees(SCHEDULE, 50 * NMR, 0, now=0, stake_count=0)
    topped = fees.preview_fees(SCHEDULE, 50 * NMR, 0, now=0, stake_count=0,
                               existing_basis=960 * NMR)
    assert alone.tier_id == 0 and topped.tier_id == 2
    assert topped.basis == 1010 * NMR and topped.next_tier is None


def test_next_tier_hint_says_how_much_more_and_what_it_saves() -> None:
    hint = fees.preview_fees(SCHEDULE, 60 * NMR, 0, now=0, stake_count=0).next_tier
    assert hint is not None
    assert (hint.tier_id, hint.add, hint.fixed_bps) == (1, 40 * NMR, 150)
    # 100 NMR a year: 2 % = 2 NMR at tier 0, 1.5 % = 1.5 NMR at tier 1
    assert hint.yearly_saving == NMR // 2
    capped = fees.preview_fees(SCHEDULE, 60 * NMR, 0, now=0, stake_count=0,
                               max_amount=99 * NMR).next_tier
    assert capped is not None and not capped.reachable


def test_a_dearer_next_tier_gives_no_hint() -> None:
    odd = vm.Schedule((vm.Tier(0, 100, 1000), vm.Tier(10 * NMR, 300, 1000)),
                      (vm.Commitment(0, 0),))
    assert fees.next_tier_hint(odd, NMR, 0) is None


def test_fee_curve_steps_shift_by_the_older_lots() -> None:
    steps = fees.fee_curve(SCHEDULE, 0)
    assert [(s.start, s.fixed_bps) for s in steps] == [(0, 200), (100 * NMR, 150),
                                                      (1000 * NMR, 100)]
    shifted = fees.fee_curve(SCHEDULE, 0, existing_basis=300 * NMR)
    assert [(s.start, s.tier_id) for s in shifted] == [(0, 1), (700 * NMR, 2)]
    edges, fixed, profit = fees.curve_xy(steps, 2000 * NMR)
    assert edges == [0.0, 100.0, 1000.0, 2000.0] and fixed == [2.0, 1.5, 1.0]
    assert profit == [20.0, 15.0, 10.0]
    with pytest.raises(InvalidInput):
        fees.fee_curve(SCHEDULE, 5)


def test_flat_history_keeps_the_index_and_charges_only_the_fixed_fee() -> None:
    rows = fees.scenario_table(1000 * NMR, 200, 2000, [0] * 30, 260)
    assert [r.name for r in rows] == ["weak", "median", "strong"]
    for row in rows:
        assert row.growth_ray == vm.RAY
        assert row.owner_earns == 20 * NMR and row.staker_keeps == 980 * NMR
        assert row.vs_holding == -20 * NMR
    assert fees.scenario_table(NMR, 1, 1, [], 260) == ()


@settings(max_examples=200, deadline=None)
@given(
    returns=st.lists(st.integers(-vm.RAY // 20, vm.RAY // 20), min_size=2, max_size=60),
    amount=st.integers(NMR, 10**6 * NMR),
    fixed_bps=st.integers(0, 1000),
    profit_bps=st.integers(0, 5000),
)
def test_scenarios_are_ordered_and_conserve_the_value(
    returns: list[int], amount: int, fixed_bps: int, profit_bps: int
) -> None:
    weak, median, strong = fees.scenario_table(amount, fixed_bps, profit_bps, returns, 260)
    assert weak.growth_ray <= median.growth_ray <= strong.growth_ray
    assert weak.staker_keeps <= median.staker_keeps <= strong.staker_keeps
    for row in (weak, median, strong):
        # what the staker keeps and the owner earns is the grown value (rounding: 2 wei)
        assert 0 <= amount * row.growth_ray // vm.RAY - row.staker_keeps - row.owner_earns <= 2
        assert row.vs_holding == row.staker_keeps - amount


def test_rounds_per_year_from_settlement_times() -> None:
    daily = [i * DAY for i in range(40)]
    assert fees.rounds_per_year(daily) == 365
    assert fees.rounds_per_year(daily[:3]) == fees.DEFAULT_ROUNDS_PER_YEAR
