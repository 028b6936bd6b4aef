"""A synthetic Numerai Classic tournament, deterministic from a seed and a function of a clock.

Scores are drawn once, for every (metric, model, round), from shared latent factors: a market
factor every model feels and one factor per cluster, so models of a cluster are correlated.
Styles shape the rest: consistent models have a positive mean and low volatility, drifting
ones a mean that moves over the months, skippers miss rounds. What a caller sees depends on
`now` (seconds): a round's submissions appear when it opens, its scores day by day while it is
scored, and reputation, ranks and returns as rounds resolve. So the tournament can follow a
chain's block timestamps and move when the chain's clock moves.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from numerbay_desktop.devnet.local_numerai.calendar import (
    ABS_CUTOVER_ROUND,
    CONCURRENT_ROUNDS,
    SCORING_DAYS,
    Calendar,
)
from numerbay_desktop.devnet.local_numerai.population import Account, Model, build_population

# Score names as Numerai displays them.
METRICS = ("v2_corr20", "corr60", "corj60", "mmc", "mmc60", "tc", "fnc_v3", "bmc")
METRIC_INDEX = {name: i for i, name in enumerate(METRICS)}
REP_WINDOW = 60  # rounds averaged into a reputation
WAD = 10**18


def payout_multipliers(round_number: int) -> tuple[tuple[str, Decimal], ...]:
    """The round's payout configuration: which scores pay, and how much."""
    if round_number < ABS_CUTOVER_ROUND:
        return (("v2_corr20", Decimal("0.5")), ("mmc", Decimal("2")))
    return (("corr60", Decimal("3")), ("mmc60", Decimal("15")))


@dataclass(frozen=True)
class ModelReturns:
    one_day: float
    thirteen_weeks: float
    fifty_two_weeks: float


class Tournament:
    """All scores, reputations, ranks and returns of the simulated tournament."""

    def __init__(
        self,
        seed: int = 0,
        *,
        n_models: int = 40,
        n_accounts: int = 15,
        first_round: int = 1040,
        n_rounds: int = 760,
        calendar: Calendar | None = None,
    ) -> None:
        self.seed = seed
        self.calendar = calendar or Calendar()
        self.first_round = first_round
        self.n_rounds = n_rounds
        self.accounts, self.models = build_population(
            seed, n_models, n_accounts, first_round, n_rounds
        )
        self.account_by_name: dict[str, Account] = {a.username: a for a in self.accounts}
        self.model_by_id: dict[str, Model] = {m.id: m for m in self.models}
        self.model_by_name: dict[str, Model] = {m.name: m for m in self.models}
        self._namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"numerbay-sim:{seed}")
        self.scores = self._draw_scores()  # (metric, model, round); NaN: no submission
        self.returns = self._round_returns()  # (model, round); 0 without a submission
        self.reps = self._reputations()  # (metric, model, round) as of each round's resolution
        self.ranks = self._ranks()  # (metric, model, round); 0: unranked
        self.percentiles = self._percentiles()  # (metric, model, round) among submitters
        # Running sums of round returns with a leading 0, for O(1) window returns.
        self.cum_returns = np.pad(np.cumsum(self.returns, axis=1), ((0, 0), (1, 0)))

    # ---------------------------------------------------------------- generation
    def _draw_scores(self) -> np.ndarray:
        rng = np.random.default_rng([self.seed, 0x5C0E])
        n, r = len(self.models), self.n_rounds
        styles = np.array([m.style for m in self.models])
        clusters = np.array([m.cluster for m in self.models])
        n_clusters = int(clusters.max()) + 1 if (clusters >= 0).any() else 0
        factors = rng.standard_normal((1 + n_clusters, r))

        mu = rng.normal(0.008, 0.007, n)
        sigma = rng.uniform(0.014, 0.032, n)
        consistent = styles == "consistent"
        mu[consistent] = np.abs(mu[consistent]) + 0.006
        sigma[consistent] *= 0.55
        progress = np.linspace(-0.5, 0.5, r)
        drift = np.zeros(n)
        down, up = styles == "drifting_down", styles == "drifting_up"
        drift[down] = -rng.uniform(0.02, 0.035, down.sum())
        drift[up] = rng.uniform(0.02, 0.035, up.sum())
        mean = mu[:, None] + drift[:, None] * progress[None, :]

        market = rng.uniform(0.3, 0.55, n)
        loading = np.where(clusters >= 0, rng.uniform(0.6, 0.75, n), 0.0)
        idio = np.sqrt(np.clip(1.0 - market**2 - loading**2, 0.05, None))
        cluster_rows = factors[1 + np.maximum(clusters, 0)] if n_clusters else np.zeros((n, r))
        shock = (
            market[:, None] * factors[0][None, :]
            + loading[:, None] * cluster_rows
            + idio[:, None] * rng.standard_normal((n, r))
        )
        corr20 = mean + sigma[:, None] * shock
        corr60 = 0.7 * corr20 + 0.3 * (mean + sigma[:, None] * rng.standard_normal((n, r)))
        corj60 = 0.92 * corr60 + 0.004 * rng.standard_normal((n, r))
        # Crowded clusters earn less for being unique; independents earn more.
        crowd = np.where(clusters >= 0, -0.002, 0.003)
        mmc_mean = 0.25 * (mean - 0.008) + crowd[:, None] + rng.normal(0.001, 0.002, n)[:, None]
        mmc = mmc_mean + 0.35 * sigma[:, None] * (
            0.5 * idio[:, None] * shock - 0.3 * cluster_rows + rng.standard_normal((n, r))
        )
        mmc60 = 0.7 * mmc + 0.3 * (mmc_mean + 0.3 * sigma[:, None] * rng.standard_normal((n, r)))
        tc = 1.8 * mmc + 0.015 * rng.standard_normal((n, r))
        fnc = 0.6 * corr20 + 0.008 * rng.standard_normal((n, r))
        bmc = 0.8 * mmc + 0.003 * rng.standard_normal((n, r))
        scores = np.round(np.stack([corr20, corr60, corj60, mmc, mmc60, tc, fnc, bmc]), 6)

        rounds = self.first_round + np.arange(r)
        skip_p = np.where(styles == "skipper", rng.uniform(0.2, 0.4, n), 0.02)
        missing = rng.random((n, r)) < skip_p[:, None]
        starts = np.array([m.start_round for m in self.models])
        missing |= rounds[None, :] < starts[:, None]
        scores[:, missing] = np.nan
        return scores

    def _round_returns(self) -> np.ndarray:
        out = np.zeros(self.scores.shape[1:])
        for era_start, era_end in self._eras():
            cols = slice(era_start - self.first_round, era_end - self.first_round)
            total = np.zeros_like(out[:, cols])
            for metric, multiplier in payout_multipliers(era_start):
                total += float(multiplier) * self.scores[METRIC_INDEX[metric], :, cols]
            out[:, cols] = np.nan_to_num(np.clip(total, -1.0, 1.0))
        return out

    def _eras(self) -> list[tuple[int, int]]:
        last = self.first_round + self.n_rounds
        cut = min(max(ABS_CUTOVER_ROUND, self.first_round), last)
        return [(a, b) for a, b in ((self.first_round, cut), (cut, last)) if b > a]

    def _reputations(self) -> np.ndarray:
        present = ~np.isnan(self.scores)
        sums = np.cumsum(np.nan_to_num(self.scores), axis=2)
        counts = np.cumsum(present, axis=2)
        pad = ((0, 0), (0, 0), (REP_WINDOW, 0))
        sums = sums - np.pad(sums, pad)[:, :, : self.n_rounds]
        counts = counts - np.pad(counts, pad)[:, :, : self.n_rounds]
        with np.errstate(invalid="ignore", divide="ignore"):
            reps = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        return np.round(reps, 6)

    def _ranks(self) -> np.ndarray:
        filled = np.where(np.isnan(self.reps), -np.inf, self.reps)
        order = np.argsort(-filled, axis=1, kind="stable")
        ranks = np.empty_like(order)
        positions = np.arange(1, filled.shape[1] + 1)[None, :, None]
        np.put_along_axis(ranks, order, np.broadcast_to(positions, order.shape), axis=1)
        return np.where(np.isnan(self.reps), 0, ranks)

    def _percentiles(self) -> np.ndarray:
        missing = np.isnan(self.scores)
        filled = np.where(missing, np.inf, self.scores)
        order = np.argsort(filled, axis=1, kind="stable")
        below = np.empty_like(order)
        positions = np.arange(filled.shape[1])[None, :, None]
        np.put_along_axis(below, order, np.broadcast_to(positions, order.shape), axis=1)
        valid = (~missing).sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = below / np.maximum(valid - 1, 1)
        return np.where(missing, np.nan, np.round(share, 6))

    # ---------------------------------------------------------------- rounds
    def has_round(self, number: int) -> bool:
        return self.first_round <= number < self.first_round + self.n_rounds

    def round_id(self, number: int) -> str:
        return str(uuid.uuid5(self._namespace, f"round-{number}"))

    def opened_rounds(self, now: float) -> range:
        """Rounds of the simulation that have opened by `now`, oldest first."""
        last = min(self.calendar.current_round(now), self.first_round + self.n_rounds - 1)
        return range(self.first_round, last + 1)

    # ---------------------------------------------------------------- models
    def models_of(self, username: str) -> list[Model]:
        return [m for m in self.models if m.username == username]

    def submitted(self, model_id: str, round_number: int) -> bool:
        if not self.has_round(round_number):
            return False
        index = self.model_by_id[model_id].index
        return not np.isnan(self.scores[0, index, round_number - self.first_round])

    def submission_id(self, model_id: str, round_number: int) -> str:
        return str(uuid.uuid5(uuid.UUID(model_id), f"submission-{round_number}"))

    def submissions(self, model_id: str, now: float) -> list[int]:
        """Round numbers the model has submitted to by `now`, newest first."""
        index = self.model_by_id[model_id].index
        opened = self.opened_rounds(now)
        present = ~np.isnan(self.scores[0, index, : len(opened)])
        return [opened[i] for i in np.flatnonzero(present)[::-1]]

    def find_submission(self, submission_id: str, now: float) -> tuple[Model, int] | None:
        """The model and round of a submission visible at `now`."""
        for model in self.models:
            ns = uuid.UUID(model.id)
            for number in self.submissions(model.id, now)[:CONCURRENT_ROUNDS]:
                if str(uuid.uuid5(ns, f"submission-{number}")) == submission_id:
                    return model, number
        return None

    # ---------------------------------------------------------------- scores
    def final_score(self, model_id: str, round_number: int, metric: str) -> float | None:
        if not self.has_round(round_number):
            return None
        index = self.model_by_id[model_id].index
        value = self.scores[METRIC_INDEX[metric], index, round_number - self.first_round]
        return None if np.isnan(value) else float(value)

    def score_at(
        self, model_id: str, round_number: int, metric: str, now: float, day: int | None = None
    ) -> tuple[float, int] | None:
        """The daily score of `day` (default: the latest at `now`; day 20 is the final one)."""
        final = self.final_score(model_id, round_number, metric)
        latest = self.calendar.scoring_day(round_number, now)
        day = latest if day is None else day
        if final is None or not 1 <= day <= latest:
            return None
        index = self.model_by_id[model_id].index
        col = round_number - self.first_round
        prior = self.reps[METRIC_INDEX[metric], index, max(col - 1, 0)]
        prior = 0.0 if np.isnan(prior) else float(prior)
        if day == SCORING_DAYS:
            return final, day
        weight = day / SCORING_DAYS  # intra-round scores converge on the final one
        return round(prior + (final - prior) * weight, 6), day

    def percentile(self, model_id: str, round_number: int, metric: str) -> float | None:
        """Share of the round's submitters with a lower final score (0 worst, 1 best)."""
        col = round_number - self.first_round
        value = self.percentiles[METRIC_INDEX[metric], self.model_by_id[model_id].index, col]
        return None if np.isnan(value) else float(value)

    def round_return(self, round_number: int, model_id: str) -> Decimal:
        """clip(sum(score * multiplier), -1, 1) as an exact decimal (0 without a submission)."""
        total = Decimal(0)
        for metric, multiplier in payout_multipliers(round_number):
            score = self.final_score(model_id, round_number, metric)
            if score is None:
                return Decimal(0)
            total += Decimal(f"{score:.6f}") * multiplier
        return min(max(total, Decimal(-1)), Decimal(1))

    def round_return_wad(self, round_number: int, model_id: str) -> int:
        """The round's return for the model in wad (1e18 = 100 %), what the resolver settles."""
        return int(self.round_return(round_number, model_id) * WAD)

    # ---------------------------------------------------------------- reputation
    def resolved_column(self, now: float) -> int | None:
        """Column of the latest resolved round at `now`, None before the first resolves."""
        col = self.calendar.latest_resolved_round(now) - self.first_round
        if col < 0:
            return None
        return min(col, self.n_rounds - 1)

    def rep(self, model_id: str, metric: str, col: int) -> float | None:
        value = self.reps[METRIC_INDEX[metric], self.model_by_id[model_id].index, col]
        return None if np.isnan(value) else float(value)

    def rank(self, model_id: str, metric: str, col: int) -> int | None:
        value = int(self.ranks[METRIC_INDEX[metric], self.model_by_id[model_id].index, col])
        return value or None

    def returns_at(self, model_id: str, col: int) -> ModelReturns:
        """Stake returns in percent over 1 day, 13 and 52 weeks of resolutions before `col`.

        Each round carries 1/64 of the stake, so the model's return over a window is the sum
        of its round returns divided by 64.
        """
        cum = self.cum_returns[self.model_by_id[model_id].index]
        scale = 100.0 / CONCURRENT_ROUNDS

        def window(rounds: int) -> float:
            return round(float(cum[col + 1] - cum[max(col + 1 - rounds, 0)]) * scale, 4)

        return ModelReturns(window(1), window(91), window(364))

    def leaderboard(self, now: float) -> list[Model]:
        """Active models ordered by CORR20 v2 reputation (best first)."""
        col = self.resolved_column(now)
        if col is None:
            return []
        reps = self.reps[METRIC_INDEX["v2_corr20"], :, col]
        ranked = [m for m in self.models if not np.isnan(reps[m.index])]
        return sorted(ranked, key=lambda m: (-reps[m.index], m.name))
