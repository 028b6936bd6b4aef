"""Leaving a vault: which exit step each of the staker's lots may take now, why not when it
cannot, and the transactions for each step.

    step = lot_step(lot, terms, info, now, pending_exit)    # LotStep(kind, enabled, reason)
    intent = exit_intent(step.kind, vault, lot_id=..., name=...)   # a TxIntent to review

The steps mirror `NumerBayVault`'s checks in the contract's order, so an enabled button does
not revert on them:

- **cancel_deposit** (pending lot): only while no round was staked since the deposit (the
  lot's entry sequence equals the vault's stake count); the whole principal comes back.
- **request_exit** (joined or active lot): once unlocked (or the vault shut down or
  stalled); the lot stays exposed to the rounds already staked and to none after.
- **fulfil** (final lot): anyone may pay out final exits in request order while the vault's
  idle NMR covers them; `fulfill(n)` walks the queue up to n lots.
- **claim** (per vault): sends the account's claimable NMR to the wallet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.txflow import TxIntent
from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.portfolio import Lot, LotState, nmr_text
from numerbay_desktop.services.positions import LotTerms, PendingExit
from numerbay_desktop.services.staking import cancel_deposit_intent

MAX_FULFIL = 50  # lots one fulfil transaction walks at most (the vault caps it too)
ROUND_RESOLVE_DAYS = 33  # a daily round resolves about this long after it opens

_VAULT_ABI: ContractAbi | None = None


def _vault(address: str) -> Any:
    global _VAULT_ABI
    if _VAULT_ABI is None:
        _VAULT_ABI = ContractAbi.load("NumerBayVault")
    return _VAULT_ABI.at(address)


@dataclass(frozen=True)
class LotStep:
    """The one exit step a lot shows: its kind, whether it may be taken now, and why not."""

    kind: str  # "cancel_deposit", "request_exit", "wait" (exiting), "fulfil", "none"
    enabled: bool
    reason: str  # plain words: what happens, or why the button is disabled

    @property
    def label(self) -> str:
        return STEP_LABELS.get(self.kind, "")


STEP_LABELS = {
    "cancel_deposit": "Cancel deposit",
    "request_exit": "Request exit",
    "wait": "Waiting for rounds",
    "fulfil": "Fulfil",
}


def short_date(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, tz=UTC).strftime("%d %b %Y")


def lot_step(
    lot: Lot,
    terms: LotTerms | None,
    info: dict[str, Any] | None,
    now: int,
    pending: PendingExit | None = None,
    resolve_times: dict[int, int] | None = None,
) -> LotStep:
    """What the lot may do next, from the lens's lot and vault views at one block."""
    if lot.state is LotState.CLOSED or terms is None or info is None:
        return LotStep("none", False, "Closed: its NMR was paid back.")
    vault_unlocked = bool(info["shut_down"]) or bool(info["stalled"])
    if lot.state is LotState.PENDING:
        if terms.entry_seq == int(info["stake_count"]):
            return LotStep("cancel_deposit", True,
                           "No round was staked since your deposit: you may take the whole "
                           "deposit back, with no fee.")
        after = ("then it may leave" if lot.unlock_time <= now
                 else f"it may leave from {short_date(lot.unlock_time)}")
        return LotStep("cancel_deposit", False,
                       "Too late to cancel: a round was staked since the deposit. Active once "
                       f"that round settles; {after}.")
    if lot.state in (LotState.JOINED, LotState.ACTIVE):
        if lot.can_request_exit(now, vault_unlocked):
            return LotStep("request_exit", True,
                           "Unlocked. Asking to leave keeps it in the rounds already staked "
                           "and out of every later one; it is paid once those settle.")
        days = max(1, -(-(lot.unlock_time - now) // 86_400))
        return LotStep("request_exit", False,
                       f"Locked by its commitment until {short_date(lot.unlock_time)} "
                       f"({days} day{'s' if days != 1 else ''} from now).")
    if lot.state is LotState.EXITING:
        return LotStep("wait", False, waiting_text(pending, now, resolve_times))
    # final: its value is fixed; fulfil pays it into claimable when idle NMR covers it
    free = int(info["idle"]) - int(info["claimable_total"])
    if free < lot.value:
        return LotStep("fulfil", False,
                       f"Final at {nmr_text(lot.value)} NMR, but the vault's free idle NMR "
                       f"({nmr_text(max(free, 0))}) does not cover it yet; it will after the "
                       "next settled rounds.")
    return LotStep("fulfil", True,
                   f"Final at {nmr_text(lot.value)} NMR: fulfil moves it to your claimable "
                   "NMR (exits are paid in the order they were requested).")


def waiting_text(pending: PendingExit | None, now: int,
                 resolve_times: dict[int, int] | None = None) -> str:
    """Which rounds an exiting lot still waits for, and roughly when the last settles."""
    if pending is None or not pending.waits_for:
        return "Leaving: waiting for its last rounds to be applied."
    rounds = [w.round_id for w in pending.waits_for if w.round_id is not None]
    count = len(pending.waits_for)
    if rounds:
        span = f"round {rounds[0]}" if len(rounds) == 1 else f"rounds {rounds[0]}–{rounds[-1]}"
    else:
        span = f"sequence {pending.waits_for[0].seq}–{pending.waits_for[-1].seq}"
    when = ""
    last = rounds[-1] if rounds else None
    if last is not None and resolve_times and last in resolve_times:
        when = f"; the last should resolve around {short_date(resolve_times[last])}"
    else:
        when = f"; rounds resolve about {ROUND_RESOLVE_DAYS} days after they open"
    plural = "s" if count != 1 else ""
    return (f"Leaving: waits for {count} staked round{plural} ({span}){when}. "
            "Its NMR stays at risk in those rounds until then.")


def exit_intent(kind: str, vault: str, *, lot_id: int = 0, name: str = "",
                count: int = 1, amount: int = 0) -> TxIntent:
    """The transaction of one exit step on `vault` (named `name` in the review dialog)."""
    target = _vault(vault)
    where = f" in {name}" if name else ""
    if kind == "request_exit":
        return TxIntent(vault, target.calldata("request_exit", lot_id),
                        label=f"Request exit of lot {lot_id}{where}")
    if kind == "cancel_deposit":
        return cancel_deposit_intent(vault, lot_id, f"Cancel deposit (lot {lot_id}){where}")
    if kind == "fulfil":
        count = max(1, min(count, MAX_FULFIL))
        return TxIntent(vault, target.calldata("fulfill", count),
                        label=f"Fulfil final exits{where}")
    if kind == "claim":
        what = f" {nmr_text(amount)} NMR" if amount else ""
        return TxIntent(vault, target.calldata("claim"), label=f"Claim{what}{where}")
    raise InvalidInput(f"Unknown exit step {kind!r}.")
