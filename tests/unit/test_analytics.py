"""Analytics: consistency, correlations, diversification, vault returns, rebalancing plans."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerbay_desktop.core import analytics
from numerbay_desktop.core.analytics import (
    DAY,
    DIVERSIFICATION_MAX,
    ONE_YEAR,
    IndexPoint,
    as_percent,
    consistency,
    consistency_score,
    correlation_matrix,
    diversification,
    diversification_from_correlations,
    diversification_scores,
    drift,
    index_return,
    one_year_return,
    round_returns,
    score_correlation,
    sparkline,
    submission_coverage,
    three_month_return,
)
from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.rebalance import (
    Deposit,
    LotHolding,
    RequestExit,
    VaultHolding,
    allocation_drift,
    choose_exits,
    plan_rebalance,
)

NMR = 10**18
RAY = 10**27

scores_strategy = st.dictionaries(
    st.integers(min_value=1, max_value=60),
    st.floats(min_value=-0.2, max_value=0.2, allow_nan=False),
    max_size=60,
)


# ---------------------------------------------------------------- consistency


def test_coverage_counts_submitted_open_rounds() -> None:
    assert submission_coverage([1, 2, 3, 99], range(1, 11)) == Fraction(3, 10)
    assert submission_coverage([1], []) is None


def test_drift_is_an_effect_size_of_recent_against_earlier() -> None:
    ordered = [0.02] * 30 + [-0.02] * 10
    value = drift(ordered, recent=10, min_rounds=10)
    assert value is not None and value < -2
    assert drift([0.01] * 40, recent=10) == 0.0
    assert drift([0.01] * 15, recent=10, min_rounds=10) is None


def test_consistency_of_a_steady_model_beats_a_skipping_declining_one() -> None:
    open_rounds = range(500, 600)
    steady = {r: 0.02 + 0.005 * ((r % 3) - 1) for r in open_rounds}
    declining = {r: (0.03 if r < 570 else -0.03) for r in open_rounds if r % 2 == 0}
    good = consistency(steady, steady, open_rounds)
    bad = consistency(declining, declining, open_rounds)
    assert good.coverage == 1 and bad.coverage == Fraction(1, 2)
    assert good.hit_rate == 1
    assert bad.drift is not None and bad.drift < 0
    assert good.score is not None and bad.score is not None
    assert 0 <= bad.score < good.score <= 100


def test_consistency_ignores_non_finite_scores_and_needs_enough_rounds() -> None:
    few = consistency({1: 0.01, 2: math.nan, 3: math.inf}, [1, 2, 3], [1, 2, 3])
    assert few.scored_rounds == 1 and few.score is None and few.coverage == 1
    empty = consistency({}, [], [1, 2])
    assert empty.coverage == 0 and empty.score is None and empty.mean is None


def test_consistency_window_keeps_only_the_last_rounds() -> None:
    scores = {r: (-0.05 if r <= 50 else 0.05) for r in range(1, 151)}
    result = consistency(scores, scores, range(1, 151), window=100)
    assert result.window_rounds == 100 and result.scored_rounds == 100
    assert result.hit_rate == 1


shares = st.fractions(min_value=0, max_value=1, max_denominator=1000)


@given(shares, shares, st.floats(-3, 3), st.floats(0, 0.5), shares, st.floats(0, 3))
def test_consistency_score_is_bounded_and_monotone(
    coverage: Fraction, hits: Fraction, drift_value: float, spread: float, more: Fraction,
    change: float,
) -> None:
    base = consistency_score(coverage, hits, drift_value, spread)
    assert 0 <= base <= 100
    higher = min(Fraction(1), coverage + more)
    assert consistency_score(higher, hits, drift_value, spread) >= base
    assert consistency_score(coverage, min(Fraction(1), hits + more), drift_value, spread) >= base
    assert consistency_score(coverage, hits, drift_value + change, spread) >= base
    assert consistency_score(coverage, hits, drift_value, spread + change) <= base


def test_consistency_score_refuses_out_of_range_parts() -> None:
    with pytest.raises(InvalidInput):
        consistency_score(Fraction(3, 2), Fraction(1), 0.0, 0.01)
    with pytest.raises(InvalidInput):
        consistency_score(Fraction(1), Fraction(1), 0.0, -0.01)


def test_definitions_quote_the_constants_in_use() -> None:
    text = analytics.DEFINITIONS["consistency"]
    for weight in (analytics.COVERAGE_WEIGHT, analytics.HIT_RATE_WEIGHT, analytics.DRIFT_WEIGHT,
                   analytics.DISPERSION_WEIGHT):
        assert f"{weight:.2f}" in text
    assert f"{analytics.DISPERSION_SCALE}" in text
    assert f"last {analytics.DEFAULT_RECENT} " in analytics.DEFINITIONS["drift"]
    assert f"at least {analytics.DEFAULT_MIN_OVERLAP}" in analytics.DEFINITIONS["correlation"]
    assert f"{analytics.THREE_MONTHS // DAY} days" in analytics.DEFINITIONS["return_3m"]
    assert f"{ONE_YEAR // DAY} days" in analytics.DEFINITIONS["return_1y"]


# ---------------------------------------------------------------- correlation and diversification


def test_correlation_of_known_series() -> None:
    a = {r: float(r % 7) for r in range(40)}
    b = {r: 2.0 * v + 1.0 for r, v in a.items()}
    c = {r: -v for r, v in a.items()}
    assert score_correlation(a, b) == pytest.approx(1.0)
    assert score_correlation(a, c) == pytest.approx(-1.0)
    assert score_correlation(a, a) == 1.0


def test_correlation_needs_overlap_and_variation() -> None:
    a = {r: float(r % 5) for r in range(30)}
    shifted = {r + 15: v for r, v in a.items()}  # 15 common rounds
    assert score_correlation(a, shifted, min_overlap=20) is None
    assert score_correlation(a, shifted, min_overlap=10) is not None
    flat = {r: 0.01 for r in range(30)}
    assert score_correlation(a, flat) is None


@given(scores_strategy, scores_strategy)
def test_correlation_is_symmetric_and_bounded(
    first: dict[int, float], second: dict[int, float]
) -> None:
    forward = score_correlation(first, second, min_overlap=3)
    assert forward == score_correlation(second, first, min_overlap=3)
    if forward is not None:
        assert -1.0 <= forward <= 1.0


def test_correlation_matrix_is_symmetric() -> None:
    a = {r: float(r % 7) for r in range(40)}
    b = {r: float(r % 5) for r in range(40)}
    matrix = correlation_matrix({"a": a, "b": b})
    assert matrix[("a", "b")] == matrix[("b", "a")]
    assert matrix[("a", "a")] == 1.0


def test_diversification_weights_by_stake_value() -> None:
    value = diversification_from_correlations({"x": 1.0, "y": 0.0}, {"x": 3 * NMR, "y": NMR})
    assert value == pytest.approx(0.25)
    assert diversification_from_correlations({"x": None}, {"x": NMR}) is None
    assert diversification_from_correlations({}, {}) == DIVERSIFICATION_MAX
    assert diversification_from_correlations({}, {"x": 0}) == DIVERSIFICATION_MAX


@given(scores_strategy, st.integers(min_value=1, max_value=10**24))
def test_a_held_model_adds_nothing_to_a_single_holding(
    scores: dict[int, float], stake: int
) -> None:
    assert diversification("m", {"m": stake}, {"m": scores}) == 0.0


def test_diversification_from_scores_of_an_opposite_model() -> None:
    a = {r: float(r % 7) for r in range(40)}
    c = {r: -v for r, v in a.items()}
    assert diversification("c", {"a": NMR}, {"a": a, "c": c}) == pytest.approx(2.0)


def test_diversification_scores_agree_with_one_at_a_time() -> None:
    scores = {f"m{i}": {r: float((r * (i + 3)) % 11) for r in range(60)} for i in range(6)}
    holdings = {"m0": 5 * NMR, "m1": NMR, "m2": 0}
    many = diversification_scores(scores, holdings, scores)
    assert many == {m: diversification(m, holdings, scores) for m in scores}
    assert many["m0"] is not None and 0 <= many["m0"] <= DIVERSIFICATION_MAX


# ---------------------------------------------------------------- returns, sparkline


def series(growth: list[int], start: int = 1_700_000_000, step: int = DAY) -> list[IndexPoint]:
    return [IndexPoint(start + i * step, g) for i, g in enumerate(growth)]


def test_index_return_is_exact_and_none_when_history_is_short() -> None:
    points = series([RAY + i * RAY // 100 for i in range(400)])
    one_year = one_year_return(points)
    assert one_year == Fraction(RAY + 399 * RAY // 100, RAY + 34 * RAY // 100) - 1
    end = RAY + 399 * RAY // 100
    assert three_month_return(points) == Fraction(end, RAY + 308 * RAY // 100) - 1
    assert one_year_return(points[:300]) is None
    assert index_return(points, 10 * DAY, as_of=points[50].timestamp) == Fraction(150, 140) - 1
    assert index_return([], ONE_YEAR) is None


def test_return_is_none_after_a_shutdown_at_zero() -> None:
    assert index_return(series([0, 0]), DAY) is None
    assert round_returns(series([RAY, RAY // 2, 0, 0])) == [Fraction(-1, 2), Fraction(-1), None]


def test_as_percent_rounds_half_even() -> None:
    assert as_percent(Fraction(1, 8)) == Decimal("12.50")
    assert as_percent(Fraction(-1, 3), places=1) == Decimal("-33.3")


def test_sparkline_keeps_ends_and_scales() -> None:
    line = sparkline([RAY + i for i in range(100)], points=10)
    assert len(line) == 10 and line[0] == 0.0 and line[-1] == 1.0
    assert line == sorted(line)
    assert sparkline([RAY, RAY]) == [0.5, 0.5]
    assert sparkline([]) == []


# ---------------------------------------------------------------- rebalancing


def test_choose_exits_finds_the_closest_subset_without_passing() -> None:
    lots = [LotHolding(1, 6, True), LotHolding(2, 5, True), LotHolding(3, 4, True)]
    assert sorted(lot.lot_id for lot in choose_exits(lots, Fraction(9))) == [2, 3]
    assert [lot.lot_id for lot in choose_exits(lots, Fraction(6))] == [1]
    assert choose_exits(lots, Fraction(3)) == []
    locked = [LotHolding(1, 5, False), LotHolding(2, 3, True)]
    assert [lot.lot_id for lot in choose_exits(locked, Fraction(5))] == [2]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 60), st.booleans()), max_size=10),
    st.fractions(min_value=0, max_value=300, max_denominator=7),
)
def test_choose_exits_is_optimal_against_brute_force(
    spec: list[tuple[int, bool]], excess: Fraction
) -> None:
    lots = [LotHolding(i, value, unlocked) for i, (value, unlocked) in enumerate(spec)]
    chosen = choose_exits(lots, excess)
    assert all(lot.can_exit for lot in chosen)
    assert len({lot.lot_id for lot in chosen}) == len(chosen)
    open_lots = [lot for lot in lots if lot.can_exit]
    best = (0, 0)
    for mask in range(1 << len(open_lots)):
        subset = [lot for i, lot in enumerate(open_lots) if mask >> i & 1]
        total = sum(lot.value for lot in subset)
        if total <= excess:
            best = max(best, (total, -len(subset)))
    assert (sum(lot.value for lot in chosen), -len(chosen)) == best


def test_choose_exits_beyond_the_exact_limit_stays_under_the_excess() -> None:
    lots = [LotHolding(i, (i % 5 + 1) * NMR, True) for i in range(40)]
    chosen = choose_exits(lots, Fraction(37 * NMR))
    assert sum(lot.value for lot in chosen) == 37 * NMR


def test_plan_moves_from_an_overweight_vault_to_an_underweight_one() -> None:
    a_lots = (
        LotHolding(1, 25 * NMR, True, "0xa"),
        LotHolding(2, 20 * NMR, True, "0xa"),
        LotHolding(3, 35 * NMR, False, "0xa"),
    )
    holdings = [
        VaultHolding("A", a_lots),
        VaultHolding("B", (), capacity_left=1000 * NMR, min_deposit=NMR),
    ]
    plan = plan_rebalance(holdings, {"A": Fraction(1, 2), "B": Fraction(1, 2)}, cash=20 * NMR)
    # A holds 30 above its target of 50: the closest whole unlocked lot is 25; the locked 35 stays.
    assert plan.actions == (RequestExit("A", 1, 25 * NMR, "0xa"), Deposit("B", 20 * NMR))
    # Before: A +30, B -50 of a total of 100 -> 80 / 200.
    assert plan.drift_before == Fraction(2, 5)
    # After: A 55 (+5), B 20 (-30), 25 on the way back -> 35 / 200.
    assert plan.drift_after == Fraction(7, 40)
    assert plan.cash_left == 0 and plan.exiting == 25 * NMR
    assert plan.values_after == {"A": 55 * NMR, "B": 20 * NMR}


def test_plan_refuses_duplicate_lots() -> None:
    lots = (LotHolding(1, NMR, True), LotHolding(1, NMR, True))
    with pytest.raises(InvalidInput):
        plan_rebalance([VaultHolding("A", lots)], {"A": Fraction(1)}, 0)


def test_plan_respects_min_deposit_capacity_and_paused_vaults() -> None:
    holdings = [
        VaultHolding("A", (), capacity_left=5 * NMR, min_deposit=NMR),
        VaultHolding("B", (), capacity_left=100 * NMR, min_deposit=50 * NMR),
        VaultHolding("C", (), capacity_left=100 * NMR, accepts_deposits=False),
    ]
    third = Fraction(1, 3)
    plan = plan_rebalance(holdings, {"A": third, "B": third, "C": third}, cash=90 * NMR)
    assert plan.actions == (Deposit("A", 5 * NMR),)
    assert plan.cash_left == 85 * NMR


def test_plan_refuses_bad_targets() -> None:
    holdings = [VaultHolding("A")]
    with pytest.raises(InvalidInput):
        plan_rebalance(holdings, {"A": Fraction(1, 2)}, 0)
    with pytest.raises(InvalidInput):
        plan_rebalance(holdings, {"A": Fraction(3, 2), "B": Fraction(-1, 2)}, 0)
    with pytest.raises(InvalidInput):
        plan_rebalance(holdings, {"B": Fraction(1)}, 0)
    with pytest.raises(InvalidInput):
        plan_rebalance(holdings, {"A": Fraction(1)}, -1)


lot_strategy = st.builds(
    LotHolding,
    lot_id=st.integers(0, 10**6),
    value=st.integers(0, 100 * NMR),
    can_exit=st.booleans(),
)
holding_strategy = st.builds(
    VaultHolding,
    vault=st.just(""),
    lots=st.lists(lot_strategy, max_size=8, unique_by=lambda lot: lot.lot_id).map(tuple),
    capacity_left=st.integers(0, 200 * NMR),
    min_deposit=st.integers(0, 20 * NMR),
    accepts_deposits=st.booleans(),
)


@st.composite
def portfolios(draw: st.DrawFn) -> tuple[list[VaultHolding], dict[str, Fraction], int]:
    count = draw(st.integers(1, 5))
    holdings = [
        VaultHolding(f"v{i}", h.lots, h.capacity_left, h.min_deposit, h.accepts_deposits)
        for i, h in enumerate(draw(st.lists(holding_strategy, min_size=count, max_size=count)))
    ]
    raw = draw(st.lists(st.integers(0, 10), min_size=count, max_size=count))
    if sum(raw) == 0:
        raw[0] = 1
    targets = {f"v{i}": Fraction(w, sum(raw)) for i, w in enumerate(raw)}
    return holdings, targets, draw(st.integers(0, 300 * NMR))


@settings(max_examples=150, deadline=None)
@given(portfolios())
def test_plan_never_breaks_a_rule_and_never_increases_drift(
    case: tuple[list[VaultHolding], dict[str, Fraction], int],
) -> None:
    holdings, targets, cash = case
    plan = plan_rebalance(holdings, targets, cash)
    by_vault = {h.vault: h for h in holdings}
    lots = {(h.vault, lot.lot_id): lot for h in holdings for lot in h.lots}
    deposited: dict[str, int] = {}
    for action in plan.actions:
        if isinstance(action, RequestExit):
            assert lots[(action.vault, action.lot_id)].can_exit
        else:
            holding = by_vault[action.vault]
            assert holding.accepts_deposits
            assert action.amount >= max(holding.min_deposit, 1)
            deposited[action.vault] = deposited.get(action.vault, 0) + action.amount
    for vault, amount in deposited.items():
        assert amount <= by_vault[vault].capacity_left
    exits = [a for a in plan.actions if isinstance(a, RequestExit)]
    assert len({(a.vault, a.lot_id) for a in exits}) == len(exits)
    assert sum(deposited.values()) + plan.cash_left == cash
    assert plan.exiting == sum(a.value for a in exits)
    assert plan.drift_after <= plan.drift_before
    recomputed = allocation_drift(plan.values_after, plan.cash_left + plan.exiting, targets)
    assert recomputed == plan.drift_after
    before = allocation_drift({h.vault: h.value for h in holdings}, cash, targets)
    assert before == plan.drift_before
