"""Rebalancing plans: from the user's lots and target weights to a list of transactions.

Pure and exact: values are integer wei, weights are `Fraction`s. Every action the plan
proposes is still reviewed and signed one by one by the user.

Definitions (the verification panel cites these):

- **Allocation drift** = Σ over vaults |value − target weight × T| / (2 T), with T = the
  value in vaults + cash: 0 on target, ½ when everything is idle, 1 when everything sits in
  vaults with a zero target. Cash and exits on their way back count in no vault.
- **Rebalancing plan**: for each vault above its target, `request_exit` on whole lots that
  can exit now, the subset whose value comes closest to the excess without passing it
  (fewer lots on ties; exact up to 24 exitable lots in a vault, largest-first beyond);
  exiting and final lots are already leaving and are not holdings. Then deposits from
  cash into vaults below target, largest shortfall first, each at most the shortfall, the
  capacity left and the cash left, and skipped below the vault's minimum deposit (the
  16-open-lots limit per account is the caller's check). Exit proceeds arrive only after
  the lot's rounds settle, so they never fund this plan's deposits. Neither step can pass
  a target, so the drift after the plan is never above the drift before.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from numerbay_desktop.core.errors import InvalidInput

EXACT_LOT_LIMIT = 24  # exits are chosen by exact subset search up to this many lots per vault



@dataclass(frozen=True)
class LotHolding:
    """One lot as the rebalancer sees it."""

    lot_id: int
    value: int  # wei, net of accrued fees
    can_exit: bool  # joined or active, and unlocked now (or the vault shut down or stalled)
    account: str = ""  # the lot's owner, who must send request_exit


@dataclass(frozen=True)
class VaultHolding:
    """A vault the plan may touch: the user's lots in it and what it accepts now."""

    vault: str
    lots: tuple[LotHolding, ...] = ()
    capacity_left: int = 0  # wei that may still be deposited (capacity − total assets)
    min_deposit: int = 0  # wei
    accepts_deposits: bool = True  # False when paused, shut down, stalled or allowlisted

    @property
    def value(self) -> int:
        return sum(lot.value for lot in self.lots)


@dataclass(frozen=True)
class RequestExit:
    vault: str
    lot_id: int
    value: int  # wei the lot is worth now; it arrives after its remaining rounds settle
    account: str = ""
    kind: str = "request_exit"


@dataclass(frozen=True)
class Deposit:
    vault: str
    amount: int  # wei
    kind: str = "deposit"


@dataclass(frozen=True)
class RebalancePlan:
    actions: tuple[RequestExit | Deposit, ...]
    drift_before: Fraction
    drift_after: Fraction
    values_after: dict[str, int]  # vault -> wei left in it after the plan
    cash_left: int  # wei of cash the plan does not deposit
    exiting: int  # wei on its way back from the exits


def check_targets(targets: Mapping[str, Fraction]) -> None:
    """Target weights must be non-negative and sum to exactly 1."""
    if any(weight < 0 for weight in targets.values()):
        raise InvalidInput("Target weights cannot be negative.")
    if sum(targets.values(), Fraction(0)) != 1:
        raise InvalidInput("Target weights must add up to exactly 100%.")


def allocation_drift(
    values: Mapping[str, int], cash: int, targets: Mapping[str, Fraction]
) -> Fraction:
    """Σ |value − target × T| / (2 T) over every vault in either mapping; 0 when T is 0."""
    total = sum(values.values()) + cash
    if total <= 0:
        return Fraction(0)
    vaults = set(values) | set(targets)
    deviation = sum(
        (abs(values.get(v, 0) - targets.get(v, Fraction(0)) * total) for v in vaults), Fraction(0)
    )
    return deviation / (2 * total)


def _subset_sums(lots: Sequence[LotHolding], limit: int) -> dict[int, tuple[LotHolding, ...]]:
    """Every subset total up to `limit`, each with the fewest lots that reach it."""
    sums: dict[int, tuple[LotHolding, ...]] = {0: ()}
    for lot in lots:
        for total, subset in list(sums.items()):
            grown = total + lot.value
            if grown <= limit and (grown not in sums or len(sums[grown]) > len(subset) + 1):
                sums[grown] = (*subset, lot)
    return sums


def choose_exits(lots: Sequence[LotHolding], excess: Fraction) -> list[LotHolding]:
    """Exitable lots whose total value is as close to `excess` as possible without passing
    it; fewer lots on ties. Exact (meet in the middle) up to `EXACT_LOT_LIMIT` lots,
    largest-first beyond."""
    limit = math.floor(excess)
    candidates = sorted(
        (lot for lot in lots if lot.can_exit and 0 < lot.value <= limit),
        key=lambda lot: (-lot.value, lot.lot_id),
    )
    if sum(lot.value for lot in candidates) <= limit:
        return candidates
    if len(candidates) > EXACT_LOT_LIMIT:
        chosen: list[LotHolding] = []
        for lot in candidates:
            if sum(c.value for c in chosen) + lot.value <= limit:
                chosen.append(lot)
        return chosen
    half = len(candidates) // 2
    left = _subset_sums(candidates[:half], limit)
    right = _subset_sums(candidates[half:], limit)
    right_totals = sorted(right)
    best_key: tuple[int, int] = (0, 0)
    best: tuple[LotHolding, ...] = ()
    for total, subset in left.items():
        # the largest right total that still fits (0 always does)
        fit = right_totals[bisect_right(right_totals, limit - total) - 1]
        key = (total + fit, -(len(subset) + len(right[fit])))
        if key > best_key:
            best_key, best = key, subset + right[fit]
    return sorted(best, key=lambda lot: (-lot.value, lot.lot_id))


def plan_rebalance(
    holdings: Sequence[VaultHolding], targets: Mapping[str, Fraction], cash: int
) -> RebalancePlan:
    """The exits and deposits that bring the portfolio toward `targets` (module docstring)."""
    check_targets(targets)
    if cash < 0:
        raise InvalidInput("Cash cannot be negative.")
    by_vault = {holding.vault: holding for holding in holdings}
    if len(by_vault) != len(holdings):
        raise InvalidInput("Each vault may appear only once in the holdings.")
    if any(len({lot.lot_id for lot in h.lots}) != len(h.lots) for h in holdings):
        raise InvalidInput("A lot appears twice in the holdings of one vault.")
    missing = sorted(v for v, w in targets.items() if w > 0 and v not in by_vault)
    if missing:
        raise InvalidInput(f"No deposit limits known for target vault {missing[0]}.")
    values = {vault: holding.value for vault, holding in by_vault.items()}
    total = sum(values.values()) + cash
    before = allocation_drift(values, cash, targets)
    actions: list[RequestExit | Deposit] = []
    exiting = 0
    for vault in sorted(by_vault):
        excess = values[vault] - targets.get(vault, Fraction(0)) * total
        if excess <= 0:
            continue
        for lot in choose_exits(by_vault[vault].lots, excess):
            actions.append(RequestExit(vault, lot.lot_id, lot.value, lot.account))
            values[vault] -= lot.value
            exiting += lot.value
    shortfalls = sorted(
        ((targets[v] * total - values[v], v) for v in targets if v in by_vault),
        key=lambda item: (-item[0], item[1]),
    )
    cash_left = cash
    for shortfall, vault in shortfalls:
        holding = by_vault[vault]
        if shortfall <= 0 or not holding.accepts_deposits:
            continue
        amount = min(math.floor(shortfall), holding.capacity_left, cash_left)
        if amount <= 0 or amount < max(holding.min_deposit, 1):
            continue
        actions.append(Deposit(vault, amount))
        values[vault] += amount
        cash_left -= amount
    after = allocation_drift(values, cash_left + exiting, targets)
    return RebalancePlan(tuple(actions), before, after, values, cash_left, exiting)


__all__ = [
    "Deposit",
    "LotHolding",
    "RebalancePlan",
    "RequestExit",
    "VaultHolding",
    "allocation_drift",
    "check_targets",
    "choose_exits",
    "plan_rebalance",
]
