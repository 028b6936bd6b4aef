"""Fees of VAULT_SPEC sections 5-6: fixed fee by time, profit share above a per-lot mark,
schedule changes (lower fees reach every lot from activation, higher never reach a locked
lot), rolls, yearly checkpoints and fee claims with the protocol cut."""

from __future__ import annotations

from typing import Any

import boa
import pytest

from tests.contracts.vault_fixtures import DAY_, RAY, WAD_, VaultWorld

YEAR = 365 * DAY_
BPS = 10_000


def _events(contract: Any, name: str) -> list[Any]:
    return [e for e in contract.get_logs() if type(e).__name__ == name]


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _activate(w: VaultWorld, tiers: list[Any], commitments: list[Any]) -> int:
    w.admin.propose_schedule(tiers, commitments, sender=w.owner)
    boa.env.time_travel(seconds=7 * DAY_)
    w.admin.activate_schedule(sender=w.owner)
    return boa.env.timestamp


def test_fixed_fee_accrues_from_first_stake(make_world: Any) -> None:
    w: VaultWorld = make_world(tiers=[(0, 1_000, 0)], commitments=[(0, 0)])
    lot = w.deposit(w.owner, 1_000 * WAD_)
    boa.env.time_travel(seconds=DAY_)  # no fee before the first stake
    rid = w.stake(10 * WAD_)
    t0 = boa.env.timestamp
    boa.env.time_travel(seconds=YEAR // 2)
    w.settle(rid, 0, 0)
    accrued = w.lot(lot).accrued_fees
    w.vault.request_exit(lot, sender=w.owner)
    dt = boa.env.timestamp - t0
    expected = _ceil_div(1_000 * WAD_ * 1_000 * dt, BPS * YEAR)
    (charged,) = _events(w.vault, "FeesCharged")
    assert (charged.lot_id, charged.fixed_fee, charged.profit_fee) == (lot, expected, 0)
    assert accrued == expected  # the lens agreed before the charge
    assert w.info().fees_owed == expected
    w.vault.fulfill(1)
    assert w.vault.claimable(w.owner) == 1_000 * WAD_ - expected


def test_lower_fee_reaches_locked_lot_from_activation(make_world: Any, alice: str) -> None:
    w: VaultWorld = make_world(tiers=[(0, 1_000, 0)], commitments=[(0, 0), (90 * DAY_, 0)])
    w.deposit(w.owner, 1_000 * WAD_)
    rid = w.stake(10 * WAD_)
    t0 = boa.env.timestamp
    lot = w.deposit(alice, 100 * WAD_, commitment_id=1)
    t_act = _activate(w, [(0, 400, 0)], [(0, 0), (90 * DAY_, 0)])
    (activated,) = _events(w.admin, "ScheduleActivated")
    assert activated.version == 1
    w.settle(rid, 0, 0)
    boa.env.time_travel(seconds=90 * DAY_)
    w.vault.request_exit(lot, sender=alice)
    (charged,) = _events(w.vault, "FeesCharged")
    t_end = boa.env.timestamp
    # the lot arrived at t0 (same block as the first stake): 1,000 bps until the
    # activation, 400 bps after it
    acc = 1_000 * (t_act - t0) + 400 * (t_end - t_act)
    assert charged.fixed_fee == _ceil_div(100 * WAD_ * acc, BPS * YEAR)
    assert w.lot(lot).last_fee_time == t_end


def test_higher_fee_never_reaches_a_locked_lot(make_world: Any, alice: str) -> None:
    w: VaultWorld = make_world(tiers=[(0, 300, 1_000)], commitments=[(0, 0), (90 * DAY_, 0)])
    w.deposit(w.owner, 1_000 * WAD_)
    rid = w.stake(10 * WAD_)
    t0 = boa.env.timestamp
    lot = w.deposit(alice, 100 * WAD_, commitment_id=1)
    _activate(w, [(0, 1_000, 5_000)], [(0, 0), (90 * DAY_, 0)])
    w.settle(rid, 0, 0)
    boa.env.time_travel(seconds=90 * DAY_)
    view = w.lot(lot)
    assert (view.fixed_fee_bps, view.profit_share_bps) == (300, 1_000)
    w.vault.request_exit(lot, sender=alice)
    dt = boa.env.timestamp - t0
    (charged,) = _events(w.vault, "FeesCharged")
    assert charged.fixed_fee == _ceil_div(100 * WAD_ * 300 * dt, BPS * YEAR)


def test_checkpoint_profit_share_and_high_water_mark(make_world: Any, bob: str) -> None:
    w: VaultWorld = make_world(tiers=[(0, 0, 2_000)], commitments=[(0, 0)])
    lot = w.deposit(w.owner, 1_000 * WAD_)
    w.settle(w.stake(100 * WAD_), 100 * WAD_, 0)  # +10%
    with boa.reverts("NumerBayVault: too early"):
        w.vault.checkpoint(lot, sender=bob)
    with boa.reverts("NumerBayVault: no such lot"):
        w.vault.checkpoint(99, sender=bob)
    boa.env.time_travel(seconds=YEAR)
    view = w.lot(lot)
    g = w.info().index_ray
    units = view.units
    fee_units = _ceil_div(units * (g - RAY) * 2_000, g * BPS)
    assert view.accrued_fees == fee_units * g // RAY
    w.vault.checkpoint(lot, sender=bob)
    (charged,) = _events(w.vault, "FeesCharged")
    assert (charged.fixed_fee, charged.profit_fee) == (0, fee_units * g // RAY)
    view = w.lot(lot)
    assert view.hwm_ray == g
    assert view.last_crystallized == boa.env.timestamp
    # after a loss the mark stays: no profit share until the loss is recovered
    w.settle(w.stake(100 * WAD_), 0, 50 * WAD_)
    w.settle(w.stake(100 * WAD_), 40 * WAD_, 0)
    boa.env.time_travel(seconds=YEAR)
    assert w.info().index_ray < g
    w.vault.checkpoint(lot, sender=bob)
    assert _events(w.vault, "FeesCharged") == []
    assert w.lot(lot).hwm_ray == g


def test_checkpoint_rejects_exiting_lot(make_world: Any) -> None:
    w: VaultWorld = make_world(tiers=[(0, 0, 2_000)], commitments=[(0, 0)])
    lot = w.deposit(w.owner, 1_000 * WAD_)
    w.stake(10 * WAD_)
    w.vault.request_exit(lot, sender=w.owner)
    boa.env.time_travel(seconds=YEAR)
    with boa.reverts("NumerBayVault: exiting"):
        w.vault.checkpoint(lot)


def test_pending_lot_pays_fixed_fee_from_its_bucket(make_world: Any, alice: str) -> None:
    w: VaultWorld = make_world(tiers=[(0, 1_000, 0)], commitments=[(0, 0)])
    w.deposit(w.owner, 1_000 * WAD_)
    w.stake(10 * WAD_)  # K = 1, never settled: alice's lot stays pending
    lot = w.deposit(alice, 100 * WAD_)
    t_dep = boa.env.timestamp
    boa.env.time_travel(seconds=YEAR)
    w.vault.checkpoint(lot, sender=alice)
    fee = _ceil_div(100 * WAD_ * 1_000 * (boa.env.timestamp - t_dep), BPS * YEAR)
    (charged,) = _events(w.vault, "FeesCharged")
    assert charged.fixed_fee == fee
    assert w.lot(lot).principal == 100 * WAD_ - fee
    assert (w.vault.state_words()[0] >> 96) & (2**96 - 1) == 100 * WAD_ - fee  # bucket[K]


def test_profit_share_charged_at_fulfilment(make_world: Any) -> None:
    w: VaultWorld = make_world(tiers=[(0, 0, 2_000)], commitments=[(0, 0)])
    lot = w.deposit(w.owner, 1_000 * WAD_)
    rid = w.stake(100 * WAD_)
    w.vault.request_exit(lot, sender=w.owner)
    w.settle(rid, 100 * WAD_, 0)
    g = w.info().index_ray
    value = 1_000 * WAD_ * g // RAY
    fee = _ceil_div(1_000 * WAD_ * (g - RAY) * 2_000, RAY * BPS)
    (fulfilled,) = _events(w.vault, "ExitFulfilled")
    assert (fulfilled.assets, fulfilled.profit_fee) == (value - fee, fee)
    assert w.info().fees_owed == fee


def test_roll(make_world: Any, alice: str, bob: str) -> None:
    w: VaultWorld = make_world(tiers=[(0, 800, 3_000)], commitments=[(0, 0), (30 * DAY_, 0)])
    w.deposit(w.owner, 1_000 * WAD_)
    w.stake(10 * WAD_)
    locked = w.deposit(alice, 100 * WAD_, commitment_id=1)
    flexible = w.deposit(alice, 100 * WAD_)
    with boa.reverts("VaultAdmin: not owner"):
        w.admin.roll([flexible], sender=bob)
    _activate(w, [(0, 900, 4_000)], [(0, 0), (60 * DAY_, 1_000)])
    with boa.reverts("VaultAdmin: schedule too new"):
        w.admin.roll([flexible], sender=w.owner)
    boa.env.time_travel(seconds=7 * DAY_)
    with boa.reverts("VaultAdmin: no such lot"):
        w.admin.roll([999], sender=w.owner)
    w.admin.roll([flexible], sender=w.owner)
    (rolled,) = _events(w.admin, "Rolled")
    assert (rolled.lot_id, rolled.fixed_fee_bps, rolled.profit_share_bps) == (flexible, 900, 4_000)
    assert (rolled.commitment_duration, rolled.schedule_version) == (0, 1)
    # the 30-day lot has no matching commitment now: it rolls onto commitments[0]
    boa.env.time_travel(seconds=30 * DAY_)
    unlock = w.lot(locked).unlock_time
    w.admin.roll([locked], sender=w.owner)
    view = w.lot(locked)
    assert (view.fixed_fee_bps, view.profit_share_bps, view.commitment_duration) == (900, 4_000, 0)
    assert view.unlock_time == unlock
    w.settle(w.next_round - 1, 0, 0)
    w.vault.request_exit(flexible, sender=alice)
    with boa.reverts("VaultAdmin: exiting"):
        w.admin.roll([flexible], sender=w.owner)


def test_roll_before_unlock_reverts(make_world: Any, alice: str) -> None:
    w: VaultWorld = make_world(tiers=[(0, 800, 3_000)], commitments=[(0, 0), (90 * DAY_, 0)])
    w.deposit(w.owner, 1_000 * WAD_)
    w.stake(10 * WAD_)
    locked = w.deposit(alice, 100 * WAD_, commitment_id=1)
    boa.env.time_travel(seconds=8 * DAY_)
    with boa.reverts("VaultAdmin: locked"):
        w.admin.roll([locked], sender=w.owner)


@pytest.mark.parametrize("protocol_bps", [0, 1_500])
def test_claim_fees_with_protocol_cut(make_world: Any, deployer: str, protocol_bps: int) -> None:
    w: VaultWorld = make_world(tiers=[(0, 0, 2_000)], commitments=[(0, 0)])
    lot = w.deposit(w.owner, 1_000 * WAD_)
    with boa.reverts("VaultAdmin: no fees"):
        w.admin.claim_fees(sender=w.owner)
    rid = w.stake(100 * WAD_)
    w.vault.request_exit(lot, sender=w.owner)
    w.settle(rid, 100 * WAD_, 0)
    fees = w.info().fees_owed
    assert fees > 0
    w.factory.set_protocol_fee(protocol_bps, sender=deployer)
    w.vault.claim(sender=w.owner)
    owner_before = w.nmr.balanceOf(w.owner)
    w.admin.claim_fees(sender=w.owner)
    cut = fees * protocol_bps // BPS
    (claimed,) = _events(w.admin, "FeesClaimed")
    assert (claimed.owner, claimed.owner_amount, claimed.protocol_amount) == (
        w.owner, fees - cut, cut,
    )
    assert claimed.treasury == w.treasury
    assert w.nmr.balanceOf(w.treasury) == cut
    assert w.nmr.balanceOf(w.owner) == owner_before + fees - cut
    assert w.info().fees_owed == 0
    assert w.info().idle == 0


def test_lens_accrued_fees_equal_the_charge(make_world: Any, bob: str) -> None:
    w: VaultWorld = make_world(tiers=[(0, 700, 2_500)], commitments=[(0, 0)])
    lot = w.deposit(w.owner, 1_000 * WAD_)
    w.settle(w.stake(150 * WAD_), 77 * WAD_, 0)
    w.settle(w.stake(150 * WAD_), 0, 13 * WAD_)
    boa.env.time_travel(seconds=YEAR + 12_345)
    view = w.lot(lot)
    w.vault.checkpoint(lot, sender=bob)
    (charged,) = _events(w.vault, "FeesCharged")
    assert charged.fixed_fee > 0 and charged.profit_fee > 0
    assert view.accrued_fees == charged.fixed_fee + charged.profit_fee
    assert abs(w.lot(lot).value - view.value) <= 2


def test_many_activations_between_charges_are_split_exactly(make_world: Any) -> None:
    w: VaultWorld = make_world(tiers=[(0, 1_000, 0)], commitments=[(0, 0)])
    lot = w.deposit(w.owner, 1_000 * WAD_)
    rid = w.stake(10 * WAD_)
    t0 = boa.env.timestamp
    segments: list[tuple[int, int]] = []  # (activation time, fixed bps)
    for i in range(12):
        bps = 100 if i % 2 == 0 else 900
        segments.append((_activate(w, [(0, bps, 0)], [(0, 0)]), bps))
    boa.env.time_travel(seconds=DAY_)
    w.settle(rid, 0, 0)
    w.vault.request_exit(lot, sender=w.owner)
    (charged,) = _events(w.vault, "FeesCharged")
    end = boa.env.timestamp
    acc = 1_000 * (segments[0][0] - t0)
    for (start, bps), (until, _) in zip(segments, [*segments[1:], (end, 0)], strict=True):
        acc += bps * (until - start)
    assert charged.fixed_fee == _ceil_div(1_000 * WAD_ * acc, BPS * YEAR)
