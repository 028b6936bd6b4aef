"""Pure parts of the services: the row codec, fee ranges, stakers from events, the diff,
payout scores, returns and diversification in a merge, and the block-keyed event store."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from numerbay_desktop.core.analytics import DAY
from numerbay_desktop.numerai.models import SubmissionScore
from numerbay_desktop.services.marketplace import (
    ChainView,
    MarketplaceService,
    diff,
    fee_range,
    stakers,
)
from numerbay_desktop.services.model_stats import StatsResult, payout_scores
from numerbay_desktop.services.models import (
    CommitmentOption,
    FeeRange,
    MarketRow,
    MarketSnapshot,
    ModelStats,
    TierTerms,
    from_json,
    to_json,
    visible_rows,
)
from numerbay_desktop.services.vault_events import REORG_MARGIN, EventStore, VaultEvent
from numerbay_desktop.store.cache import Cache

RAY = 10**27
VAULT = "0x00000000000000000000000000000000000000A1"


def _event(name: str, block: int, **args: Any) -> VaultEvent:
    return VaultEvent(name, VAULT, args, block, 0, "0x" + "ab" * 32)


def _row(**changes: Any) -> MarketRow:
    base = MarketRow(
        kind="vault", model_name="alpha", vault=VAULT, total_assets=10**21,
        tiers=(TierTerms(0, 200, 2_000),), commitments=(CommitmentOption(0, 0),),
        fee_range=FeeRange(100, 200, 1_000, 2_000), return_3m=Fraction(-1, 3),
        sparkline=(0.0, 0.5, 1.0),
        stats=ModelStats(numerai_model_id="x", coverage=Fraction(9, 10), consistency=71.5,
                         payout_scores=((1, 0.01), (2, -0.02))),
    )
    return dataclasses.replace(base, **changes)


def test_rows_survive_the_json_codec() -> None:
    snapshot = MarketSnapshot(rows=(_row(), _row(kind="model", vault=None, model_name="b",
                                                 total_assets=None, stats=None)),
                              block_number=7, chain_time=1_700_000_000, fetched_at=1.5,
                              numerai_error="down")
    assert from_json(MarketSnapshot, to_json(snapshot)) == snapshot


@given(st.integers(0, 10**30), st.fractions(), st.none() | st.floats(allow_nan=False,
                                                                     allow_infinity=False))
def test_codec_keeps_exact_values(total: int, ret: Fraction, score: float | None) -> None:
    row = _row(total_assets=total, return_1y=ret, diversification=score)
    assert from_json(MarketRow, to_json(row)) == row


def test_fee_range_applies_the_commitment_discounts() -> None:
    tiers = [TierTerms(0, 200, 2_000), TierTerms(10**21, 100, 1_000)]
    commitments = [CommitmentOption(0, 0), CommitmentOption(90 * DAY, 5_000)]
    assert fee_range(tiers, commitments) == FeeRange(50, 200, 500, 2_000)
    assert fee_range([], commitments) is None


def test_stakers_count_accounts_with_open_lots() -> None:
    events = [
        _event("Deposit", 1, owner="0xA", lot_id=1),
        _event("Deposit", 2, owner="0xB", lot_id=2),
        _event("Deposit", 3, owner="0xa", lot_id=3),  # same account, other case
        _event("ExitFulfilled", 4, owner="0xB", lot_id=2),
        _event("Deposit", 5, owner="0xC", lot_id=4),
        _event("DepositCancelled", 6, owner="0xC", lot_id=4),
    ]
    assert stakers(events) == 1
    assert stakers(events[:2]) == 2


def test_diff_names_added_removed_and_changed_figures() -> None:
    old = MarketSnapshot((_row(), _row(vault="0xB", model_name="beta")), 1, 0, 0.0)
    new = MarketSnapshot(
        (_row(total_assets=1, sparkline=(1.0,)), _row(vault="0xC", model_name="c")), 2, 0, 0.0
    )
    changes = {(c.key, c.change): c.fields for c in diff(old, new)}
    assert changes == {(VAULT, "changed"): ("total_assets",), ("0xC", "added"): (),
                       ("0xB", "removed"): ()}
    assert diff(None, old) and all(c.change == "added" for c in diff(None, old))
    assert diff(old, old) == ()


def test_visible_rows_hide_candidates_and_models_unless_asked() -> None:
    snap = MarketSnapshot((_row(), _row(kind="candidate", vault="0xB"),
                           _row(kind="model", vault=None, model_name="m")), 1, 0, 0.0)
    assert [r.kind for r in visible_rows(snap)] == ["vault"]
    assert len(visible_rows(snap, include_candidates=True, include_models=True)) == 3
    assert snap.rows[2].greyed and snap.rows[2].key == "model:m"


def _score(round_number: int, name: str, value: float | None, resolved: bool = True) -> Any:
    return SubmissionScore.model_validate(
        {"roundNumber": round_number, "displayName": name, "value": value,
         "resolved": resolved})


def test_payout_scores_weigh_corr_and_mmc_of_resolved_rounds() -> None:
    rows = [
        _score(1, "v2_corr20", 0.02), _score(1, "mmc", 0.01), _score(1, "tc", 0.5),
        _score(2, "v2_corr20", 0.03),  # no mmc: not scored
        _score(3, "v2_corr20", 0.04, resolved=False), _score(3, "mmc", 0.0, resolved=False),
    ]
    assert payout_scores(rows) == {1: pytest.approx(0.5 * 0.02 + 2 * 0.01)}


class _NoNetwork:
    class network:  # the attribute shape MarketplaceService reads
        factory = "0x00000000000000000000000000000000000000F1"
        chain_id = 31337
        name = "devnet"

        @staticmethod
        def require_factory() -> str:
            return "0x00000000000000000000000000000000000000F1"


def _info(name: str, index: int) -> dict[str, Any]:
    return {
        "model_name": name, "model_id": b"\x00" * 32, "owner": VAULT, "registered": True,
        "total_assets": 5 * 10**20, "idle": 10**20, "at_stake": 4 * 10**20,
        "exposed_value": 4 * 10**20, "capacity": 10**21, "min_deposit": 10**18,
        "paused": False, "shut_down": False, "stalled": False, "stake_count": 3,
        "applied_count": 2, "index_ray": index, "queue_length": 0, "pending_eta": 0,
    }


def test_merge_computes_returns_sparkline_and_diversification() -> None:
    market = MarketplaceService(_NoNetwork())  # type: ignore[arg-type]
    t0 = 1_700_000_000
    settled = [
        _event("RoundSettled", i, timestamp=t0 + i * 7 * DAY, index_ray=RAY + i * RAY // 100)
        for i in range(60)  # weekly for 59 weeks: a year and more
    ]
    second = "0x00000000000000000000000000000000000000B2"
    view = ChainView(
        block_number=99, chain_time=t0 + 420 * DAY, lens="0xL", vaults=(VAULT, second),
        infos={VAULT: _info("alpha", settled[-1].args["index_ray"]), second: _info("beta", RAY)},
        schedules={VAULT: ((TierTerms(0, 200, 2_000),), (CommitmentOption(0, 0),))},
        events={VAULT: settled}, http_requests=3,
    )
    rounds = range(1, 41)
    scores = {"alpha": {r: float(r % 7) for r in rounds},
              "beta": {r: float(r % 7) for r in rounds}}
    stats = StatsResult({"alpha": ModelStats(), "beta": ModelStats()}, (), scores, None, 1.0)
    snapshot = market.merge(view, stats, {second: 10**20})
    alpha, beta = snapshot.rows
    last = settled[-1].args["index_ray"]
    at_13_weeks = settled[-14].args["index_ray"]  # 91 days = 13 weeks before the last
    assert alpha.return_3m == Fraction(last, at_13_weeks) - 1
    # 365 days is 52 weeks and a day: the start is the last point at least that earlier.
    assert alpha.return_1y == Fraction(last, settled[-54].args["index_ray"]) - 1
    assert alpha.return_since_start == Fraction(last, RAY) - 1
    assert alpha.sparkline[0] == 0.0 and alpha.sparkline[-1] == 1.0
    assert len(alpha.sparkline) == 32 and alpha.settled_rounds == 60
    assert beta.return_3m is None and beta.sparkline == ()
    # alpha's scores move exactly with beta's, which is all the user holds.
    assert alpha.diversification == pytest.approx(0.0)
    assert alpha.fee_range == FeeRange(200, 200, 2_000, 2_000)
    assert alpha.capacity_left == 5 * 10**20
    assert "RoundSettled" in (snapshot.source_of(alpha, "return_3m") or "")
    assert "0xL" in (snapshot.source_of(alpha, "total_assets") or "")
    assert snapshot.source_of(beta, "return_3m") is not None


def test_event_store_rereads_a_reorg_margin_and_replaces_it(tmp_path: Path) -> None:
    cache = Cache(tmp_path / "c.sqlite3")
    store = EventStore(cache, "k", start_block=10)
    assert store.next_range(500) == (10, 500)
    store.merge(10, 500, [_event("Deposit", 100, lot_id=1), _event("Deposit", 490, lot_id=2)])
    again = EventStore(cache, "k", start_block=10)  # from SQLite
    assert again.cursor == 500 and len(again.events) == 2
    start, end = again.next_range(600)
    assert (start, end) == (501 - REORG_MARGIN, 600)
    # The block-490 deposit was reorged away; a new one landed at 550.
    again.merge(start, end, [_event("Deposit", 550, lot_id=3)])
    assert [e.args["lot_id"] for e in again.events] == [1, 3]


def test_event_store_rescans_when_the_chain_went_backwards(tmp_path: Path) -> None:
    store = EventStore(Cache(tmp_path / "c.sqlite3"), "k", start_block=5)
    store.merge(5, 900, [_event("Deposit", 800, lot_id=1)])
    assert store.next_range(700) == (5, 700)  # e.g. a devnet reverted to a snapshot
    store.merge(5, 700, [])
    assert store.events == [] and store.cursor == 700
