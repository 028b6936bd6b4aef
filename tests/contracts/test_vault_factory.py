"""VaultFactory: blueprint deployment, bounds, registry, registration, protocol fee."""

from __future__ import annotations

from typing import Any

import boa
import pytest

from tests.contracts.vault_fixtures import (
    COMMITMENTS,
    DAY_,
    MODEL_ID,
    TIERS,
    VAULT_PARAMS,
    WAD_,
    VaultWorld,
    make_vault,
)

ZERO = "0x" + "00" * 20


def _events(contract: Any, name: str) -> list[Any]:
    return [e for e in contract.get_logs() if type(e).__name__ == name]


def test_create_vault_and_registry(vault_world: VaultWorld) -> None:
    w = vault_world
    f = w.factory
    assert f.vault_count() == 1
    assert f.vaults(0) == w.vault.address
    assert f.is_vault(w.vault.address)
    assert f.vault_of_model(MODEL_ID) == ZERO  # a candidate until its first stake
    assert w.vault.owner() == w.owner
    assert w.vault.factory() == f.address
    assert w.vault.nmr() == w.nmr.address and w.vault.staking() == w.staking.address
    assert w.vault.admin() == f.admin()
    assert list(w.vault.limits()) == [2_000, 9_500, 150 * DAY_, 7 * DAY_]
    assert w.vault.model_id() == MODEL_ID and w.vault.model_name() == "vault-model"
    assert f.nmr() == w.nmr.address and f.staking() == w.staking.address
    assert f.vault_blueprint() != ZERO and f.lens() != ZERO
    tiers, commitments = w.lens.schedule(w.vault.address)
    assert [tuple(t) for t in tiers] == TIERS
    assert [tuple(c) for c in commitments] == COMMITMENTS


def test_vault_created_event(vault_factory: Any, vault_deployer: Any, alice: str) -> None:
    vault = make_vault(vault_factory, vault_deployer, alice)
    (created,) = _events(vault_factory, "VaultCreated")
    assert (created.vault, created.owner, created.model_id) == (vault.address, alice, MODEL_ID)
    assert created.model_name == "vault-model"


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"min_deposit": WAD_ - 1}, "min deposit below 1 NMR"),
        ({"capacity": WAD_ // 2, "min_deposit": WAD_}, "bad capacity"),
        ({"capacity": 2**96}, "bad capacity"),
        ({"max_round_bps": 0}, "bad max round bps"),
        ({"max_round_bps": 2_001}, "bad max round bps"),
        ({"max_round_bps": 500, "max_at_stake_bps": 499}, "bad max at-stake bps"),
        ({"max_at_stake_bps": 9_501}, "bad max at-stake bps"),
        ({"max_settle_delay": 150 * DAY_ - 1}, "bad settle delay"),
        ({"max_settle_delay": 3_651 * DAY_}, "bad settle delay"),
        ({"schedule_delay": 7 * DAY_ - 1}, "bad schedule delay"),
        ({"schedule_delay": 366 * DAY_}, "bad schedule delay"),
    ],
)
def test_create_vault_bounds(
    vault_factory: Any, vault_deployer: Any, alice: str, override: dict[str, int], reason: str
) -> None:
    with boa.reverts(f"VaultFactory: {reason}"):
        make_vault(vault_factory, vault_deployer, alice, **override)


@pytest.mark.parametrize(
    ("tiers", "commitments", "reason"),
    [
        ([], COMMITMENTS, "no tiers"),
        ([(WAD_, 0, 0)], COMMITMENTS, "first tier not at 0"),
        ([(0, 0, 0), (0, 0, 0)], COMMITMENTS, "tiers not ascending"),
        ([(0, 0, 0), (WAD_ + 1, 0, 0)], COMMITMENTS, "tier min not whole NMR"),
        ([(0, 0, 0), (2**32 * WAD_, 0, 0)], COMMITMENTS, "tier min too large"),
        ([(0, 1_001, 0)], COMMITMENTS, "fixed fee too high"),
        ([(0, 0, 5_001)], COMMITMENTS, "profit share too high"),
        (TIERS, [], "no commitments"),
        (TIERS, [(DAY_, 0), (DAY_, 0)], "commitments not ascending"),
        (TIERS, [(366 * DAY_, 0)], "commitment too long"),
        (TIERS, [(0, 10_001)], "discount too high"),
    ],
)
def test_schedule_bounds(
    vault_factory: Any, vault_deployer: Any, alice: str, tiers: Any, commitments: Any, reason: str
) -> None:
    with boa.reverts(f"VaultFactory: {reason}"):
        make_vault(vault_factory, vault_deployer, alice, tiers=tiers, commitments=commitments)


def test_create_vault_name_and_id(vault_factory: Any, alice: str) -> None:
    p = VAULT_PARAMS
    args = (
        TIERS, COMMITMENTS, p["capacity"], p["min_deposit"], p["max_round_bps"],
        p["max_at_stake_bps"], p["max_settle_delay"], p["schedule_delay"],
    )
    with boa.reverts("VaultFactory: no model name"):
        vault_factory.create_vault("", MODEL_ID, *args, sender=alice)
    with boa.reverts("VaultFactory: no model id"):
        vault_factory.create_vault("m", b"\x00" * 32, *args, sender=alice)


def test_register_only_from_vaults(vault_factory: Any, alice: str) -> None:
    with boa.reverts("VaultFactory: not a vault"):
        vault_factory.register(sender=alice)


def test_live_registered_vault_keeps_its_model_until_shutdown(
    vault_world: VaultWorld, make_world: Any
) -> None:
    w = vault_world
    w.deposit(w.owner, 100 * WAD_)
    w.stake(10 * WAD_)
    second = make_world(model_id=MODEL_ID)  # the same owner's second vault for the model
    second.deposit(second.owner, 100 * WAD_)
    second.stake(10 * WAD_)
    assert w.factory.vault_of_model(MODEL_ID) == w.vault.address
    assert not second.info().registered
    w.admin.shutdown(sender=w.owner)
    second.stake(10 * WAD_)
    assert w.factory.vault_of_model(MODEL_ID) == second.vault.address
    assert second.info().registered
    events = _events(second.vault, "Registered")
    (registered,) = [e for e in events if e.address == w.factory.address]
    assert (registered.vault, registered.model_id) == (second.vault.address, MODEL_ID)


def test_protocol_fee_and_treasury(
    vault_factory: Any, deployer: str, alice: str, bob: str
) -> None:
    f = vault_factory
    old_treasury = f.treasury()
    with boa.reverts("ownable: caller is not the owner"):
        f.set_protocol_fee(100, sender=alice)
    with boa.reverts("VaultFactory: protocol fee too high"):
        f.set_protocol_fee(2_001, sender=deployer)
    f.set_protocol_fee(2_000, sender=deployer)
    (event,) = _events(f, "UpdateProtocolFee")
    assert (event.old_fee_bps, event.new_fee_bps) == (0, 2_000)
    with boa.reverts("ownable: caller is not the owner"):
        f.set_treasury(alice, sender=alice)
    with boa.reverts("VaultFactory: no treasury"):
        f.set_treasury(ZERO, sender=deployer)
    f.set_treasury(alice, sender=deployer)
    (event,) = _events(f, "UpdateTreasury")
    assert (event.old_treasury, event.new_treasury) == (old_treasury, alice)
    f.transfer_ownership(bob, sender=deployer)
    (started,) = _events(f, "OwnershipTransferStarted")
    assert (started.previous_owner, started.new_owner) == (deployer, bob)
    f.accept_ownership(sender=bob)
    assert f.owner() == bob and f.pending_owner() == ZERO


def test_validate_schedule_packs_what_the_vault_stores(vault_world: VaultWorld) -> None:
    w = vault_world
    packed = list(w.factory.validate_schedule(TIERS, COMMITMENTS))
    stored = list(w.vault.schedule_words(0))
    activation_mask = (2**40 - 1) << 200
    assert packed[:2] == stored[:2]
    assert packed[2] == stored[2] & ~activation_mask
    assert (stored[2] & activation_mask) >> 200 > 0  # version 0 is active from creation
    # tier 1: 1,000 whole NMR, 100 bps, 1,000 bps
    assert (packed[0] >> 64) & (2**64 - 1) == 1_000 | (100 << 32) | (1_000 << 48)
    assert (packed[2] >> 192) & 15 == 2 and (packed[2] >> 196) & 15 == 3


def test_lot_words_layout(vault_world: VaultWorld) -> None:
    w = vault_world
    lot_id = w.deposit(w.owner, 1_234 * WAD_, commitment_id=1)
    a, b = w.vault.lot_words(lot_id)
    assert a & (2**160 - 1) == int(w.owner, 16)
    assert (a >> 160) & (2**24 - 1) == 0  # entry_seq
    assert (a >> 184) & (2**24 - 1) == 0  # not exiting
    assert (a >> 208) & (2**32 - 1) == boa.env.timestamp + 30 * DAY_
    assert a >> 240 == 800  # tier 1 profit 1,000 bps less 20%
    assert b & (2**96 - 1) == 1_234 * WAD_
    assert (b >> 96) & (2**32 - 1) == 1_234  # tier basis in whole NMR
    assert (b >> 216) & (2**25 - 1) == 30 * DAY_
    assert (b >> 241) & 2047 == 80
