"""A staker's positions, P&L, allocation, value history and CSV export, in integer wei.

Everything here is pure and exact: amounts are `int` wei, shares are `Fraction`s, and the
export writes amounts as exact decimal strings in NMR. The verification panel cites these
definitions.

Definitions for one lot (values as `VaultLens.lot` reports them, VAULT_SPEC.md section 6):

- **principal**: the NMR deposited into the lot (its entry amount).
- **value**: what the lot is worth now inside the vault, **net of accrued fees** (fees
  accrued but not yet charged). Gross value = value + fees accrued.
- **returned**: NMR that already left the lot for its owner (a fulfilled exit moved to
  claimable or claimed, or a cancelled deposit). A closed lot has value 0.
- **fees paid**: fees already charged out of the lot; **fees accrued**: owed but uncharged.
- **P&L** = value + returned − principal. Every fee is already out of it (charged fees left
  the lot's value, accrued ones are netted from it). P&L before fees = P&L + fees paid +
  fees accrued. Return on principal = P&L / principal (a `Fraction`).

For a vault position and the portfolio, each figure is the sum over the lots, so the same
identities hold exactly. **Allocation** of a vault = its lots' value / the value of all
lots (a `Fraction`; the shares sum to exactly 1).

**Value history** (`value_series`): replays the vault events of the staker's lots (deposit,
cancel, exit request, fulfilment, fee charge) together with each held vault's
`RoundSettled` index G. A lot that entered at stake count k is worth its principal (less
fees charged) while applied count S ≤ k, then principal × G[min(S, x)] / G[k], where x is
its exit point once it asked to leave; a fee charge lowers it by the fee at that moment.
Each point also carries **invested** = deposits − NMR returned, so P&L at that time =
value − invested. The series is exact in fractions and floored to wei per point, so it can
differ from the chain's unit-rounded values by dust; the lot table uses the lens's values.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from fractions import Fraction

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.rebalance import LotHolding
from numerbay_desktop.core.units import format_amount

RAY = 10**27


# One sentence per figure, for the verification panel next to each number.
DEFINITIONS: dict[str, str] = {
    "value": "What the lot is worth inside the vault now, net of accrued fees "
    "(VaultLens.lot value).",
    "pnl": "Value + NMR already returned − principal; every fee is already out of it.",
    "pnl_before_fees": "P&L + fees paid + fees accrued.",
    "return_on_principal": "P&L divided by principal.",
    "allocation": "The vault's value divided by the value of all your lots.",
    "invested": "NMR deposited minus NMR returned, at each point of the value history.",
}


class LotState(StrEnum):
    PENDING = "pending"
    JOINED = "joined"
    ACTIVE = "active"
    EXITING = "exiting"
    FINAL = "final"
    CLOSED = "closed"  # fulfilled or cancelled: nothing left inside the vault

    @classmethod
    def from_code(cls, code: int) -> LotState:
        """The state from `LotView.state` (0 pending … 4 final, 5 closed)."""
        order = list(cls)
        if not 0 <= code < len(order):
            raise InvalidInput(f"Unknown lot state code {code}.")
        return order[code]


OPEN_STATES = frozenset({LotState.PENDING, LotState.JOINED, LotState.ACTIVE})
EXIT_STATES = frozenset({LotState.JOINED, LotState.ACTIVE})  # may request an exit once unlocked


def _require_wei(name: str, amount: object) -> None:
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise InvalidInput(f"The {name} must be a whole number of wei, at least 0.")


class _Figures:
    """The P&L identities shared by one lot and by a sum of lots (exact, in wei)."""

    value: int
    fees_accrued: int
    fees_paid: int
    returned: int
    principal: int

    @property
    def gross_value(self) -> int:
        return self.value + self.fees_accrued

    @property
    def fees_total(self) -> int:
        return self.fees_paid + self.fees_accrued

    @property
    def pnl(self) -> int:
        return self.value + self.returned - self.principal

    @property
    def pnl_before_fees(self) -> int:
        return self.pnl + self.fees_total


@dataclass(frozen=True)
class Lot(_Figures):
    """One of the staker's lots, with the figures defined in the module docstring."""

    vault: str
    lot_id: int
    principal: int  # wei
    value: int  # wei, net of accrued fees
    fees_paid: int  # wei
    fees_accrued: int  # wei
    state: LotState
    unlock_time: int  # seconds since the epoch
    commitment: int  # seconds the lot is locked after its deposit
    returned: int = 0  # wei already paid back to the owner out of this lot
    account: str = ""  # the lot's owner

    def __post_init__(self) -> None:
        for name in ("principal", "value", "fees_paid", "fees_accrued", "returned"):
            _require_wei(name.replace("_", " "), getattr(self, name))
        if not isinstance(self.state, LotState):
            raise InvalidInput("A lot's state must be one of pending, joined, active, exiting, "
                               "final or closed.")

    def is_unlocked(self, now: int) -> bool:
        return now >= self.unlock_time

    def can_request_exit(self, now: int, vault_unlocked: bool = False) -> bool:
        """Joined or active, and unlocked (or the vault shut down or is stalled)."""
        return self.state in EXIT_STATES and (vault_unlocked or self.is_unlocked(now))


@dataclass(frozen=True)
class Totals(_Figures):
    """Sums over a set of lots; `pnl` = value + returned − principal holds exactly."""

    principal: int = 0
    value: int = 0
    fees_paid: int = 0
    fees_accrued: int = 0
    returned: int = 0
    lots: int = 0
    open_lots: int = 0  # pending, joined or active

    @property
    def return_on_principal(self) -> Fraction | None:
        return Fraction(self.pnl, self.principal) if self.principal else None


def totals(lots: Iterable[Lot]) -> Totals:
    """Sum the lots' figures."""
    items = list(lots)
    return Totals(
        principal=sum(lot.principal for lot in items),
        value=sum(lot.value for lot in items),
        fees_paid=sum(lot.fees_paid for lot in items),
        fees_accrued=sum(lot.fees_accrued for lot in items),
        returned=sum(lot.returned for lot in items),
        lots=len(items),
        open_lots=sum(1 for lot in items if lot.state in OPEN_STATES),
    )


@dataclass(frozen=True)
class VaultPosition:
    vault: str
    lots: tuple[Lot, ...]
    totals: Totals


def positions(lots: Iterable[Lot]) -> list[VaultPosition]:
    """Lots grouped by vault (vaults sorted, lots by id), each with its totals."""
    grouped: dict[str, list[Lot]] = defaultdict(list)
    for lot in lots:
        grouped[lot.vault].append(lot)
    result = []
    for vault in sorted(grouped):
        members = tuple(sorted(grouped[vault], key=lambda lot: lot.lot_id))
        result.append(VaultPosition(vault, members, totals(members)))
    return result


def allocation(lots: Iterable[Lot]) -> dict[str, Fraction]:
    """Each vault's share of the value held (vaults worth 0 left out; empty if all are 0)."""
    by_vault: dict[str, int] = defaultdict(int)
    for lot in lots:
        by_vault[lot.vault] += lot.value
    whole = sum(by_vault.values())
    if whole == 0:
        return {}
    return {vault: Fraction(value, whole) for vault, value in sorted(by_vault.items()) if value}


def lot_holdings(
    lots: Iterable[Lot], now: int, unlocked_vaults: frozenset[str] = frozenset()
) -> dict[str, tuple[LotHolding, ...]]:
    """The open lots (pending, joined, active) per vault as the rebalancer sees them.

    Exiting and final lots are already leaving and are left out. `unlocked_vaults` are
    vaults that are shut down or stalled, where every lot may leave.
    """
    grouped: dict[str, list[LotHolding]] = defaultdict(list)
    for lot in sorted(lots, key=lambda lot: (lot.vault, lot.lot_id)):
        if lot.state in OPEN_STATES:
            can_exit = lot.can_request_exit(now, lot.vault in unlocked_vaults)
            grouped[lot.vault].append(LotHolding(lot.lot_id, lot.value, can_exit, lot.account))
    return {vault: tuple(members) for vault, members in grouped.items()}


# ---------------------------------------------------------------- events and value history


@dataclass(frozen=True)
class DepositEvent:
    timestamp: int
    vault: str
    lot_id: int
    amount: int  # wei (`Deposit.assets`)
    entry_seq: int  # stake count K at the deposit: the lot is exposed from K + 1 on
    kind: str = field(default="deposit", init=False)


@dataclass(frozen=True)
class CancelEvent:
    timestamp: int
    vault: str
    lot_id: int
    amount: int  # wei returned (`DepositCancelled.assets`)
    kind: str = field(default="deposit_cancelled", init=False)


@dataclass(frozen=True)
class ExitRequestEvent:
    timestamp: int
    vault: str
    lot_id: int
    exit_seq: int  # x: the last sequence the lot is exposed to
    kind: str = field(default="exit_requested", init=False)


@dataclass(frozen=True)
class ExitFulfilledEvent:
    timestamp: int
    vault: str
    lot_id: int
    amount: int  # wei moved to the owner's claimable (`ExitFulfilled.assets`)
    profit_fee: int = 0  # wei
    kind: str = field(default="exit_fulfilled", init=False)


@dataclass(frozen=True)
class FeeEvent:
    timestamp: int
    vault: str
    lot_id: int
    amount: int  # wei charged (`FeesCharged.fixed_fee + profit_fee`)
    kind: str = field(default="fee", init=False)


@dataclass(frozen=True)
class ClaimEvent:
    timestamp: int
    vault: str
    amount: int  # wei sent to the wallet (`Claimed.assets`); no effect on value or invested
    kind: str = field(default="claim", init=False)


@dataclass(frozen=True)
class IndexEvent:
    timestamp: int
    vault: str
    seq: int  # the applied sequence j (`RoundSettled.seq`); S becomes j
    index_ray: int  # G[j]
    kind: str = field(default="round_settled", init=False)


PortfolioEvent = (
    DepositEvent
    | CancelEvent
    | ExitRequestEvent
    | ExitFulfilledEvent
    | FeeEvent
    | ClaimEvent
    | IndexEvent
)


@dataclass(frozen=True)
class ValuePoint:
    timestamp: int
    value: int  # wei in the staker's lots, floored
    invested: int  # wei deposited minus wei returned

    @property
    def pnl(self) -> int:
        return self.value - self.invested


@dataclass
class _LotReplay:
    entry_seq: int
    base: Fraction  # principal left, valued at G[entry_seq]
    exit_seq: int | None = None


@dataclass
class _VaultReplay:
    applied: int = 0  # S
    index: dict[int, int] = field(default_factory=lambda: {0: RAY})  # seq -> G
    lots: dict[int, _LotReplay] = field(default_factory=dict)

    def lot_value(self, lot: _LotReplay) -> Fraction:
        if self.applied <= lot.entry_seq:
            return lot.base
        end = self.applied if lot.exit_seq is None else min(self.applied, lot.exit_seq)
        entry, now = self._index(lot.entry_seq), self._index(end)
        return lot.base * now / entry if entry else Fraction(0)

    def _index(self, seq: int) -> int:
        if seq not in self.index:
            raise InvalidInput(f"The round history lacks the index of sequence {seq}.")
        return self.index[seq]


def _apply(vaults: dict[str, _VaultReplay], event: PortfolioEvent) -> int:
    """Apply one event to the replay; returns the change to `invested` in wei."""
    vault = vaults.setdefault(event.vault, _VaultReplay())
    if isinstance(event, IndexEvent):
        vault.index[event.seq] = event.index_ray
        vault.applied = max(vault.applied, event.seq)
        return 0
    if isinstance(event, DepositEvent):
        vault.lots[event.lot_id] = _LotReplay(event.entry_seq, Fraction(event.amount))
        return event.amount
    if isinstance(event, CancelEvent | ExitFulfilledEvent):
        vault.lots.pop(event.lot_id, None)
        return -event.amount
    lot = vault.lots.get(event.lot_id) if not isinstance(event, ClaimEvent) else None
    if lot is None:
        return 0
    if isinstance(event, ExitRequestEvent):
        lot.exit_seq = event.exit_seq
    elif isinstance(event, FeeEvent):
        now = vault.lot_value(lot)
        lot.base = lot.base * (now - event.amount) / now if now > 0 else Fraction(0)
        lot.base = max(lot.base, Fraction(0))
    return 0


def value_series(events: Sequence[PortfolioEvent]) -> list[ValuePoint]:
    """The portfolio's value and invested NMR after each moment that has events.

    Events are replayed in timestamp order (the given order within one timestamp); give
    every `RoundSettled` of the held vaults from the first deposit's entry sequence on.
    """
    vaults: dict[str, _VaultReplay] = {}
    invested = 0
    points: list[ValuePoint] = []
    for event in sorted(events, key=lambda event: event.timestamp):
        invested += _apply(vaults, event)
        value = sum(
            (v.lot_value(lot) for v in vaults.values() for lot in v.lots.values()), Fraction(0)
        )
        point = ValuePoint(event.timestamp, math.floor(value), invested)
        if points and points[-1].timestamp == event.timestamp:
            points[-1] = point
        else:
            points.append(point)
    return points


# ---------------------------------------------------------------- CSV export

CSV_HEADER = ("date", "type", "vault", "lot_id", "amount_nmr", "note")


def iso_date(timestamp: int) -> str:
    """Seconds since the epoch as ISO 8601 in UTC, e.g. 2026-11-25T19:18:12Z."""
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def nmr_text(wei: int) -> str:
    """Exact decimal NMR without grouping, e.g. 1.5 or -0.000000000000000001."""
    return format_amount(wei, thousands=False)


def _event_row(event: PortfolioEvent) -> tuple[str, ...] | None:
    date = iso_date(event.timestamp)
    if isinstance(event, IndexEvent):
        return None
    if isinstance(event, ClaimEvent):
        return (date, event.kind, event.vault, "", nmr_text(event.amount), "")
    if isinstance(event, ExitRequestEvent):
        note = f"exposed through sequence {event.exit_seq}"
        return (date, event.kind, event.vault, str(event.lot_id), "", note)
    note = ""
    if isinstance(event, DepositEvent):
        note = f"joins from sequence {event.entry_seq + 1}"
    elif isinstance(event, ExitFulfilledEvent) and event.profit_fee:
        note = f"after a profit share of {nmr_text(event.profit_fee)} NMR"
    return (date, event.kind, event.vault, str(event.lot_id), nmr_text(event.amount), note)


def csv_rows(
    events: Sequence[PortfolioEvent], lots: Sequence[Lot], as_of: int
) -> list[tuple[str, ...]]:
    """The export: a header, the events in time order (not the per-round index updates),
    then each lot's value, accrued fees and P&L as of `as_of`."""
    rows: list[tuple[str, ...]] = [CSV_HEADER]
    for event in sorted(events, key=lambda event: event.timestamp):
        row = _event_row(event)
        if row is not None:
            rows.append(row)
    date = iso_date(as_of)
    for lot in sorted(lots, key=lambda lot: (lot.vault, lot.lot_id)):
        lot_id, state = str(lot.lot_id), f"state {lot.state.value}"
        rows.append((date, "value", lot.vault, lot_id, nmr_text(lot.value), state))
        rows.append((date, "fees_accrued", lot.vault, lot_id, nmr_text(lot.fees_accrued), ""))
        rows.append((date, "pnl", lot.vault, lot_id, nmr_text(lot.pnl), "after all fees"))
    return rows


__all__ = [
    "CSV_HEADER",
    "DEFINITIONS",
    "EXIT_STATES",
    "OPEN_STATES",
    "CancelEvent",
    "ClaimEvent",
    "DepositEvent",
    "ExitFulfilledEvent",
    "ExitRequestEvent",
    "FeeEvent",
    "IndexEvent",
    "Lot",
    "LotState",
    "PortfolioEvent",
    "Totals",
    "ValuePoint",
    "VaultPosition",
    "allocation",
    "csv_rows",
    "iso_date",
    "lot_holdings",
    "nmr_text",
    "positions",
    "totals",
    "value_series",
]
