"""NumerBayVault deposits, cancellations, the tier basis rule and the deposit guards."""

from __future__ import annotations

from typing import Any

import boa
import pytest

from tests.contracts.vault_fixtures import DAY_, WAD_, VaultWorld


def _events(contract: Any, name: str) -> list[Any]:
    return [e for e in contract.get_logs() if type(e).__name__ == name]


def _register(w: VaultWorld) -> None:
    """Owner seeds the vault and stakes once, which registers it (others may then deposit)."""
    w.deposit(w.owner, 1_000 * WAD_)
    w.stake(10 * WAD_)


def test_deposit_creates_pending_lot_and_event(w_registered: VaultWorld, alice: str) -> None:
    w = w_registered
    idle_before = w.idle()
    lot_id = w.deposit(alice, 50 * WAD_, commitment_id=1)
    (event,) = _events(w.vault, "Deposit")
    assert (event.owner, event.lot_id, event.assets) == (alice, lot_id, 50 * WAD_)
    assert event.entry_seq == 1
    assert event.commitment_id == 1
    assert event.tier_id == 0
    # tier 0 (200 / 2,000) with a 20% discount, rounded up
    assert (event.fixed_fee_bps, event.profit_share_bps) == (160, 1_600)
    assert event.unlock_time == boa.env.timestamp + 30 * DAY_
    assert event.tier_basis == 50 * WAD_
    lot = w.lot(lot_id)
    assert lot.state == 0  # pending: S < k
    assert lot.principal == 50 * WAD_ and lot.value == 50 * WAD_
    assert w.idle() == idle_before + 50 * WAD_
    assert w.nmr.balanceOf(w.vault.address) >= w.idle()
    assert list(w.lens.lots_of(w.vault.address, alice)) == [lot_id]


def test_deposit_reaches_higher_tier_with_uncancellable_lots(
    w_registered: VaultWorld, alice: str
) -> None:
    w = w_registered
    first = w.deposit(alice, 600 * WAD_)
    # a second deposit in the same K cannot count the first (it could still be cancelled)
    second = w.deposit(alice, 500 * WAD_)
    assert _events(w.vault, "Deposit")[0].tier_id == 0
    w.vault.cancel_deposit(second, sender=alice)
    w.stake(10 * WAD_)
    # now the first lot can no longer be cancelled: 600 + 500 >= 1,000 buys tier 1
    w.deposit(alice, 500 * WAD_)
    (event,) = _events(w.vault, "Deposit")
    assert event.tier_id == 1
    assert event.tier_basis == 1_100 * WAD_
    assert (event.fixed_fee_bps, event.profit_share_bps) == (100, 1_000)
    assert w.lot(first).principal == 600 * WAD_


def test_preview_deposit_agrees_with_deposit(w_registered: VaultWorld, alice: str) -> None:
    w = w_registered
    for commitment_id, amount in [(0, 5 * WAD_), (2, 2_000 * WAD_), (1, 999 * WAD_)]:
        preview = w.lens.preview_deposit(w.vault.address, alice, amount, commitment_id)
        w.deposit(alice, amount, commitment_id=commitment_id)
        (event,) = _events(w.vault, "Deposit")
        assert preview.tier_id == event.tier_id
        assert preview.fixed_fee_bps == event.fixed_fee_bps
        assert preview.profit_share_bps == event.profit_share_bps
        assert preview.unlock_time == event.unlock_time
        assert preview.first_seq == event.entry_seq + 1


def test_cancel_deposit_returns_principal(w_registered: VaultWorld, alice: str) -> None:
    w = w_registered
    lot_id = w.deposit(alice, 40 * WAD_)
    idle = w.idle()
    w.vault.cancel_deposit(lot_id, sender=alice)
    (event,) = _events(w.vault, "DepositCancelled")
    assert (event.owner, event.lot_id, event.assets) == (alice, lot_id, 40 * WAD_)
    assert w.nmr.balanceOf(alice) == 40 * WAD_
    assert w.idle() == idle - 40 * WAD_
    assert w.lot(lot_id).state == 5
    assert list(w.lens.lots_of(w.vault.address, alice)) == []


def test_cancel_deposit_reverts(w_registered: VaultWorld, alice: str, bob: str) -> None:
    w = w_registered
    lot_id = w.deposit(alice, 40 * WAD_)
    with boa.reverts("NumerBayVault: no such lot"):
        w.vault.cancel_deposit(999, sender=alice)
    with boa.reverts("NumerBayVault: not lot owner"):
        w.vault.cancel_deposit(lot_id, sender=bob)
    w.stake(5 * WAD_)
    with boa.reverts("NumerBayVault: already staked"):
        w.vault.cancel_deposit(lot_id, sender=alice)


def test_exit_requested_lot_cannot_be_cancelled(vault_world: VaultWorld) -> None:
    """A joined lot with nothing staked since (K == S == entry) exits final at once; it must
    not also be cancellable, or its value would leave twice and the queue would break."""
    w = vault_world
    lot_id = w.deposit(w.owner, 40 * WAD_)
    w.vault.request_exit(lot_id, sender=w.owner)
    assert w.lot(lot_id).state == 4
    with boa.reverts("NumerBayVault: already exiting"):
        w.vault.cancel_deposit(lot_id, sender=w.owner)
    assert w.vault.fulfill(5) == 1
    assert w.vault.claim(sender=w.owner) == 40 * WAD_


def test_deposit_guards(w_registered: VaultWorld, alice: str) -> None:
    w = w_registered
    w.fund(alice, 10_000 * WAD_)
    with boa.reverts("NumerBayVault: below min deposit"):
        w.vault.deposit(WAD_ - 1, 0, 10_000, 10_000, sender=alice)
    with boa.reverts("NumerBayVault: unknown commitment"):
        w.vault.deposit(WAD_, 3, 10_000, 10_000, sender=alice)
    with boa.reverts("NumerBayVault: fixed fee above max"):
        w.vault.deposit(WAD_, 0, 199, 10_000, sender=alice)
    with boa.reverts("NumerBayVault: profit share above max"):
        w.vault.deposit(WAD_, 0, 200, 1_999, sender=alice)
    w.admin.set_capacity(w.info().total_assets + 5 * WAD_, sender=w.owner)
    with boa.reverts("NumerBayVault: over capacity"):
        w.vault.deposit(5 * WAD_ + 1, 0, 10_000, 10_000, sender=alice)
    w.vault.deposit(5 * WAD_, 0, 10_000, 10_000, sender=alice)


def test_deposit_paused_and_allowlist(w_registered: VaultWorld, alice: str) -> None:
    w = w_registered
    w.fund(alice, 10 * WAD_)
    w.admin.set_paused(True, sender=w.owner)
    with boa.reverts("NumerBayVault: paused"):
        w.vault.deposit(WAD_, 0, 10_000, 10_000, sender=alice)
    w.admin.set_paused(False, sender=w.owner)
    w.admin.set_allowlist_enabled(True, sender=w.owner)
    with boa.reverts("NumerBayVault: not allowed"):
        w.vault.deposit(WAD_, 0, 10_000, 10_000, sender=alice)
    w.admin.set_allowed([alice], True, sender=w.owner)
    w.vault.deposit(WAD_, 0, 10_000, 10_000, sender=alice)


def test_deposit_after_shutdown_reverts(w_registered: VaultWorld, alice: str) -> None:
    w = w_registered
    w.fund(alice, 10 * WAD_)
    w.admin.shutdown(sender=w.owner)
    with boa.reverts("NumerBayVault: shut down"):
        w.vault.deposit(WAD_, 0, 10_000, 10_000, sender=alice)


def test_only_owner_deposits_before_registration(vault_world: VaultWorld, alice: str) -> None:
    w = vault_world
    w.fund(alice, 10 * WAD_)
    with boa.reverts("NumerBayVault: not registered"):
        w.vault.deposit(WAD_, 0, 10_000, 10_000, sender=alice)
    _register(w)
    assert w.info().registered
    w.vault.deposit(WAD_, 0, 10_000, 10_000, sender=alice)


def test_sixteen_open_lots_per_account(w_registered: VaultWorld, alice: str) -> None:
    w = w_registered
    w.fund(alice, 17 * WAD_)
    ids = [w.vault.deposit(WAD_, 0, 10_000, 10_000, sender=alice) for _ in range(16)]
    with boa.reverts("NumerBayVault: too many lots"):
        w.vault.deposit(WAD_, 0, 10_000, 10_000, sender=alice)
    assert sorted(w.lens.lots_of(w.vault.address, alice)) == sorted(ids)
    w.vault.cancel_deposit(ids[3], sender=alice)
    new_id = w.vault.deposit(WAD_, 0, 10_000, 10_000, sender=alice)
    assert new_id in list(w.lens.lots_of(w.vault.address, alice))


def test_donation_changes_nothing(w_registered: VaultWorld, alice: str) -> None:
    w = w_registered
    before = w.info()
    w.nmr.mint(w.vault.address, 1_000 * WAD_)
    after = w.info()
    assert after.idle == before.idle
    assert after.total_assets == before.total_assets
    assert after.exposed_value == before.exposed_value


@pytest.fixture
def w_registered(vault_world: VaultWorld) -> VaultWorld:
    _register(vault_world)
    return vault_world


def test_eight_tiers_use_the_second_tier_word(make_world: Any, alice: str) -> None:
    tiers = [(i * 100 * WAD_, 800 - i * 100, 4_000 - i * 500) for i in range(8)]
    w: VaultWorld = make_world(tiers=tiers, commitments=[(0, 0)])
    w.deposit(w.owner, 10 * WAD_)
    w.stake(WAD_)
    w.deposit(alice, 650 * WAD_)
    (event,) = _events(w.vault, "Deposit")
    assert (event.tier_id, event.fixed_fee_bps, event.profit_share_bps) == (6, 200, 1_000)
    preview = w.lens.preview_deposit(w.vault.address, alice, 100 * WAD_, 0)
    assert preview.tier_id == 1  # alice's first lot can still be cancelled: not counted
    with boa.reverts("VaultLens: unknown commitment"):
        w.lens.preview_deposit(w.vault.address, alice, WAD_, 1)
