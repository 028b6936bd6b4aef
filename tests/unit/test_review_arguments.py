"""The review shows struct, list and long bytes arguments in words a person can check."""

from __future__ import annotations

from numerbay_desktop.chain.contracts import ContractAbi, ContractNames
from numerbay_desktop.chain.fees import custom_fee
from numerbay_desktop.chain.networks import DEVNET
from numerbay_desktop.chain.txreview import _call_review

VAULT = "0x00000000000000000000000000000000000000F1"
STAKER = "0x00000000000000000000000000000000000000F1"
WAD = 10**18


def _review(function: str, *args: object) -> dict[str, str]:
    data = ContractAbi.load("NumerBayVault").at(VAULT).calldata(function, *args)
    names = ContractNames.for_network(DEVNET, {VAULT: "Vault of amber_signal"})
    call = _call_review(0, 0, VAULT, data, 0, 100_000, 90_000, custom_fee(10**9, 10**9),
                        names, DEVNET, ())
    return {a.name: a.display for a in call.arguments}


def test_a_stake_authorization_reads_field_by_field() -> None:
    auth = (8, 1478, STAKER, b"\x11" * 32, b"\x22" * 32, 150 * WAD, 7, 1_800_000_000)
    shown = _review("stake_round", auth, 150 * WAD, b"\x2d" * 65)
    lines = shown["authorization"].splitlines()
    assert lines[0] == "tournament id: 8" and lines[1] == "round id: 1478"
    assert lines[2].lower().startswith("staker: " + STAKER.lower())
    assert "Vault of amber_signal" in lines[2]
    assert "max amount: 150 NMR" in lines
    assert "deadline: 15 Jan 2027 08:00 UTC (1800000000)" in lines
    assert "model id: 0x111111111111…111111111111 (32 bytes)" in lines
    assert shown["amount"] == "150 NMR"
    assert shown["signature"] == "0x2d2d2d2d2d2d…2d2d2d2d2d2d (65 bytes)"
    assert "b'" not in shown["authorization"]  # never Python's bytes repr


def test_a_proof_list_is_counted_and_shortened() -> None:
    proof = [bytes([i]) * 32 for i in range(6)]
    shown = _review("settle_round", 1478, 3 * WAD, 0, proof)
    lines = shown["proof"].splitlines()
    assert lines[0] == "6 item(s)" and len(lines) == 1 + 4 + 1
    assert lines[1] == "• 0x000000000000…000000000000 (32 bytes)" and lines[-1] == "… and 2 more"
    assert shown["payout"] == "3 NMR"
