"""NumerBayVault round staking, settlement, sync, write-off, stall protection and apply order."""

from __future__ import annotations

from typing import Any

import boa
import pytest

from numerbay_desktop.core import abs as abs_codec
from tests.contracts.vault_fixtures import (
    DAY_,
    MODEL_ID,
    OTHER_MODEL_ID,
    RAY,
    WAD_,
    VaultWorld,
    make_vault,
)


def _events(contract: Any, name: str) -> list[Any]:
    return [e for e in contract.get_logs() if type(e).__name__ == name]


@pytest.fixture
def w(vault_world: VaultWorld) -> VaultWorld:
    vault_world.deposit(vault_world.owner, 1_000 * WAD_)
    return vault_world


def _auth(w: VaultWorld, **overrides: Any) -> tuple[Any, bytes, int]:
    rid = overrides.pop("round_id", None)
    rid = w.open_round(rid)
    fields: dict[str, Any] = {"round_id": rid, "staker": w.vault.address, "model_id": MODEL_ID}
    fields.update(overrides)
    authorization, signature = w.authorize(**fields)
    return authorization.as_tuple(), signature, rid


def test_stake_round_books_and_registers(w: VaultWorld) -> None:
    idle = w.idle()
    auth, sig, rid = _auth(w, submission_hash=b"\x22" * 32)
    seq = w.vault.stake_round(auth, 100 * WAD_, sig, sender=w.owner)
    assert seq == 1
    (staked,) = _events(w.vault, "RoundStaked")
    assert (staked.seq, staked.round_id, staked.amount) == (1, rid, 100 * WAD_)
    assert staked.submission_hash == b"\x22" * 32
    (registered,) = [e for e in _events(w.vault, "Registered") if e.address == w.vault.address]
    assert registered.model_id == MODEL_ID
    assert w.factory.vault_of_model(MODEL_ID) == w.vault.address
    info = w.info()
    assert (info.stake_count, info.applied_count, info.at_stake) == (1, 0, 100 * WAD_)
    assert info.idle == idle - 100 * WAD_
    assert info.registered
    # the allowance is back at zero (NMR's approve rule)
    assert w.nmr.allowance(w.vault.address, w.staking.address) == 0
    view = w.lens.sequence(w.vault.address, 1)
    assert (view.round_id, view.amount) == (rid, 100 * WAD_)
    assert not view.recorded and not view.applied


def test_operator_may_stake(w: VaultWorld, bob: str) -> None:
    w.admin.set_operator(bob, sender=w.owner)
    (event,) = _events(w.admin, "UpdateOperator")
    assert (event.old_operator, event.new_operator) == ("0x" + "00" * 20, bob)
    w.stake(10 * WAD_, sender=bob)
    assert w.info().operator == bob


def test_stake_round_reverts(w: VaultWorld, alice: str) -> None:
    auth, sig, _ = _auth(w)
    with boa.reverts("NumerBayVault: not owner or operator"):
        w.vault.stake_round(auth, WAD_, sig, sender=alice)
    auth, sig, _ = _auth(w, staker=alice)
    with boa.reverts("NumerBayVault: wrong staker"):
        w.vault.stake_round(auth, WAD_, sig, sender=w.owner)
    auth, sig, _ = _auth(w, model_id=OTHER_MODEL_ID)
    with boa.reverts("NumerBayVault: wrong model"):
        w.vault.stake_round(auth, WAD_, sig, sender=w.owner)
    auth, sig, _ = _auth(w, max_amount=5 * WAD_)
    with boa.reverts("NumerBayVault: bad amount"):
        w.vault.stake_round(auth, 0, sig, sender=w.owner)
    with boa.reverts("NumerBayVault: bad amount"):
        w.vault.stake_round(auth, 5 * WAD_ + 1, sig, sender=w.owner)
    auth, sig, rid = _auth(w)
    with boa.reverts("NumerBayVault: above round cap"):
        w.vault.stake_round(auth, 200 * WAD_ + 1, sig, sender=w.owner)
    w.vault.stake_round(auth, WAD_, sig, sender=w.owner)
    # same round again, and an older round id
    auth, sig, _ = _auth(w, round_id=rid + 100)
    w.vault.stake_round(auth, WAD_, sig, sender=w.owner)
    auth, sig, _ = _auth(w, round_id=rid + 50)
    with boa.reverts("NumerBayVault: round not new"):
        w.vault.stake_round(auth, WAD_, sig, sender=w.owner)
    # expired and replayed authorizations fail in the staking contract
    auth, sig, _ = _auth(w, deadline=boa.env.timestamp - 1)
    with boa.reverts("LocalAtomicStaking: authorization expired"):
        w.vault.stake_round(auth, WAD_, sig, sender=w.owner)
    auth, sig, _ = _auth(w, nonce=0)
    with boa.reverts("LocalAtomicStaking: invalid nonce"):
        w.vault.stake_round(auth, WAD_, sig, sender=w.owner)


def test_stake_round_at_stake_cap(
    vault_factory: Any, vault_deployer: Any, vault_world: VaultWorld
) -> None:
    w = vault_world
    vault = make_vault(
        vault_factory, vault_deployer, w.owner, model_id=OTHER_MODEL_ID,
        max_round_bps=1_000, max_at_stake_bps=1_500,
    )
    w.vault = vault
    w.fund(w.owner, 100 * WAD_)
    vault.deposit(100 * WAD_, 0, 10_000, 10_000, sender=w.owner)
    auth, sig, _ = _auth(w, model_id=OTHER_MODEL_ID)
    vault.stake_round(auth, 10 * WAD_, sig, sender=w.owner)
    auth, sig, _ = _auth(w, model_id=OTHER_MODEL_ID)
    with boa.reverts("NumerBayVault: above at-stake cap"):
        vault.stake_round(auth, 5 * WAD_ + 1, sig, sender=w.owner)
    vault.stake_round(auth, 5 * WAD_, sig, sender=w.owner)


def test_stake_round_reserve_guard(w: VaultWorld, vault_deployer: Any) -> None:
    """Defence in depth: the caps already keep reserves out; force a reserve to see the guard."""
    slot = vault_deployer.compiler_data.storage_layout["storage_layout"]["state"]["fees_owed"]
    boa.env.evm.set_storage(boa.util.abi.Address(w.vault.address), slot["slot"], 900 * WAD_)
    auth, sig, _ = _auth(w)
    with boa.reverts("NumerBayVault: eats reserves"):
        w.vault.stake_round(auth, 100 * WAD_ + 1, sig, sender=w.owner)
    w.vault.stake_round(auth, 100 * WAD_, sig, sender=w.owner)


def test_stake_after_shutdown_reverts(w: VaultWorld) -> None:
    w.admin.shutdown(sender=w.owner)
    auth, sig, _ = _auth(w)
    with boa.reverts("NumerBayVault: shut down"):
        w.vault.stake_round(auth, WAD_, sig, sender=w.owner)


def test_settle_round_profit_and_event(w: VaultWorld, alice: str) -> None:
    rid = w.stake(100 * WAD_)
    received = w.settle(rid, 30 * WAD_, 0, sender=alice)
    assert received == 130 * WAD_
    (recorded,) = _events(w.vault, "RoundRecorded")
    assert (recorded.seq, recorded.round_id, recorded.received, recorded.late) == (
        1, rid, 130 * WAD_, False,
    )
    (settled,) = _events(w.vault, "RoundSettled")
    assert (settled.seq, settled.round_id, settled.principal) == (1, rid, 100 * WAD_)
    assert settled.received == 130 * WAD_
    assert settled.return_ray == 30 * WAD_ * RAY // (1_000 * WAD_)
    assert settled.index_ray == RAY + 30 * WAD_ * RAY // (1_000 * WAD_)
    assert settled.exposed_value == 1_030 * WAD_
    assert settled.timestamp == boa.env.timestamp
    info = w.info()
    assert (info.applied_count, info.at_stake, info.idle) == (1, 0, 1_030 * WAD_)
    assert info.last_return_ray == settled.return_ray
    view = w.lens.sequence(w.vault.address, 1)
    assert view.applied and view.recorded and view.received == 130 * WAD_
    assert view.index_ray == settled.index_ray


def test_settle_round_loss(w: VaultWorld) -> None:
    rid = w.stake(100 * WAD_)
    w.settle(rid, 0, 40 * WAD_)
    (settled,) = _events(w.vault, "RoundSettled")
    assert settled.return_ray == -(40 * WAD_ * RAY // (1_000 * WAD_))
    assert settled.index_ray == RAY - 40 * WAD_ * RAY // (1_000 * WAD_)
    assert w.info().total_assets == 960 * WAD_


def test_settle_round_reverts(w: VaultWorld) -> None:
    rid = w.stake(100 * WAD_)
    with boa.reverts("NumerBayVault: unknown round"):
        w.vault.settle_round(rid + 7, 0, 0, [], sender=w.owner)
    proof = w.resolve(rid, 10 * WAD_, 0)
    with boa.reverts("LocalAtomicStaking: invalid proof"):
        w.vault.settle_round(rid, 20 * WAD_, 0, proof, sender=w.owner)
    w.vault.settle_round(rid, 10 * WAD_, 0, proof, sender=w.owner)
    with boa.reverts("LocalAtomicStaking: already settled"):
        w.vault.settle_round(rid, 10 * WAD_, 0, proof, sender=w.owner)
    with boa.reverts("NumerBayVault: already recorded"):
        w.vault.sync_round(rid)


def test_sync_round_after_numerai_finalizes(w: VaultWorld, alice: str) -> None:
    rid = w.stake(100 * WAD_)
    with boa.reverts("NumerBayVault: not settled"):
        w.vault.sync_round(rid)
    proof = w.resolve(rid, 5 * WAD_, 0)
    boa.env.time_travel(seconds=7 * DAY_)
    w.staking.finalize(rid, w.vault.address, MODEL_ID, 5 * WAD_, 0, proof, sender=w.numerai)
    assert w.vault.sync_round(rid, sender=alice) == 105 * WAD_
    (recorded,) = _events(w.vault, "RoundRecorded")
    assert recorded.received == 105 * WAD_
    assert w.info().applied_count == 1
    assert w.info().total_assets == 1_005 * WAD_


def test_results_recorded_out_of_order_apply_in_order(w: VaultWorld) -> None:
    rounds = [w.stake(50 * WAD_) for _ in range(10)]
    proofs = {rid: w.resolve(rid, WAD_, 0) for rid in rounds}
    for rid in rounds[1:]:
        w.vault.settle_round(rid, WAD_, 0, proofs[rid], sender=w.owner)
        assert w.info().applied_count == 0
    w.vault.settle_round(rounds[0], WAD_, 0, proofs[rounds[0]], sender=w.owner)
    settled = _events(w.vault, "RoundSettled")
    assert [e.seq for e in settled] == list(range(1, 9))  # at most 8 per settlement
    assert w.vault.apply(5, sender=w.owner) == 2
    assert [e.seq for e in _events(w.vault, "RoundSettled")] == [9, 10]
    assert w.vault.apply(5) == 0
    assert w.info().total_assets == 1_010 * WAD_


def test_write_off_unfreezes_and_late_nmr_goes_to_surplus(w: VaultWorld) -> None:
    with boa.reverts("NumerBayVault: nothing to write off"):
        w.vault.write_off()
    rid = w.stake(100 * WAD_)
    with boa.reverts("NumerBayVault: too early"):
        w.vault.write_off()
    boa.env.time_travel(seconds=150 * DAY_ + 1)
    w.vault.write_off()
    (written,) = _events(w.vault, "RoundWrittenOff")
    assert (written.seq, written.round_id) == (1, rid)
    (settled,) = _events(w.vault, "RoundSettled")
    assert settled.received == 0 and settled.index_ray == RAY - RAY // 10
    view = w.lens.sequence(w.vault.address, 1)
    assert view.written_off and view.applied
    # the NMR arrives later: it joins the next applied result through the surplus
    received = w.settle(rid, 0, 0)
    assert received == 100 * WAD_
    (late,) = _events(w.vault, "RoundRecorded")
    assert late.late
    assert w.info().surplus == 100 * WAD_
    with boa.reverts("NumerBayVault: already recorded"):
        w.vault.sync_round(rid)
    rid2 = w.stake(10 * WAD_)
    w.settle(rid2, 0, 0)
    assert w.info().surplus == 0
    assert w.info().total_assets == 1_000 * WAD_


def test_stall_declared_and_cleared(w: VaultWorld, alice: str) -> None:
    lot_id = w.deposit(w.owner, 10 * WAD_, commitment_id=2)  # locked for 90 days
    rid = w.stake(100 * WAD_)
    with boa.reverts("NumerBayVault: not stalled"):
        w.vault.declare_stalled(sender=alice)
    boa.env.time_travel(seconds=150 * DAY_ + 1)
    w.vault.declare_stalled(sender=alice)
    (event,) = _events(w.vault, "StalledSet")
    assert event.stalled
    assert w.info().stalled
    with boa.reverts("NumerBayVault: already stalled"):
        w.vault.declare_stalled(sender=alice)
    w.fund(alice, WAD_)
    with boa.reverts("NumerBayVault: stalled"):
        w.vault.deposit(WAD_, 0, 10_000, 10_000, sender=alice)
    auth, sig, _ = _auth(w)
    with boa.reverts("NumerBayVault: stalled"):
        w.vault.stake_round(auth, WAD_, sig, sender=w.owner)
    w.vault.write_off()
    assert [e.stalled for e in _events(w.vault, "StalledSet")] == [False]
    assert not w.info().stalled
    w.settle(rid, 0, 0)
    assert w.lot(lot_id).state == 2


def test_squatter_for_someone_elses_model_cannot_stake(
    vault_factory: Any, vault_deployer: Any, vault_world: VaultWorld, bob: str
) -> None:
    w = vault_world
    squat = make_vault(vault_factory, vault_deployer, bob)
    w.nmr.mint(bob, 100 * WAD_)
    w.nmr.approve(squat.address, 100 * WAD_, sender=bob)
    squat.deposit(100 * WAD_, 0, 10_000, 10_000, sender=bob)
    rid = w.open_round()
    # Numerai signs only for the real owner's staker (the real vault), never for the squatter
    authorization, signature = w.authorize(
        round_id=rid, staker=w.vault.address, model_id=MODEL_ID
    )
    with boa.reverts("NumerBayVault: wrong staker"):
        squat.stake_round(authorization.as_tuple(), WAD_, signature, sender=bob)
    forged, forged_sig = w.authorize(
        round_id=rid, staker=squat.address, model_id=MODEL_ID, key=b"\x01" * 32
    )
    with boa.reverts("LocalAtomicStaking: invalid signature"):
        squat.stake_round(forged.as_tuple(), WAD_, forged_sig, sender=bob)
    assert w.factory.vault_of_model(MODEL_ID) == "0x" + "00" * 20
    assert abs_codec.numerai_model_id(MODEL_ID)


def test_index_reaching_zero_shuts_the_vault_down(make_world: Any) -> None:
    """Years of fixed fees shrink the exposed value under an open stake; a total loss of
    that stake then takes G to 0 (VAULT_SPEC section 3: the vault shuts down)."""
    w: VaultWorld = make_world(tiers=[(0, 1_000, 0)], commitments=[(0, 0)])
    lot = w.deposit(w.owner, 100 * WAD_)
    rid = w.stake(20 * WAD_)
    for _ in range(16):
        boa.env.time_travel(seconds=365 * DAY_)
        w.vault.checkpoint(lot, sender=w.owner)
    assert w.lot(lot).principal < 20 * WAD_
    w.settle(rid, 0, 20 * WAD_)
    (shutdown,) = _events(w.vault, "Shutdown")
    assert shutdown.timestamp == boa.env.timestamp
    (settled,) = _events(w.vault, "RoundSettled")
    assert settled.index_ray == 0
    info = w.info()
    assert info.shut_down and info.index_ray == 0
    assert w.lot(lot).value == 0
    w.vault.request_exit(lot, sender=w.owner)  # unlocked by the shutdown, final at once
    assert w.lot(lot).state == 4


def test_late_nmr_of_a_written_off_round_joins_the_next_result(
    make_world: Any, alice: str
) -> None:
    """Worked example: the write-off charges round 1's whole stake to the lots exposed to
    it; the NMR that comes back later is shared by the lots exposed to the next result."""
    w: VaultWorld = make_world(tiers=[(0, 0, 0)], commitments=[(0, 0)])
    seed = w.deposit(w.owner, 1_000 * WAD_)
    r1 = w.stake(100 * WAD_)
    newcomer = w.deposit(alice, 500 * WAD_)
    r2 = w.stake(100 * WAD_)
    boa.env.time_travel(seconds=150 * DAY_ + 1)
    w.vault.write_off()
    assert w.lot(seed).value == 900 * WAD_
    assert w.lot(newcomer).value == 500 * WAD_
    assert w.settle(r1, 10 * WAD_, 0) == 110 * WAD_  # late: to the surplus
    assert w.info().surplus == 110 * WAD_
    w.settle(r2, 20 * WAD_, 0)  # P_2 = 120 + 110 - 100 = 130 on 1,400 exposed
    assert w.info().surplus == 0
    assert abs(w.lot(seed).value - 900 * WAD_ * 1_530 // 1_400) <= 2
    assert abs(w.lot(newcomer).value - 500 * WAD_ * 1_530 // 1_400) <= 2
    assert w.lot(seed).value + w.lot(newcomer).value <= w.info().total_assets
