"""core/abs.py: EIP-712 authorizations, Merkle claims and Numerai id encodings.

The pure checks run in Python; the property tests run the same values through the real
LocalAtomicStaking contract in titanoboa, so the Python encoding cannot drift from it.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boa
import pytest
from eth_account import Account
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numerbay_desktop.core import abs as abs_codec
from numerbay_desktop.core.errors import InvalidInput

REPO = Path(__file__).resolve().parents[2]
CONTRACTS = REPO / "contracts"
SIGNER_KEY = bytes.fromhex("5a" * 32)
SIGNER = Account.from_key(SIGNER_KEY).address
CONTRACT = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
ALICE = "0x70997970C51812dc3A010C7d01b50e20d17dc79C".lower()
WAD = 10**18

bytes32 = st.binary(min_size=32, max_size=32)
uint = st.integers(min_value=0, max_value=2**256 - 1)
PROPERTY = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _authorization(**overrides: Any) -> abs_codec.StakeAuthorization:
    fields: dict[str, Any] = {
        "tournament_id": 8, "round_id": 1343, "staker": ALICE, "model_id": b"\x01" * 32,
        "submission_hash": b"\x02" * 32, "max_amount": 5 * WAD, "nonce": 0, "deadline": 2**40,
    }
    fields.update(overrides)
    return abs_codec.StakeAuthorization(**fields)


# ----------------------------------------------------------------- EIP-712 in Python


def test_typehash_is_the_spec_type_string() -> None:
    assert keccak(
        text="StakeAuthorization(uint256 tournamentId,uint256 roundId,address staker,"
        "bytes32 modelId,bytes32 submissionHash,uint256 maxAmount,uint256 nonce,"
        "uint256 deadline)"
    ) == abs_codec.STAKE_AUTHORIZATION_TYPEHASH


def test_digest_matches_eth_account_typed_data() -> None:
    """An independent EIP-712 implementation (eth_account) produces the same digest."""
    from eth_account.messages import encode_typed_data

    authorization = _authorization()
    message = encode_typed_data(full_message={
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "StakeAuthorization": [
                {"name": "tournamentId", "type": "uint256"},
                {"name": "roundId", "type": "uint256"},
                {"name": "staker", "type": "address"},
                {"name": "modelId", "type": "bytes32"},
                {"name": "submissionHash", "type": "bytes32"},
                {"name": "maxAmount", "type": "uint256"},
                {"name": "nonce", "type": "uint256"},
                {"name": "deadline", "type": "uint256"},
            ],
        },
        "primaryType": "StakeAuthorization",
        "domain": {
            "name": "NumeraiAtomicStaking", "version": "1", "chainId": 31337,
            "verifyingContract": CONTRACT,
        },
        "message": {
            "tournamentId": 8, "roundId": 1343, "staker": ALICE, "modelId": b"\x01" * 32,
            "submissionHash": b"\x02" * 32, "maxAmount": 5 * WAD, "nonce": 0,
            "deadline": 2**40,
        },
    })
    signed = Account.sign_message(message, SIGNER_KEY)
    digest = abs_codec.authorization_digest(
        authorization, chain_id=31337, verifying_contract=CONTRACT
    )
    assert signed.message_hash == digest
    assert abs_codec.sign_authorization(
        SIGNER_KEY, authorization, chain_id=31337, verifying_contract=CONTRACT
    ) == bytes(signed.signature)


def test_sign_and_recover_round_trip() -> None:
    authorization = _authorization()
    signature = abs_codec.sign_authorization(
        SIGNER_KEY, authorization, chain_id=1, verifying_contract=CONTRACT
    )
    assert len(signature) == 65 and signature[-1] in (27, 28)
    assert abs_codec.recover_authorization_signer(
        authorization, signature, chain_id=1, verifying_contract=CONTRACT
    ) == SIGNER
    other_chain = abs_codec.recover_authorization_signer(
        authorization, signature, chain_id=2, verifying_contract=CONTRACT
    )
    assert other_chain != SIGNER


def test_malformed_signature_is_refused() -> None:
    with pytest.raises(abs_codec.InvalidSignature):
        abs_codec.recover_authorization_signer(
            _authorization(), b"\x00" * 64, chain_id=1, verifying_contract=CONTRACT
        )
    with pytest.raises(abs_codec.InvalidSignature):
        abs_codec.recover_authorization_signer(
            _authorization(), b"\x00" * 64 + b"\x05", chain_id=1, verifying_contract=CONTRACT
        )


@pytest.mark.parametrize(
    "overrides",
    [{"nonce": -1}, {"max_amount": 2**256}, {"model_id": b"\x01" * 31},
     {"submission_hash": b""}, {"staker": "0x1234"}, {"deadline": True}],
)
def test_authorization_fields_are_validated(overrides: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        _authorization(**overrides)


def test_staker_is_checksummed() -> None:
    assert _authorization(staker=ALICE).staker == to_checksum_address(ALICE) != ALICE


# ----------------------------------------------------------------- Merkle in Python


def _leaves(count: int) -> list[bytes]:
    return [abs_codec.leaf(7, ALICE, i.to_bytes(32, "big"), i, 0) for i in range(count)]


def test_single_leaf_tree() -> None:
    (only,) = _leaves(1)
    assert abs_codec.merkle_root([only]) == only
    assert abs_codec.merkle_proof([only], 0) == []
    assert abs_codec.verify([], only, only)


def test_odd_count_carries_last_node_up() -> None:
    a, b, c = _leaves(3)
    ab = abs_codec.hash_pair(a, b)
    assert abs_codec.merkle_root([a, b, c]) == abs_codec.hash_pair(ab, c)
    assert abs_codec.merkle_proof([a, b, c], 2) == [ab]
    assert abs_codec.merkle_proof([a, b, c], 0) == [b, c]


def test_hash_pair_is_order_independent() -> None:
    a, b = _leaves(2)
    assert abs_codec.hash_pair(a, b) == abs_codec.hash_pair(b, a) == keccak(min(a, b) + max(a, b))


def test_merkle_input_errors() -> None:
    with pytest.raises(InvalidInput):
        abs_codec.merkle_root([])
    with pytest.raises(InvalidInput):
        abs_codec.merkle_proof(_leaves(3), 3)
    with pytest.raises(InvalidInput):
        abs_codec.merkle_root([b"\x00" * 31])


@given(count=st.integers(min_value=1, max_value=70), data=st.data())
def test_every_proof_verifies_and_binds_its_leaf(count: int, data: st.DataObject) -> None:
    leaves = _leaves(count)
    root = abs_codec.merkle_root(leaves)
    index = data.draw(st.integers(min_value=0, max_value=count - 1))
    proof = abs_codec.merkle_proof(leaves, index)
    assert len(proof) <= max(1, (count - 1).bit_length())
    assert abs_codec.verify(proof, root, leaves[index])
    outsider = abs_codec.leaf(8, ALICE, b"\x00" * 32, 0, 0)
    assert not abs_codec.verify(proof, root, outsider)


# ----------------------------------------------------------------- Numerai ids


def test_model_id_round_trip() -> None:
    text = "6C5DDC1E-5A25-4A1A-9F5E-0C1B5D2D7A01"
    encoded = abs_codec.model_id_bytes32(text)
    assert encoded == b"\x00" * 16 + uuid.UUID(text).bytes
    assert abs_codec.numerai_model_id(encoded) == text.lower()


def test_model_id_rejects_garbage() -> None:
    with pytest.raises(InvalidInput):
        abs_codec.model_id_bytes32("not-a-uuid")
    with pytest.raises(InvalidInput):
        abs_codec.numerai_model_id(b"\x01" * 32)


def test_submission_hash_is_keccak_of_canonical_text() -> None:
    text = "0B7AD3A8-2F0E-4D59-8F3B-3F0F5C7C2B02"
    assert abs_codec.submission_hash(text) == keccak(text=text.lower())
    assert abs_codec.submission_hash(f" {text.lower()} ") == keccak(text=text.lower())


@given(st.uuids())
def test_model_id_is_reversible(value: uuid.UUID) -> None:
    assert abs_codec.numerai_model_id(abs_codec.model_id_bytes32(str(value))) == str(value)


# ----------------------------------------------------------------- against the contract


@pytest.fixture(scope="module")
def chain() -> Iterator[dict[str, Any]]:
    boa.interpret.set_cache_dir(str(REPO / ".cache" / "titanoboa"))
    boa.interpret.set_search_paths([str(CONTRACTS)])
    with boa.env.anchor():
        operator = boa.env.generate_address("operator")
        alice = boa.env.generate_address("alice")
        bob = boa.env.generate_address("bob")
        nmr = boa.load_partial(str(CONTRACTS / "MockNMR.vy")).deploy()
        staking = boa.load_partial(str(CONTRACTS / "LocalAtomicStaking.vy")).deploy(
            nmr.address, SIGNER, operator
        )
        now = boa.env.timestamp
        staking.create_round(1, 8, now, now + 10**8, sender=operator)
        staking.create_round(2, 8, now, now + 10**8, sender=operator)
        nmr.mint(alice, 10**30)
        nmr.mint(bob, 10**30)
        yield {"nmr": nmr, "staking": staking, "operator": operator, "alice": alice, "bob": bob}


@PROPERTY
@given(
    count=st.integers(min_value=1, max_value=40),
    amounts=st.lists(st.tuples(uint, uint), min_size=40, max_size=40),
    data=st.data(),
)
def test_python_proofs_verify_in_the_contract(
    chain: dict[str, Any], count: int, amounts: list[tuple[int, int]], data: st.DataObject
) -> None:
    staking, operator = chain["staking"], chain["operator"]
    round_id = 1_000 + count
    claims = [
        (round_id, chain["alice"], (i + 1).to_bytes(32, "big"), *amounts[i]) for i in range(count)
    ]
    leaves = [abs_codec.leaf(*claim) for claim in claims]
    with boa.env.anchor():
        staking.create_round(round_id, 8, 0, 1, sender=operator)
        staking.resolve_round(round_id, abs_codec.merkle_root(leaves), 0, 0, sender=operator)
        index = data.draw(st.integers(min_value=0, max_value=count - 1))
        proof = abs_codec.merkle_proof(leaves, index)
        assert staking.is_valid_claim(*claims[index], proof)
        assert staking.claim_leaf(*claims[index]) == leaves[index]
        r, staker, model, payout, burn = claims[index]
        assert not staking.is_valid_claim(r, staker, model, payout ^ 1, burn, proof)
        assert not staking.is_valid_claim(r, staker, model, payout, burn ^ 1, proof)
        assert not staking.is_valid_claim(r, chain["bob"], model, payout, burn, proof)


@PROPERTY
@given(
    round_id=st.sampled_from([1, 2]),
    model_id=bytes32,
    submission=bytes32,
    max_amount=st.integers(min_value=1, max_value=10**30),
    deadline_offset=st.integers(min_value=0, max_value=10**9),
    amount_share=st.integers(min_value=1, max_value=10_000),
    field=st.sampled_from(["model_id", "submission_hash", "max_amount", "deadline", "staker",
                           "round_id"]),
)
def test_python_signed_authorizations_are_exact(
    chain: dict[str, Any], round_id: int, model_id: bytes, submission: bytes,
    max_amount: int, deadline_offset: int, amount_share: int, field: str,
) -> None:
    staking, nmr = chain["staking"], chain["nmr"]
    alice, bob = chain["alice"], chain["bob"]
    chain_id = boa.env.evm.patch.chain_id
    authorization = abs_codec.StakeAuthorization(
        tournament_id=8, round_id=round_id, staker=alice, model_id=model_id,
        submission_hash=submission, max_amount=max_amount, nonce=staking.nonces(alice),
        deadline=boa.env.timestamp + deadline_offset,
    )
    signature = abs_codec.sign_authorization(
        SIGNER_KEY, authorization, chain_id=chain_id, verifying_contract=staking.address
    )
    amount = max(1, max_amount * amount_share // 10_000)
    assert staking.authorization_digest(authorization.as_tuple()) == (
        abs_codec.authorization_digest(
            authorization, chain_id=chain_id, verifying_contract=staking.address
        )
    )

    # Any changed field that still passes the contract's other checks breaks the signature.
    changed_value: Any = {
        "model_id": bytes([model_id[0] ^ 1]) + model_id[1:],
        "submission_hash": bytes([submission[0] ^ 1]) + submission[1:],
        "max_amount": max_amount + 1,
        "deadline": authorization.deadline + 1,
        "staker": bob,
        "round_id": 3 - round_id,
    }[field]
    tampered = dataclasses.replace(authorization, **{field: changed_value})
    sender = bob if field == "staker" else alice
    with boa.env.anchor():
        nmr.approve(staking.address, amount, sender=sender)
        with boa.reverts("LocalAtomicStaking: invalid signature"):
            staking.stake(tampered.as_tuple(), amount, signature, sender=sender)

    with boa.env.anchor():
        nmr.approve(staking.address, amount, sender=alice)
        staking.stake(authorization.as_tuple(), amount, signature, sender=alice)
        assert staking.position(round_id, alice, model_id)[:2] == (amount, submission)
        assert staking.nonces(alice) == authorization.nonce + 1


def test_digest_covers_tournament_and_nonce(chain: dict[str, Any]) -> None:
    """Fields the contract checks before the signature are still bound by the digest."""
    staking = chain["staking"]
    base = _authorization(staker=chain["alice"])
    digests = {
        staking.authorization_digest(auth.as_tuple())
        for auth in (base, dataclasses.replace(base, tournament_id=12),
                     dataclasses.replace(base, nonce=1))
    }
    assert len(digests) == 3
