"""The vault's fee and accounting arithmetic in integers, with the contract's rounding.

Used by the app for previews (what a deposit will pay, what a lot is worth) and by the
tests as the pure-Python mirror of the contract's bucket-and-index accounting
(`vault_model.VaultModel`). Rounding always goes against the staker: units and payouts round down,
fees round up (capped at what the lot holds). See VAULT_SPEC.md sections 3, 5 and 6.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from numerbay_desktop.core.errors import InvalidInput

BPS = 10_000
YEAR = 365 * 24 * 3600
RAY = 10**27
MAX_TIERS = 8
MAX_COMMITMENTS = 4
MAX_OPEN_LOTS = 16
MAX_FEE_VERSIONS = 32  # schedule versions a fee charge walks back (the contract's)


class VaultRuleError(InvalidInput):
    """An operation the vault's rules refuse (the contract would revert)."""


@dataclass(frozen=True)
class Tier:
    min_stake: int  # wei; the tier applies when the basis is >= min_stake
    fixed_fee_bps: int  # annual fee on lot value
    profit_share_bps: int  # share of profit above the high-water mark


@dataclass(frozen=True)
class Commitment:
    duration: int  # seconds a lot stays locked after its deposit
    discount_bps: int  # cut applied to both fees of the tier


@dataclass(frozen=True)
class Schedule:
    tiers: tuple[Tier, ...]
    commitments: tuple[Commitment, ...]

    def __post_init__(self) -> None:
        if not 1 <= len(self.tiers) <= MAX_TIERS or self.tiers[0].min_stake != 0:
            raise InvalidInput("A fee schedule needs 1 to 8 tiers, the first starting at 0 NMR.")
        if any(a.min_stake >= b.min_stake for a, b in pairwise(self.tiers)):
            raise InvalidInput("Tier minimum stakes must strictly increase.")
        if not 1 <= len(self.commitments) <= MAX_COMMITMENTS:
            raise InvalidInput("A fee schedule needs 1 to 4 commitment options.")
        if any(a.duration >= b.duration for a, b in pairwise(self.commitments)):
            raise InvalidInput("Commitment durations must strictly increase.")


@dataclass(frozen=True)
class Terms:
    fixed_bps: int
    profit_bps: int


@dataclass(frozen=True)
class DepositPreview:
    tier_id: int
    fixed_bps: int
    profit_bps: int
    unlock_time: int
    first_sequence: int


def ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def effective_bps(tier_bps: int, discount_bps: int) -> int:
    """Tier fee x (10,000 - discount) / 10,000, rounded up."""
    return ceil_div(tier_bps * (BPS - discount_bps), BPS)


def tier_for_basis(tiers: Sequence[Tier], basis: int) -> int:
    """Index of the highest tier whose minimum the basis reaches."""
    chosen = 0
    for index, tier in enumerate(tiers):
        if basis >= tier.min_stake:
            chosen = index
    return chosen


def terms_for(schedule: Schedule, basis: int, commitment_id: int) -> Terms:
    tier = schedule.tiers[tier_for_basis(schedule.tiers, basis)]
    discount = schedule.commitments[commitment_id].discount_bps
    return Terms(
        effective_bps(tier.fixed_fee_bps, discount),
        effective_bps(tier.profit_share_bps, discount),
    )


def mapped_terms(schedule: Schedule, basis: int, duration: int, snapshot: Terms) -> Terms:
    """A lot's terms mapped onto `schedule`, never above its snapshot (section 5)."""
    for commitment_id, commitment in enumerate(schedule.commitments):
        if commitment.duration == duration:
            current = terms_for(schedule, basis, commitment_id)
            return Terms(
                min(snapshot.fixed_bps, current.fixed_bps),
                min(snapshot.profit_bps, current.profit_bps),
            )
    return snapshot


def preview_deposit(
    schedule: Schedule, basis: int, commitment_id: int, now: int, stake_count: int
) -> DepositPreview:
    """What a deposit whose tier basis is `basis` gets: the lens's `preview_deposit`."""
    if not 0 <= commitment_id < len(schedule.commitments):
        raise InvalidInput("That commitment option does not exist in the vault's schedule.")
    terms = terms_for(schedule, basis, commitment_id)
    return DepositPreview(
        tier_id=tier_for_basis(schedule.tiers, basis),
        fixed_bps=terms.fixed_bps,
        profit_bps=terms.profit_bps,
        unlock_time=now + schedule.commitments[commitment_id].duration,
        first_sequence=stake_count + 1,
    )


def fixed_fee(amount: int, bps_seconds: int) -> int:
    """Fee on `amount` for a sum of bps x seconds, rounded up and capped at the amount."""
    return min(amount, ceil_div(amount * bps_seconds, BPS * YEAR))


def fee_bps_seconds(
    activations: Sequence[tuple[int, Schedule]],
    basis: int,
    duration: int,
    snapshot: Terms,
    start: int,
    end: int,
) -> int:
    """Sum of charged bps x seconds over [start, end), split at schedule activations.

    `activations` lists (activation time, schedule) per schedule version, version 0 at the
    vault's creation. Like the contract, it walks back at most MAX_FEE_VERSIONS versions
    from the current one; anything older is charged at the oldest version it reached.
    """
    total, high = 0, end
    version = len(activations) - 1
    for step in range(MAX_FEE_VERSIONS):
        activated_at, schedule = activations[version]
        bps = mapped_terms(schedule, basis, duration, snapshot).fixed_bps
        low = start if version == 0 or step == MAX_FEE_VERSIONS - 1 else max(activated_at, start)
        if high > low:
            total += bps * (high - low)
            high = low
        if high <= start:
            break
        version -= 1
    return total


def profit_share_units(units: int, index: int, mark: int, profit_bps: int) -> int:
    """Units taken by the profit share when the index is above the lot's mark."""
    if index <= mark or index == 0:
        return 0
    return min(units, ceil_div(units * (index - mark) * profit_bps, BPS * index))


def profit_share_value(units: int, index: int, mark: int, profit_bps: int) -> int:
    """NMR taken by the profit share out of a final value `units * index`."""
    if index <= mark:
        return 0
    return min(value_of(units, index), ceil_div(units * (index - mark) * profit_bps, BPS * RAY))


def value_of(units: int, index: int) -> int:
    """A lot's value from its units and the index (rounded down)."""
    return units * index // RAY


def units_of(principal: int, index: int) -> int:
    """Units a principal buys at `index` (rounded down)."""
    return principal * RAY // index


def next_index(previous: int, gain: int, amount: int, units: int) -> int:
    """G[j] from G[j-1] when `gain` NMR (received + surplus) came back for `amount` staked.

    The change is spread over the `units` exposed (X_j = units x G[j-1]): a profit adds
    (gain - amount) / units rounded down, a loss takes loss / units rounded up, and a loss
    reaching the whole index leaves 0 (the vault shuts down).
    """
    if units == 0:
        return previous
    if gain >= amount:
        return previous + (gain - amount) * RAY // units
    drop = ceil_div((amount - gain) * RAY, units)
    return 0 if drop >= previous else previous - drop
