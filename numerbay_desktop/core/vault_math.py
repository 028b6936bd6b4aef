"""The vault's fee and accounting arithmetic in integers, with the contract's rounding.

Used by the app for previews (what a deposit will pay, what a lot is worth) and by the
tests as the pure-Python mirror of the contract's bucket-and-index accounting
(`VaultModel`). Rounding always goes against the staker: units and payouts round down,
fees round up (capped at what the lot holds). See VAULT_SPEC.md sections 3, 5 and 6.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from numerbay_desktop.core.errors import InvalidInput

BPS = 10_000
YEAR = 365 * 24 * 3600
RAY = 10**27
MAX_TIERS = 8
MAX_COMMITMENTS = 4
MAX_OPEN_LOTS = 16


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
    """Sum of bps x seconds over [start, end), split at every schedule activation.

    `activations` lists (activation time, schedule) in time order, the first at creation.
    """
    total = 0
    for index, (activated_at, schedule) in enumerate(activations):
        until = activations[index + 1][0] if index + 1 < len(activations) else end
        lo, hi = max(start, activated_at), min(end, until)
        if hi > lo:
            total += mapped_terms(schedule, basis, duration, snapshot).fixed_bps * (hi - lo)
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


def next_index(previous: int, result: int, eligible: int) -> int:
    """G[j] = G[j-1] * (1 + P_j / X_j), rounded down, 0 when the vault is wiped out."""
    if eligible == 0:
        return previous
    return max(0, previous + previous * result // eligible)


# ----------------------------------------------------------------------------------------
# VaultModel: the same bucket-and-index technique as the contract, for projections.
# ----------------------------------------------------------------------------------------

PENDING, JOINED, ACTIVE, EXITING, FINAL, CLOSED = (
    "pending", "joined", "active", "exiting", "final", "closed"
)


@dataclass
class ModelLot:
    owner: str
    principal: int
    entry_seq: int
    basis: int
    duration: int
    terms: Terms
    unlock_time: int
    last_fee_time: int
    last_crystallized: int
    units: int = 0
    mark: int = 0  # high-water mark of the index, set when the lot joins
    touched: bool = False
    exit_seq: int | None = None
    closed: bool = False


@dataclass
class Sequence_:
    round_id: int
    amount: int
    stake_time: int
    recorded: bool = False
    applied: bool = False
    written_off: bool = False
    received: int = 0


@dataclass
class VaultModel:
    """Integer model of one vault's accounting (no tokens, no signatures)."""

    schedule: Schedule
    max_round_bps: int = 313
    max_at_stake_bps: int = 9_500
    schedule_delay: int = 7 * 24 * 3600
    max_settle_delay: int = 150 * 24 * 3600
    min_deposit: int = 10**18
    activations: list[tuple[int, Schedule]] = field(default_factory=list)
    lots: list[ModelLot] = field(default_factory=list)
    sequences: list[Sequence_] = field(default_factory=list)
    index: list[int] = field(default_factory=lambda: [RAY])
    bucket: dict[int, int] = field(default_factory=dict)
    exit_units: dict[int, int] = field(default_factory=dict)
    exit_queue: list[int] = field(default_factory=list)
    queue_head: int = 0
    claimable: dict[str, int] = field(default_factory=dict)
    units_total: int = 0  # U
    exiting_units: int = 0
    pending_principal: int = 0  # principal in buckets not yet folded
    idle: int = 0
    at_stake: int = 0
    recorded_total: int = 0
    exits_due: int = 0
    claimable_total: int = 0
    fees_owed: int = 0
    surplus: int = 0
    first_stake_time: int | None = None
    shutdown_time: int | None = None

    def __post_init__(self) -> None:
        if not self.activations:
            self.activations.append((0, self.schedule))

    # -- views ---------------------------------------------------------------------------
    @property
    def stake_count(self) -> int:
        return len(self.sequences)

    @property
    def applied_count(self) -> int:
        return len(self.index) - 1

    @property
    def current_index(self) -> int:
        return self.index[-1]

    @property
    def exposed_value(self) -> int:
        active = value_of(self.units_total - self.exiting_units, self.current_index)
        return active + self.pending_principal

    @property
    def reserves(self) -> int:
        exiting = value_of(self.exiting_units, self.current_index)
        return self.claimable_total + self.exits_due + self.fees_owed + exiting

    @property
    def total_assets(self) -> int:
        return self.idle + self.at_stake

    def state(self, lot_id: int) -> str:
        lot = self.lots[lot_id]
        s = self.applied_count
        if lot.closed:
            return CLOSED
        if lot.exit_seq is not None:
            return FINAL if s >= lot.exit_seq else EXITING
        if s < lot.entry_seq:
            return PENDING
        return JOINED if s == lot.entry_seq else ACTIVE

    def lot_value(self, lot_id: int) -> int:
        """The lot's booked value (fees already charged are out, accrued ones are not)."""
        lot, state = self.lots[lot_id], self.state(lot_id)
        self._touch(lot)
        if state in (PENDING, JOINED):
            return lot.principal
        if state in (ACTIVE, EXITING):
            return value_of(lot.units, self.current_index)
        if state == FINAL:
            assert lot.exit_seq is not None
            return value_of(lot.units, self.index[lot.exit_seq])
        return 0

    def accrued_fixed_fee(self, lot_id: int, now: int) -> int:
        lot, state = self.lots[lot_id], self.state(lot_id)
        self._touch(lot)
        if state in (EXITING, FINAL, CLOSED) or self.first_stake_time is None:
            return 0
        end = now if self.shutdown_time is None else min(now, self.shutdown_time)
        start = max(lot.last_fee_time, self.first_stake_time)
        if end <= start:
            return 0
        bps_seconds = fee_bps_seconds(
            self.activations, lot.basis, lot.duration, lot.terms, start, end
        )
        if state in (PENDING, JOINED):
            return fixed_fee(lot.principal, bps_seconds)
        return value_of(fixed_fee(lot.units, bps_seconds), self.current_index)

    def current_terms(self, lot_id: int) -> Terms:
        lot = self.lots[lot_id]
        return mapped_terms(self.activations[-1][1], lot.basis, lot.duration, lot.terms)

    # -- stakers -------------------------------------------------------------------------
    def open_lots(self, owner: str) -> list[int]:
        return [i for i, lot in enumerate(self.lots) if lot.owner == owner and not lot.closed]

    def tier_basis(self, owner: str, assets: int) -> int:
        k = self.stake_count
        held = sum(self.lots[i].principal for i in self.open_lots(owner)
                   if self.lots[i].entry_seq < k)
        return assets + held

    def preview(self, owner: str, assets: int, commitment_id: int, now: int) -> DepositPreview:
        schedule = self.activations[-1][1]
        basis = self.tier_basis(owner, assets)
        return preview_deposit(schedule, basis, commitment_id, now, self.stake_count)

    def deposit(self, owner: str, assets: int, commitment_id: int, now: int) -> int:
        if self.shutdown_time is not None:
            raise VaultRuleError("The vault is shut down.")
        if assets < self.min_deposit:
            raise VaultRuleError("The deposit is below the vault's minimum.")
        if len(self.open_lots(owner)) >= MAX_OPEN_LOTS:
            raise VaultRuleError("An account can hold at most 16 open lots.")
        basis = self.tier_basis(owner, assets)
        schedule = self.activations[-1][1]
        if not 0 <= commitment_id < len(schedule.commitments):
            raise VaultRuleError("That commitment option does not exist.")
        duration = schedule.commitments[commitment_id].duration
        k = self.stake_count
        self.lots.append(ModelLot(
            owner=owner, principal=assets, entry_seq=k, basis=basis, duration=duration,
            terms=terms_for(schedule, basis, commitment_id), unlock_time=now + duration,
            last_fee_time=now, last_crystallized=now,
        ))
        self.bucket[k] = self.bucket.get(k, 0) + assets
        self.pending_principal += assets
        self.idle += assets
        return len(self.lots) - 1

    def cancel_deposit(self, lot_id: int) -> int:
        lot = self.lots[lot_id]
        if lot.closed or lot.entry_seq != self.stake_count or lot.exit_seq is not None:
            raise VaultRuleError("Only a deposit no round was staked after can be cancelled.")
        amount = lot.principal
        self.bucket[lot.entry_seq] -= amount
        self.pending_principal -= amount
        self.idle -= amount
        lot.closed = True
        return amount

    def _touch(self, lot: ModelLot) -> None:
        """First touch after joining: units from principal, mark at the entry index."""
        if not lot.touched and self.applied_count >= lot.entry_seq:
            lot.units = units_of(lot.principal, self.index[lot.entry_seq])
            lot.mark = self.index[lot.entry_seq]
            lot.touched = True

    def charge_fixed(self, lot_id: int, now: int) -> int:
        """Charge the fixed fee accrued up to `now`; returns the NMR charged."""
        lot, state = self.lots[lot_id], self.state(lot_id)
        self._touch(lot)
        charged = 0
        if self.first_stake_time is not None and state in (PENDING, JOINED, ACTIVE):
            end = now if self.shutdown_time is None else min(now, self.shutdown_time)
            start = max(lot.last_fee_time, self.first_stake_time)
            if end > start:
                bps_seconds = fee_bps_seconds(
                    self.activations, lot.basis, lot.duration, lot.terms, start, end
                )
                if state in (PENDING, JOINED):
                    charged = fixed_fee(lot.principal, bps_seconds)
                    lot.principal -= charged
                    self.bucket[lot.entry_seq] -= charged
                    self.pending_principal -= charged
                    if state == JOINED:
                        lot.units = units_of(lot.principal, self.index[lot.entry_seq])
                else:
                    fee_units = fixed_fee(lot.units, bps_seconds)
                    lot.units -= fee_units
                    self.units_total -= fee_units
                    charged = value_of(fee_units, self.current_index)
                self.fees_owed += charged
        lot.last_fee_time = max(lot.last_fee_time, now)
        return charged

    def _crystallize(self, lot: ModelLot, profit_bps: int) -> int:
        if self.applied_count <= lot.entry_seq:
            return 0
        g = self.current_index
        fee_units = profit_share_units(lot.units, g, lot.mark, profit_bps)
        lot.units -= fee_units
        self.units_total -= fee_units
        lot.mark = max(lot.mark, g)
        charged = value_of(fee_units, g)
        self.fees_owed += charged
        return charged

    def checkpoint(self, lot_id: int, now: int) -> int:
        lot, state = self.lots[lot_id], self.state(lot_id)
        if state not in (JOINED, ACTIVE) or now < lot.last_crystallized + YEAR:
            raise VaultRuleError("A lot can be checkpointed once a year while it is invested.")
        charged = self.charge_fixed(lot_id, now)
        charged += self._crystallize(lot, self.current_terms(lot_id).profit_bps)
        lot.last_crystallized = now
        return charged

    def request_exit(self, lot_id: int, now: int) -> int:
        lot, state = self.lots[lot_id], self.state(lot_id)
        if state not in (JOINED, ACTIVE):
            raise VaultRuleError("Only a joined or active lot can ask to leave.")
        unlocked = self.shutdown_time is not None or self.stalled(now)
        if now < lot.unlock_time and not unlocked:
            raise VaultRuleError("The lot is still locked.")
        self.charge_fixed(lot_id, now)
        k, s = self.stake_count, self.applied_count
        lot.exit_seq = k
        self.exit_queue.append(lot_id)
        if k == s:
            # nothing staked since the last application: final at once
            if lot.entry_seq == s:  # joined, still in its bucket
                self.bucket[lot.entry_seq] -= lot.principal
                self.pending_principal -= lot.principal
                self.exits_due += value_of(lot.units, self.index[s])
            else:
                self.units_total -= lot.units
                self.exits_due += value_of(lot.units, self.index[s])
        else:
            self.exit_units[k] = self.exit_units.get(k, 0) + lot.units
            self.exiting_units += lot.units
        return k

    def fulfill(self, max_count: int) -> list[int]:
        done: list[int] = []
        while len(done) < max_count and self.queue_head < len(self.exit_queue):
            lot_id = self.exit_queue[self.queue_head]
            lot = self.lots[lot_id]
            assert lot.exit_seq is not None
            if self.applied_count < lot.exit_seq:
                break
            final = value_of(lot.units, self.index[lot.exit_seq])
            if self.idle < self.claimable_total + final:
                break
            profit_bps = self.current_terms(lot_id).profit_bps
            fee = profit_share_value(lot.units, self.index[lot.exit_seq], lot.mark, profit_bps)
            self.exits_due -= final
            self.fees_owed += fee
            self.claimable[lot.owner] = self.claimable.get(lot.owner, 0) + final - fee
            self.claimable_total += final - fee
            lot.closed = True
            self.queue_head += 1
            done.append(lot_id)
        return done

    def claim(self, owner: str) -> int:
        amount = self.claimable.pop(owner, 0)
        self.claimable_total -= amount
        self.idle -= amount
        return amount

    def claim_fees(self) -> int:
        available = max(0, self.idle - self.claimable_total - self.exits_due)
        paid = min(self.fees_owed, available)
        self.fees_owed -= paid
        self.idle -= paid
        return paid

    # -- rounds --------------------------------------------------------------------------
    def stalled(self, now: int) -> bool:
        s = self.applied_count
        return s < self.stake_count and now > self.sequences[s].stake_time + self.max_settle_delay

    def stake(self, amount: int, now: int, round_id: int | None = None) -> int:
        if self.shutdown_time is not None or self.stalled(now):
            raise VaultRuleError("The vault cannot stake while shut down or stalled.")
        exposed = self.exposed_value
        if amount <= 0 or amount > exposed * self.max_round_bps // BPS:
            raise VaultRuleError("The round stake is above the per-round bound.")
        if self.at_stake + amount > exposed * self.max_at_stake_bps // BPS:
            raise VaultRuleError("The round stake would put too much at stake.")
        if amount > self.idle - self.reserves:
            raise VaultRuleError("The round stake would eat the reserves.")
        last = self.sequences[-1].round_id if self.sequences else 0
        rid = last + 1 if round_id is None else round_id
        if rid <= last:
            raise VaultRuleError("Round ids must increase.")
        self.sequences.append(Sequence_(rid, amount, now))
        self.idle -= amount
        self.at_stake += amount
        if self.first_stake_time is None:
            self.first_stake_time = now
        return self.stake_count

    def record(self, seq: int, received: int) -> None:
        """A settlement (or sync) for sequence `seq` (1-based) arrived with `received` NMR."""
        sequence = self.sequences[seq - 1]
        if sequence.recorded:
            raise VaultRuleError("That round is already settled.")
        sequence.recorded = True
        sequence.received = received
        self.recorded_total += received

    def late_arrival(self, seq: int, received: int) -> None:
        """NMR for a written-off sequence arrived after all: it joins the surplus."""
        if not self.sequences[seq - 1].written_off:
            raise VaultRuleError("Only a written-off round can bring late NMR.")
        self.surplus += received
        self.idle += received

    def write_off(self, now: int) -> int:
        s = self.applied_count
        if s >= self.stake_count:
            raise VaultRuleError("Nothing is waiting for a result.")
        sequence = self.sequences[s]
        if sequence.recorded or now <= sequence.stake_time + self.max_settle_delay:
            raise VaultRuleError("The oldest round is not overdue.")
        sequence.recorded = True
        sequence.written_off = True
        return s + 1

    def apply(self, max_count: int = 8) -> int:
        applied = 0
        while applied < max_count and self.applied_count < self.stake_count:
            j = self.applied_count + 1
            sequence = self.sequences[j - 1]
            if not sequence.recorded:
                break
            previous = self.index[j - 1]
            folded = self.bucket.pop(j - 1, 0)
            self.pending_principal -= folded
            if previous > 0:
                self.units_total += units_of(folded, previous)
            eligible = value_of(self.units_total, previous)
            result = sequence.received + self.surplus - sequence.amount
            self.surplus = 0
            if eligible == 0:
                self.surplus = max(0, result)
                g = previous
            else:
                g = next_index(previous, result, eligible)
                if g == 0 and self.shutdown_time is None:
                    self.shutdown_time = sequence.stake_time
            self.index.append(g)
            self.at_stake -= sequence.amount
            self.recorded_total -= sequence.received
            self.idle += sequence.received
            sequence.applied = True
            ending = self.exit_units.pop(j, 0)
            self.exits_due += value_of(ending, g)
            self.units_total -= ending
            self.exiting_units -= ending
            applied += 1
        return applied

    # -- owner ---------------------------------------------------------------------------
    def activate_schedule(self, schedule: Schedule, now: int) -> None:
        self.activations.append((now, schedule))

    def roll(self, lot_id: int, now: int) -> None:
        lot, state = self.lots[lot_id], self.state(lot_id)
        if state not in (PENDING, JOINED, ACTIVE) or now < lot.unlock_time:
            raise VaultRuleError("Only an unlocked lot that is not leaving can be rolled.")
        activated_at, schedule = self.activations[-1]
        if now < activated_at + self.schedule_delay:
            raise VaultRuleError("The current schedule is too recent to roll onto.")
        self.charge_fixed(lot_id, now)
        self._crystallize(lot, self.current_terms(lot_id).profit_bps)
        lot.last_crystallized = now
        for commitment_id, commitment in enumerate(schedule.commitments):
            if commitment.duration == lot.duration:
                lot.terms = terms_for(schedule, lot.basis, commitment_id)
                return
        lot.terms = terms_for(schedule, lot.basis, 0)
        lot.duration = schedule.commitments[0].duration

    def shutdown(self, now: int) -> None:
        if self.shutdown_time is None:
            self.shutdown_time = now
