"""VAULT_SPEC section 9: each named attack on a vault, and the reason it fails."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import boa
import pytest
from eth_utils.crypto import keccak

from numerbay_desktop.core import abs as abs_codec
from tests.contracts.vault_fixtures import (
    MODEL_ID,
    OTHER_MODEL_ID,
    VaultWorld,
    make_vault,
)

WAD = 10**18
DAY = 86_400
YEAR = 365 * DAY
BPS = 10_000
MALICIOUS = Path(__file__).resolve().parent / "malicious"


def registered(w: VaultWorld, owner_amount: int = 1_000 * WAD, stake: int = 100 * WAD) -> int:
    """The owner seeds the vault and stakes its first round (which registers it)."""
    w.deposit(w.owner, owner_amount)
    return w.stake(stake)


def booked(w: VaultWorld, lot_id: int) -> int:
    view = w.lot(lot_id)
    return int(view.value + view.accrued_fees)


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


# ------------------------------------------------------------------------ round cohorts
def test_newcomer_before_profitable_settlement_gets_nothing(vault_world: VaultWorld,
                                                           alice: str) -> None:
    w = vault_world
    rid = registered(w)
    newcomer = w.deposit(alice, 1_000 * WAD)  # arrives after the round was staked
    w.settle(rid, 50 * WAD, 0)
    assert w.lot(newcomer).state == 1  # joined: exposed only to later rounds
    assert booked(w, newcomer) == 1_000 * WAD
    assert abs(booked(w, 1) - 1_050 * WAD) <= 2  # the whole result went to the owner's lot


def test_leaver_before_losing_settlement_still_bears_it(vault_world: VaultWorld,
                                                       alice: str) -> None:
    w = vault_world
    rid1 = registered(w)
    leaver = w.deposit(alice, 1_000 * WAD)
    w.settle(rid1, 0, 0)  # the leaver joins
    rid2 = w.stake(200 * WAD)
    assert w.vault.request_exit(leaver, sender=alice) == 2  # still exposed to sequence 2
    w.settle(rid2, 0, 100 * WAD)  # sequence 2 burns 100 NMR
    share = w.vault.claimable(alice)
    assert 949 * WAD < share < 951 * WAD  # about half of the loss, like the owner's lot
    assert w.vault.claim(sender=alice) == share


def test_squatter_vault_for_someone_elses_model_never_registers(
    vault_world: VaultWorld, vault_factory: Any, vault_deployer: Any, alice: str
) -> None:
    w = vault_world
    mallory = str(boa.env.generate_address("mallory"))
    squatter = make_vault(vault_factory, vault_deployer, mallory, model_id=MODEL_ID)
    rid = w.open_round()
    real_auth, real_sig = w.authorize(round_id=rid, staker=w.vault.address, model_id=MODEL_ID)
    for account in (mallory, alice):
        w.nmr.mint(account, 10 * WAD)
        w.nmr.approve(squatter.address, 10 * WAD, sender=account)
    squatter.deposit(10 * WAD, 0, BPS, BPS, sender=mallory)
    with boa.reverts("NumerBayVault: wrong staker"):  # Numerai authorized the real vault
        squatter.stake_round(real_auth.as_tuple(), WAD, real_sig, sender=mallory)
    forged, forged_sig = w.authorize(round_id=rid, staker=squatter.address, model_id=MODEL_ID,
                                     key=b"\x77" * 32)
    with boa.reverts("LocalAtomicStaking: invalid signature"):
        squatter.stake_round(forged.as_tuple(), WAD, forged_sig, sender=mallory)
    with boa.reverts("NumerBayVault: not registered"):  # nobody else can be lured in
        squatter.deposit(10 * WAD, 0, BPS, BPS, sender=alice)
    registered(w)
    assert w.factory.vault_of_model(MODEL_ID) == w.vault.address


def test_first_depositor_donation_changes_nothing(vault_world: VaultWorld, alice: str) -> None:
    w = vault_world
    first = w.deposit(w.owner, 1 * WAD)
    before = w.info()
    w.nmr.mint(w.vault.address, 10_000 * WAD)  # NMR sent straight to the vault
    after = w.info()
    assert (after.idle, after.total_assets, after.exposed_value) == (
        before.idle, before.total_assets, before.exposed_value)
    rid = w.stake(WAD // 10)
    victim = w.deposit(alice, 5 * WAD)
    w.settle(rid, 0, 0)
    assert w.lot(victim).principal == 5 * WAD  # no rounding against the second depositor
    assert booked(w, first) <= 1 * WAD  # the donation is nobody's


def test_tier_cannot_be_bought_with_a_deposit_cancelled_in_the_same_breath(
    vault_world: VaultWorld, alice: str
) -> None:
    w = vault_world
    registered(w)
    big = w.deposit(alice, 5_000 * WAD)  # still cancellable: no round staked since
    small = w.deposit(alice, 10 * WAD)
    w.vault.cancel_deposit(big, sender=alice)
    assert w.lot(small).fixed_fee_bps == 200  # tier 0: the cancellable lot did not count
    w.deposit(alice, 2_000 * WAD)
    w.stake(100 * WAD)  # now it can no longer be cancelled ...
    counted = w.deposit(alice, 10 * WAD)
    assert w.lot(counted).fixed_fee_bps == 100  # ... so it counts towards the tier


# ------------------------------------------------------------------------ authorizations
def test_stake_with_authorization_for_another_staker_or_model(vault_world: VaultWorld,
                                                              alice: str) -> None:
    w = vault_world
    w.deposit(w.owner, 1_000 * WAD)
    rid = w.open_round()
    other_staker, sig = w.authorize(round_id=rid, staker=alice, model_id=MODEL_ID)
    with boa.reverts("NumerBayVault: wrong staker"):
        w.vault.stake_round(other_staker.as_tuple(), WAD, sig, sender=w.owner)
    other_model, sig = w.authorize(round_id=rid, staker=w.vault.address, model_id=OTHER_MODEL_ID)
    with boa.reverts("NumerBayVault: wrong model"):
        w.vault.stake_round(other_model.as_tuple(), WAD, sig, sender=w.owner)


def test_stake_for_a_round_already_staked_or_replayed(vault_world: VaultWorld) -> None:
    w = vault_world
    w.deposit(w.owner, 1_000 * WAD)
    rid = w.open_round()
    auth, sig = w.authorize(round_id=rid, staker=w.vault.address, model_id=MODEL_ID)
    w.vault.stake_round(auth.as_tuple(), WAD, sig, sender=w.owner)
    with boa.reverts("NumerBayVault: round not new"):  # the same authorization again
        w.vault.stake_round(auth.as_tuple(), WAD, sig, sender=w.owner)
    again, sig2 = w.authorize(round_id=rid, staker=w.vault.address, model_id=MODEL_ID)
    with boa.reverts("NumerBayVault: round not new"):  # a fresh one for the same round
        w.vault.stake_round(again.as_tuple(), WAD, sig2, sender=w.owner)
    rid2 = w.open_round()
    stale, sig3 = w.authorize(round_id=rid2, staker=w.vault.address, model_id=MODEL_ID,
                              nonce=auth.nonce)  # replays a used nonce
    with boa.reverts("LocalAtomicStaking: invalid nonce"):
        w.vault.stake_round(stale.as_tuple(), WAD, sig3, sender=w.owner)


def test_stake_with_expired_authorization(vault_world: VaultWorld) -> None:
    w = vault_world
    w.deposit(w.owner, 1_000 * WAD)
    rid = w.open_round()
    auth, sig = w.authorize(round_id=rid, staker=w.vault.address, model_id=MODEL_ID,
                            deadline=boa.env.timestamp + 60)
    boa.env.time_travel(seconds=61)
    with boa.reverts("LocalAtomicStaking: authorization expired"):
        w.vault.stake_round(auth.as_tuple(), WAD, sig, sender=w.owner)


def test_round_stake_above_bounds_or_eating_reserves(vault_world: VaultWorld,
                                                     alice: str) -> None:
    w = vault_world
    w.deposit(w.owner, 1_000 * WAD)
    with boa.reverts("NumerBayVault: above round cap"):  # 20% of 1,000 NMR exposed
        w.stake(200 * WAD + 1)
    for _ in range(4):
        w.stake(200 * WAD)
    with boa.reverts("NumerBayVault: above at-stake cap"):  # 95% at most
        w.stake(150 * WAD + 1)
    lot = w.deposit(alice, 5_000 * WAD)
    w.vault.cancel_deposit(lot, sender=alice)
    info = w.info()
    # whatever is staked, the money owed to leavers, claimers and fees stays idle
    assert info.idle >= info.claimable_total + info.exits_due + info.fees_owed


# ------------------------------------------------------------------------ settlements
def test_settlement_with_forged_proof_or_twice(vault_world: VaultWorld) -> None:
    w = vault_world
    rid = registered(w)
    proof = w.resolve(rid, 10 * WAD, 0)
    with boa.reverts("LocalAtomicStaking: invalid proof"):  # claims more than the tree says
        w.vault.settle_round(rid, 20 * WAD, 0, proof)
    assert w.vault.settle_round(rid, 10 * WAD, 0, proof) == 110 * WAD
    with boa.reverts("LocalAtomicStaking: already settled"):
        w.vault.settle_round(rid, 10 * WAD, 0, proof)
    with boa.reverts("NumerBayVault: unknown round"):
        w.vault.settle_round(rid + 99, 0, 0, [])


def test_round_whose_result_never_comes_is_written_off(vault_world: VaultWorld,
                                                       alice: str) -> None:
    w = vault_world
    rid = registered(w)
    with boa.reverts("NumerBayVault: too early"):
        w.vault.write_off()
    boa.env.time_travel(seconds=151 * DAY)
    w.vault.declare_stalled()
    w.fund(alice, 10 * WAD)
    with boa.reverts("NumerBayVault: stalled"):
        w.vault.deposit(10 * WAD, 0, BPS, BPS, sender=alice)
    w.vault.write_off()  # recorded as 0 and applied: the vault is free again
    info = w.info()
    assert (info.applied_count, info.stalled, info.at_stake) == (1, False, 0)
    w.deposit(alice, 10 * WAD)
    w.settle(rid, 0, 0)  # the NMR comes after all: it joins the next result
    assert w.info().surplus == 100 * WAD


# ------------------------------------------------------------------------ fees
def test_profit_share_timed_at_a_peak_gains_nothing(vault_world: VaultWorld) -> None:
    w = vault_world
    rid = registered(w, stake=200 * WAD)
    with boa.reverts("NumerBayVault: too early"):  # no crystallizing at will
        w.vault.checkpoint(1)
    w.settle(rid, 100 * WAD, 0)  # a peak
    boa.env.time_travel(seconds=YEAR)
    w.vault.checkpoint(1)  # the yearly crystallization takes its share of the gain
    peak_mark = w.lot(1).hwm_ray
    assert peak_mark == w.info().index_ray
    w.settle(w.stake(150 * WAD), 0, 120 * WAD)  # a loss
    w.settle(w.stake(150 * WAD), 60 * WAD, 0)  # a partial recovery, still below the mark
    assert w.info().index_ray < peak_mark
    boa.env.time_travel(seconds=YEAR)
    view = w.lot(1)
    owed_before = w.info().fees_owed
    w.vault.checkpoint(1)
    charged = w.info().fees_owed - owed_before
    assert abs(charged - view.accrued_fees) <= 1  # only the fixed fee
    assert w.lot(1).hwm_ray == peak_mark  # the mark stays until the loss is recovered
    fixed = view.principal * 200 * YEAR // (BPS * YEAR)  # at most a year at 200 bps
    assert charged <= fixed + 1


def test_schedule_increase_never_reaches_a_locked_lot(vault_world: VaultWorld,
                                                      alice: str) -> None:
    w = vault_world
    registered(w)
    lot = w.deposit(alice, 1_000 * WAD, commitment_id=2)  # tier 1, 90 days, 50% discount
    assert (w.lot(lot).fixed_fee_bps, w.lot(lot).profit_share_bps) == (50, 500)
    w.admin.propose_schedule([(0, 1_000, 5_000), (1_000 * WAD, 900, 4_000)],
                             [(0, 0), (30 * DAY, 0), (90 * DAY, 0)], sender=w.owner)
    boa.env.time_travel(seconds=7 * DAY)
    w.admin.activate_schedule()
    start = boa.env.timestamp
    boa.env.time_travel(seconds=30 * DAY)
    view = w.lot(lot)
    assert (view.fixed_fee_bps, view.profit_share_bps) == (50, 500)  # snapshot kept
    elapsed = boa.env.timestamp - view.last_fee_time
    at_snapshot = -(-1_000 * WAD * 50 * elapsed // (BPS * YEAR))
    assert 0 < view.accrued_fees <= at_snapshot  # never the new 900 bps
    assert boa.env.timestamp - start < elapsed + 1


def test_roll_before_unlock_reverts(vault_world: VaultWorld, alice: str) -> None:
    w = vault_world
    registered(w)
    lot = w.deposit(alice, 100 * WAD, commitment_id=1)  # 30 days
    w.admin.propose_schedule([(0, 50, 500)], [(0, 0), (30 * DAY, 0)], sender=w.owner)
    boa.env.time_travel(seconds=7 * DAY)
    w.admin.activate_schedule()
    with boa.reverts("VaultAdmin: schedule too new"):
        w.admin.roll([lot], sender=w.owner)
    boa.env.time_travel(seconds=7 * DAY)
    with boa.reverts("VaultAdmin: locked"):
        w.admin.roll([lot], sender=w.owner)
    boa.env.time_travel(seconds=16 * DAY)
    w.admin.roll([lot], sender=w.owner)
    assert w.lot(lot).fixed_fee_bps == 50


def test_rounding_drain_by_many_tiny_deposits(vault_world: VaultWorld, alice: str) -> None:
    w = vault_world
    w.settle(registered(w), 7 * WAD, 0)  # an index that is not a round number
    w.fund(alice, WAD - 1)
    with boa.reverts("NumerBayVault: below min deposit"):
        w.vault.deposit(WAD - 1, 0, BPS, BPS, sender=alice)
    put_in = taken_out = 0
    for i in range(12):
        amount = WAD + 3 * i + 1
        lot = w.deposit(alice, amount)
        put_in += amount
        w.vault.request_exit(lot, sender=alice)  # nothing staked since: final at once
        w.vault.fulfill(1)
        taken_out += w.vault.claim(sender=alice)
    assert taken_out <= put_in
    info = w.info()
    assert w.nmr.balanceOf(w.vault.address) >= info.idle


# ------------------------------------------------------------------------ reentrancy
def test_reentrancy_through_a_malicious_token(
    vault_factory_deployer: Any, vault_deployer: Any, vault_admin_deployer: Any,
    vault_lens_deployer: Any, staking: Any, alice: str,
) -> None:
    token = boa.load(str(MALICIOUS / "ReentrantToken.vy"))
    blueprint = vault_deployer.deploy_as_blueprint()
    factory = vault_factory_deployer.deploy(
        token.address, staking.address, blueprint.address, vault_admin_deployer.deploy().address,
        vault_lens_deployer.deploy().address, alice)
    owner = str(boa.env.generate_address("owner"))
    vault = make_vault(factory, vault_deployer, owner)
    token.mint(owner, 100 * WAD)
    token.approve(vault.address, 100 * WAD, sender=owner)
    token.arm(vault.address, selector("claim()"))
    vault.deposit(10 * WAD, 0, BPS, BPS, sender=owner)
    lot = vault.deposit(10 * WAD, 0, BPS, BPS, sender=owner)
    token.arm(vault.address, selector("cancel_deposit(uint256)") + lot.to_bytes(32, "big"))
    vault.cancel_deposit(lot, sender=owner)  # the token's transfer tries a second cancel
    assert (token.attempts(), token.successes()) == (2, 0)  # the lock refused both
    assert token.balanceOf(vault.address) == 10 * WAD


def test_reentrancy_through_a_malicious_staking_contract(
    vault_factory_deployer: Any, vault_deployer: Any, vault_admin_deployer: Any,
    vault_lens_deployer: Any, nmr: Any, alice: str,
) -> None:
    evil = boa.load(str(MALICIOUS / "ReentrantStaking.vy"), nmr.address)
    blueprint = vault_deployer.deploy_as_blueprint()
    factory = vault_factory_deployer.deploy(
        nmr.address, evil.address, blueprint.address, vault_admin_deployer.deploy().address,
        vault_lens_deployer.deploy().address, alice)
    owner = str(boa.env.generate_address("owner"))
    vault = make_vault(factory, vault_deployer, owner)
    nmr.mint(owner, 100 * WAD)
    nmr.approve(vault.address, 100 * WAD, sender=owner)
    vault.deposit(100 * WAD, 0, BPS, BPS, sender=owner)
    evil.arm(selector("fulfill(uint256)") + (1).to_bytes(32, "big"))
    auth = abs_codec.StakeAuthorization(
        tournament_id=8, round_id=1, staker=vault.address, model_id=MODEL_ID,
        submission_hash=b"\x11" * 32, max_amount=10 * WAD, nonce=0,
        deadline=boa.env.timestamp + DAY)
    vault.stake_round(auth.as_tuple(), 10 * WAD, b"\x00" * 65, sender=owner)
    assert (evil.attempts(), evil.successes()) == (1, 0)
    assert nmr.balanceOf(evil.address) == 10 * WAD  # only the stake itself went there


# ------------------------------------------------------------------------ the owner
def test_owner_cannot_move_nmr_anywhere_but_the_staking_contract(
    vault_world: VaultWorld, alice: str
) -> None:
    w = vault_world
    registered(w)
    w.deposit(alice, 500 * WAD)
    held = w.nmr.balanceOf(w.vault.address)
    transfer = selector("transfer(address,uint256)") + bytes(12) + bytes.fromhex(
        w.owner[2:]) + (held).to_bytes(32, "big")
    for data in (transfer, selector("sweep()"), selector("withdraw(uint256)") + bytes(32)):
        with pytest.raises(Exception):  # noqa: B017 - any revert: no such function
            boa.env.raw_call(w.vault.address, sender=w.owner, data=data)
    with boa.reverts("VaultAdmin: no fees"):
        w.admin.claim_fees(sender=w.owner)
    assert w.nmr.balanceOf(w.vault.address) == held
    assert w.vault.staking() == w.staking.address  # fixed at creation: no setter exists
    names = {entry["name"] for entry in w.admin.abi if entry.get("type") == "function"}
    assert "claim_fees" in names
    assert not any("staking" in name and name.startswith("set") for name in names)
