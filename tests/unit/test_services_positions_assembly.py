"""PositionsService's assembly of lens views and events: lots, closed lots, fees paid,
pending exits and every alert kind, without a node."""

from __future__ import annotations

from typing import Any

from numerbay_desktop.core.portfolio import LotState
from numerbay_desktop.services.positions import PositionsService
from numerbay_desktop.services.vault_events import VaultEvent

VAULT = "0x00000000000000000000000000000000000000A1"
ACCOUNT = "0x00000000000000000000000000000000000000B2"
DAY = 86_400
NOW = 1_800_000_000
WAD = 10**18


class _Client:
    class network:  # the attribute shape the service reads
        factory = "0x00000000000000000000000000000000000000F1"
        chain_id = 31337
        name = "devnet"

        @staticmethod
        def require_factory() -> str:
            return "0x00000000000000000000000000000000000000F1"


def _event(name: str, block: int, **args: Any) -> VaultEvent:
    return VaultEvent(name, VAULT, args, block, 0, "0x" + "cd" * 32)


def _view(lot_id: int, state: int, **changes: Any) -> dict[str, Any]:
    view = {
        "_vault": VAULT, "lot_id": lot_id, "owner": ACCOUNT, "state": state,
        "principal": 90 * WAD, "units": 90 * 10**45, "tier_basis": 90 * WAD, "hwm_ray": 10**27,
        "entry_seq": 3, "exit_seq": 0, "exiting": False, "unlock_time": NOW + 3 * DAY,
        "last_fee_time": NOW, "last_crystallized": NOW, "commitment_duration": 30 * DAY,
        "fixed_fee_bps": 200, "profit_share_bps": 2_000, "value": 95 * WAD,
        "accrued_fees": WAD, "claimable": 0,
    }
    view.update(changes)
    return view


def _info(**changes: Any) -> dict[str, Any]:
    info = {
        "model_name": "alpha", "pending_eta": NOW + 2 * DAY, "stalled": True,
        "total_assets": 1_000 * WAD, "claimable_total": 0, "exits_due": 0, "fees_owed": 0,
        "at_stake": 100 * WAD, "paused": False, "shut_down": False, "applied_count": 5,
    }
    info.update(changes)
    return info


def test_lots_fees_exits_and_alerts() -> None:
    service = PositionsService(_Client())  # type: ignore[arg-type]
    events = [
        _event("Deposit", 1, owner=ACCOUNT, lot_id=1, assets=100 * WAD, entry_seq=3,
               unlock_time=NOW + 3 * DAY),
        _event("Deposit", 2, owner=ACCOUNT, lot_id=2, assets=50 * WAD, entry_seq=4,
               unlock_time=NOW - DAY),
        _event("FeesCharged", 3, lot_id=1, fixed_fee=2 * WAD, profit_fee=WAD),
        _event("FeesCharged", 3, lot_id=9, fixed_fee=7 * WAD, profit_fee=0),  # someone else's
        _event("Deposit", 4, owner=ACCOUNT, lot_id=3, assets=10 * WAD, entry_seq=4,
               unlock_time=NOW),
        _event("DepositCancelled", 5, owner=ACCOUNT, lot_id=3, assets=10 * WAD),
        _event("RoundStaked", 6, seq=6, round_id=1_400, amount=WAD, submission_hash="0x"),
    ]
    views = [_view(1, 2), _view(2, 3, exit_seq=7, unlock_time=NOW - DAY, value=40 * WAD)]
    p = service._assemble(ACCOUNT, 10, NOW, views, {VAULT: _info()}, {VAULT: 5 * WAD}, events,
                          {VAULT: NOW - 3 * DAY})
    by_id = {lot.lot_id: lot for lot in p.lots}
    assert by_id[1].principal == 100 * WAD and by_id[1].fees_paid == 3 * WAD
    assert by_id[2].state is LotState.EXITING
    assert by_id[3].state is LotState.CLOSED and by_id[3].returned == 10 * WAD
    assert p.totals.value == 135 * WAD and p.claimable_total == 5 * WAD
    (exit_,) = p.pending_exits
    assert exit_.lot_id == 2 and not exit_.final
    assert [(w.seq, w.round_id) for w in exit_.waits_for] == [(6, 1_400), (7, None)]
    kinds = {a.kind: a for a in p.alerts}
    assert set(kinds) == {"pending_schedule", "stalled", "low_staked_fraction",
                          "commitment_ending", "missed_rounds"}
    assert "3 days" in kinds["missed_rounds"].message
    assert kinds["pending_schedule"].when == NOW + 2 * DAY
    assert kinds["commitment_ending"].lot_id == 1
    assert "10.0%" in kinds["low_staked_fraction"].message
    assert p.holdings == {VAULT: 135 * WAD}


def test_a_healthy_vault_raises_no_alert() -> None:
    service = PositionsService(_Client(), commitment_alert_days=1)  # type: ignore[arg-type]
    info = _info(pending_eta=0, stalled=False, at_stake=800 * WAD)
    p = service._assemble(ACCOUNT, 10, NOW, [_view(1, 2)], {VAULT: info}, {}, [],
                          {VAULT: NOW - DAY})
    assert p.alerts == () and p.pending_exits == ()
