"""Portfolio: lot figures, totals and P&L identities, allocation, value history, CSV export."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from numerbay_desktop.core import vault_model as vmod
from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.portfolio import (
    CSV_HEADER,
    CancelEvent,
    ClaimEvent,
    DepositEvent,
    ExitFulfilledEvent,
    ExitRequestEvent,
    FeeEvent,
    IndexEvent,
    Lot,
    LotState,
    PortfolioEvent,
    ValuePoint,
    allocation,
    csv_rows,
    iso_date,
    lot_holdings,
    nmr_text,
    positions,
    totals,
    value_series,
)
from numerbay_desktop.core.rebalance import LotHolding
from numerbay_desktop.core.vault_math import YEAR, Commitment, Schedule, Tier

NMR = 10**18
RAY = 10**27
T0 = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 86_400


def make_lot(vault: str = "A", lot_id: int = 1, **changes: object) -> Lot:
    fields: dict[str, object] = {
        "vault": vault,
        "lot_id": lot_id,
        "principal": 100 * NMR,
        "value": 110 * NMR,
        "fees_paid": 2 * NMR,
        "fees_accrued": NMR,
        "state": LotState.ACTIVE,
        "unlock_time": T0 + 30 * DAY,
        "commitment": 30 * DAY,
    }
    fields.update(changes)
    return Lot(**fields)  # type: ignore[arg-type]


# ---------------------------------------------------------------- lots and totals


def test_lot_figures_follow_the_definitions() -> None:
    lot = make_lot(returned=5 * NMR)
    assert lot.gross_value == 111 * NMR
    assert lot.fees_total == 3 * NMR
    assert lot.pnl == 15 * NMR  # 110 + 5 - 100
    assert lot.pnl_before_fees == 18 * NMR


def test_a_lot_refuses_floats_negatives_and_unknown_states() -> None:
    with pytest.raises(InvalidInput):
        make_lot(principal=1.5)
    with pytest.raises(InvalidInput):
        make_lot(value=-1)
    with pytest.raises(InvalidInput):
        make_lot(fees_paid=True)
    with pytest.raises(InvalidInput):
        make_lot(state="active")


def test_state_codes_match_the_lens() -> None:
    assert [LotState.from_code(code) for code in range(6)] == list(LotState)
    assert LotState.from_code(2) is LotState.ACTIVE
    with pytest.raises(InvalidInput):
        LotState.from_code(6)


def test_exit_rules() -> None:
    before, after = T0 + 29 * DAY, T0 + 30 * DAY
    assert not make_lot().can_request_exit(before)
    assert make_lot().can_request_exit(after)
    assert make_lot(state=LotState.JOINED).can_request_exit(after)
    assert make_lot().can_request_exit(before, vault_unlocked=True)
    for state in (LotState.PENDING, LotState.EXITING, LotState.FINAL, LotState.CLOSED):
        assert not make_lot(state=state).can_request_exit(after, vault_unlocked=True)


wei = st.integers(min_value=0, max_value=10**24)
lot_strategy = st.builds(
    Lot,
    vault=st.sampled_from(["A", "B", "C"]),
    lot_id=st.integers(0, 1000),
    principal=wei,
    value=wei,
    fees_paid=wei,
    fees_accrued=wei,
    state=st.sampled_from(list(LotState)),
    unlock_time=st.integers(0, 2 * T0),
    commitment=st.integers(0, 365 * DAY),
    returned=wei,
)


@given(st.lists(lot_strategy, max_size=12))
def test_pnl_identities_hold_in_integers(lots: list[Lot]) -> None:
    whole = totals(lots)
    assert whole.pnl == whole.value + whole.returned - whole.principal
    assert whole.pnl == sum(lot.pnl for lot in lots)
    assert whole.pnl_before_fees - whole.fees_total == whole.pnl
    assert whole.gross_value - whole.fees_accrued == whole.value
    assert whole.lots == len(lots)
    grouped = positions(lots)
    assert sum(p.totals.pnl for p in grouped) == whole.pnl
    assert sum(p.totals.principal for p in grouped) == whole.principal
    assert sum(p.totals.fees_total for p in grouped) == whole.fees_total
    assert sum(len(p.lots) for p in grouped) == len(lots)
    if whole.principal:
        assert whole.return_on_principal == Fraction(whole.pnl, whole.principal)
    shares = allocation(lots)
    if whole.value:
        assert sum(shares.values()) == 1
        for position in grouped:
            assert shares.get(position.vault, 0) == Fraction(position.totals.value, whole.value)
    else:
        assert shares == {}


def test_positions_group_and_sort() -> None:
    lots = [make_lot("B", 2), make_lot("A", 7), make_lot("B", 1, state=LotState.CLOSED)]
    grouped = positions(lots)
    assert [p.vault for p in grouped] == ["A", "B"]
    assert [lot.lot_id for lot in grouped[1].lots] == [1, 2]
    assert grouped[1].totals.open_lots == 1 and grouped[1].totals.lots == 2
    assert totals([]).return_on_principal is None


def test_lot_holdings_for_the_rebalancer() -> None:
    now = T0 + 31 * DAY
    lots = [
        make_lot("A", 1, account="0xa"),
        make_lot("A", 2, unlock_time=now + 1),
        make_lot("A", 3, state=LotState.EXITING),
        make_lot("B", 4, state=LotState.PENDING),
        make_lot("C", 5, unlock_time=now + 1),
    ]
    holdings = lot_holdings(lots, now, unlocked_vaults=frozenset({"C"}))
    assert holdings == {
        "A": (LotHolding(1, 110 * NMR, True, "0xa"), LotHolding(2, 110 * NMR, False)),
        "B": (LotHolding(4, 110 * NMR, False),),
        "C": (LotHolding(5, 110 * NMR, True),),
    }


# ---------------------------------------------------------------- value history


def test_value_series_follows_the_index_fees_and_exits() -> None:
    g1, g2, g3 = RAY * 11 // 10, RAY * 121 // 100, RAY * 1331 // 1000
    events: list[PortfolioEvent] = [
        DepositEvent(T0, "A", 1, 100 * NMR, entry_seq=0),
        IndexEvent(T0 + DAY, "A", 1, g1),  # lot 1: 110
        FeeEvent(T0 + 2 * DAY, "A", 1, 10 * NMR),  # lot 1: 100, i.e. 100/1.1 at G[0]
        DepositEvent(T0 + 3 * DAY, "A", 2, 50 * NMR, entry_seq=1),  # joined at S == 1: 50
        IndexEvent(T0 + 4 * DAY, "A", 2, g2),  # lot 1: 110, lot 2: 55
        ExitRequestEvent(T0 + 5 * DAY, "A", 1, exit_seq=2),  # final at once (K == S == 2)
        IndexEvent(T0 + 6 * DAY, "A", 3, g3),  # lot 1 frozen at 110, lot 2: 60.5
        ExitFulfilledEvent(T0 + 7 * DAY, "A", 1, 108 * NMR, profit_fee=2 * NMR),
        ClaimEvent(T0 + 8 * DAY, "A", 108 * NMR),
    ]
    points = value_series(events)
    values = [p.value for p in points]
    assert values == [
        100 * NMR, 110 * NMR, 100 * NMR, 150 * NMR, 165 * NMR, 165 * NMR,
        170_500_000_000_000_000_000, 60_500_000_000_000_000_000, 60_500_000_000_000_000_000,
    ]
    assert [p.invested for p in points][-1] == 150 * NMR - 108 * NMR
    assert points[-1].pnl == 60_500_000_000_000_000_000 - 42 * NMR


def test_value_series_merges_a_timestamp_and_handles_cancel_and_shutdown() -> None:
    events: list[PortfolioEvent] = [
        DepositEvent(T0, "A", 1, 10 * NMR, entry_seq=0),
        DepositEvent(T0, "B", 1, 20 * NMR, entry_seq=0),
        CancelEvent(T0 + DAY, "B", 1, 20 * NMR),
        IndexEvent(T0 + 2 * DAY, "A", 1, 0),  # shut down at G = 0
    ]
    assert value_series(events) == [
        ValuePoint(T0, 30 * NMR, 30 * NMR),
        ValuePoint(T0 + DAY, 10 * NMR, 10 * NMR),
        ValuePoint(T0 + 2 * DAY, 0, 10 * NMR),
    ]


def test_value_series_refuses_a_missing_entry_index() -> None:
    events: list[PortfolioEvent] = [
        DepositEvent(T0, "A", 1, 10 * NMR, entry_seq=4),
        IndexEvent(T0 + DAY, "A", 5, RAY),
    ]
    with pytest.raises(InvalidInput):
        value_series(events)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[PortfolioEvent], list[int], list[tuple[int, int]]]:
    """Random deposits into one vault between random index steps, no fees or exits."""
    rounds = draw(st.integers(1, 12))
    growth = draw(st.lists(st.integers(RAY // 2, 2 * RAY), min_size=rounds, max_size=rounds))
    index = [RAY]
    for step in growth:
        index.append(index[-1] * step // RAY)
    deposits = draw(
        st.lists(st.tuples(st.integers(0, rounds), st.integers(1, 10**22)), max_size=6)
    )
    events: list[PortfolioEvent] = []
    for lot_id, (entry, amount) in enumerate(deposits):
        events.append(DepositEvent(T0 + entry * DAY, "A", lot_id, amount, entry_seq=entry))
    for seq in range(1, rounds + 1):
        events.append(IndexEvent(T0 + seq * DAY + 1, "A", seq, index[seq]))
    return events, index, deposits


@settings(max_examples=60, deadline=None)
@given(histories())
def test_value_series_matches_principal_times_growth(
    case: tuple[list[PortfolioEvent], list[int], list[tuple[int, int]]],
) -> None:
    events, index, deposits = case
    points = value_series(events)
    last = len(index) - 1
    expected = sum(
        (Fraction(amount * index[last], index[entry]) for entry, amount in deposits), Fraction(0)
    )
    if points:
        assert points[-1].value == int(expected)
        assert points[-1].invested == sum(amount for _, amount in deposits)
        assert all(p.value >= 0 for p in points)


# The replay against vault_model's integer VaultModel (the contract's mirror).

model_operations = st.lists(
    st.one_of(
        st.tuples(st.just("deposit"), st.integers(1, 500)),
        st.tuples(st.just("stake"), st.integers(1, 100)),
        st.tuples(st.just("settle"), st.integers(-100, 100)),
        st.tuples(st.just("checkpoint"), st.integers(0, 9)),
        st.tuples(st.just("exit"), st.integers(0, 9)),
        st.tuples(st.just("fulfil"), st.just(0)),
    ),
    min_size=10,
    max_size=40,
)


def _fulfilled(done: list[tuple[int, int, int]], now: int) -> list[PortfolioEvent]:
    return [ExitFulfilledEvent(now, "V", lot_id, pay, fee) for lot_id, pay, fee in done]


@settings(max_examples=60, deadline=None)
@given(model_operations)
def test_value_series_agrees_with_the_vault_model(ops: list[tuple[str, int]]) -> None:
    schedule = Schedule((Tier(0, 500, 2_000),), (Commitment(0, 0),))
    model = vmod.VaultModel(schedule, now=T0, max_round_bps=2_000, max_at_stake_bps=9_500)
    events: list[PortfolioEvent] = []
    for name, arg in [("deposit", 100), ("stake", 50), *ops]:
        model.now += DAY if name != "checkpoint" else YEAR
        now = model.now
        lots = sorted(model.lots)
        fees_before, applied_before = model.fees_owed, model.applied_count
        if name == "deposit":
            lot_id = model.deposit("u", arg * NMR, 0)
            events.append(DepositEvent(now, "V", lot_id, arg * NMR, model.lots[lot_id].entry_seq))
        elif name == "stake":
            amount = model.stake_ceiling() * arg // 100
            if amount > 0:
                model.stake(amount)
        elif name == "settle" and model.applied_count < model.stake_count:
            seq = model.applied_count + 1
            staked = model.seqs[seq - 1].amount
            done = model.record(seq, staked + staked * arg // 100)
            events += [
                IndexEvent(now, "V", j, model.index[j])
                for j in range(applied_before + 1, model.applied_count + 1)
            ]
            events += _fulfilled(done, now)
        elif name == "checkpoint" and lots:
            lot_id = lots[arg % len(lots)]
            if model.state(lot_id) in (vmod.PENDING, vmod.JOINED, vmod.ACTIVE):
                model.checkpoint(lot_id)
                if model.fees_owed > fees_before:
                    events.append(FeeEvent(now, "V", lot_id, model.fees_owed - fees_before))
        elif name == "exit" and lots:
            lot_id = lots[arg % len(lots)]
            if model.state(lot_id) in (vmod.JOINED, vmod.ACTIVE):
                exit_seq = model.request_exit("u", lot_id)
                if model.fees_owed > fees_before:
                    events.append(FeeEvent(now, "V", lot_id, model.fees_owed - fees_before))
                events.append(ExitRequestEvent(now, "V", lot_id, exit_seq))
        elif name == "fulfil":
            events += _fulfilled(model.fulfill(50), now)
    expected = sum(model.lot_value(lot_id) for lot_id in model.lots)
    points = value_series(events)
    replayed = points[-1].value if points else 0
    # The model rounds units down at every step; the replay is exact until the last floor.
    assert expected <= replayed + 1
    assert replayed - expected <= 4 * (len(events) + 1)


# ---------------------------------------------------------------- CSV export


def test_csv_rows_have_iso_dates_and_exact_amounts() -> None:
    events: list[PortfolioEvent] = [
        IndexEvent(T0 + DAY, "A", 1, RAY),
        DepositEvent(T0, "A", 1, 1_500_000_000_000_000_001, entry_seq=0),
        FeeEvent(T0 + 2 * DAY, "A", 1, 1),
        ExitRequestEvent(T0 + 3 * DAY, "A", 1, exit_seq=3),
        ExitFulfilledEvent(T0 + 4 * DAY, "A", 1, 2 * NMR, profit_fee=NMR // 4),
        ClaimEvent(T0 + 5 * DAY, "A", 2 * NMR),
    ]
    lot = make_lot(value=0, principal=3 * NMR, returned=2 * NMR, fees_accrued=0,
                   state=LotState.CLOSED)
    rows = csv_rows(events, [lot], as_of=T0 + 6 * DAY)
    assert rows[0] == CSV_HEADER
    assert rows[1] == (
        "2026-01-01T00:00:00Z", "deposit", "A", "1", "1.500000000000000001",
        "joins from sequence 1",
    )
    assert rows[2] == ("2026-01-03T00:00:00Z", "fee", "A", "1", "0.000000000000000001", "")
    assert rows[3][1] == "exit_requested" and rows[3][4] == ""
    assert rows[4][1:5] == ("exit_fulfilled", "A", "1", "2")
    assert "0.25 NMR" in rows[4][5]
    assert rows[5] == ("2026-01-06T00:00:00Z", "claim", "A", "", "2", "")
    assert [row[1] for row in rows[6:]] == ["value", "fees_accrued", "pnl"]
    assert rows[8][4] == "-1"
    assert all(len(row) == len(CSV_HEADER) for row in rows)


def test_text_helpers() -> None:
    assert iso_date(0) == "1970-01-01T00:00:00Z"
    assert nmr_text(1_234_000 * NMR) == "1234000"
    assert nmr_text(-1) == "-0.000000000000000001"
