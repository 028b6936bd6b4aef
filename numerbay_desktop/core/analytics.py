"""Model and vault analytics for the marketplace and portfolio: pure, deterministic, cited.

Scores are Numerai's per-round floats (correlations), so their statistics are floats.
Anything that is money (NMR, fees) stays integer wei, and returns on money are exact
`Fraction`s computed from the vault's integer index, never floats.

Definitions (the verification panel cites these):

- **Payout score**: the per-round score a model is paid on (Numerai's payout score of a
  resolved round). Rounds without a finite score are ignored everywhere below.
- **Window**: the last `window` open rounds (by round number), default 100 (about five
  months of daily rounds).
- **Submission coverage** = rounds in the window with a submission / rounds open in the
  window (a `Fraction`; `None` when no round was open).
- **Hit rate** = scored rounds in the window with a payout score > 0 / scored rounds.
- **Dispersion** = population standard deviation of the payout scores in the window.
- **Drift** = (mean of the last `recent` scores − mean of the earlier scores in the window)
  / dispersion of all of them: an effect size, negative when the model got worse. `None`
  with fewer than `recent + min_rounds` scores; 0 when every score is equal.
- **Consistency score** (0–100) = 100 × (0.35 × coverage + 0.30 × hit rate
  + 0.20 × drift part + 0.15 × dispersion part), where drift part = 1 − min(1, max(0,
  −drift)) (only a decline costs, a decline of one dispersion or more costs all of it;
  unknown drift counts ½) and dispersion part = 1 / (1 + dispersion / 0.05). It rises with
  coverage and hit rate, never falls when drift rises, and never rises when dispersion rises.
  `None` when the model has fewer than `min_rounds` scores in the window.
- **Score correlation** = Pearson correlation of two models' payout scores over the rounds
  both have, `None` with fewer than `min_overlap` common rounds (default 20) or when
  either series is constant there. Always in [−1, 1] and symmetric.
- **Diversification** of a candidate against a portfolio = 1 − Σ wᵢ ρ(candidate, i) / Σ wᵢ
  over held models i with a known correlation, weighted by the stake value held (wei).
  A held model correlates 1 with itself. Range [0, 2]: 0 adds nothing new, 1 is
  uncorrelated, 2 moves exactly against the portfolio. An empty portfolio gives the
  maximum, 2; `None` when no held model has a known correlation with the candidate.
- **Vault return** over a window = G_end / G_start − 1 (a `Fraction`), where G is the
  vault's index (ray, 1e27) after each settled round, G_end the last point (at or before
  `as_of`) and G_start the last point at least the window earlier. `None` when the history
  is shorter than the window or G_start is 0. 3 months = 91 days, 1 year = 365 days.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from itertools import pairwise, repeat

from numerbay_desktop.core.errors import InvalidInput

DAY = 24 * 3600
THREE_MONTHS = 91 * DAY
ONE_YEAR = 365 * DAY

DEFAULT_WINDOW = 100
DEFAULT_RECENT = 20
DEFAULT_MIN_ROUNDS = 10
DEFAULT_MIN_OVERLAP = 20

COVERAGE_WEIGHT = 0.35
HIT_RATE_WEIGHT = 0.30
DRIFT_WEIGHT = 0.20
DISPERSION_WEIGHT = 0.15
DISPERSION_SCALE = 0.05  # a per-round standard deviation of 0.05 halves the dispersion part
UNKNOWN_DRIFT_PART = 0.5

DIVERSIFICATION_MAX = 2.0


# One sentence per figure, for the verification panel next to each number.
DEFINITIONS: dict[str, str] = {
    "coverage": "Rounds in the window with a submission, divided by the rounds open in it.",
    "hit_rate": "Share of the scored rounds in the window whose payout score is above 0.",
    "dispersion": "Population standard deviation of the payout scores in the window.",
    "drift": "Mean of the last 20 payout scores minus the mean of the earlier ones, "
    "divided by the dispersion; negative when the model got worse.",
    "consistency": "100 × (0.35 coverage + 0.30 hit rate + 0.20 drift part + 0.15 "
    "dispersion part); drift part = 1 − min(1, max(0, −drift)), dispersion part = "
    "1 / (1 + dispersion / 0.05).",
    "correlation": "Pearson correlation of two models' payout scores over their common "
    "rounds (at least 20).",
    "diversification": "1 − the stake-weighted mean correlation with the models you hold; "
    "0 adds nothing new, 1 is uncorrelated, 2 moves against your portfolio.",
    "return_3m": "The vault's index now divided by its index 91 days earlier, minus 1.",
    "return_1y": "The vault's index now divided by its index 365 days earlier, minus 1.",
    "allocation_drift": "Sum over vaults of |value − target × total| / (2 × total), total "
    "including idle NMR.",
}


# ---------------------------------------------------------------- score statistics


def finite_scores(scores: Mapping[int, float]) -> dict[int, float]:
    """The rounds whose score is a finite number (NaN, infinity and None are dropped)."""
    return {
        round_number: float(score)
        for round_number, score in scores.items()
        if isinstance(score, int | float) and math.isfinite(score)
    }


def mean(values: Sequence[float]) -> float:
    """Arithmetic mean with an exactly rounded sum; the sequence must not be empty."""
    return math.fsum(values) / len(values)


def dispersion(values: Sequence[float]) -> float:
    """Population standard deviation (0 for one value); the sequence must not be empty."""
    center = mean(values)
    return math.sqrt(math.fsum((value - center) ** 2 for value in values) / len(values))


def window_rounds(open_rounds: Iterable[int], window: int = DEFAULT_WINDOW) -> list[int]:
    """The last `window` distinct open round numbers, ascending."""
    if window < 1:
        raise InvalidInput("The window must hold at least one round.")
    return sorted(set(open_rounds))[-window:]


def submission_coverage(submitted: Iterable[int], open_rounds: Iterable[int]) -> Fraction | None:
    """Share of the open rounds that have a submission; `None` when no round was open."""
    opened = set(open_rounds)
    if not opened:
        return None
    return Fraction(len(opened.intersection(submitted)), len(opened))


def hit_rate(values: Sequence[float]) -> Fraction | None:
    """Share of the scores that are positive; `None` for no scores."""
    if not values:
        return None
    return Fraction(sum(1 for value in values if value > 0), len(values))


def drift(
    ordered: Sequence[float], recent: int = DEFAULT_RECENT, min_rounds: int = DEFAULT_MIN_ROUNDS
) -> float | None:
    """Recent mean minus earlier mean, in units of the dispersion of all the scores.

    `ordered` is in round order. `None` unless there are `recent` recent scores and at least
    `min_rounds` earlier ones.
    """
    if recent < 1 or len(ordered) < recent + max(min_rounds, 1):
        return None
    spread = dispersion(ordered)
    if spread == 0:
        return 0.0
    return (mean(ordered[-recent:]) - mean(ordered[:-recent])) / spread


def consistency_score(
    coverage: Fraction | float,
    hits: Fraction | float,
    drift_value: float | None,
    spread: float,
) -> float:
    """Combine the four measures into 0–100 (weights and parts in the module docstring)."""
    for name, share in (("coverage", coverage), ("hit rate", hits)):
        if not 0 <= share <= 1:
            raise InvalidInput(f"The {name} must be between 0 and 1.")
    if not math.isfinite(spread) or spread < 0:
        raise InvalidInput("The dispersion must be a finite number of at least 0.")
    if drift_value is None or math.isnan(drift_value):
        drift_part = UNKNOWN_DRIFT_PART
    else:
        drift_part = 1.0 - min(1.0, max(0.0, -drift_value))
    dispersion_part = 1.0 / (1.0 + spread / DISPERSION_SCALE)
    total = (
        COVERAGE_WEIGHT * float(coverage)
        + HIT_RATE_WEIGHT * float(hits)
        + DRIFT_WEIGHT * drift_part
        + DISPERSION_WEIGHT * dispersion_part
    )
    return min(100.0, max(0.0, 100.0 * total))


@dataclass(frozen=True)
class Consistency:
    """A model's consistency over its window; every figure is defined in the module docstring."""

    window_rounds: int  # open rounds in the window
    scored_rounds: int  # rounds in the window with a finite payout score
    coverage: Fraction | None
    mean: float | None
    hit_rate: Fraction | None
    dispersion: float | None
    drift: float | None
    score: float | None  # 0-100


def consistency(
    scores: Mapping[int, float],
    submitted: Iterable[int],
    open_rounds: Iterable[int],
    *,
    window: int = DEFAULT_WINDOW,
    recent: int = DEFAULT_RECENT,
    min_rounds: int = DEFAULT_MIN_ROUNDS,
) -> Consistency:
    """Consistency of one model from its payout scores (round -> score), the rounds it
    submitted to and the rounds that were open. Without open rounds, the scored rounds
    define the window (and coverage is then 1 by construction)."""
    clean = finite_scores(scores)
    rounds = window_rounds(list(open_rounds) or clean, window)
    submitted_set = set(submitted) | set(clean)  # a scored round had a submission
    in_window = [clean[r] for r in rounds if r in clean]
    coverage = submission_coverage(submitted_set, rounds)
    if not in_window:
        return Consistency(len(rounds), 0, coverage, None, None, None, None, None)
    hits = hit_rate(in_window)
    spread = dispersion(in_window)
    drift_value = drift(in_window, recent, min_rounds)
    score = None
    if len(in_window) >= min_rounds and coverage is not None and hits is not None:
        score = consistency_score(coverage, hits, drift_value, spread)
    return Consistency(
        len(rounds), len(in_window), coverage, mean(in_window), hits, spread, drift_value, score
    )


# ---------------------------------------------------------------- correlation, diversification


def score_correlation(
    first: Mapping[int, float],
    second: Mapping[int, float],
    min_overlap: int = DEFAULT_MIN_OVERLAP,
) -> float | None:
    """Pearson correlation over the rounds both models have a finite score for.

    `None` with fewer than `min_overlap` common rounds or a constant series; clamped to
    [−1, 1] against rounding; symmetric in its two arguments.
    """
    return _pearson(finite_scores(first), finite_scores(second), min_overlap)


def _pearson(a: Mapping[int, float], b: Mapping[int, float], min_overlap: int) -> float | None:
    """`score_correlation` on series already cleaned by `finite_scores`."""
    common = sorted(a.keys() & b.keys())
    if len(common) < max(min_overlap, 2):
        return None
    xs, ys = list(map(a.__getitem__, common)), list(map(b.__getitem__, common))
    if xs == ys:
        return 1.0 if dispersion(xs) > 0 else None
    # map() with operator functions keeps the per-round work in C: a marketplace page
    # correlates every vault with every holding.
    dx = list(map(operator.sub, xs, repeat(mean(xs))))
    dy = list(map(operator.sub, ys, repeat(mean(ys))))
    sxx = math.fsum(map(operator.mul, dx, dx))
    syy = math.fsum(map(operator.mul, dy, dy))
    if sxx == 0 or syy == 0:
        return None
    sxy = math.fsum(map(operator.mul, dx, dy))
    denominator = math.sqrt(sxx) * math.sqrt(syy)
    if not math.isfinite(denominator) or not math.isfinite(sxy):
        return None
    return max(-1.0, min(1.0, sxy / denominator))


def correlation_matrix(
    scores: Mapping[str, Mapping[int, float]], min_overlap: int = DEFAULT_MIN_OVERLAP
) -> dict[tuple[str, str], float | None]:
    """Correlation for every ordered pair of models (both orders hold the same value)."""
    names = sorted(scores)
    matrix: dict[tuple[str, str], float | None] = {}
    for i, left in enumerate(names):
        for right in names[i:]:
            value = score_correlation(scores[left], scores[right], min_overlap)
            matrix[(left, right)] = matrix[(right, left)] = value
    return matrix


def diversification_from_correlations(
    correlations: Mapping[str, float | None], holdings: Mapping[str, int]
) -> float | None:
    """1 − the stake-weighted mean correlation of a candidate with the held models.

    `correlations` maps each held model to its correlation with the candidate (`None` if
    unknown); `holdings` maps held models to the stake value held, in wei.
    """
    weighted = Fraction(0)
    weight = 0
    held = {model: value for model, value in holdings.items() if value > 0}
    if not held:
        return DIVERSIFICATION_MAX
    for model, value in held.items():
        rho = correlations.get(model)
        if rho is None or not math.isfinite(rho):
            continue
        weighted += value * Fraction(max(-1.0, min(1.0, rho)))
        weight += value
    if weight == 0:
        return None
    return float(1 - weighted / weight)


def diversification(
    candidate: str,
    holdings: Mapping[str, int],
    scores: Mapping[str, Mapping[int, float]],
    min_overlap: int = DEFAULT_MIN_OVERLAP,
) -> float | None:
    """Diversification of `candidate` against the held models (see the module docstring)."""
    return diversification_scores([candidate], holdings, scores, min_overlap)[candidate]


def diversification_scores(
    candidates: Iterable[str],
    holdings: Mapping[str, int],
    scores: Mapping[str, Mapping[int, float]],
    min_overlap: int = DEFAULT_MIN_OVERLAP,
) -> dict[str, float | None]:
    """Diversification of many candidates (a marketplace page), cleaning each series once.

    `holdings`: held model -> stake value in wei; `scores`: model -> round -> payout score.
    """
    cleaned: dict[str, dict[int, float]] = {}

    def clean(model: str) -> dict[int, float]:
        if model not in cleaned:
            cleaned[model] = finite_scores(scores.get(model, {}))
        return cleaned[model]

    held = [model for model, value in holdings.items() if value > 0]
    result: dict[str, float | None] = {}
    for candidate in candidates:
        correlations: dict[str, float | None] = {
            model: 1.0 if model == candidate else _pearson(clean(candidate), clean(model),
                                                           min_overlap)
            for model in held
        }
        result[candidate] = diversification_from_correlations(correlations, holdings)
    return result


# ---------------------------------------------------------------- vault index: returns, sparkline


@dataclass(frozen=True)
class IndexPoint:
    """The vault's index G after a settled round (`RoundSettled.index_ray`) and its time."""

    timestamp: int  # seconds since the epoch
    index_ray: int  # G in ray (1e27 = 1.0)


def index_return(
    points: Sequence[IndexPoint], window_seconds: int, as_of: int | None = None
) -> Fraction | None:
    """G_end / G_start − 1 over `window_seconds`, exactly; `None` if the history is shorter."""
    ordered = sorted(points, key=lambda point: point.timestamp)
    if as_of is not None:
        ordered = [point for point in ordered if point.timestamp <= as_of]
    if not ordered:
        return None
    end = ordered[-1]
    start_time = end.timestamp - window_seconds
    starts = [point for point in ordered if point.timestamp <= start_time]
    if not starts or starts[-1].index_ray <= 0:
        return None
    return Fraction(end.index_ray, starts[-1].index_ray) - 1


def three_month_return(points: Sequence[IndexPoint], as_of: int | None = None) -> Fraction | None:
    return index_return(points, THREE_MONTHS, as_of)


def one_year_return(points: Sequence[IndexPoint], as_of: int | None = None) -> Fraction | None:
    return index_return(points, ONE_YEAR, as_of)


def round_returns(points: Sequence[IndexPoint]) -> list[Fraction | None]:
    """Per-round return G_j / G_{j−1} − 1 for each point after the first (`None` after G = 0)."""
    ordered = [point.index_ray for point in sorted(points, key=lambda point: point.timestamp)]
    return [
        Fraction(after, before) - 1 if before > 0 else None
        for before, after in pairwise(ordered)
    ]


def as_percent(value: Fraction, places: int = 2) -> Decimal:
    """A return as a percentage rounded half-even to `places` decimals (for display)."""
    with localcontext() as context:
        context.prec = 60
        exact = Decimal(value.numerator * 100) / Decimal(value.denominator)
        return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def sparkline(values: Sequence[int], points: int = 32) -> list[float]:
    """At most `points` evenly spaced values (first and last kept) scaled to [0, 1].

    A flat series maps to 0.5 everywhere; an empty one to [].
    """
    if points < 2:
        raise InvalidInput("A sparkline needs at least two points.")
    if len(values) > points:
        last = len(values) - 1
        values = [values[(i * last + (points - 1) // 2) // (points - 1)] for i in range(points)]
    if not values:
        return []
    low, high = min(values), max(values)
    if low == high:
        return [0.5] * len(values)
    return [float(Fraction(value - low, high - low)) for value in values]


__all__ = [
    "DAY",
    "DEFINITIONS",
    "DIVERSIFICATION_MAX",
    "ONE_YEAR",
    "THREE_MONTHS",
    "Consistency",
    "IndexPoint",
    "as_percent",
    "consistency",
    "consistency_score",
    "correlation_matrix",
    "dispersion",
    "diversification",
    "diversification_from_correlations",
    "diversification_scores",
    "drift",
    "finite_scores",
    "hit_rate",
    "index_return",
    "mean",
    "one_year_return",
    "round_returns",
    "score_correlation",
    "sparkline",
    "submission_coverage",
    "three_month_return",
    "window_rounds",
]
