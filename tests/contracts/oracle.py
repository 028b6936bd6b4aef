"""Brute-force model of a NumerBay vault in exact fractions, written from the spec's words.

Nothing here uses buckets, units or an index. Every lot carries its own exact value; when
sequence j is applied, its result P_j is shared among the lots exposed to it in proportion
to their values (a lot created while K = k is exposed to k+1, k+2, ...; an exit asked while
K = x ends its exposure after x). Fees (VAULT_SPEC.md sections 5-6) are taken out of a
lot's value when the system under test charges them; the oracle computes how much.

A driver (the pure-Python model test or the titanoboa state machine) tells the oracle what
happened in the same order, and compares the oracle's figures with the system's within a
dust bound. The oracle checks its own conservation exactly after every operation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

BPS = 10_000
YEAR = 365 * 24 * 3600

TierSpec = tuple[int, int, int]  # (min_stake, fixed_fee_bps, profit_share_bps)
CommitmentSpec = tuple[int, int]  # (duration, discount_bps)


def _ceil(value: Fraction) -> int:
    return -(-value.numerator // value.denominator)


@dataclass
class ScheduleSpec:
    tiers: list[TierSpec]
    commitments: list[CommitmentSpec]

    def terms(self, basis: int, commitment_index: int) -> tuple[int, int]:
        """(fixed, profit) effective bps: tier fee x (10000 - discount) / 10000, rounded up."""
        tier = [t for t in self.tiers if basis >= t[0]][-1]
        discount = self.commitments[commitment_index][1]
        scale = Fraction(BPS - discount, BPS)
        return _ceil(tier[1] * scale), _ceil(tier[2] * scale)

    def commitment_with(self, duration: int) -> int | None:
        for index, commitment in enumerate(self.commitments):
            if commitment[0] == duration:
                return index
        return None


@dataclass
class OracleLot:
    owner: str
    principal: int
    entry: int  # K when created: exposed to entry+1, ...
    basis: int
    duration: int
    fixed_bps: int
    profit_bps: int
    unlock_time: int
    value: Fraction
    last_fee_time: int
    growth: Fraction = Fraction(1)  # product of (1 + r_j) over the sequences it shared
    mark: Fraction = Fraction(1)  # high-water mark of growth
    exit_point: int | None = None  # K when it asked to leave
    cancelled: bool = False
    fulfilled: bool = False
    fees: Fraction = Fraction(0)  # everything charged to this lot so far

    def exposed_to(self, j: int) -> bool:
        if self.cancelled or self.fulfilled:
            return False
        return self.entry < j and (self.exit_point is None or j <= self.exit_point)


@dataclass
class OracleSequence:
    amount: int
    stake_time: int
    received: int | None = None
    written_off: bool = False
    applied: bool = False
    result: Fraction = Fraction(0)
    eligible: Fraction = Fraction(0)


@dataclass
class VaultOracle:
    schedule: ScheduleSpec
    activations: list[tuple[int, ScheduleSpec]] = field(default_factory=list)
    lots: dict[int, OracleLot] = field(default_factory=dict)
    sequences: list[OracleSequence] = field(default_factory=list)
    exit_order: list[int] = field(default_factory=list)
    claimable: dict[str, Fraction] = field(default_factory=dict)
    fees_owed: Fraction = Fraction(0)
    surplus: Fraction = Fraction(0)
    idle: int = 0
    at_stake: int = 0
    recorded_total: int = 0
    first_stake_time: int | None = None
    shutdown_time: int | None = None
    wiped_out: bool = False
    unbacked: int = 0  # stake cost of sequences nobody was exposed to
    dust_kept: Fraction = Fraction(0)  # what the system paid out below the exact figure
    applied: int = 0  # sequences applied, in order

    def __post_init__(self) -> None:
        if not self.activations:
            self.activations.append((0, self.schedule))

    # -- derived figures -------------------------------------------------------------
    @property
    def stake_count(self) -> int:
        return len(self.sequences)

    @property
    def applied_count(self) -> int:
        return self.applied

    def is_final(self, lot: OracleLot) -> bool:
        return lot.exit_point is not None and self.applied_count >= lot.exit_point

    def lot_value(self, lot_id: int) -> Fraction:
        lot = self.lots[lot_id]
        if lot.cancelled or lot.fulfilled or self.is_final(lot):
            return Fraction(0)
        return lot.value

    def final_value(self, lot_id: int) -> Fraction:
        lot = self.lots[lot_id]
        return lot.value if self.is_final(lot) and not lot.fulfilled else Fraction(0)

    def principal(self, lot_id: int) -> int:
        """A lot's value net of fees, at the price it entered at (its value / its growth)."""
        lot = self.lots[lot_id]
        if lot.growth == 0:
            return lot.principal
        net = lot.value / lot.growth
        return net.numerator // net.denominator

    @property
    def exits_due(self) -> Fraction:
        return sum((self.final_value(i) for i in self.lots), Fraction(0))

    @property
    def claimable_total(self) -> Fraction:
        return sum(self.claimable.values(), Fraction(0))

    @property
    def lots_total(self) -> Fraction:
        return sum((self.lot_value(i) for i in self.lots), Fraction(0))

    def check_conservation(self) -> None:
        liabilities = (self.lots_total + self.exits_due + self.claimable_total
                       + self.fees_owed + self.surplus + self.dust_kept)
        assert liabilities == self.idle + self.at_stake + self.unbacked, "oracle lost NMR"

    # -- terms -------------------------------------------------------------------------
    def _mapped(self, lot: OracleLot, schedule: ScheduleSpec) -> tuple[int, int]:
        index = schedule.commitment_with(lot.duration)
        if index is None:
            return lot.fixed_bps, lot.profit_bps
        fixed, profit = schedule.terms(lot.basis, index)
        return min(fixed, lot.fixed_bps), min(profit, lot.profit_bps)

    def fixed_rate_seconds(self, lot: OracleLot, start: int, end: int) -> int:
        total = 0
        for index, (activated_at, schedule) in enumerate(self.activations):
            last = index + 1 == len(self.activations)
            until = end if last else self.activations[index + 1][0]
            lo, hi = max(start, activated_at), min(end, until)
            if hi > lo:
                total += self._mapped(lot, schedule)[0] * (hi - lo)
        return total

    def accrued_fixed(self, lot_id: int, now: int) -> Fraction:
        """Fixed fee owed by an invested lot and not charged yet."""
        lot = self.lots[lot_id]
        if (self.first_stake_time is None or lot.exit_point is not None
                or lot.cancelled or lot.fulfilled):
            return Fraction(0)
        end = now if self.shutdown_time is None else min(now, self.shutdown_time)
        start = max(lot.last_fee_time, self.first_stake_time)
        if end <= start:
            return Fraction(0)
        rate = Fraction(self.fixed_rate_seconds(lot, start, end), BPS * YEAR)
        return min(lot.value, lot.value * rate)

    def profit_share(self, lot_id: int) -> Fraction:
        lot = self.lots[lot_id]
        if lot.growth <= lot.mark or lot.growth == 0:
            return Fraction(0)
        profit_bps = self._mapped(lot, self.activations[-1][1])[1]
        return lot.value * (lot.growth - lot.mark) / lot.growth * Fraction(profit_bps, BPS)

    # -- stakers -----------------------------------------------------------------------
    def deposit(self, lot_id: int, owner: str, assets: int, commitment: int, now: int) -> None:
        k = self.stake_count
        # contracts/SPEC.md: the basis counts the account's open lots that can no longer be
        # cancelled and are not leaving, each at its principal (net value at entry price)
        held = sum(self.principal(i) for i, lot in self.lots.items() if lot.owner == owner
                   and not lot.cancelled and not lot.fulfilled and lot.entry < k
                   and lot.exit_point is None)
        basis = assets + held
        schedule = self.activations[-1][1]
        basis = basis // 10**18 * 10**18  # the contract keeps the basis in whole NMR
        fixed, profit = schedule.terms(basis, commitment)
        duration = schedule.commitments[commitment][0]
        self.lots[lot_id] = OracleLot(
            owner=owner, principal=assets, entry=k, basis=basis, duration=duration,
            fixed_bps=fixed, profit_bps=profit, unlock_time=now + duration,
            value=Fraction(assets), last_fee_time=now,
        )
        self.idle += assets
        self.check_conservation()

    def cancel(self, lot_id: int, paid: int) -> None:
        """The system returned `paid` for a cancelled deposit: never more than it held."""
        lot = self.lots[lot_id]
        assert lot.entry == self.stake_count and not lot.cancelled, "cancel after a stake"
        assert paid <= lot.value, "a cancel returned more than the deposit held"
        lot.cancelled = True
        self.dust_kept += lot.value - paid  # rounding the vault kept
        self.idle -= paid
        self.check_conservation()

    def charge_fixed(self, lot_id: int, now: int) -> Fraction:
        lot = self.lots[lot_id]
        fee = self.accrued_fixed(lot_id, now)
        lot.value -= fee
        lot.fees += fee
        self.fees_owed += fee
        lot.last_fee_time = max(lot.last_fee_time, now)
        self.check_conservation()
        return fee

    def charge(self, lot_id: int, now: int) -> Fraction:
        """One charge with crystallization (checkpoint, roll): the fixed fee and the profit
        share are both reckoned on the lot's units before this charge (the spec's
        `fee += units * ...`), together capped at the lot's value."""
        lot = self.lots[lot_id]
        fixed = self.accrued_fixed(lot_id, now)
        profit = min(self.profit_share(lot_id), lot.value - fixed)
        lot.value -= fixed + profit
        lot.fees += fixed + profit
        self.fees_owed += fixed + profit
        lot.last_fee_time = max(lot.last_fee_time, now)
        lot.mark = max(lot.mark, lot.growth)
        self.check_conservation()
        return fixed + profit

    def crystallize(self, lot_id: int) -> Fraction:
        lot = self.lots[lot_id]
        fee = self.profit_share(lot_id)
        lot.value -= fee
        lot.fees += fee
        self.fees_owed += fee
        lot.mark = max(lot.mark, lot.growth)
        self.check_conservation()
        return fee

    def request_exit(self, lot_id: int, now: int) -> None:
        lot = self.lots[lot_id]
        assert lot.exit_point is None and self.applied_count >= lot.entry
        self.charge_fixed(lot_id, now)
        lot.exit_point = self.stake_count
        self.exit_order.append(lot_id)

    def fulfill(self, lot_id: int) -> Fraction:
        """The system finalized `lot_id`: it must be the oldest unfulfilled exit."""
        waiting = [i for i in self.exit_order if not self.lots[i].fulfilled]
        assert waiting and waiting[0] == lot_id, f"exit {lot_id} fulfilled out of order"
        lot = self.lots[lot_id]
        assert self.is_final(lot), "exit fulfilled before its last round was applied"
        self.crystallize(lot_id)
        net = lot.value
        lot.fulfilled = True
        lot.value = Fraction(0)
        self.claimable[lot.owner] = self.claimable.get(lot.owner, Fraction(0)) + net
        self.check_conservation()
        return net

    def claim(self, owner: str, paid: int) -> None:
        """`paid` left the vault for `owner`: it may not exceed what the oracle owes them."""
        owed = self.claimable.pop(owner, Fraction(0))
        assert paid <= owed + 2, f"{owner} claimed {paid} but was owed {float(owed)}"
        self.idle -= paid
        self.dust_kept += owed - paid  # rounding the vault kept
        self.check_conservation()

    def claim_fees(self, paid: int) -> None:
        self.fees_owed -= paid
        self.idle -= paid
        self.check_conservation()

    # -- rounds ------------------------------------------------------------------------
    def stake(self, amount: int, now: int) -> int:
        self.sequences.append(OracleSequence(amount, now))
        self.idle -= amount
        self.at_stake += amount
        if self.first_stake_time is None:
            self.first_stake_time = now
        self.check_conservation()
        return self.stake_count

    def record(self, seq: int, received: int) -> None:
        sequence = self.sequences[seq - 1]
        assert sequence.received is None, "a sequence was recorded twice"
        sequence.received = received
        self.recorded_total += received

    def write_off(self, seq: int) -> None:
        self.record(seq, 0)
        self.sequences[seq - 1].written_off = True

    def late_arrival(self, amount: int) -> None:
        self.surplus += amount
        self.idle += amount
        self.check_conservation()

    def apply_next(self, now: int | None = None) -> OracleSequence:
        """Apply the next sequence in order (`now`: when, for a wipe-out's shutdown time)."""
        j = self.applied_count + 1
        sequence = self.sequences[j - 1]
        assert sequence.received is not None, "applied before it was recorded"
        exposed = [lot for lot in self.lots.values() if lot.exposed_to(j)]
        eligible = sum((lot.value for lot in exposed), Fraction(0))
        result = sequence.received + self.surplus - sequence.amount
        self.surplus = Fraction(0)
        sequence.eligible, sequence.result = eligible, result
        if eligible == 0:
            # nobody is exposed (only after a wipe-out): what came back waits in the surplus
            # and the surplus stays for the next result (contracts/SPEC.md)
            self.surplus = result + sequence.amount
            self.unbacked += sequence.amount
        elif eligible + result <= 0:
            assert eligible + result == 0, "a loss larger than what was exposed"
            for lot in exposed:
                lot.value = Fraction(0)
                lot.growth = Fraction(0)
            self.wiped_out = True
            if self.shutdown_time is None:
                self.shutdown_time = sequence.stake_time if now is None else now
        else:
            factor = 1 + result / eligible
            for lot in exposed:
                lot.value += result * lot.value / eligible  # pro rata share of P_j
                lot.growth *= factor
        sequence.applied = True
        self.applied += 1
        self.at_stake -= sequence.amount
        self.recorded_total -= sequence.received
        self.idle += sequence.received
        self.check_conservation()
        return sequence

    # -- owner -------------------------------------------------------------------------
    def activate_schedule(self, schedule: ScheduleSpec, now: int) -> None:
        self.activations.append((now, schedule))

    def roll(self, lot_id: int, now: int) -> None:
        lot = self.lots[lot_id]
        self.charge(lot_id, now)
        schedule = self.activations[-1][1]
        index = schedule.commitment_with(lot.duration)
        if index is None:
            index = 0
            lot.duration = schedule.commitments[0][0]
        lot.fixed_bps, lot.profit_bps = schedule.terms(lot.basis, index)

    def shutdown(self, now: int) -> None:
        if self.shutdown_time is None:
            self.shutdown_time = now
