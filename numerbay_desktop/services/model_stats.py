"""Numerai's side of a marketplace row: reputation, per-round payout scores, consistency.

Three batched requests for any number of models, sent together: the leaderboard (every
ranked model's reputations, one request), the submission scores of the vaults' models
(aliases, `batch_size` models per request) and the recent rounds (for submission coverage).
A failing request leaves its figures empty and is stated in `error`; it never stops the rows.

Payout score of a resolved round = 0.5 × v2_corr20 + 2 × mmc (Numerai's classic payout
weights; `PAYOUT_WEIGHTS`). Consistency, dispersion, drift and diversification use it.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from numerbay_desktop.core import analytics
from numerbay_desktop.numerai.client import NumeraiClient
from numerbay_desktop.numerai.errors import NumeraiError
from numerbay_desktop.numerai.models import LeaderboardEntry, RoundInfo, SubmissionScore
from numerbay_desktop.services.models import MarketRow, ModelStats

PAYOUT_WEIGHTS: tuple[tuple[str, float], ...] = (("v2_corr20", 0.5), ("mmc", 2.0))
LEADERBOARD_LIMIT = 10_000

SOURCES: dict[str, str] = {
    "corr_rep": "Numerai v2Leaderboard.corr20V2Rep",
    "mmc_rep": "Numerai v2Leaderboard.mmcRep",
    "rank": "Numerai v2Leaderboard.rank",
    "nmr_staked": "Numerai v2Leaderboard.nmrStaked",
    "numerai_return_3m": "Numerai v2Leaderboard.return13Weeks",
    "numerai_return_1y": "Numerai v2Leaderboard.return52Weeks",
    "consistency": "Numerai submissionScores (0.5 v2_corr20 + 2 mmc per resolved round) and "
    "rounds → core.analytics.consistency: " + analytics.DEFINITIONS["consistency"],
    "diversification": "Numerai submissionScores → core.analytics.diversification_scores: "
    + analytics.DEFINITIONS["diversification"],
}


@dataclass(frozen=True)
class StatsResult:
    stats: dict[str, ModelStats]  # by lowercase model name
    leaderboard: tuple[LeaderboardEntry, ...] = ()
    scores: dict[str, dict[int, float]] = field(default_factory=dict)  # name -> round -> payout
    error: str | None = None
    fetched_at: float = 0.0
    greyed_rows: tuple[MarketRow, ...] = ()  # last known rows of models without a vault


def payout_scores(rows: Sequence[SubmissionScore]) -> dict[int, float]:
    """Round -> payout score over the resolved rounds having every weighted metric."""
    by_round: dict[int, dict[str, float]] = defaultdict(dict)
    for row in rows:
        if row.value is None or row.resolved is False:
            continue
        by_round[row.round_number][row.display_name] = row.value
    out: dict[int, float] = {}
    for number, metrics in by_round.items():
        if all(name in metrics for name, _ in PAYOUT_WEIGHTS):
            out[number] = sum(weight * metrics[name] for name, weight in PAYOUT_WEIGHTS)
    return out


async def _attempt(label: str, coro: Any, errors: list[str]) -> Any:
    try:
        return await coro
    except NumeraiError as error:
        errors.append(f"{label}: {error}")
        return None


async def fetch_stats(
    numerai: NumeraiClient,
    models: Mapping[str, str | None],
    *,
    last_n_rounds: int = 60,
) -> StatsResult:
    """Stats for `models` (name -> Numerai model id, None when unknown)."""
    errors: list[str] = []
    ids = sorted({mid for mid in models.values() if mid})
    board, scores, rounds = await asyncio.gather(
        _attempt("leaderboard", numerai.leaderboard(LEADERBOARD_LIMIT), errors),
        _attempt("scores", numerai.submission_scores(ids, last_n_rounds=last_n_rounds), errors)
        if ids else _none(),
        _attempt("rounds", numerai.rounds(last_n_rounds), errors),
    )
    board_rows: list[LeaderboardEntry] = board or []
    by_name = {entry.username.lower(): entry for entry in board_rows}
    score_rows: dict[str, list[SubmissionScore]] = scores or {}
    open_rounds = [r.number for r in (rounds or []) if isinstance(r, RoundInfo)]
    stats: dict[str, ModelStats] = {}
    payouts: dict[str, dict[int, float]] = {}
    for name, model_id in models.items():
        key = name.lower()
        entry = by_name.get(key)
        rows = score_rows.get(model_id, []) if model_id else []
        payout = payout_scores(rows)
        payouts[key] = payout
        submitted = {row.round_number for row in rows}
        window = [n for n in open_rounds if n <= max(submitted, default=0)] or open_rounds
        summary = analytics.consistency(payout, submitted, window)
        stats[key] = ModelStats(
            numerai_model_id=model_id,
            corr_rep=entry.corr20_v2_rep if entry else None,
            mmc_rep=entry.mmc_rep if entry else None,
            rank=entry.rank if entry else None,
            nmr_staked=str(entry.nmr_staked) if entry and entry.nmr_staked is not None else None,
            numerai_return_3m=entry.return_13_weeks if entry else None,
            numerai_return_1y=entry.return_52_weeks if entry else None,
            scored_rounds=summary.scored_rounds,
            coverage=summary.coverage,
            hit_rate=summary.hit_rate,
            drift=summary.drift,
            dispersion=summary.dispersion,
            consistency=summary.score,
            payout_scores=tuple(sorted(payout.items())),
        )
    error = None
    if errors:
        error = "Numerai statistics are incomplete (" + "; ".join(errors) + ")."
    return StatsResult(stats, tuple(board_rows), payouts, error, time.time())


async def _none() -> None:
    return None
