"""The local Numerai's staking desk on a real anvil with the compiled contracts.

Authorize -> stake from an account -> resolve -> claim with the served proof pays exactly
stake + payout - burn; positions left unclaimed are finalized after 7 days.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from numerbay_desktop.core import abs as abs_codec
from numerbay_desktop.core.errors import ConfigurationError
from numerbay_desktop.devnet.local_numerai.staking_desk import StakingDesk, StakingDeskError
from numerbay_desktop.resource_paths import contract_artifact

WAD = 10**18
SIGNER_KEY = bytes.fromhex("a1" * 32)
OPERATOR_KEY = bytes.fromhex("b2" * 32)
MODEL_A = "6c5ddc1e-5a25-4a1a-9f5e-0c1b5d2d7a01"
MODEL_B = "0b7ad3a8-2f0e-4d59-8f3b-3f0f5c7c2b02"
MODEL_C = "3e1f6a55-0d7c-4b8e-a2f4-9c0de1a2b303"
ROUND = 1400


def _deploy(w3: Web3, name: str, *args: Any) -> Any:
    artifact = json.loads(contract_artifact(name).read_text(encoding="utf-8"))
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = w3.eth.wait_for_transaction_receipt(factory.constructor(*args).transact())
    return w3.eth.contract(address=receipt["contractAddress"], abi=artifact["abi"])


def _advance(w3: Web3, seconds: int) -> None:
    w3.provider.make_request("evm_increaseTime", [seconds])  # type: ignore[arg-type]
    w3.provider.make_request("evm_mine", [])  # type: ignore[arg-type]


def _now(w3: Web3) -> int:
    return int(w3.eth.get_block("latest")["timestamp"])


@pytest.fixture
def world(anvil_snapshot: Any) -> dict[str, Any]:
    w3 = Web3(Web3.HTTPProvider(anvil_snapshot.rpc_url))
    deployer, alice, bob = w3.eth.accounts[:3]
    w3.eth.default_account = deployer
    operator = Account.from_key(OPERATOR_KEY).address
    w3.eth.send_transaction({"from": deployer, "to": operator, "value": 10 * WAD})
    nmr = _deploy(w3, "MockNMR")
    signer = Account.from_key(SIGNER_KEY).address
    staking = _deploy(w3, "LocalAtomicStaking", nmr.address, signer, operator)
    desk = StakingDesk(w3, staking.address, SIGNER_KEY, OPERATOR_KEY)
    return {"w3": w3, "nmr": nmr, "staking": staking, "desk": desk, "alice": alice,
            "bob": bob, "deployer": deployer, "operator": operator}


def _stake(world: dict[str, Any], staker: str, model: str, amount: int) -> dict[str, Any]:
    w3, nmr, staking, desk = world["w3"], world["nmr"], world["staking"], world["desk"]
    record = desk.authorize(
        round_id=ROUND, numerai_model_id=model, submission_id=f"{model[:-4]}9999",
        staker=staker, max_amount_wei=amount, deadline=_now(w3) + 600,
    )
    authorization = (
        int(record["tournamentId"]), int(record["roundId"]), record["staker"],
        bytes.fromhex(record["modelId"][2:]), bytes.fromhex(record["submissionHash"][2:]),
        int(record["maxAmount"]), int(record["nonce"]), int(record["deadline"]),
    )
    assert staking.functions.authorization_digest(authorization).call() == bytes.fromhex(
        record["authorizationDigest"][2:]
    )
    nmr.functions.mint(staker, amount).transact({"from": staker})
    nmr.functions.approve(staking.address, amount).transact({"from": staker})
    signature = bytes.fromhex(record["signature"][2:])
    receipt = w3.eth.wait_for_transaction_receipt(
        staking.functions.stake(authorization, amount, signature).transact({"from": staker})
    )
    assert receipt["status"] == 1
    return record


def test_config_and_key_checks(world: dict[str, Any]) -> None:
    desk, staking = world["desk"], world["staking"]
    assert desk.config() == {
        "address": staking.address,
        "authorizationSigner": Account.from_key(SIGNER_KEY).address,
        "nmrAddress": world["nmr"].address,
        "owner": world["deployer"],
        "paused": False,
        "pendingOwner": "0x0000000000000000000000000000000000000000",
        "serviceWallet": world["operator"],
    }
    with pytest.raises(ConfigurationError, match="authorization signer"):
        StakingDesk(world["w3"], staking.address, OPERATOR_KEY, OPERATOR_KEY)
    with pytest.raises(ConfigurationError, match="operator"):
        StakingDesk(world["w3"], staking.address, SIGNER_KEY, SIGNER_KEY)


def test_authorize_stake_resolve_claim_finalize(world: dict[str, Any]) -> None:
    w3, nmr, staking, desk = world["w3"], world["nmr"], world["staking"], world["desk"]
    alice, bob = world["alice"], world["bob"]
    now = _now(w3)
    desk.open_round(ROUND, now, now + 3_600)
    desk.open_round(ROUND, now, now + 3_600)  # idempotent
    with pytest.raises(StakingDeskError, match="other times"):
        desk.open_round(ROUND, now, now + 7_200)
    assert desk.round_state(ROUND)["state"] == "OPEN"

    record = _stake(world, alice, MODEL_A, 10 * WAD)
    assert record["nonce"] == "0" and record["staker"] == alice
    assert record["modelId"] == "0x" + abs_codec.model_id_bytes32(MODEL_A).hex()
    assert _stake(world, alice, MODEL_C, 5 * WAD)["nonce"] == "1"
    _stake(world, bob, MODEL_B, 8 * WAD)
    state = desk.round_state(ROUND)
    assert state["totalStaked"] == str(23 * WAD) and state["resolved"] is False

    with pytest.raises(StakingDeskError, match="not closed"):
        desk.resolve_round(ROUND, {MODEL_A: WAD // 4})
    assert nmr.functions.balanceOf(world["operator"]).call() == 0  # nothing funded
    _advance(w3, 3_600)
    assert desk.round_state(ROUND)["state"] == "CLOSED"
    snap = desk.snapshot()
    # Returns beyond +-100% are clipped; MODEL_C has no return: 0.
    posted = desk.resolve_round(ROUND, {MODEL_A.upper(): WAD // 4, MODEL_B: -3 * WAD // 5,
                                        "not-a-model": WAD})
    by_model = {c["apiModelId"]: c for c in posted}
    assert by_model[MODEL_A]["payoutAmountWei"] == str(10 * WAD // 4)
    assert by_model[MODEL_B]["burnAmountWei"] == str(8 * WAD * 3 // 5)
    assert by_model[MODEL_C]["claimableAmountWei"] == str(5 * WAD)
    assert desk.resolve_round(ROUND, {MODEL_A: WAD // 4, MODEL_B: -3 * WAD // 5}) == posted
    with pytest.raises(StakingDeskError, match="other results"):
        desk.resolve_round(ROUND, {MODEL_A: WAD // 2})
    state = desk.round_state(ROUND)
    assert state["state"] == "RESOLVED"
    assert state["remainingPayout"] == str(10 * WAD // 4)
    assert state["merkleRoot"] == by_model[MODEL_A]["merkleRoot"]

    # Alice claims model A with the proof the desk serves.
    served = desk.claim(ROUND, MODEL_A, alice)
    assert served is not None and served["submissionId"] == record["submissionId"]
    assert [c["apiModelId"] for c in desk.claims(alice)] == sorted(
        [MODEL_A, MODEL_C], key=lambda m: abs_codec.model_id_bytes32(m)
    )
    before = nmr.functions.balanceOf(alice).call()
    staking.functions.claim(
        ROUND, abs_codec.model_id_bytes32(MODEL_A), int(served["payoutAmountWei"]),
        int(served["burnAmountWei"]), [bytes.fromhex(p[2:]) for p in served["proof"]],
    ).transact({"from": alice})
    assert nmr.functions.balanceOf(alice).call() - before == 10 * WAD + 10 * WAD // 4
    assert desk.claim(ROUND, MODEL_A, alice)["claimableAmountWei"] == "0"
    assert [c["apiModelId"] for c in desk.claims(alice)] == [MODEL_C]

    # Nothing is finalized inside the claim window; after it, every unsettled position is.
    assert desk.finalize_stale(_now(w3)) == []
    _advance(w3, abs_codec.CLAIM_WINDOW_SECONDS)
    bob_before = nmr.functions.balanceOf(bob).call()
    alice_before = nmr.functions.balanceOf(alice).call()
    finalized = desk.finalize_stale(_now(w3))
    assert sorted(c["apiModelId"] for c in finalized) == sorted([MODEL_B, MODEL_C])
    assert nmr.functions.balanceOf(bob).call() - bob_before == 8 * WAD - 8 * WAD * 3 // 5
    assert nmr.functions.balanceOf(alice).call() - alice_before == 5 * WAD
    assert desk.finalize_stale(_now(w3)) == []
    assert desk.claims(alice) == [] and desk.claims(bob) == []
    assert nmr.functions.balanceOf(staking.address).call() == 0
    final_state = desk.round_state(ROUND)
    assert (final_state["remainingPayout"], final_state["remainingBurn"]) == ("0", "0")

    desk.restore(snap)
    assert desk.claim(ROUND, MODEL_A, alice) is None


def test_unknown_round(world: dict[str, Any]) -> None:
    with pytest.raises(StakingDeskError, match="does not exist"):
        world["desk"].round_state(999)
    assert world["desk"].claim(999, MODEL_A, world["alice"]) is None


def test_round_without_positions_resolves_with_zero_root(world: dict[str, Any]) -> None:
    w3, desk = world["w3"], world["desk"]
    now = _now(w3)
    desk.open_round(ROUND, now, now + 10)
    _advance(w3, 20)
    assert desk.resolve_round(ROUND, {MODEL_A: WAD}) == []
    assert desk.round_state(ROUND)["merkleRoot"] == "0x" + "00" * 32
