"""The synthetic tournament: deterministic, plausible, on Numerai's calendar, exact returns."""

from __future__ import annotations

import uuid
from decimal import Decimal

import numpy as np
import pytest

from numerbay_desktop.devnet.local_numerai.calendar import (
    ABS_CUTOVER_OPEN,
    ABS_CUTOVER_ROUND,
    Calendar,
)
from numerbay_desktop.devnet.local_numerai.round_driver import RoundDriver
from numerbay_desktop.devnet.local_numerai.tournament import (
    METRIC_INDEX,
    WAD,
    Tournament,
    payout_multipliers,
)

NOW = ABS_CUTOVER_OPEN + 90 * 86_400 + 3_600  # round 1433, an hour after it opened


@pytest.fixture(scope="module")
def tour() -> Tournament:
    return Tournament(seed=7)


def test_same_seed_same_tournament_other_seed_differs(tour: Tournament) -> None:
    again = Tournament(seed=7)
    other = Tournament(seed=8)
    assert [m.id for m in again.models] == [m.id for m in tour.models]
    assert np.array_equal(again.scores, tour.scores, equal_nan=True)
    assert [a.api_keys[0].secret for a in again.accounts] == [
        a.api_keys[0].secret for a in tour.accounts
    ]
    assert [m.id for m in other.models] != [m.id for m in tour.models]


def test_population_shape_and_ids(tour: Tournament) -> None:
    assert len(tour.models) == 40 and len(tour.accounts) == 15
    assert len({m.name for m in tour.models}) == 40
    for model in tour.models:
        assert uuid.UUID(model.id).version == 4
        assert model.username in tour.account_by_name
    styles = {m.style for m in tour.models}
    assert {"consistent", "skipper"} <= styles
    assert any(m.style.startswith("drifting") for m in tour.models)
    keys = [k for a in tour.accounts for k in a.api_keys]
    assert len({k.public_id for k in keys}) == len(keys)
    assert any("web3_staking" not in k.scopes for k in keys)
    assert all(len(k.public_id) == 32 and len(k.secret) == 64 for k in keys)


def test_calendar_follows_numerais_daily_rounds() -> None:
    cal = Calendar()
    assert cal.current_round(ABS_CUTOVER_OPEN) == ABS_CUTOVER_ROUND
    assert cal.current_round(ABS_CUTOVER_OPEN - 1) == ABS_CUTOVER_ROUND - 1
    assert cal.current_round(NOW) == ABS_CUTOVER_ROUND + 90
    times = cal.times(1400)
    assert times.open_time < times.close_staking_time < times.score_time < times.resolve_time
    assert 28 <= (times.resolve_time - times.open_time) / 86_400 <= 35
    assert cal.status(1400, times.open_time) == "OPEN"
    assert cal.status(1400, times.close_staking_time) == "RESOLVING"
    assert cal.status(1400, times.resolve_time) == "RESOLVED"
    assert cal.scoring_day(1400, times.score_time) == 1
    assert cal.scoring_day(1400, times.resolve_time) == 20
    fast = Calendar(round_seconds=60)  # compressed: everything scales together
    assert fast.times(1400).resolve_time - fast.times(1400).open_time == 33 * 60


def test_scores_are_plausible_and_clustered(tour: Tournament) -> None:
    corr = tour.scores[METRIC_INDEX["v2_corr20"]]
    present = corr[~np.isnan(corr)]
    assert present.min() > -0.2 and present.max() < 0.2
    assert 0.0 < present.mean() < 0.03
    # Models of one cluster are more correlated with each other than with the rest.
    clusters: dict[int, list[int]] = {}
    for m in tour.models:
        if m.cluster >= 0:
            clusters.setdefault(m.cluster, []).append(m.index)
    members = max(clusters.values(), key=len)
    outsiders = [m.index for m in tour.models if m.cluster == -1]
    full = np.nan_to_num(corr)
    within = np.corrcoef(full[members[0]], full[members[1]])[0, 1]
    across = np.mean([np.corrcoef(full[members[0]], full[o])[0, 1] for o in outsiders])
    assert within > across + 0.2


def test_styles_shape_the_track_records(tour: Tournament) -> None:
    corr = tour.scores[METRIC_INDEX["v2_corr20"]]
    missing = np.isnan(corr).mean(axis=1)
    skippers = [m.index for m in tour.models if m.style == "skipper" and m.start_round == 1040]
    steady = [m.index for m in tour.models if m.style == "consistent" and m.start_round == 1040]
    assert skippers and steady
    assert min(missing[skippers]) > max(missing[steady])
    assert np.nanstd(corr[steady], axis=1).mean() < np.nanstd(corr, axis=1).mean()
    down = [m.index for m in tour.models if m.style == "drifting_down"]
    for i in down:
        half = tour.n_rounds // 2
        assert np.nanmean(corr[i, :half]) > np.nanmean(corr[i, half:])


def test_round_return_wad_is_exact_and_clipped(tour: Tournament) -> None:
    model = next(m for m in tour.models if tour.submitted(m.id, 1400))
    expected = Decimal(0)
    for metric, multiplier in payout_multipliers(1400):
        score = tour.final_score(model.id, 1400, metric)
        assert score is not None
        expected += Decimal(f"{score:.6f}") * multiplier
    expected = min(max(expected, Decimal(-1)), Decimal(1))
    assert tour.round_return_wad(1400, model.id) == int(expected * WAD)
    assert all(-WAD <= tour.round_return_wad(1400, m.id) <= WAD for m in tour.models)
    skipped = next(
        (m for m in tour.models for n in range(1343, 1450) if not tour.submitted(m.id, n)), None
    )
    assert skipped is not None
    # Returns change with the payout configuration at the cutover.
    assert payout_multipliers(ABS_CUTOVER_ROUND - 1) != payout_multipliers(ABS_CUTOVER_ROUND)


def test_visibility_follows_the_clock(tour: Tournament) -> None:
    model = tour.models[0]
    current = tour.calendar.current_round(NOW)
    visible = tour.submissions(model.id, NOW)
    assert visible and max(visible) <= current
    later = tour.submissions(model.id, NOW + 30 * 86_400)
    assert len(later) > len(visible)
    col_now = tour.resolved_column(NOW)
    assert col_now is not None and tour.resolved_column(NOW + 86_400) == col_now + 1
    number = visible[0]
    assert tour.score_at(model.id, number, "v2_corr20", NOW) is None  # not scored yet
    resolved_at = tour.calendar.times(number).resolve_time
    final = tour.score_at(model.id, number, "v2_corr20", resolved_at)
    assert final == (tour.final_score(model.id, number, "v2_corr20"), 20)


def test_reputation_ranks_and_returns(tour: Tournament) -> None:
    col = tour.resolved_column(NOW)
    assert col is not None
    board = tour.leaderboard(NOW)
    assert len(board) >= 35
    reps = [tour.rep(m.id, "v2_corr20", col) for m in board]
    assert reps == sorted(reps, reverse=True)
    assert tour.rank(board[0].id, "v2_corr20", col) == 1
    ranks = sorted(tour.rank(m.id, "mmc", col) or 0 for m in board)
    assert ranks == list(range(1, len(board) + 1))
    best = tour.returns_at(board[0].id, col)
    assert -100 < best.thirteen_weeks < 100 and -100 < best.fifty_two_weeks < 200


def test_a_thousand_models_generate_quickly() -> None:
    big = Tournament(seed=1, n_models=1000, n_accounts=300, n_rounds=400)
    assert len(big.models) == 1000 and len(big.model_by_name) == 1000


class FakeDesk:
    """Records what the driver asks of the staking desk."""

    def __init__(self) -> None:
        self.opened: list[tuple[int, int, int]] = []
        self.resolved: dict[int, dict[str, int]] = {}
        self.finalize_calls: list[int] = []

    def open_round(self, round_id: int, open_time: int, close_time: int) -> None:
        self.opened.append((round_id, open_time, close_time))

    def resolve_round(self, round_id: int, return_wad_by_model: dict[str, int]) -> dict[str, int]:
        assert round_id not in self.resolved
        self.resolved[round_id] = dict(return_wad_by_model)
        return {"roundId": round_id}

    def finalize_stale(self, now: int) -> list[int]:
        self.finalize_calls.append(now)
        return []

    def snapshot(self) -> object:
        return (list(self.opened), dict(self.resolved))

    def restore(self, snap: object) -> None:
        opened, resolved = snap  # type: ignore[misc]
        self.opened, self.resolved = list(opened), dict(resolved)


def test_round_driver_opens_and_resolves_on_the_chain_clock(tour: Tournament) -> None:
    desk = FakeDesk()
    driver = RoundDriver(tour, desk)
    start = tour.calendar.open_time(1400) + 60
    report = driver.tick(start)
    assert report.opened == [1400] and desk.opened[0][0] == 1400
    assert driver.tick(start + 10).opened == []  # idempotent
    assert driver.is_open_for_stakes(1400, start)
    snap = driver.snapshot()
    day = tour.calendar.round_seconds
    for k in range(1, 40):
        driver.tick(start + k * day)
    assert 1400 in desk.resolved and 1405 in desk.resolved
    wads = desk.resolved[1400]
    assert wads and all(tour.submitted(mid, 1400) for mid in wads)
    assert wads == {mid: tour.round_return_wad(1400, mid) for mid in wads}
    assert desk.finalize_calls
    driver.restore(snap)
    assert driver.opened == {1400} and not driver.resolved and desk.resolved == {}
