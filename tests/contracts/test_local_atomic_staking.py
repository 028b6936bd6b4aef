"""LocalAtomicStaking: rounds, EIP-712 stake authorizations, Merkle settlements, finalization."""

from __future__ import annotations

from typing import Any

import boa
import pytest

from numerbay_desktop.core import abs as abs_codec
from tests.contracts.conftest import CLASSIC, DAY, SIGNER_KEY, WAD, AuthorizeFn

ZERO = "0x0000000000000000000000000000000000000000"
MODEL_A = abs_codec.model_id_bytes32("6c5ddc1e-5a25-4a1a-9f5e-0c1b5d2d7a01")
MODEL_B = abs_codec.model_id_bytes32("0b7ad3a8-2f0e-4d59-8f3b-3f0f5c7c2b02")
ROUND = 1343


def _events(contract: Any, name: str) -> list[Any]:
    return [e for e in contract.get_logs() if type(e).__name__ == name]


def _open_round(staking: Any, operator: str, round_id: int = ROUND) -> None:
    now = boa.env.timestamp
    staking.create_round(round_id, CLASSIC, now, now + DAY, sender=operator)


def _stake(
    staking: Any, nmr: Any, authorize: AuthorizeFn, staker: str, model_id: bytes, amount: int
) -> None:
    nmr.mint(staker, amount)
    nmr.approve(staking.address, amount, sender=staker)
    authorization, signature = authorize(round_id=ROUND, staker=staker, model_id=model_id)
    staking.stake(authorization.as_tuple(), amount, signature, sender=staker)


def _resolve(
    staking: Any, nmr: Any, operator: str, claims: list[tuple[str, bytes, int, int]]
) -> list[bytes]:
    """Close the round, resolve it with `claims` (staker, model, payout, burn); return leaves."""
    boa.env.time_travel(seconds=DAY)
    leaves = [abs_codec.leaf(ROUND, s, m, p, b) for s, m, p, b in claims]
    total_payout = sum(c[2] for c in claims)
    total_burn = sum(c[3] for c in claims)
    nmr.mint(operator, total_payout)
    if total_payout:
        nmr.approve(staking.address, total_payout, sender=operator)
    staking.resolve_round(
        ROUND, abs_codec.merkle_root(leaves), total_payout, total_burn, sender=operator
    )
    return leaves


# ----------------------------------------------------------------- deployment and roles


def test_deployment(
    staking: Any, nmr: Any, deployer: str, signer_address: str, operator: str
) -> None:
    (signer_event,) = _events(staking, "UpdateAuthorizationSigner")
    assert (signer_event.old_signer, signer_event.new_signer) == (ZERO, signer_address)
    (operator_event,) = _events(staking, "UpdateOperator")
    assert (operator_event.old_operator, operator_event.new_operator) == (ZERO, operator)
    assert staking.nmr() == nmr.address
    assert staking.owner() == deployer
    assert staking.pending_owner() == ZERO
    assert staking.authorization_signer() == signer_address
    assert staking.operator() == operator
    assert not staking.paused()
    assert staking.CLAIM_WINDOW() == abs_codec.CLAIM_WINDOW_SECONDS


@pytest.mark.parametrize(
    ("position", "reason"),
    [(0, "nmr is the zero address"), (1, "signer is the zero address"),
     (2, "operator is the zero address")],
)
def test_deployment_rejects_zero_addresses(
    staking_deployer: Any, nmr: Any, signer_address: str, operator: str,
    position: int, reason: str,
) -> None:
    args = [nmr.address, signer_address, operator]
    args[position] = ZERO
    with boa.reverts(f"LocalAtomicStaking: {reason}"):
        staking_deployer.deploy(*args)


def test_eip712_domain_matches_python(staking: Any, alice: str) -> None:
    chain_id = boa.env.evm.patch.chain_id
    assert staking.DOMAIN_SEPARATOR() == abs_codec.domain_separator(chain_id, staking.address)
    assert staking.STAKE_AUTHORIZATION_TYPEHASH() == abs_codec.STAKE_AUTHORIZATION_TYPEHASH
    fields, name, version, domain_chain, contract, _salt, _ext = staking.eip712Domain()
    assert (name, version, domain_chain, contract) == (
        "NumeraiAtomicStaking", "1", chain_id, staking.address
    )
    assert fields == b"\x0f"
    authorization = abs_codec.StakeAuthorization(
        CLASSIC, ROUND, alice, MODEL_A, b"\x22" * 32, 5 * WAD, 3, 2**40
    )
    assert staking.authorization_digest(authorization.as_tuple()) == (
        abs_codec.authorization_digest(
            authorization, chain_id=chain_id, verifying_contract=staking.address
        )
    )


def test_claim_leaf_matches_python(staking: Any, alice: str) -> None:
    assert staking.claim_leaf(ROUND, alice, MODEL_A, 5, 7) == (
        abs_codec.leaf(ROUND, alice, MODEL_A, 5, 7)
    )


def test_owner_setters(staking: Any, deployer: str, alice: str, bob: str) -> None:
    for call in (
        lambda: staking.set_operator(alice, sender=bob),
        lambda: staking.set_authorization_signer(alice, sender=bob),
        lambda: staking.set_paused(True, sender=bob),
    ):
        with boa.reverts("ownable: caller is not the owner"):
            call()
    with boa.reverts("LocalAtomicStaking: operator is the zero address"):
        staking.set_operator(ZERO)
    with boa.reverts("LocalAtomicStaking: signer is the zero address"):
        staking.set_authorization_signer(ZERO)

    old_operator = staking.operator()
    staking.set_operator(alice)
    (event,) = _events(staking, "UpdateOperator")
    assert (event.old_operator, event.new_operator) == (old_operator, alice)
    old_signer = staking.authorization_signer()
    staking.set_authorization_signer(bob)
    (event,) = _events(staking, "UpdateAuthorizationSigner")
    assert (event.old_signer, event.new_signer) == (old_signer, bob)
    staking.set_paused(True)
    (event,) = _events(staking, "PausedSet")
    assert event.paused is True
    assert staking.paused()


def test_two_step_ownership(staking: Any, deployer: str, alice: str) -> None:
    staking.transfer_ownership(alice)
    (event,) = _events(staking, "OwnershipTransferStarted")
    assert (event.previous_owner, event.new_owner) == (deployer, alice)
    assert staking.owner() == deployer
    with boa.reverts("ownable_2step: caller is not the new owner"):
        staking.accept_ownership(sender=deployer)
    staking.accept_ownership(sender=alice)
    (event,) = _events(staking, "OwnershipTransferred")
    assert (event.previous_owner, event.new_owner) == (deployer, alice)
    assert staking.owner() == alice
    assert staking.pending_owner() == ZERO


# ----------------------------------------------------------------- rounds


def test_create_round(staking: Any, operator: str, alice: str) -> None:
    with boa.reverts("LocalAtomicStaking: caller is not the operator"):
        staking.create_round(ROUND, CLASSIC, 10, 20, sender=alice)
    with boa.reverts("LocalAtomicStaking: open_time not before close_time"):
        staking.create_round(ROUND, CLASSIC, 20, 20, sender=operator)
    staking.create_round(ROUND, CLASSIC, 10, 20, sender=operator)
    (event,) = _events(staking, "RoundCreated")
    assert (event.round_id, event.tournament_id, event.open_time, event.close_time) == (
        ROUND, CLASSIC, 10, 20
    )
    assert staking.round(ROUND) == (CLASSIC, 10, 20, False, b"\x00" * 32, 0, 0, 0)
    with boa.reverts("LocalAtomicStaking: round exists"):
        staking.create_round(ROUND, CLASSIC, 10, 30, sender=operator)


def test_resolve_round_checks(
    staking: Any, nmr: Any, operator: str, alice: str, authorize: AuthorizeFn
) -> None:
    root = b"\x33" * 32
    with boa.reverts("LocalAtomicStaking: caller is not the operator"):
        staking.resolve_round(ROUND, root, 0, 0, sender=alice)
    with boa.reverts("LocalAtomicStaking: unknown round"):
        staking.resolve_round(ROUND, root, 0, 0, sender=operator)
    _open_round(staking, operator)
    _stake(staking, nmr, authorize, alice, MODEL_A, 10 * WAD)
    with boa.reverts("LocalAtomicStaking: round not closed"):
        staking.resolve_round(ROUND, root, 0, 0, sender=operator)
    boa.env.time_travel(seconds=DAY)
    with boa.reverts("LocalAtomicStaking: burn exceeds stakes"):
        staking.resolve_round(ROUND, root, 0, 10 * WAD + 1, sender=operator)
    with boa.reverts("erc20: insufficient allowance"):
        staking.resolve_round(ROUND, root, WAD, 0, sender=operator)

    nmr.mint(operator, WAD)
    nmr.approve(staking.address, WAD, sender=operator)
    staking.resolve_round(ROUND, root, WAD, 2 * WAD, sender=operator)
    (event,) = _events(staking, "RoundResolved")
    assert (event.round_id, event.merkle_root, event.total_payout, event.total_burn) == (
        ROUND, root, WAD, 2 * WAD
    )
    assert nmr.balanceOf(staking.address) == 11 * WAD
    info = staking.round(ROUND)
    assert info[3:] == (True, root, WAD, 2 * WAD, boa.env.timestamp)
    assert (staking.remaining_payout(ROUND), staking.remaining_burn(ROUND)) == (WAD, 2 * WAD)
    with boa.reverts("LocalAtomicStaking: round already resolved"):
        staking.resolve_round(ROUND, root, 0, 0, sender=operator)


# ----------------------------------------------------------------- stake


def test_stake_opens_position(
    staking: Any, nmr: Any, operator: str, alice: str, authorize: AuthorizeFn
) -> None:
    _open_round(staking, operator)
    nmr.mint(alice, 10 * WAD)
    nmr.approve(staking.address, 4 * WAD, sender=alice)
    authorization, signature = authorize(
        round_id=ROUND, staker=alice, model_id=MODEL_A, max_amount=4 * WAD
    )
    staking.stake(authorization.as_tuple(), 4 * WAD, signature, sender=alice)
    (event,) = _events(staking, "Staked")
    assert (event.round_id, event.staker, event.model_id, event.submission_hash) == (
        ROUND, alice, MODEL_A, authorization.submission_hash
    )
    assert (event.amount, event.nonce) == (4 * WAD, 0)
    assert staking.position(ROUND, alice, MODEL_A) == (
        4 * WAD, authorization.submission_hash, False, False, 0
    )
    assert staking.nonces(alice) == 1
    assert staking.staker_of(ROUND, MODEL_A) == alice
    assert staking.total_staked(ROUND) == 4 * WAD
    assert nmr.balanceOf(staking.address) == 4 * WAD
    assert nmr.allowance(alice, staking.address) == 0


def _stake_reverts(
    staking: Any, authorization: abs_codec.StakeAuthorization, signature: bytes,
    amount: int, sender: str, reason: str,
) -> None:
    with boa.reverts(f"LocalAtomicStaking: {reason}"):
        staking.stake(authorization.as_tuple(), amount, signature, sender=sender)


def test_stake_checks(
    staking: Any, nmr: Any, operator: str, alice: str, bob: str, authorize: AuthorizeFn
) -> None:
    nmr.mint(alice, 10 * WAD)
    nmr.approve(staking.address, 10 * WAD, sender=alice)
    auth, sig = authorize(round_id=ROUND, staker=alice, model_id=MODEL_A)
    _stake_reverts(staking, auth, sig, WAD, alice, "unknown round")
    now = boa.env.timestamp
    staking.create_round(ROUND, CLASSIC, now + 100, now + DAY, sender=operator)
    _stake_reverts(staking, auth, sig, WAD, alice, "round not open")
    boa.env.time_travel(seconds=100)

    _stake_reverts(staking, auth, sig, WAD, bob, "caller is not the staker")
    expired, expired_sig = authorize(
        round_id=ROUND, staker=alice, model_id=MODEL_A, deadline=boa.env.timestamp - 1
    )
    _stake_reverts(staking, expired, expired_sig, WAD, alice, "authorization expired")
    signals, signals_sig = authorize(
        round_id=ROUND, staker=alice, model_id=MODEL_A, tournament_id=11
    )
    _stake_reverts(staking, signals, signals_sig, WAD, alice, "wrong tournament")
    ahead, ahead_sig = authorize(round_id=ROUND, staker=alice, model_id=MODEL_A, nonce=1)
    _stake_reverts(staking, ahead, ahead_sig, WAD, alice, "invalid nonce")
    _stake_reverts(staking, auth, sig, 0, alice, "zero amount")
    _stake_reverts(staking, auth, sig, 1_000 * WAD + 1, alice, "amount exceeds max_amount")
    _, forged = authorize(round_id=ROUND, staker=alice, model_id=MODEL_A, key=b"\x77" * 32)
    _stake_reverts(staking, auth, forged, WAD, alice, "invalid signature")

    staking.set_paused(True)
    _stake_reverts(staking, auth, sig, WAD, alice, "paused")
    staking.set_paused(False)

    staking.stake(auth.as_tuple(), WAD, sig, sender=alice)
    _stake_reverts(staking, auth, sig, WAD, alice, "invalid nonce")  # replay
    again, again_sig = authorize(round_id=ROUND, staker=alice, model_id=MODEL_A)
    _stake_reverts(staking, again, again_sig, WAD, alice, "model already staked in round")
    nmr.mint(bob, WAD)
    nmr.approve(staking.address, WAD, sender=bob)
    other, other_sig = authorize(round_id=ROUND, staker=bob, model_id=MODEL_A)
    _stake_reverts(staking, other, other_sig, WAD, bob, "model already staked in round")

    boa.env.time_travel(seconds=DAY)
    late, late_sig = authorize(round_id=ROUND, staker=alice, model_id=MODEL_B)
    _stake_reverts(staking, late, late_sig, WAD, alice, "round closed")


def test_stake_without_allowance_reverts(
    staking: Any, nmr: Any, operator: str, alice: str, authorize: AuthorizeFn
) -> None:
    _open_round(staking, operator)
    nmr.mint(alice, WAD)
    auth, sig = authorize(round_id=ROUND, staker=alice, model_id=MODEL_A)
    with boa.reverts("erc20: insufficient allowance"):
        staking.stake(auth.as_tuple(), WAD, sig, sender=alice)


def test_rotated_signer_invalidates_old_authorizations(
    staking: Any, nmr: Any, operator: str, alice: str, bob: str, authorize: AuthorizeFn
) -> None:
    _open_round(staking, operator)
    nmr.mint(alice, WAD)
    nmr.approve(staking.address, WAD, sender=alice)
    auth, sig = authorize(round_id=ROUND, staker=alice, model_id=MODEL_A)
    staking.set_authorization_signer(bob)
    _stake_reverts(staking, auth, sig, WAD, alice, "invalid signature")


# ----------------------------------------------------------------- claim and finalize


def test_claim_pays_stake_plus_payout_and_burns_burn(
    staking: Any, nmr: Any, operator: str, alice: str, bob: str, authorize: AuthorizeFn
) -> None:
    _open_round(staking, operator)
    _stake(staking, nmr, authorize, alice, MODEL_A, 10 * WAD)
    _stake(staking, nmr, authorize, bob, MODEL_B, 8 * WAD)
    claims = [(alice, MODEL_A, 3 * WAD, 0), (bob, MODEL_B, 0, 2 * WAD)]
    leaves = _resolve(staking, nmr, operator, claims)
    supply = nmr.totalSupply()

    proof = abs_codec.merkle_proof(leaves, 0)
    assert staking.claim(ROUND, MODEL_A, 3 * WAD, 0, proof, sender=alice) == 13 * WAD
    (event,) = _events(staking, "Claimed")
    assert (event.round_id, event.staker, event.model_id) == (ROUND, alice, MODEL_A)
    assert (event.payout, event.burn, event.settled_amount) == (3 * WAD, 0, 13 * WAD)
    assert nmr.balanceOf(alice) == 13 * WAD
    assert staking.position(ROUND, alice, MODEL_A)[2:] == (True, False, 13 * WAD)
    assert staking.remaining_payout(ROUND) == 0

    proof = abs_codec.merkle_proof(leaves, 1)
    assert staking.claim(ROUND, MODEL_B, 0, 2 * WAD, proof, sender=bob) == 6 * WAD
    transfers = _events(staking, "Transfer")  # includes the token's logs of the call
    assert [(t.sender, t.receiver, t.value) for t in transfers] == [
        (staking.address, ZERO, 2 * WAD), (staking.address, bob, 6 * WAD)
    ]
    assert nmr.balanceOf(bob) == 6 * WAD
    assert nmr.totalSupply() == supply - 2 * WAD
    assert staking.remaining_burn(ROUND) == 0
    assert nmr.balanceOf(staking.address) == 0

    with boa.reverts("LocalAtomicStaking: already settled"):
        staking.claim(ROUND, MODEL_B, 0, 2 * WAD, proof, sender=bob)


def test_claim_checks(
    staking: Any, nmr: Any, operator: str, alice: str, bob: str, authorize: AuthorizeFn
) -> None:
    _open_round(staking, operator)
    _stake(staking, nmr, authorize, alice, MODEL_A, 10 * WAD)
    _stake(staking, nmr, authorize, bob, MODEL_B, 8 * WAD)
    with boa.reverts("LocalAtomicStaking: round not resolved"):
        staking.claim(ROUND, MODEL_A, 0, 0, [], sender=alice)
    # bob's leaf burns more than his stake although the round's total burn fits its stakes;
    # alice's leaf pays more than the reserve the operator posted.
    leaves = [
        abs_codec.leaf(ROUND, alice, MODEL_A, 5 * WAD, 0),
        abs_codec.leaf(ROUND, bob, MODEL_B, 0, 9 * WAD),
    ]
    boa.env.time_travel(seconds=DAY)
    nmr.mint(operator, WAD)
    nmr.approve(staking.address, WAD, sender=operator)
    staking.resolve_round(ROUND, abs_codec.merkle_root(leaves), WAD, 9 * WAD, sender=operator)

    proof_a = abs_codec.merkle_proof(leaves, 0)
    proof_b = abs_codec.merkle_proof(leaves, 1)
    with boa.reverts("LocalAtomicStaking: no position"):
        staking.claim(ROUND, MODEL_B, 0, 9 * WAD, proof_b, sender=alice)
    with boa.reverts("LocalAtomicStaking: invalid proof"):
        staking.claim(ROUND, MODEL_A, 6 * WAD, 0, proof_a, sender=alice)
    with boa.reverts("LocalAtomicStaking: invalid proof"):
        staking.claim(ROUND, MODEL_A, 5 * WAD, 0, proof_b, sender=alice)
    with boa.reverts("LocalAtomicStaking: payout exceeds reserve"):
        staking.claim(ROUND, MODEL_A, 5 * WAD, 0, proof_a, sender=alice)
    with boa.reverts("LocalAtomicStaking: burn exceeds stake"):
        staking.claim(ROUND, MODEL_B, 0, 9 * WAD, proof_b, sender=bob)


def test_burn_beyond_round_total_reverts(
    staking: Any, nmr: Any, operator: str, alice: str, bob: str, authorize: AuthorizeFn
) -> None:
    _open_round(staking, operator)
    _stake(staking, nmr, authorize, alice, MODEL_A, 10 * WAD)
    leaves = [abs_codec.leaf(ROUND, alice, MODEL_A, 0, 4 * WAD)]
    boa.env.time_travel(seconds=DAY)
    staking.resolve_round(ROUND, abs_codec.merkle_root(leaves), 0, 3 * WAD, sender=operator)
    with boa.reverts("LocalAtomicStaking: burn exceeds round burn"):
        staking.claim(ROUND, MODEL_A, 0, 4 * WAD, [], sender=alice)


def test_finalize_after_claim_window(
    staking: Any, nmr: Any, operator: str, alice: str, bob: str, authorize: AuthorizeFn
) -> None:
    _open_round(staking, operator)
    _stake(staking, nmr, authorize, alice, MODEL_A, 10 * WAD)
    leaves = _resolve(staking, nmr, operator, [(alice, MODEL_A, 0, WAD)])
    args = (ROUND, alice, MODEL_A, 0, WAD, abs_codec.merkle_proof(leaves, 0))
    with boa.reverts("LocalAtomicStaking: caller is not the operator"):
        staking.finalize(*args, sender=bob)
    with boa.reverts("LocalAtomicStaking: claim window open"):
        staking.finalize(*args, sender=operator)
    boa.env.time_travel(seconds=abs_codec.CLAIM_WINDOW_SECONDS)
    assert staking.finalize(*args, sender=operator) == 9 * WAD
    (event,) = _events(staking, "Finalized")
    assert (event.round_id, event.staker, event.model_id, event.payout, event.burn) == (
        ROUND, alice, MODEL_A, 0, WAD
    )
    assert event.settled_amount == 9 * WAD
    assert nmr.balanceOf(alice) == 9 * WAD
    assert staking.position(ROUND, alice, MODEL_A)[2:] == (False, True, 9 * WAD)
    with boa.reverts("LocalAtomicStaking: already settled"):
        staking.claim(ROUND, MODEL_A, 0, WAD, args[-1], sender=alice)
    with boa.reverts("LocalAtomicStaking: already settled"):
        staking.finalize(*args, sender=operator)


def test_finalize_unresolved_round_reverts(staking: Any, operator: str, alice: str) -> None:
    _open_round(staking, operator)
    with boa.reverts("LocalAtomicStaking: round not resolved"):
        staking.finalize(ROUND, alice, MODEL_A, 0, 0, [], sender=operator)


def test_claim_still_works_while_paused(
    staking: Any, nmr: Any, operator: str, alice: str, authorize: AuthorizeFn
) -> None:
    _open_round(staking, operator)
    _stake(staking, nmr, authorize, alice, MODEL_A, 10 * WAD)
    _resolve(staking, nmr, operator, [(alice, MODEL_A, WAD, 0)])
    staking.set_paused(True)
    assert staking.claim(ROUND, MODEL_A, WAD, 0, [], sender=alice) == 11 * WAD


def test_signer_key_constant_is_the_configured_signer(
    staking: Any, signer_address: str
) -> None:
    from eth_account import Account

    assert Account.from_key(SIGNER_KEY).address == staking.authorization_signer()
