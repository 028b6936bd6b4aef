"""Seeded random histories on the real contracts: conservation after every step.

A quick guard for the vault's own development; the full stateful machine with the
independent brute-force oracle lives in its own test module.
"""

from __future__ import annotations

import random

import boa
import pytest

from tests.contracts.vault_fixtures import DAY_, WAD_, VaultWorld

FINAL, CLOSED = 4, 5
DUST_PER_LOT = 10**6  # wei of rounding the vault may keep per lot and step


def _check(w: VaultWorld, lots: list[int], steps: int) -> None:
    info = w.info()
    values = 0
    for lot_id in lots:
        view = w.lot(lot_id)
        if view.state not in (FINAL, CLOSED):
            values += view.value + view.accrued_fees
    liabilities = (
        values + info.exits_due + info.claimable_total + info.fees_owed + info.surplus
    )
    assets = info.idle + info.at_stake
    assert liabilities <= assets, (liabilities, assets)
    assert assets - liabilities <= DUST_PER_LOT * (len(lots) + 1) * (steps + 1)
    recorded = w.vault.state_words()[12]
    assert w.nmr.balanceOf(w.vault.address) >= info.idle + recorded


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_history_conserves(vault_world: VaultWorld, seed: int) -> None:
    rng = random.Random(seed)
    w = vault_world
    stakers = [w.owner, *(str(boa.env.generate_address(f"staker{i}")) for i in range(3))]
    lots = [w.deposit(w.owner, 500 * WAD_)]
    open_rounds: list[tuple[int, int]] = []  # (round id, amount)
    w.stake(50 * WAD_)
    open_rounds.append((w.next_round - 1, 50 * WAD_))
    for step in range(40):
        move = rng.choices(
            ["deposit", "stake", "settle", "exit", "time", "claim", "fulfill"],
            weights=[3, 4, 4, 2, 2, 1, 1],
        )[0]
        info = w.info()
        if move == "deposit":
            who = rng.choice(stakers)
            if len(w.lens.lots_of(w.vault.address, who)) < 16:
                lots.append(w.deposit(who, rng.randint(1, 300) * WAD_, rng.randint(0, 2)))
        elif move == "stake" and info.exposed_value > 0:
            cap = min(
                info.exposed_value * 2_000 // 10_000,
                info.exposed_value * 9_500 // 10_000 - info.at_stake,
            )
            if cap > WAD_:
                amount = rng.randint(WAD_, cap)
                try:
                    w.stake(amount)
                    open_rounds.append((w.next_round - 1, amount))
                except Exception as exc:  # only the documented reserve guard may refuse
                    assert "eats reserves" in str(exc)
        elif move == "settle" and open_rounds:
            rid, amount = open_rounds.pop(rng.randrange(len(open_rounds)))
            payout = rng.randint(0, amount // 4)
            burn = rng.randint(0, amount // 3)
            w.settle(rid, payout, burn)
        elif move == "exit":
            candidates = [lot for lot in lots if w.lot(lot).state in (1, 2)]
            if candidates:
                lot = rng.choice(candidates)
                view = w.lot(lot)
                if view.unlock_time <= boa.env.timestamp:
                    w.vault.request_exit(lot, sender=view.owner)
        elif move == "time":
            boa.env.time_travel(seconds=rng.randint(1, 40) * DAY_)
        elif move == "claim":
            who = rng.choice(stakers)
            if w.vault.claimable(who):
                w.vault.claim(sender=who)
        else:
            w.vault.fulfill(rng.randint(1, 5))
        _check(w, lots, step)
