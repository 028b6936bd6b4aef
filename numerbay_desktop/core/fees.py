"""The staking form's fee preview: what a deposit pays, mirrored from the vault's own math.

    quote = preview_fees(schedule, amount, commitment_id, now=t, stake_count=k,
                         existing_basis=b, max_amount=room)
    quote.tier_id, quote.fixed_bps, quote.profit_bps, quote.unlock_time  # = lens preview_deposit
    quote.next_tier          # "add X NMR to reach the next tier and save Y NMR/year" (or None)
    steps = fee_curve(schedule, commitment_id, existing_basis=b)     # the step chart
    rows = scenario_table(amount, quote.fixed_bps, quote.profit_bps, returns_ray, per_year)

The tier basis of a new lot is its amount plus the principal of the account's open lots that
can no longer be cancelled (VAULT_SPEC section 6): `existing_basis` is that principal, so a
top-up (a new lot beside older ones) can reach a better tier. Money is integer wei; the
scenario statistics use `Decimal` (never float); floats appear only in `curve_xy`, which
makes chart coordinates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.vault_math import (
    BPS,
    RAY,
    YEAR,
    Schedule,
    ceil_div,
    fixed_fee,
    preview_deposit,
    terms_for,
    tier_for_basis,
)

WEI = 10**18
DEFAULT_ROUNDS_PER_YEAR = 260  # Numerai opens a round each weekday
# One-sided 10% quantile of a normal distribution: the weak and strong years.
Z_10 = Decimal("1.2815515655446004")


@dataclass(frozen=True)
class NextTierHint:
    """Reaching the next tier: how much more to deposit and what it saves."""

    tier_id: int
    add: int  # wei more to deposit
    fixed_bps: int  # effective terms there (same commitment discount)
    profit_bps: int
    yearly_saving: int  # wei of fixed fee a year saved on the larger amount
    reachable: bool  # within the capacity left (and whatever else bounds the amount)


@dataclass(frozen=True)
class FeePreview:
    amount: int  # wei deposited
    existing_basis: int  # wei of older lots counted towards the tier
    basis: int  # amount + existing_basis: what chooses the tier
    commitment_id: int
    duration: int  # seconds the lot stays locked
    discount_bps: int
    tier_id: int
    tier_fixed_bps: int  # the tier's fees before the commitment discount
    tier_profit_bps: int
    fixed_bps: int  # effective (after discount, rounded up as the vault does)
    profit_bps: int
    unlock_time: int
    first_sequence: int  # the first round sequence the lot joins (K + 1)
    fixed_fee_per_year: int  # wei on `amount` at `fixed_bps`
    next_tier: NextTierHint | None


@dataclass(frozen=True)
class CurveStep:
    """From a deposit of `start` wei on (until the next step), these terms apply."""

    start: int
    tier_id: int
    fixed_bps: int
    profit_bps: int


@dataclass(frozen=True)
class Scenario:
    name: str  # "weak", "median", "strong"
    growth_ray: int  # the index after a year, RAY = unchanged
    staker_keeps: int  # wei after a year, after both fees
    owner_earns: int  # wei: fixed fee + profit share
    vs_holding: int  # staker_keeps - amount (negative: worse than holding the NMR)


def preview_fees(
    schedule: Schedule,
    amount: int,
    commitment_id: int,
    *,
    now: int,
    stake_count: int,
    existing_basis: int = 0,
    max_amount: int | None = None,
) -> FeePreview:
    """The terms a deposit of `amount` wei gets now: the lens's `preview_deposit`, plus the
    yearly fixed fee and the next-tier hint (`max_amount` bounds which hints are reachable)."""
    if amount < 0 or existing_basis < 0:
        raise InvalidInput("Amounts cannot be negative.")
    basis = amount + existing_basis
    chain = preview_deposit(schedule, basis, commitment_id, now, stake_count)
    tier = schedule.tiers[chain.tier_id]
    commitment = schedule.commitments[commitment_id]
    return FeePreview(
        amount=amount,
        existing_basis=existing_basis,
        basis=basis,
        commitment_id=commitment_id,
        duration=commitment.duration,
        discount_bps=commitment.discount_bps,
        tier_id=chain.tier_id,
        tier_fixed_bps=tier.fixed_fee_bps,
        tier_profit_bps=tier.profit_share_bps,
        fixed_bps=chain.fixed_bps,
        profit_bps=chain.profit_bps,
        unlock_time=chain.unlock_time,
        first_sequence=chain.first_sequence,
        fixed_fee_per_year=yearly_fixed_fee(amount, chain.fixed_bps),
        next_tier=next_tier_hint(schedule, amount, commitment_id, existing_basis, max_amount),
    )


def yearly_fixed_fee(amount: int, fixed_bps: int) -> int:
    """A year of fixed fee on `amount` wei, rounded up like the vault's charge."""
    return fixed_fee(amount, fixed_bps * YEAR)


def next_tier_hint(
    schedule: Schedule,
    amount: int,
    commitment_id: int,
    existing_basis: int = 0,
    max_amount: int | None = None,
) -> NextTierHint | None:
    """The first higher tier whose terms are cheaper than the current ones, if any."""
    basis = amount + existing_basis
    current = terms_for(schedule, basis, commitment_id)
    for tier_id in range(tier_for_basis(schedule.tiers, basis) + 1, len(schedule.tiers)):
        tier_min = schedule.tiers[tier_id].min_stake
        there = terms_for(schedule, tier_min, commitment_id)
        if there.fixed_bps > current.fixed_bps or there.profit_bps > current.profit_bps:
            continue  # a dearer tier is no reason to deposit more
        if there == current:
            continue
        add = tier_min - basis
        larger = amount + add
        saving = yearly_fixed_fee(larger, current.fixed_bps) - yearly_fixed_fee(
            larger, there.fixed_bps
        )
        reachable = max_amount is None or larger <= max_amount
        return NextTierHint(tier_id, add, there.fixed_bps, there.profit_bps, saving, reachable)
    return None


def fee_curve(
    schedule: Schedule, commitment_id: int, existing_basis: int = 0
) -> tuple[CurveStep, ...]:
    """Effective terms against the deposited amount, one step per tier boundary reached
    (tiers the older lots already pass are folded into the first step)."""
    if not 0 <= commitment_id < len(schedule.commitments):
        raise InvalidInput("That commitment option does not exist in the vault's schedule.")
    steps: list[CurveStep] = []
    for tier in schedule.tiers:
        start = max(0, tier.min_stake - existing_basis)
        terms = terms_for(schedule, start + existing_basis, commitment_id)
        step = CurveStep(start, tier_for_basis(schedule.tiers, start + existing_basis),
                         terms.fixed_bps, terms.profit_bps)
        if steps and steps[-1].start == start:
            steps[-1] = step
        else:
            steps.append(step)
    return tuple(steps)


def curve_xy(
    steps: Sequence[CurveStep], end: int
) -> tuple[list[float], list[float], list[float]]:
    """Chart coordinates of a step chart up to `end` wei: x edges in NMR (one more than the
    values, as pyqtgraph's stepMode="center" wants), fixed fee % and profit share % per step."""
    shown = [s for s in steps if s.start < end] or list(steps[:1])
    edges = [s.start / WEI for s in shown] + [max(end, shown[-1].start + WEI) / WEI]
    return (edges, [s.fixed_bps / 100 for s in shown], [s.profit_bps / 100 for s in shown])


def rounds_per_year(timestamps: Sequence[int]) -> int:
    """Settled rounds a year, from their settlement times (the default with too few)."""
    if len(timestamps) < 10 or max(timestamps) <= min(timestamps):
        return DEFAULT_ROUNDS_PER_YEAR
    span = max(timestamps) - min(timestamps)
    return max(1, (len(timestamps) - 1) * YEAR // span)


def yearly_growths(returns_ray: Sequence[int], per_year: int) -> tuple[int, int, int] | None:
    """Weak (10th percentile), median and strong (90th) yearly index growth in ray, from
    per-round returns compounded over `per_year` rounds (a log-normal fit of the model's own
    history). None without any settled round."""
    if not returns_ray:
        return None
    with localcontext() as context:
        context.prec = 40
        logs = [(Decimal(RAY + max(r, 1 - RAY)) / RAY).ln() for r in returns_ray]
        mean = sum(logs, Decimal(0)) / len(logs)
        spread = Decimal(0)
        if len(logs) > 1:
            spread = (sum(((x - mean) ** 2 for x in logs), Decimal(0)) / (len(logs) - 1)).sqrt()
        n = Decimal(per_year)
        centre, width = n * mean, Z_10 * n.sqrt() * spread
        weak, median, strong = (
            int((x.exp() * RAY).to_integral_value())
            for x in (centre - width, centre, centre + width)
        )
        return weak, median, strong


def year_outcome(amount: int, fixed_bps: int, profit_bps: int, growth_ray: int) -> Scenario:
    """One year of a lot entering at index 1 and leaving at `growth_ray`: the fixed fee is
    charged in units (rounded up), the profit share on the final value (rounded up)."""
    fee_units = yearly_fixed_fee(amount, fixed_bps)
    kept_units = amount - fee_units
    final_value = kept_units * growth_ray // RAY
    profit_fee = 0
    if growth_ray > RAY:
        profit_fee = min(final_value,
                         ceil_div(kept_units * (growth_ray - RAY) * profit_bps, BPS * RAY))
    keeps = final_value - profit_fee
    owner = fee_units * growth_ray // RAY + profit_fee
    return Scenario("", growth_ray, keeps, owner, keeps - amount)


def scenario_table(
    amount: int,
    fixed_bps: int,
    profit_bps: int,
    returns_ray: Sequence[int],
    per_year: int = DEFAULT_ROUNDS_PER_YEAR,
) -> tuple[Scenario, ...]:
    """Weak, median and strong years for a deposit of `amount` wei at the given terms (empty
    when the vault has no settled round to learn from). The statistics cost milliseconds: a
    form that previews on every keystroke computes `yearly_growths` once and calls
    `scenarios_for`."""
    return scenarios_for(amount, fixed_bps, profit_bps, yearly_growths(returns_ray, per_year))


def scenarios_for(
    amount: int, fixed_bps: int, profit_bps: int, growths: tuple[int, int, int] | None
) -> tuple[Scenario, ...]:
    if growths is None:
        return ()
    rows = []
    for name, growth in zip(("weak", "median", "strong"), growths, strict=True):
        outcome = year_outcome(amount, fixed_bps, profit_bps, growth)
        rows.append(Scenario(name, growth, outcome.staker_keeps, outcome.owner_earns,
                             outcome.vs_holding))
    return tuple(rows)
