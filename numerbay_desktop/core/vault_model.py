"""A pure-Python NumerBayVault: the contract's bucket-and-index accounting, integer for integer.

The app uses it to project a vault forward (what a lot is worth after the pending rounds
settle at some return, what an exit would pay); the tests use it twice: against the exact
brute-force oracle (tests/contracts/oracle.py) on random histories, and against the chain.
It mirrors `contracts/NumerBayVault.vy`, `vault/ledger.vy` and `VaultAdmin.vy` (storage
fields, rounding and order of operations) without tokens, signatures or the factory.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from numerbay_desktop.core.vault_math import (
    BPS,
    MAX_OPEN_LOTS,
    RAY,
    YEAR,
    Schedule,
    Terms,
    VaultRuleError,
    ceil_div,
    fee_bps_seconds,
    mapped_terms,
    next_index,
    terms_for,
    tier_for_basis,
)

NMR = 10**18
AUTO_APPLY = 8  # sequences a settlement applies
AUTO_FULFILL = 8  # exits a settlement finishes
MAX_FULFILL = 50
MAX_APPLY = 64

PENDING, JOINED, ACTIVE, EXITING, FINAL, CLOSED = 0, 1, 2, 3, 4, 5  # LotView.state


@dataclass
class Lot:
    owner: str
    principal: int  # value while pending or joined; units x G[entry] once active
    entry_seq: int
    basis_nmr: int  # tier basis in whole NMR
    duration: int
    fixed_bps: int  # snapshot, effective
    profit_bps: int
    unlock_time: int
    last_fee_time: int
    last_crystallized: int
    hwm_seq: int  # the high-water mark is G[hwm_seq]
    exit_seq: int | None = None


@dataclass
class Seq:
    round_id: int
    amount: int
    stake_time: int
    recorded: bool = False
    written_off: bool = False
    late_booked: bool = False
    applied: bool = False
    received: int = 0


@dataclass
class VaultModel:
    """One vault's ledger. Methods raise `VaultRuleError` where the contract reverts."""

    schedule: Schedule
    now: int = 0
    max_round_bps: int = 313
    max_at_stake_bps: int = 9_500
    schedule_delay: int = 7 * 86_400
    max_settle_delay: int = 150 * 86_400
    min_deposit: int = NMR
    capacity: int = 2**96 - 1
    versions: list[tuple[int, Schedule]] = field(default_factory=list)
    lots: dict[int, Lot] = field(default_factory=dict)
    seqs: list[Seq] = field(default_factory=list)
    index: list[int] = field(default_factory=lambda: [RAY])  # G[0..S]
    buckets: dict[int, int] = field(default_factory=dict)
    exit_units: dict[int, int] = field(default_factory=dict)
    queue: list[int] = field(default_factory=list)
    queue_head: int = 0
    claimable: dict[str, int] = field(default_factory=dict)
    last_lot_id: int = 0
    units_total: int = 0
    exiting_units: int = 0
    idle: int = 0
    at_stake: int = 0
    recorded_total: int = 0
    exits_due: int = 0
    claimable_total: int = 0
    fees_owed: int = 0
    surplus: int = 0
    first_stake_time: int = 0
    shutdown_time: int = 0
    shut_down: bool = False
    stall_declared: bool = False
    owner: str = ""  # until registered (first stake) only the owner may deposit
    registered: bool = True

    def __post_init__(self) -> None:
        if not self.versions:
            self.versions.append((self.now, self.schedule))

    # -- figures -------------------------------------------------------------------------
    @property
    def stake_count(self) -> int:
        return len(self.seqs)

    @property
    def applied_count(self) -> int:
        return len(self.index) - 1

    @property
    def index_ray(self) -> int:
        return self.index[-1]

    @property
    def current(self) -> Schedule:
        return self.versions[-1][1]

    def exposed_value(self) -> int:
        folded = (self.units_total - self.exiting_units) * self.index_ray // RAY
        return folded + sum(self.buckets.values())

    def stalled(self) -> bool:
        s = self.applied_count
        if not self.stall_declared or s >= self.stake_count:
            return False
        return self.seqs[s].stake_time + self.max_settle_delay < self.now

    def overdue(self) -> bool:
        s = self.applied_count
        return s < self.stake_count and self.seqs[s].stake_time + self.max_settle_delay < self.now

    def units(self, lot: Lot) -> int:
        g = self.index[lot.entry_seq] if lot.entry_seq <= self.applied_count else 0
        return lot.principal * RAY // g if g else 0

    def state(self, lot_id: int) -> int:
        lot = self.lots.get(lot_id)
        if lot is None:
            return CLOSED
        s = self.applied_count
        if lot.exit_seq is not None:
            return FINAL if s >= lot.exit_seq else EXITING
        if s < lot.entry_seq:
            return PENDING
        return JOINED if s == lot.entry_seq else ACTIVE

    def final_value(self, lot: Lot) -> tuple[int, int]:
        """(value, profit fee) of a final lot."""
        assert lot.exit_seq is not None
        g_e = self.index[lot.entry_seq]
        if g_e == 0:
            return lot.principal, 0
        units = lot.principal * RAY // g_e
        g_x, g_h = self.index[lot.exit_seq], self.index[lot.hwm_seq]
        value = units * g_x // RAY
        fee = 0
        if g_x > g_h:
            fee = min(ceil_div(units * (g_x - g_h) * self.profit_bps_now(lot), RAY * BPS), value)
        return value, fee

    def lot_value(self, lot_id: int) -> int:
        """Booked value: principal while pending/joined, units x G after, final value when final."""
        lot, state = self.lots.get(lot_id), self.state(lot_id)
        if lot is None:
            return 0
        if state in (PENDING, JOINED) or self.index[lot.entry_seq] == 0:
            return lot.principal
        if state == FINAL:
            return self.final_value(lot)[0]
        return self.units(lot) * self.index_ray // RAY

    def terms_now(self, lot: Lot) -> Terms:
        snapshot = Terms(lot.fixed_bps, lot.profit_bps)
        return mapped_terms(self.current, lot.basis_nmr * NMR, lot.duration, snapshot)

    def profit_bps_now(self, lot: Lot) -> int:
        return self.terms_now(lot).profit_bps

    def fixed_rate_time(self, lot: Lot, end: int) -> int:
        start = max(lot.last_fee_time, self.first_stake_time)
        if self.first_stake_time == 0 or start >= end:
            return 0
        snapshot = Terms(lot.fixed_bps, lot.profit_bps)
        return fee_bps_seconds(
            self.versions, lot.basis_nmr * NMR, lot.duration, snapshot, start, end
        )

    def accrued_fixed_fee(self, lot_id: int) -> int:
        """Fixed fee (NMR) the lot would be charged now; 0 once it asked to leave."""
        lot = self.lots.get(lot_id)
        if lot is None or lot.exit_seq is not None:
            return 0
        acc = self.fixed_rate_time(lot, self.shutdown_time or self.now)
        g_e = self.index[lot.entry_seq] if self.applied_count > lot.entry_seq else 0
        if g_e:
            units = lot.principal * RAY // g_e
            fee_units = min(ceil_div(units * acc, BPS * YEAR), units)
            return fee_units * self.index_ray // RAY
        return min(ceil_div(lot.principal * acc, BPS * YEAR), lot.principal)

    # -- internal ledger -----------------------------------------------------------------
    def _bucket_sub(self, k: int, amount: int) -> None:
        self.buckets[k] -= amount

    def _charge(self, lot_id: int, crystallize: bool) -> tuple[int, int]:
        lot = self.lots[lot_id]
        k, s = lot.entry_seq, self.applied_count
        acc = self.fixed_rate_time(lot, self.shutdown_time or self.now)
        fixed_fee = profit_fee = 0
        g_e = self.index[k] if s > k else 0
        if g_e:
            g_now = self.index_ray
            units = lot.principal * RAY // g_e
            fee_u = min(ceil_div(units * acc, BPS * YEAR), units)
            prof_u = 0
            if crystallize:
                g_h = self.index[lot.hwm_seq]
                if g_now > g_h:
                    pbps = self.profit_bps_now(lot)
                    prof_u = min(ceil_div(units * (g_now - g_h) * pbps, g_now * BPS),
                                 units - fee_u)
                    lot.hwm_seq = s
            if fee_u + prof_u > 0:
                self.units_total -= fee_u + prof_u
                lot.principal = (units - fee_u - prof_u) * g_e // RAY
                fixed_fee = fee_u * g_now // RAY
                profit_fee = prof_u * g_now // RAY
        else:
            fixed_fee = min(ceil_div(lot.principal * acc, BPS * YEAR), lot.principal)
            if fixed_fee:
                lot.principal -= fixed_fee
                self._bucket_sub(k, fixed_fee)
        lot.last_fee_time = self.now
        if crystallize:
            lot.last_crystallized = self.now
        self.fees_owed += fixed_fee + profit_fee
        return fixed_fee, profit_fee

    def _own(self, lot_id: int, owner: str) -> Lot:
        lot = self.lots.get(lot_id)
        if lot is None:
            raise VaultRuleError("NumerBayVault: no such lot")
        if lot.owner != owner:
            raise VaultRuleError("NumerBayVault: not lot owner")
        return lot

    # -- stakers -------------------------------------------------------------------------
    def open_lots(self, owner: str) -> list[int]:
        return [i for i, lot in self.lots.items() if lot.owner == owner]

    def tier_basis(self, owner: str, assets: int) -> int:
        k = self.stake_count
        return assets + sum(lot.principal for lot in self.lots.values() if lot.owner == owner
                            and lot.entry_seq < k and lot.exit_seq is None)

    def deposit(self, owner: str, assets: int, commitment_id: int,
                max_fixed_bps: int = BPS, max_profit_bps: int = BPS) -> int:
        if self.shut_down:
            raise VaultRuleError("NumerBayVault: shut down")
        if self.stalled():
            raise VaultRuleError("NumerBayVault: stalled")
        if not self.registered and owner != self.owner:
            raise VaultRuleError("NumerBayVault: not registered")
        if assets < self.min_deposit:
            raise VaultRuleError("NumerBayVault: below min deposit")
        if self.idle + self.at_stake + assets > self.capacity:
            raise VaultRuleError("NumerBayVault: over capacity")
        basis = self.tier_basis(owner, assets)
        if len(self.open_lots(owner)) >= MAX_OPEN_LOTS:
            raise VaultRuleError("NumerBayVault: too many lots")
        schedule = self.current
        if commitment_id >= len(schedule.commitments):
            raise VaultRuleError("NumerBayVault: unknown commitment")
        basis_nmr = min(basis // NMR, 2**32 - 1)
        terms = terms_for(schedule, basis_nmr * NMR, commitment_id)
        if terms.fixed_bps > max_fixed_bps:
            raise VaultRuleError("NumerBayVault: fixed fee above max")
        if terms.profit_bps > max_profit_bps:
            raise VaultRuleError("NumerBayVault: profit share above max")
        k = self.stake_count
        duration = schedule.commitments[commitment_id].duration
        self.last_lot_id += 1
        self.lots[self.last_lot_id] = Lot(
            owner=owner, principal=assets, entry_seq=k, basis_nmr=basis_nmr, duration=duration,
            fixed_bps=terms.fixed_bps, profit_bps=terms.profit_bps,
            unlock_time=self.now + duration, last_fee_time=self.now,
            last_crystallized=self.now, hwm_seq=k,
        )
        self.buckets[k] = self.buckets.get(k, 0) + assets
        self.idle += assets
        return self.last_lot_id

    def tier_id(self, owner: str, assets: int) -> int:
        basis_nmr = min(self.tier_basis(owner, assets) // NMR, 2**32 - 1)
        return tier_for_basis(self.current.tiers, basis_nmr * NMR)

    def cancel_deposit(self, owner: str, lot_id: int) -> int:
        lot = self._own(lot_id, owner)
        if lot.exit_seq is not None:
            raise VaultRuleError("NumerBayVault: already exiting")
        if lot.entry_seq != self.stake_count:
            raise VaultRuleError("NumerBayVault: already staked")
        self.buckets[lot.entry_seq] -= lot.principal
        self.idle -= lot.principal
        del self.lots[lot_id]
        return lot.principal

    def request_exit(self, owner: str, lot_id: int) -> int:
        lot = self._own(lot_id, owner)
        if lot.exit_seq is not None:
            raise VaultRuleError("NumerBayVault: already exiting")
        k, s = lot.entry_seq, self.applied_count
        if s < k:
            raise VaultRuleError("NumerBayVault: not joined")
        if self.now < lot.unlock_time and not (self.shut_down or self.stalled()):
            raise VaultRuleError("NumerBayVault: locked")
        x, g_e = self.stake_count, self.index[k]
        if x != s and g_e == 0:
            raise VaultRuleError("NumerBayVault: not joined")
        self._charge(lot_id, False)
        folded = s > k and g_e != 0
        if x == s:
            value = lot.principal
            if g_e:
                units = lot.principal * RAY // g_e
                value = units * self.index_ray // RAY
                if folded:
                    self.units_total -= units
            if not folded:
                self._bucket_sub(k, lot.principal)
            self.exits_due += value
        else:
            units = lot.principal * RAY // g_e
            if not folded:
                self._bucket_sub(k, lot.principal)
                self.units_total += units
            self.exit_units[x] = self.exit_units.get(x, 0) + units
            self.exiting_units += units
        lot.exit_seq = x
        self.queue.append(lot_id)
        return x

    def fulfill(self, max_count: int) -> list[tuple[int, int, int]]:
        """Finish final exits in order; returns (lot id, paid, profit fee) for each."""
        done: list[tuple[int, int, int]] = []
        s = self.applied_count
        while len(done) < min(max_count, MAX_FULFILL) and self.queue_head < len(self.queue):
            lot_id = self.queue[self.queue_head]
            lot = self.lots[lot_id]
            assert lot.exit_seq is not None
            if lot.exit_seq > s:
                break
            value, fee = self.final_value(lot)
            pay = value - fee
            if self.idle < self.claimable_total + pay:
                break
            self.exits_due -= value
            self.claimable[lot.owner] = self.claimable.get(lot.owner, 0) + pay
            self.claimable_total += pay
            self.fees_owed += fee
            del self.lots[lot_id]
            self.queue_head += 1
            done.append((lot_id, pay, fee))
        return done

    def claim(self, owner: str) -> int:
        amount = self.claimable.get(owner, 0)
        if amount == 0:
            raise VaultRuleError("NumerBayVault: nothing to claim")
        self.claimable[owner] = 0
        self.claimable_total -= amount
        self.idle -= amount
        return amount

    def checkpoint(self, lot_id: int) -> tuple[int, int]:
        lot = self.lots.get(lot_id)
        if lot is None:
            raise VaultRuleError("NumerBayVault: no such lot")
        if lot.exit_seq is not None:
            raise VaultRuleError("NumerBayVault: exiting")
        if self.now < lot.last_crystallized + YEAR:
            raise VaultRuleError("NumerBayVault: too early")
        return self._charge(lot_id, True)

    # -- rounds --------------------------------------------------------------------------
    def reserves(self) -> int:
        exiting = ceil_div(self.exiting_units * self.index_ray, RAY)
        return self.claimable_total + self.exits_due + self.fees_owed + exiting

    def stake_ceiling(self) -> int:
        """The largest amount stake_round accepts now (before Numerai's max_amount)."""
        exposed = self.exposed_value()
        return max(0, min(exposed * self.max_round_bps // BPS,
                          exposed * self.max_at_stake_bps // BPS - self.at_stake,
                          self.idle - self.reserves()))

    def stake(self, amount: int, round_id: int | None = None) -> int:
        if self.shut_down:
            raise VaultRuleError("NumerBayVault: shut down")
        if self.stalled():
            raise VaultRuleError("NumerBayVault: stalled")
        last = self.seqs[-1].round_id if self.seqs else 0
        rid = last + 1 if round_id is None else round_id
        if rid <= last:
            raise VaultRuleError("NumerBayVault: round not new")
        if amount <= 0:
            raise VaultRuleError("NumerBayVault: bad amount")
        exposed = self.exposed_value()
        if amount > exposed * self.max_round_bps // BPS:
            raise VaultRuleError("NumerBayVault: above round cap")
        if self.at_stake + amount > exposed * self.max_at_stake_bps // BPS:
            raise VaultRuleError("NumerBayVault: above at-stake cap")
        if self.idle < self.reserves() + amount:
            raise VaultRuleError("NumerBayVault: eats reserves")
        self.seqs.append(Seq(rid, amount, self.now))
        self.idle -= amount
        self.at_stake += amount
        if self.first_stake_time == 0:
            self.first_stake_time = self.now
        self.registered = True
        return self.stake_count

    def record(self, j: int, received: int) -> list[tuple[int, int, int]]:
        """Book `received` NMR for sequence j, then apply and fulfil what is ready."""
        seq = self.seqs[j - 1]
        if seq.written_off:
            if seq.late_booked:
                raise VaultRuleError("NumerBayVault: already recorded")
            seq.late_booked = True
            self.surplus += received
            self.idle += received
        else:
            if seq.recorded:
                raise VaultRuleError("NumerBayVault: already recorded")
            seq.recorded = True
            seq.received = received
            self.recorded_total += received
        self.apply(AUTO_APPLY)
        return self.fulfill(AUTO_FULFILL)

    def write_off(self) -> list[tuple[int, int, int]]:
        j = self.applied_count + 1
        if j > self.stake_count:
            raise VaultRuleError("NumerBayVault: nothing to write off")
        seq = self.seqs[j - 1]
        if seq.recorded:
            raise VaultRuleError("NumerBayVault: already recorded")
        if seq.stake_time + self.max_settle_delay >= self.now:
            raise VaultRuleError("NumerBayVault: too early")
        seq.recorded = seq.written_off = True
        self.apply(AUTO_APPLY)
        return self.fulfill(AUTO_FULFILL)

    def declare_stalled(self) -> None:
        if self.stall_declared:
            raise VaultRuleError("NumerBayVault: already stalled")
        self.stall_declared = True
        if not self.stalled():
            self.stall_declared = False
            raise VaultRuleError("NumerBayVault: not stalled")

    def apply(self, max_count: int) -> int:
        done = 0
        while done < min(max_count, MAX_APPLY) and self.applied_count < self.stake_count:
            s = self.applied_count
            j = s + 1
            seq = self.seqs[j - 1]
            if not seq.recorded:
                break
            g_prev, u = self.index_ray, self.units_total
            b = self.buckets.get(s, 0)
            if b and g_prev:
                u += b * RAY // g_prev
                self.buckets[s] = 0
            x_val = u * g_prev // RAY
            self.at_stake -= seq.amount
            self.recorded_total -= seq.received
            self.idle += seq.received
            g_new = g_prev
            if x_val == 0:
                self.surplus += seq.received
            else:
                gain = seq.received + self.surplus
                self.surplus = 0
                g_new = next_index(g_prev, gain, seq.amount, u)
            seq.applied = True
            self.index.append(g_new)
            e = self.exit_units.pop(j, 0)
            if e:
                self.exits_due += e * g_new // RAY
                u -= e
                self.exiting_units -= e
            self.units_total = u
            done += 1
            if g_new == 0 and self.shutdown_time == 0:
                self.shut_down = True
                self.shutdown_time = self.now
        if self.stall_declared and not self.stalled():
            self.stall_declared = False
        return done

    # -- owner ---------------------------------------------------------------------------
    def activate_schedule(self, schedule: Schedule) -> None:
        self.versions.append((self.now, schedule))

    def roll(self, lot_ids: list[int]) -> None:
        activated_at, schedule = self.versions[-1]
        if activated_at + self.schedule_delay > self.now:
            raise VaultRuleError("VaultAdmin: schedule too new")
        for lot_id in lot_ids:
            lot = self.lots.get(lot_id)
            if lot is None:
                raise VaultRuleError("VaultAdmin: no such lot")
            if lot.exit_seq is not None:
                raise VaultRuleError("VaultAdmin: exiting")
            if self.now < lot.unlock_time:
                raise VaultRuleError("VaultAdmin: locked")
        for lot_id in lot_ids:
            lot = self.lots[lot_id]
            self._charge(lot_id, True)
            commitment_id = 0
            for index, commitment in enumerate(schedule.commitments):
                if commitment.duration == lot.duration:
                    commitment_id = index
                    break
            lot.duration = schedule.commitments[commitment_id].duration
            terms = terms_for(schedule, lot.basis_nmr * NMR, commitment_id)
            lot.fixed_bps, lot.profit_bps = terms.fixed_bps, terms.profit_bps

    def shutdown(self) -> None:
        if self.shut_down:
            raise VaultRuleError("VaultAdmin: already shut down")
        self.shut_down = True
        self.shutdown_time = self.now

    def claim_fees(self, protocol_fee_bps: int = 0) -> tuple[int, int]:
        """Pays fees from idle beyond claimable + exits due: (owner part, protocol cut)."""
        reserved = self.claimable_total + self.exits_due
        if self.idle <= reserved:
            raise VaultRuleError("VaultAdmin: no idle NMR")
        pay = min(self.fees_owed, self.idle - reserved)
        if pay == 0:
            raise VaultRuleError("VaultAdmin: no fees")
        cut = pay * protocol_fee_bps // BPS
        self.fees_owed -= pay
        self.idle -= pay
        return pay - cut, cut
