"""The fee walk's bound (contracts/SPEC.md, "Fee walk bound"; vault-findings F1).

A fixed-fee charge walks back at most MAX_FEE_VERSIONS = 32 schedule versions. With up to
31 activations since the lot's last charge every interval is charged at min(snapshot, that
version's mapped terms), exactly as VAULT_SPEC section 5 says. With 32 or more, the time
before the 32nd most recent version's activation is charged at that version's terms
(capped at the snapshot): a lower fee active earlier stops reaching the lot for that time
(with exactly 32, a lower 32nd version reaches back before its activation instead). Both
sides of the bound are shown on the chain, the bounded charge equals core/vault_math's,
and the charge never exceeds the lot's snapshot (a higher fee never reaches a locked lot).
"""

from __future__ import annotations

from typing import Any

import boa
import pytest

from numerbay_desktop.core import vault_math as vm
from tests.contracts.vault_fixtures import DAY_, WAD_, VaultWorld

YEAR = 365 * DAY_
BPS = 10_000
SNAPSHOT_BPS = 500  # the lot's fixed fee at deposit
LOWER_BPS = 0  # version 1: a week without fixed fee
HIGHER_BPS = 1_000  # every later version: above the snapshot (capped at it for the lot)
LOCK = YEAR  # the longest commitment: the lot stays locked through the whole churn
PRINCIPAL = 1_000 * WAD_


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _activate(w: VaultWorld, fixed_bps: int) -> int:
    w.admin.propose_schedule([(0, fixed_bps, 0)], [(0, 0), (LOCK, 0)], sender=w.owner)
    boa.env.time_travel(seconds=7 * DAY_)  # the factory's minimum schedule_delay
    w.admin.activate_schedule(sender=w.owner)
    return boa.env.timestamp


def _churn(make_world: Any, higher_versions: int) -> tuple[int, int, int, list[tuple[int, int]]]:
    """Lot locked at SNAPSHOT_BPS; one lower version, then `higher_versions` higher ones;
    one charge (the yearly checkpoint) at the end.
    Returns (charged fixed fee, start, end, [(activation, bps)])."""
    w: VaultWorld = make_world(tiers=[(0, SNAPSHOT_BPS, 0)], commitments=[(0, 0), (LOCK, 0)])
    w.deposit(w.owner, 10 * WAD_)
    rid = w.stake(WAD_)
    start = boa.env.timestamp
    lot = w.deposit(w.owner, PRINCIPAL, commitment_id=1)  # pending: fee on principal
    activations = [(_activate(w, LOWER_BPS), LOWER_BPS)]
    activations += [(_activate(w, HIGHER_BPS), HIGHER_BPS) for _ in range(higher_versions)]
    w.settle(rid, 0, 0)
    unlock = w.lot(lot).unlock_time
    assert activations[-1][0] < unlock  # the whole churn happens while the lot is locked
    assert (w.lot(lot).fixed_fee_bps, w.lot(lot).profit_share_bps) == (SNAPSHOT_BPS, 0)
    # a locked lot's only charge is the yearly checkpoint (anyone), due as the lock ends
    boa.env.time_travel(seconds=unlock - boa.env.timestamp)
    w.vault.checkpoint(lot, sender=w.owner)
    (charged,) = [e for e in w.vault.get_logs() if type(e).__name__ == "FeesCharged"]
    assert charged.lot_id == lot and charged.profit_fee == 0
    return int(charged.fixed_fee), start, boa.env.timestamp, activations


def _exact_bps_seconds(start: int, end: int, activations: list[tuple[int, int]]) -> int:
    """VAULT_SPEC section 5 without a bound: every interval at min(snapshot, its terms)."""
    total, at, bps = 0, start, SNAPSHOT_BPS
    for activated_at, version_bps in activations:
        total += min(bps, SNAPSHOT_BPS) * (activated_at - at)
        at, bps = activated_at, version_bps
    return total + min(bps, SNAPSHOT_BPS) * (end - at)


def _model_bps_seconds(start: int, end: int, activations: list[tuple[int, int]]) -> int:
    """core/vault_math's bounded walk over the same versions."""
    def schedule(bps: int) -> vm.Schedule:
        return vm.Schedule((vm.Tier(0, bps, 0),), (vm.Commitment(0, 0), vm.Commitment(LOCK, 0)))

    versions = [(0, schedule(SNAPSHOT_BPS))] + [(t, schedule(b)) for t, b in activations]
    return vm.fee_bps_seconds(versions, PRINCIPAL, LOCK, vm.Terms(SNAPSHOT_BPS, 0), start, end)


def test_31_activations_since_the_last_charge_are_charged_exactly(make_world: Any) -> None:
    # versions 1 (lower) .. 31 since the lot's start: the walk from version 31 reaches 0
    fee, start, end, activations = _churn(make_world, higher_versions=vm.MAX_FEE_VERSIONS - 2)
    assert len(activations) == vm.MAX_FEE_VERSIONS - 1
    exact = _exact_bps_seconds(start, end, activations)
    assert fee == _ceil_div(PRINCIPAL * exact, BPS * YEAR)
    assert _model_bps_seconds(start, end, activations) == exact
    assert exact < SNAPSHOT_BPS * (end - start)  # the lower week did reach the lot


@pytest.mark.parametrize("higher_versions", [vm.MAX_FEE_VERSIONS - 1, vm.MAX_FEE_VERSIONS,
                                             vm.MAX_FEE_VERSIONS + 3])
def test_beyond_31_activations_older_time_takes_the_oldest_walked_terms(
    make_world: Any, higher_versions: int
) -> None:
    fee, start, end, activations = _churn(make_world, higher_versions)
    exact = _exact_bps_seconds(start, end, activations)
    bounded = _model_bps_seconds(start, end, activations)
    assert fee == _ceil_div(PRINCIPAL * bounded, BPS * YEAR)  # the chain = the app's preview
    week = 7 * DAY_
    if len(activations) == vm.MAX_FEE_VERSIONS:
        # the 32nd version walked is the lower one: its 0 bps also covers the week before
        # it activated (in the staker's favour)
        assert exact - bounded == SNAPSHOT_BPS * week
    else:
        # the lower week is older than the 32 versions walked: it is charged at the 32nd
        # version's terms capped at the snapshot, i.e. the lower fee stops reaching the lot
        assert bounded == SNAPSHOT_BPS * (end - start)
        assert bounded - exact == (SNAPSHOT_BPS - LOWER_BPS) * week
    # in every case a higher fee never reaches the locked lot: nothing above its snapshot
    assert fee <= _ceil_div(PRINCIPAL * SNAPSHOT_BPS * (end - start), BPS * YEAR)
    # the churn needed: 32 or more activations, each >= schedule_delay (7 days) after the last
    assert activations[-1][0] - activations[0][0] >= (vm.MAX_FEE_VERSIONS - 1) * week
