"""VaultAdmin: the owner's functions run by delegatecall on the vault's storage."""

from __future__ import annotations

from typing import Any

import boa

from tests.contracts.vault_fixtures import COMMITMENTS, DAY_, TIERS, WAD_, VaultWorld

ZERO = "0x" + "00" * 20


def _events(contract: Any, name: str) -> list[Any]:
    return [e for e in contract.get_logs() if type(e).__name__ == name]


def test_storage_layouts_are_identical(vault_deployer: Any, vault_admin_deployer: Any) -> None:
    vault = vault_deployer.compiler_data.storage_layout["storage_layout"]
    admin = vault_admin_deployer.compiler_data.storage_layout["storage_layout"]
    assert vault == admin
    assert set(vault) == {"state"}  # no storage outside the shared module


def test_every_owner_function_rejects_others(vault_world: VaultWorld, alice: str) -> None:
    w = vault_world
    calls = [
        lambda: w.admin.propose_schedule(TIERS, COMMITMENTS, sender=alice),
        lambda: w.admin.cancel_schedule(sender=alice),
        lambda: w.admin.roll([1], sender=alice),
        lambda: w.admin.set_operator(alice, sender=alice),
        lambda: w.admin.set_capacity(WAD_, sender=alice),
        lambda: w.admin.set_min_deposit(WAD_, sender=alice),
        lambda: w.admin.set_paused(True, sender=alice),
        lambda: w.admin.set_allowlist_enabled(True, sender=alice),
        lambda: w.admin.set_allowed([alice], True, sender=alice),
        lambda: w.admin.shutdown(sender=alice),
        lambda: w.admin.claim_fees(sender=alice),
        lambda: w.admin.transfer_ownership(alice, sender=alice),
    ]
    for call in calls:
        with boa.reverts("VaultAdmin: not owner"):
            call()


def test_admin_called_directly_has_no_owner(vault_world: VaultWorld, vault_full_abi: Any) -> None:
    w = vault_world
    direct = vault_full_abi.at(w.vault.admin())
    with boa.reverts("VaultAdmin: not owner"):
        direct.set_paused(True, sender=w.owner)


def test_setters_emit_old_and_new_values(vault_world: VaultWorld, alice: str, bob: str) -> None:
    w = vault_world
    w.admin.set_capacity(5_000 * WAD_, sender=w.owner)
    (event,) = _events(w.admin, "UpdateCapacity")
    assert (event.old_capacity, event.new_capacity) == (1_000_000 * WAD_, 5_000 * WAD_)
    assert w.info().capacity == 5_000 * WAD_
    with boa.reverts("VaultAdmin: capacity too large"):
        w.admin.set_capacity(2**96, sender=w.owner)
    w.admin.set_min_deposit(2 * WAD_, sender=w.owner)
    (event,) = _events(w.admin, "UpdateMinDeposit")
    assert (event.old_min_deposit, event.new_min_deposit) == (WAD_, 2 * WAD_)
    assert w.info().min_deposit == 2 * WAD_
    with boa.reverts("VaultAdmin: bad min deposit"):
        w.admin.set_min_deposit(WAD_ - 1, sender=w.owner)
    w.admin.set_operator(bob, sender=w.owner)
    w.admin.set_operator(alice, sender=w.owner)
    (event,) = _events(w.admin, "UpdateOperator")
    assert (event.old_operator, event.new_operator) == (bob, alice)
    w.admin.set_paused(True, sender=w.owner)
    assert [e.paused for e in _events(w.admin, "PausedSet")] == [True]
    assert w.info().paused
    w.admin.set_allowlist_enabled(True, sender=w.owner)
    (event,) = _events(w.admin, "UpdateAllowlistEnabled")
    assert (event.old_enabled, event.new_enabled) == (False, True)
    w.admin.set_allowed([alice, bob], True, sender=w.owner)
    assert [(e.account, e.allowed) for e in _events(w.admin, "AllowedSet")] == [
        (alice, True), (bob, True),
    ]
    assert w.vault.allowed(bob)
    w.admin.set_allowed([bob], False, sender=w.owner)
    assert not w.vault.allowed(bob)


def test_claim_fees_needs_idle(vault_world: VaultWorld) -> None:
    with boa.reverts("VaultAdmin: no idle NMR"):
        vault_world.admin.claim_fees(sender=vault_world.owner)


def test_shutdown(vault_world: VaultWorld) -> None:
    w = vault_world
    w.admin.shutdown(sender=w.owner)
    (event,) = _events(w.admin, "Shutdown")
    assert event.timestamp == boa.env.timestamp
    assert w.vault.is_shutdown() and w.info().shut_down
    with boa.reverts("VaultAdmin: already shut down"):
        w.admin.shutdown(sender=w.owner)


def test_two_step_ownership(vault_world: VaultWorld, alice: str, bob: str) -> None:
    w = vault_world
    w.admin.transfer_ownership(alice, sender=w.owner)
    (started,) = _events(w.admin, "OwnershipTransferStarted")
    assert (started.previous_owner, started.new_owner) == (w.owner, alice)
    assert w.vault.pending_owner() == alice
    with boa.reverts("VaultAdmin: not pending owner"):
        w.admin.accept_ownership(sender=bob)
    w.admin.accept_ownership(sender=alice)
    (done,) = _events(w.admin, "OwnershipTransferred")
    assert (done.previous_owner, done.new_owner) == (w.owner, alice)
    assert w.vault.owner() == alice and w.vault.pending_owner() == ZERO
    with boa.reverts("VaultAdmin: not owner"):
        w.admin.set_paused(True, sender=w.owner)


def test_schedule_propose_cancel_activate(vault_world: VaultWorld, alice: str) -> None:
    w = vault_world
    new_tiers = [(0, 150, 1_500), (500 * WAD_, 100, 1_000), (5_000 * WAD_, 50, 500)]
    new_commitments = [(7 * DAY_, 0), (60 * DAY_, 2_500)]
    with boa.reverts("VaultAdmin: nothing pending"):
        w.admin.activate_schedule(sender=alice)
    with boa.reverts("VaultAdmin: nothing pending"):
        w.admin.cancel_schedule(sender=w.owner)
    w.admin.propose_schedule(new_tiers, new_commitments, sender=w.owner)
    (proposed,) = _events(w.admin, "ScheduleProposed")
    assert (proposed.version, proposed.eta) == (1, boa.env.timestamp + 7 * DAY_)
    tiers, commitments, eta = w.lens.pending_schedule(w.vault.address)
    assert [tuple(t) for t in tiers] == new_tiers
    assert [tuple(c) for c in commitments] == new_commitments
    assert eta == proposed.eta
    w.admin.cancel_schedule(sender=w.owner)
    (cancelled,) = _events(w.admin, "ScheduleCancelled")
    assert cancelled.version == 1
    assert w.lens.pending_schedule(w.vault.address)[2] == 0
    w.admin.propose_schedule(new_tiers, new_commitments, sender=w.owner)
    boa.env.time_travel(seconds=7 * DAY_ - 1)
    with boa.reverts("VaultAdmin: too early"):
        w.admin.activate_schedule(sender=alice)
    boa.env.time_travel(seconds=1)
    w.admin.activate_schedule(sender=alice)
    (activated,) = _events(w.admin, "ScheduleActivated")
    assert activated.version == 1
    tiers, commitments = w.lens.schedule(w.vault.address)
    assert [tuple(t) for t in tiers] == new_tiers
    assert [tuple(c) for c in commitments] == new_commitments
    assert w.info().schedule_version == 1 and w.info().pending_eta == 0


def test_propose_schedule_is_validated_by_the_factory(vault_world: VaultWorld) -> None:
    w = vault_world
    with boa.reverts("VaultFactory: fixed fee too high"):
        w.admin.propose_schedule([(0, 1_001, 0)], COMMITMENTS, sender=w.owner)
    with boa.reverts("VaultFactory: commitments not ascending"):
        w.admin.propose_schedule(TIERS, [(10, 0), (10, 0)], sender=w.owner)


def test_unknown_selector_reverts(vault_world: VaultWorld) -> None:
    w = vault_world
    try:
        boa.env.raw_call(w.vault.address, data=bytes.fromhex("deadbeef"))
    except Exception as exc:  # py-evm raises its Revert straight from raw_call
        assert "Revert" in type(exc).__name__ or "revert" in str(exc).lower()
    else:
        raise AssertionError("an unknown selector must revert")
