"""The stake proposal never fails the vault's own checks, and names the bound that set it;
each staked round gets the state its facts say."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from numerbay_desktop.services.round_calendar import (
    RAY,
    RoundState,
    SequenceFacts,
    VaultFigures,
    build_calendar,
    propose_stake,
    stake_refusal,
)

WAD = 10**18


def figures(**changes: int | bool) -> VaultFigures:
    base = VaultFigures(
        total_assets=6_400 * WAD, idle=5_000 * WAD, at_stake=1_400 * WAD,
        exposed_value=6_000 * WAD, claimable_total=0, exits_due=0, fees_owed=0,
        exiting_units=0, index_ray=RAY, max_round_bps=313, max_at_stake_bps=9_500,
        last_round_id=1_400,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def test_target_is_a_64th_of_total_assets() -> None:
    p = propose_stake(figures())
    assert p.amount == 100 * WAD and p.binding == "target" and p.refusal is None
    assert stake_refusal(figures(), 1_401, p.amount) is None


def test_each_bound_can_set_the_amount() -> None:
    assert propose_stake(figures(max_round_bps=100)).binding == "round_cap"
    assert propose_stake(figures(max_round_bps=100)).amount == 60 * WAD
    room = figures(at_stake=5_650 * WAD)  # 95% of 6,000 = 5,700: 50 NMR of room
    assert (propose_stake(room).binding, propose_stake(room).amount) == ("at_stake_cap", 50 * WAD)
    # An exiting lot's share is reserved, rounded up like the contract does.
    tight = figures(idle=40 * WAD, exiting_units=10 * WAD, index_ray=RAY + 1)
    p = propose_stake(tight)
    assert p.binding == "free_idle" and p.amount == (30 * WAD - 1) // 10**14 * 10**14
    assert "reserves" in p.explain()


def test_nothing_to_stake_says_why() -> None:
    assert propose_stake(figures(shut_down=True)).refusal == (
        "The vault is shut down: it stakes no more rounds.")
    assert propose_stake(figures(stalled=True)).amount == 0
    empty = propose_stake(figures(idle=0))
    assert empty.amount == 0 and "free idle" in str(empty.refusal)


def test_refusals_follow_the_contract_order() -> None:
    f = figures()
    assert "not newer" in str(stake_refusal(f, 1_400, WAD))
    assert "not a stake" in str(stake_refusal(f, 1_401, 0))
    assert "not a stake" in str(stake_refusal(f, 1_401, 2 * WAD, max_amount=WAD))
    assert "round cap" in str(stake_refusal(f, 1_401, 200 * WAD))
    assert "at-stake cap" in str(stake_refusal(figures(at_stake=5_690 * WAD), 1_401, 20 * WAD))
    assert "reserved" in str(stake_refusal(figures(idle=WAD, fees_owed=WAD), 1_401, WAD))


@settings(max_examples=300, deadline=None)
@given(
    total=st.integers(0, 10**27), idle_share=st.integers(0, 10_000),
    exposed_share=st.integers(0, 10_000), at_stake_share=st.integers(0, 10_000),
    reserve=st.integers(0, 10**26), exiting=st.integers(0, 10**26),
    round_bps=st.integers(1, 2_000), at_stake_bps=st.integers(1, 9_500),
)
def test_a_proposal_passes_every_check(
    total: int, idle_share: int, exposed_share: int, at_stake_share: int, reserve: int,
    exiting: int, round_bps: int, at_stake_bps: int,
) -> None:
    f = VaultFigures(
        total_assets=total, idle=total * idle_share // 10_000,
        at_stake=total * at_stake_share // 10_000,
        exposed_value=total * exposed_share // 10_000, claimable_total=reserve // 3,
        exits_due=reserve // 3, fees_owed=reserve // 3, exiting_units=exiting,
        index_ray=RAY + 12345, max_round_bps=round_bps,
        max_at_stake_bps=max(round_bps, at_stake_bps), last_round_id=7,
    )
    p = propose_stake(f)
    assert 0 <= p.amount <= total // 64
    if p.amount > 0:
        assert stake_refusal(f, 8, p.amount, max_amount=p.amount) is None
    else:
        assert p.refusal


def facts(seq: int, round_id: int, **changes: int | bool) -> SequenceFacts:
    base = SequenceFacts(seq=seq, round_id=round_id, amount=WAD, stake_time=0, recorded=False,
                         written_off=False, applied=False, received=0, return_ray=0,
                         close_time=1_000, resolved=False, position_settled=False)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_calendar_states_and_next_steps() -> None:
    rows = build_calendar(
        [facts(1, 10, recorded=True, applied=True), facts(2, 11, recorded=True),
         facts(3, 12, position_settled=True), facts(4, 13, resolved=True), facts(5, 14),
         facts(6, 15, close_time=5_000)],
        now=2_000, applied_count=1, open_round=16, open_close_time=9_000,
        resolve_times={16: 99_000},
    )
    assert [(r.round_id, r.state) for r in rows] == [
        (16, RoundState.OPEN), (15, RoundState.STAKED), (14, RoundState.RESOLVING),
        (13, RoundState.RESOLVED), (12, RoundState.RESOLVED), (11, RoundState.SETTLED),
        (10, RoundState.SETTLED),
    ]
    steps = {r.round_id: r.next_step for r in rows}
    assert "sync" in steps[12] and "settle" in steps[13] and "apply" in steps[11]
    assert steps[10] == "Done." and rows[0].resolve_time == 99_000
    # A staked open round is not listed twice.
    again = build_calendar([facts(1, 16, close_time=5_000)], now=2_000, applied_count=0,
                           open_round=16)
    assert [(r.round_id, r.state) for r in again] == [(16, RoundState.STAKED)]
