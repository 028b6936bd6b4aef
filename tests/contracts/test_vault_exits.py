"""The lot state table of VAULT_SPEC section 3, exits, the exit queue and claims.

A zero-fee vault keeps the arithmetic exact, so every value is checked to the wei.
"""

from __future__ import annotations

from typing import Any

import boa
import pytest

from tests.contracts.vault_fixtures import DAY_, RAY, WAD_, VaultWorld

PENDING, JOINED, ACTIVE, EXITING, FINAL, CLOSED = range(6)
ZERO_FEES = [(0, 0, 0)]
COMMITMENTS = [(0, 0), (30 * DAY_, 0)]


def _events(contract: Any, name: str) -> list[Any]:
    return [e for e in contract.get_logs() if type(e).__name__ == name]


@pytest.fixture
def w(make_world: Any) -> VaultWorld:
    world: VaultWorld = make_world(tiers=ZERO_FEES, commitments=COMMITMENTS)
    world.deposit(world.owner, 1_000 * WAD_)  # lot 1, the owner's seed
    return world


def test_lot_state_table(w: VaultWorld, alice: str) -> None:
    r1 = w.stake(100 * WAD_)  # K = 1 (registers the vault)
    lot = w.deposit(alice, 500 * WAD_)  # k = 1
    # pending: S < k, value = principal, counted in bucket[k]
    view = w.lot(lot)
    assert (view.state, view.value, view.entry_seq) == (PENDING, 500 * WAD_, 1)
    with boa.reverts("NumerBayVault: not joined"):
        w.vault.request_exit(lot, sender=alice)
    assert w.vault.state_words()[0] >> 96 & (2**96 - 1) == 500 * WAD_  # hot bucket[K]
    r2 = w.stake(160 * WAD_)  # K = 2: bucket 1 moves out of the hot slot
    assert w.vault.bucket_of(1) == 500 * WAD_
    w.settle(r1, 100 * WAD_, 0)  # +10% on the seed only: S = 1
    g1 = RAY + 100 * WAD_ * RAY // (1_000 * WAD_)
    # joined: S == k, value = principal, units = principal / G[k]
    view = w.lot(lot)
    assert (view.state, view.value) == (JOINED, 500 * WAD_)
    assert view.units == 500 * WAD_ * RAY // g1
    assert view.hwm_ray == g1
    assert w.lot(1).value == 1_100 * WAD_  # the seed took round 1 alone
    # active: S > k, value = units * G[S]; bucket 1 was folded into U when 2 was applied
    w.settle(r2, 0, 160 * WAD_)  # -160 on 1,100 + 500 = 1,600 exposed: -10%
    assert w.vault.bucket_of(1) == 0
    g2 = g1 - (160 * WAD_ * RAY + (w.vault.state_words()[4] - 1)) // w.vault.state_words()[4]
    view = w.lot(lot)
    assert view.state == ACTIVE
    assert view.value == view.units * g2 // RAY
    assert abs(view.value - 450 * WAD_) <= 1
    # exiting: asked at K = x with S < x; still exposed to x
    r3 = w.stake(100 * WAD_)
    x = w.vault.request_exit(lot, sender=alice)
    assert x == 3
    (requested,) = _events(w.vault, "ExitRequested")
    assert (requested.owner, requested.lot_id, requested.exit_seq, requested.final) == (
        alice, lot, 3, False,
    )
    view = w.lot(lot)
    assert (view.state, view.exit_seq, view.exiting) == (EXITING, 3, True)
    assert w.vault.exit_units_of(3) == view.units
    r4 = w.stake(100 * WAD_)  # staked after the request: the lot is not exposed to it
    # final: S >= x, value = units * G[x]; the settlement that makes it final also
    # fulfils it (up to 8 exits), so its value moves to claimable in the same call
    units = w.lot(lot).units
    w.settle(r3, 50 * WAD_, 0)
    g3 = w.lens.sequence(w.vault.address, 3).index_ray
    final_value = units * g3 // RAY
    (fulfilled,) = _events(w.vault, "ExitFulfilled")
    assert (fulfilled.lot_id, fulfilled.assets, fulfilled.profit_fee) == (lot, final_value, 0)
    assert w.vault.claimable(alice) == final_value
    w.settle(r4, 0, 100 * WAD_)  # a total loss of round 4 does not reach the exited lot
    assert w.vault.claimable(alice) == final_value
    assert w.lot(lot).state == CLOSED
    assert w.vault.claim(sender=alice) == final_value
    (claimed,) = _events(w.vault, "Claimed")
    assert (claimed.account, claimed.assets) == (alice, final_value)
    assert w.nmr.balanceOf(alice) == final_value
    with boa.reverts("NumerBayVault: nothing to claim"):
        w.vault.claim(sender=alice)


def test_exit_when_nothing_is_outstanding_is_final_at_once(w: VaultWorld, alice: str) -> None:
    r1 = w.stake(100 * WAD_)
    lot = w.deposit(alice, 200 * WAD_)
    w.settle(r1, 0, 0)  # S = K = 1: the lot is joined and nothing is staked
    assert w.vault.request_exit(lot, sender=alice) == 1
    (requested,) = _events(w.vault, "ExitRequested")
    assert requested.final
    assert w.lot(lot).state == FINAL
    assert w.info().exits_due == 200 * WAD_
    assert w.vault.fulfill(10, sender=w.owner) == 1
    assert w.vault.claimable(alice) == 200 * WAD_
    assert w.info().exits_due == 0


def test_joined_exit_with_rounds_outstanding_moves_out_of_its_bucket(
    w: VaultWorld, alice: str
) -> None:
    r1 = w.stake(100 * WAD_)
    lot = w.deposit(alice, 200 * WAD_)
    r2 = w.stake(100 * WAD_)
    w.settle(r1, 0, 0)  # S = 1 = k: joined, bucket 1 not folded yet, round 2 outstanding
    exposed = w.info().exposed_value
    w.vault.request_exit(lot, sender=alice)
    assert w.vault.bucket_of(1) == 0
    assert w.info().exposed_value == exposed - 200 * WAD_
    w.settle(r2, 30 * WAD_, 0)  # +30 on 1,200 exposed (both lots were exposed to round 2)
    assert abs(w.vault.claimable(alice) - 205 * WAD_) <= 1
    assert w.vault.claimable(alice) <= 205 * WAD_


def test_newcomer_gets_nothing_from_rounds_staked_before_it(w: VaultWorld, alice: str) -> None:
    r1 = w.stake(200 * WAD_)
    lot = w.deposit(alice, 1_000 * WAD_)
    w.settle(r1, 200 * WAD_, 0)  # +20% for the seed, nothing for the newcomer
    assert w.lot(lot).value == 1_000 * WAD_
    assert w.lot(1).value == 1_200 * WAD_


def test_leaver_still_bears_rounds_staked_before_the_request(w: VaultWorld) -> None:
    r1 = w.stake(200 * WAD_)
    w.vault.request_exit(1, sender=w.owner)
    w.settle(r1, 0, 200 * WAD_)
    assert w.vault.claimable(w.owner) == 800 * WAD_


def test_request_exit_reverts(w: VaultWorld, alice: str, bob: str) -> None:
    w.stake(10 * WAD_)
    locked = w.deposit(alice, 10 * WAD_, commitment_id=1)
    with boa.reverts("NumerBayVault: no such lot"):
        w.vault.request_exit(77, sender=alice)
    with boa.reverts("NumerBayVault: not lot owner"):
        w.vault.request_exit(locked, sender=bob)
    w.settle(w.stake(10 * WAD_) - 1, 0, 0)
    with boa.reverts("NumerBayVault: locked"):
        w.vault.request_exit(locked, sender=alice)
    boa.env.time_travel(seconds=30 * DAY_)
    w.vault.request_exit(locked, sender=alice)
    with boa.reverts("NumerBayVault: already exiting"):
        w.vault.request_exit(locked, sender=alice)


def test_shutdown_unlocks_every_lot(w: VaultWorld, alice: str) -> None:
    w.stake(10 * WAD_)
    locked = w.deposit(alice, 10 * WAD_, commitment_id=1)
    w.settle(w.next_round - 1, 0, 0)
    w.admin.shutdown(sender=w.owner)
    w.vault.request_exit(locked, sender=alice)
    assert w.lot(locked).state == FINAL


def test_fulfill_in_request_order_and_stops_at_first_unfinished(
    w: VaultWorld, alice: str, bob: str
) -> None:
    r1 = w.stake(10 * WAD_)
    a = w.deposit(alice, 100 * WAD_)
    b = w.deposit(bob, 100 * WAD_)
    r2 = w.stake(10 * WAD_)
    w.settle(r1, 0, 0)
    w.vault.request_exit(a, sender=alice)  # x = 2
    r3 = w.stake(10 * WAD_)
    w.vault.request_exit(b, sender=bob)  # x = 3
    w.vault.request_exit(1, sender=w.owner)  # x = 3
    info = w.info()
    assert (info.queue_head, info.queue_length) == (0, 3)
    assert [w.vault.queue_at(i) for i in range(3)] == [a, b, 1]
    # nothing is final yet
    assert w.vault.fulfill(10) == 0
    w.settle(r2, 0, 0)  # a is final and fulfilled by the settlement itself
    assert [e.lot_id for e in _events(w.vault, "ExitFulfilled")] == [a]
    assert w.vault.fulfill(10) == 0  # b waits for round 3
    w.settle(r3, 0, 0)
    assert [e.lot_id for e in _events(w.vault, "ExitFulfilled")] == [b, 1]
    assert w.info().queue_length == 0


def test_fulfill_waits_for_idle(w: VaultWorld, vault_deployer: Any) -> None:
    r1 = w.stake(10 * WAD_)
    w.settle(r1, 0, 0)
    # a claimable balance larger than idle (forced) must stop fulfilment
    slot = vault_deployer.compiler_data.storage_layout["storage_layout"]["state"]
    address = boa.util.abi.Address(w.vault.address)
    boa.env.evm.set_storage(address, slot["claimable_total"]["slot"], w.idle())
    w.vault.request_exit(1, sender=w.owner)
    assert w.vault.fulfill(5) == 0
    boa.env.evm.set_storage(address, slot["claimable_total"]["slot"], 0)
    assert w.vault.fulfill(5) == 1
