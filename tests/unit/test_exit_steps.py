"""services.exits.lot_step: the exit step each lot state allows, mirroring the vault's checks
(cancel only while no round was staked since; exit only once joined and unlocked, or the
vault shut down or stalled; fulfil only when final and idle NMR covers it)."""

from __future__ import annotations

from typing import Any

from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.core.portfolio import Lot, LotState
from numerbay_desktop.services.exits import exit_intent, lot_step, waiting_text
from numerbay_desktop.services.positions import LotTerms, PendingExit, WaitingRound

VAULT = "0x" + "ab" * 20
NOW = 1_800_000_000
DAY = 86_400
WAD = 10**18


def lot(state: LotState, unlock: int = NOW - DAY, value: int = 100 * WAD) -> Lot:
    return Lot(vault=VAULT, lot_id=7, principal=100 * WAD, value=value, fees_paid=0,
               fees_accrued=0, state=state, unlock_time=unlock, commitment=0)


def terms(entry_seq: int = 10) -> LotTerms:
    return LotTerms(VAULT, 7, entry_seq, 0, 0, 200, 2_000, 0, 0, 0)


def info(**changes: Any) -> dict[str, Any]:
    base = {"stake_count": 10, "shut_down": False, "stalled": False, "idle": 1_000 * WAD,
            "claimable_total": 0}
    return {**base, **changes}


def test_pending_lot_may_cancel_only_while_no_round_was_staked_since() -> None:
    assert lot_step(lot(LotState.PENDING), terms(10), info(stake_count=10), NOW).enabled
    late = lot_step(lot(LotState.PENDING), terms(10), info(stake_count=11), NOW)
    assert late.kind == "cancel_deposit" and not late.enabled and "Too late" in late.reason


def test_exit_waits_for_the_unlock_unless_the_vault_is_shut_down_or_stalled() -> None:
    locked = lot(LotState.ACTIVE, unlock=NOW + 3 * DAY)
    step = lot_step(locked, terms(), info(), NOW)
    assert step.kind == "request_exit" and not step.enabled and "3 days" in step.reason
    assert lot_step(locked, terms(), info(stalled=True), NOW).enabled
    assert lot_step(locked, terms(), info(shut_down=True), NOW).enabled
    assert lot_step(lot(LotState.JOINED), terms(), info(), NOW).enabled


def test_exiting_lot_names_the_rounds_it_waits_for() -> None:
    pending = PendingExit(VAULT, 7, 12, False, (WaitingRound(11, 1500), WaitingRound(12, 1501)))
    step = lot_step(lot(LotState.EXITING), terms(), info(), NOW, pending, {1501: NOW + 9 * DAY})
    assert step.kind == "wait" and not step.enabled
    assert "rounds 1500–1501" in step.reason and "resolve around" in step.reason
    assert "33 days" in waiting_text(pending, NOW)  # no Numerai times: the rule of thumb


def test_final_lot_may_be_fulfilled_when_free_idle_nmr_covers_it() -> None:
    final = lot(LotState.FINAL, value=100 * WAD)
    assert lot_step(final, terms(), info(idle=150 * WAD, claimable_total=50 * WAD), NOW).enabled
    short = lot_step(final, terms(), info(idle=150 * WAD, claimable_total=51 * WAD), NOW)
    assert short.kind == "fulfil" and not short.enabled and "does not cover" in short.reason
    assert lot_step(lot(LotState.CLOSED), None, None, NOW).kind == "none"


def test_intents_call_the_vault() -> None:
    vault = ContractAbi.load("NumerBayVault")
    fulfil = exit_intent("fulfil", VAULT, count=500, name="m")
    assert vault.function("fulfill").decode_input(fulfil.data) == (50,)  # capped
    exit_ = exit_intent("request_exit", VAULT, lot_id=7, name="m")
    assert vault.function("request_exit").decode_input(exit_.data) == (7,)
    assert exit_.to == VAULT and "lot 7 in m" in exit_.label
    assert exit_intent("claim", VAULT, amount=WAD).data == vault.function("claim").encode()
