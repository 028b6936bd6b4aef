"""Fee presets from fee histories, the fallback without history, and the 12.5% replacement
rule."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from numerbay_desktop.chain.client import FeeHistory
from numerbay_desktop.chain.fees import (
    GWEI,
    FeeChoice,
    bumped,
    custom_fee,
    fallback_presets,
    is_valid_replacement,
    presets_from_history,
    replacement_fee,
)
from numerbay_desktop.core.errors import InvalidInput


def history(base_fees: list[int], rewards: list[list[int]]) -> FeeHistory:
    return FeeHistory(
        oldest_block=100, base_fees=tuple(base_fees),
        gas_used_ratios=tuple(0.5 for _ in rewards),
        rewards=tuple(tuple(r) for r in rewards),
    )


def test_presets_use_median_percentiles_and_project_the_base_fee() -> None:
    rewards = [[1 * GWEI, 2 * GWEI, 5 * GWEI], [3 * GWEI, 4 * GWEI, 9 * GWEI],
               [2 * GWEI, 3 * GWEI, 7 * GWEI]]
    presets = presets_from_history(history([10 * GWEI] * 3 + [12 * GWEI], rewards))
    assert presets is not None and presets.source == "fee_history"
    assert presets.base_fee == 12 * GWEI  # the next block's, the last entry
    assert presets.low == FeeChoice("low", 15 * GWEI + 2 * GWEI, 2 * GWEI)
    assert presets.market == FeeChoice("market", 24 * GWEI + 3 * GWEI, 3 * GWEI)
    assert presets.aggressive == FeeChoice("aggressive", 30 * GWEI + 7 * GWEI, 7 * GWEI)
    assert presets.get("market") is presets.market
    with pytest.raises(InvalidInput):
        presets.get("turbo")


def test_empty_blocks_are_ignored_and_all_empty_means_no_presets() -> None:
    rewards = [[0, 0, 0], [GWEI, 2 * GWEI, 3 * GWEI], [0, 0, 0]]
    presets = presets_from_history(history([GWEI] * 4, rewards))
    assert presets is not None and presets.market.max_priority_fee_per_gas == 2 * GWEI
    assert presets_from_history(history([GWEI] * 3, [[0, 0, 0], [0, 0, 0]])) is None
    assert presets_from_history(history([], [])) is None


def test_fallback_presets_scale_the_node_suggestion() -> None:
    presets = fallback_presets(base_fee=8 * GWEI, suggested_tip=2 * GWEI)
    assert presets.source == "fallback"
    assert [p.max_priority_fee_per_gas for p in presets.all()] == [GWEI, 2 * GWEI, 4 * GWEI]
    assert [p.max_fee_per_gas for p in presets.all()] == [11 * GWEI, 18 * GWEI, 24 * GWEI]
    zero = fallback_presets(base_fee=0, suggested_tip=0)
    assert all(p.max_priority_fee_per_gas >= 1 for p in zero.all())


def test_replacement_raises_both_fields_by_at_least_an_eighth() -> None:
    old = FeeChoice("market", 40 * GWEI, 2 * GWEI)
    new = replacement_fee(old)
    assert new.max_fee_per_gas == 45 * GWEI and new.max_priority_fee_per_gas == 2_250_000_000
    assert is_valid_replacement(old, new)
    market = FeeChoice("market", 90 * GWEI, 5 * GWEI)
    assert replacement_fee(old, market) == FeeChoice("speed-up", 90 * GWEI, 5 * GWEI)
    assert not is_valid_replacement(old, FeeChoice("custom", 45 * GWEI, 2 * GWEI))
    assert not is_valid_replacement(old, FeeChoice("custom", 44 * GWEI, 3 * GWEI))


def test_zero_fees_still_rise() -> None:
    assert bumped(0) == 1 and bumped(1) == 2 and bumped(8) == 9 and bumped(9) == 11
    assert is_valid_replacement(FeeChoice("low", 0, 0), replacement_fee(FeeChoice("low", 0, 0)))


@given(cap=st.integers(0, 10**15), tip_share=st.integers(0, 100))
def test_every_replacement_is_valid(cap: int, tip_share: int) -> None:
    old = FeeChoice("x", cap, cap * tip_share // 100)
    assert is_valid_replacement(old, replacement_fee(old))


def test_custom_fees_are_checked() -> None:
    assert custom_fee(10, 2).max_cost(21_000, 5) == 210_005
    with pytest.raises(InvalidInput):
        custom_fee(1, 2)
    with pytest.raises(InvalidInput):
        custom_fee(-1, 0)
