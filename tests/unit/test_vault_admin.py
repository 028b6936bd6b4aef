"""The owner's transactions without a chain: allowlist and roll batches of at most 50,
pasted address checks, the factory's bounds and the units typed at the edge."""

from __future__ import annotations

import pytest
from eth_account import Account

from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.services.models import CommitmentOption, TierTerms
from numerbay_desktop.services.vault_admin import (
    DAY,
    MAX_BATCH,
    NMR,
    VaultParams,
    allowlist_intents,
    nmr_to_wei,
    params_problems,
    parse_addresses,
    percent_to_bps,
    roll_intents,
)

ADMIN = ContractAbi.load("VaultAdmin")


def _addresses(n: int, seed: int = 1) -> list[str]:
    return [Account.from_key((seed * 10_000 + i + 1).to_bytes(32, "big")).address
            for i in range(n)]


def test_allowlist_changes_go_in_batches_of_at_most_50() -> None:
    vault = _addresses(1, 99)[0]
    add, remove = _addresses(120), _addresses(7, 2)
    intents = allowlist_intents(vault, add=add, remove=remove)
    function = ADMIN.function("set_allowed")
    decoded = [function.decode_input(i.data) for i in intents]
    assert [len(accounts) for accounts, _ in decoded] == [50, 50, 20, 7]
    assert [allowed for _, allowed in decoded] == [True, True, True, False]
    assert [a for accounts, on in decoded if on for a in accounts] == add  # order kept
    assert all(i.to == vault for i in intents) and MAX_BATCH == 50
    assert "part 3 of 3" in intents[2].label


def test_pasted_addresses_are_checked() -> None:
    good = _addresses(3)
    typo = good[0][:-1] + ("A" if good[0][-1] != "A" else "B")
    mixed = typo if typo.lower() != typo else good[0]
    text = f"{good[0]}, {good[1].lower()}\n{good[2]} {good[0]} 0x1234 hello\n{mixed}"
    parsed = parse_addresses(text)
    assert parsed.valid == good and parsed.duplicates == 1
    assert [t for t, _ in parsed.bad][:2] == ["0x1234", "hello"]
    if mixed != good[0]:
        assert parsed.bad[-1] == (mixed, "wrong checksum (a mistyped letter?)")


def test_rolls_go_in_batches_of_at_most_50() -> None:
    vault = _addresses(1, 98)[0]
    intents = roll_intents(vault, list(range(1, 121)))
    decoded = [ADMIN.function("roll").decode_input(i.data)[0] for i in intents]
    assert [len(ids) for ids in decoded] == [50, 50, 20]
    assert [x for ids in decoded for x in ids] == list(range(1, 121))


def test_vault_params_bounds_say_why() -> None:
    params = VaultParams("m", "6f1c8c1e-0000-4000-8000-000000000001",
                         (TierTerms(0, 100, 1_000),), (CommitmentOption(0, 0),),
                         capacity=5 * NMR, min_deposit=10 * NMR, max_round_bps=100,
                         max_at_stake_bps=50, max_settle_delay=10 * DAY, schedule_delay=DAY)
    fields = {p.field: p.reason for p in params_problems(params)}
    assert set(fields) == {"capacity", "max_at_stake_bps", "max_settle_delay",
                           "schedule_delay"}
    assert "minimum deposit" in fields["capacity"]
    bad_id = VaultParams("", "not-a-uuid", (), (), NMR, NMR, 1, 1)
    fields = {p.field for p in params_problems(bad_id)}
    assert {"model_name", "model_id", "tiers", "commitments"} <= fields


def test_units_typed_at_the_edge() -> None:
    assert nmr_to_wei("1,250.5", "x") == 1_250_500_000_000_000_000_000
    assert percent_to_bps("12.5 %", "x") == 1_250
    with pytest.raises(InvalidInput, match="two decimals"):
        percent_to_bps("0.125", "Fee")
    with pytest.raises(InvalidInput, match="Capacity"):
        nmr_to_wei("lots", "Capacity")
