"""A rebalancing plan for the portfolio page: target weights over the held vaults -> the
list of transactions, each reviewed and signed on its own.

    targets = current_targets(view)                      # vault -> whole percent, sums to 100
    plan = make_plan(view, {vault: Fraction(40, 100), ...}, cash_wei)
    plan.steps                                           # PlanStep(kind, vault, lot_id, amount)
    intents = await step_intents(step, client, account)  # [request_exit] or [approval..., deposit]

The plan itself is `core.rebalance.plan_rebalance` (exact, in wei): exits of whole unlocked
lots where a vault is above its target, deposits of `cash` where one is below. Deposits use
the vault's first commitment option and the fees the lens previews now as their maxima
(`services.staking.deposit_intents`).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.txflow import TxIntent
from numerbay_desktop.core.portfolio import lot_holdings
from numerbay_desktop.core.rebalance import (
    Deposit,
    RebalancePlan,
    RequestExit,
    VaultHolding,
    plan_rebalance,
)
from numerbay_desktop.core.units import format_amount
from numerbay_desktop.services.exits import exit_intent
from numerbay_desktop.services.portfolio_view import PortfolioView
from numerbay_desktop.services.staking import StakingService, deposit_intents


@dataclass(frozen=True)
class PlanStep:
    kind: str  # "request_exit" or "deposit"
    vault: str
    name: str
    lot_id: int
    amount: int  # wei: the lot's value now, or the deposit

    @property
    def text(self) -> str:
        nmr = format_amount(self.amount, places=2)
        if self.kind == "request_exit":
            return (f"Request exit of lot {self.lot_id} in {self.name} (worth {nmr} NMR now; "
                    "paid after its rounds settle)")
        return f"Deposit {nmr} NMR into {self.name} (its first commitment option)"


@dataclass(frozen=True)
class PlanView:
    plan: RebalancePlan
    steps: tuple[PlanStep, ...]

    @property
    def drift_text(self) -> str:
        before = float(self.plan.drift_before) * 100  # display only
        after = float(self.plan.drift_after) * 100
        return f"Off target by {before:.1f}% now, {after:.1f}% after the plan."


def holdings(view: PortfolioView) -> list[VaultHolding]:
    """The held vaults as the planner sees them: open lots and what each vault accepts."""
    p = view.portfolio
    unlocked = frozenset(v for v, info in p.vault_infos.items()
                         if info["shut_down"] or info["stalled"])
    lots = lot_holdings(p.lots, p.chain_time, unlocked)
    out = []
    for vault, info in sorted(p.vault_infos.items()):
        closed = bool(info["paused"] or info["shut_down"] or info["stalled"]
                      or not info["registered"])
        out.append(VaultHolding(
            vault, lots.get(vault, ()),
            capacity_left=max(0, int(info["capacity"]) - int(info["total_assets"])),
            min_deposit=int(info["min_deposit"]), accepts_deposits=not closed))
    return out


def current_targets(view: PortfolioView) -> dict[str, int]:
    """Whole percents close to today's allocation over the held vaults, summing to 100."""
    vaults = sorted(view.portfolio.vault_infos)
    if not vaults:
        return {}
    shares = view.portfolio.allocation
    percents = {v: int(shares.get(v, Fraction(0)) * 100) for v in vaults}
    largest = max(vaults, key=lambda v: shares.get(v, Fraction(0)))
    percents[largest] += 100 - sum(percents.values())
    return percents


def make_plan(view: PortfolioView, targets: dict[str, Fraction], cash: int) -> PlanView:
    plan = plan_rebalance(holdings(view), targets, cash)
    steps = []
    for action in plan.actions:
        if isinstance(action, RequestExit):
            steps.append(PlanStep("request_exit", action.vault, view.name(action.vault),
                                  action.lot_id, action.value))
        elif isinstance(action, Deposit):
            steps.append(PlanStep("deposit", action.vault, view.name(action.vault), 0,
                                  action.amount))
    return PlanView(plan, tuple(steps))


async def step_intents(step: PlanStep, client: ChainClient, account: str) -> list[TxIntent]:
    """The transactions of one step, for one review."""
    if step.kind == "request_exit":
        return [exit_intent("request_exit", step.vault, lot_id=step.lot_id, name=step.name)]
    snap = await StakingService(client).load(step.vault, account)
    return deposit_intents(snap, step.amount, 0)
