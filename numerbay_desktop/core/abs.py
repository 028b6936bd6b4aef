"""Numerai Atomic staking (ABS) encodings, exactly as `LocalAtomicStaking.vy` checks them.

- EIP-712: domain `EIP712Domain(string name,string version,uint256 chainId,address
  verifyingContract)` with name "NumeraiAtomicStaking", version "1"; primary type
  `StakeAuthorization(uint256 tournamentId,uint256 roundId,address staker,bytes32 modelId,
  bytes32 submissionHash,uint256 maxAmount,uint256 nonce,uint256 deadline)`.
- Merkle claims: leaf = keccak256(abi_encode(round_id, staker, model_id, payout, burn));
  inner node = keccak256 of the two children in ascending byte order (sorted pairs, as
  snekmate's `merkle_proof_verification` and OpenZeppelin's MerkleProof). The tree is built
  over the leaves in the order given; on a level with an odd count the last node is carried
  up unchanged (never paired with itself). One leaf: the root is that leaf, its proof empty.
- Numerai ids: a model id (UUID text as the API returns it) maps to bytes32 as its 16 UUID
  bytes right-aligned (left-padded with zeros), which is reversible (`numerai_model_id`);
  a submission hash is keccak256 of the submission id's canonical lowercase UUID text.

See contracts/SPEC.md, "Local Atomic staking and Numerai encodings".
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from eth_abi.abi import encode
from eth_account import Account
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from numerbay_desktop.core.errors import InvalidInput

DOMAIN_NAME = "NumeraiAtomicStaking"
DOMAIN_VERSION = "1"
DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
STAKE_AUTHORIZATION_TYPE = (
    "StakeAuthorization(uint256 tournamentId,uint256 roundId,address staker,bytes32 modelId,"
    "bytes32 submissionHash,uint256 maxAmount,uint256 nonce,uint256 deadline)"
)
DOMAIN_TYPEHASH = keccak(text=DOMAIN_TYPE)
STAKE_AUTHORIZATION_TYPEHASH = keccak(text=STAKE_AUTHORIZATION_TYPE)
CLAIM_WINDOW_SECONDS = 7 * 86_400  # LocalAtomicStaking.CLAIM_WINDOW
MAX_PROOF_LENGTH = 32  # LocalAtomicStaking accepts proofs of at most 32 hashes

_UINT256_MAX = 2**256 - 1


class InvalidSignature(InvalidInput):
    """A stake authorization signature that cannot be decoded."""


@dataclass(frozen=True)
class StakeAuthorization:
    """The EIP-712 struct Numerai signs; field order is the type string's."""

    tournament_id: int
    round_id: int
    staker: str
    model_id: bytes
    submission_hash: bytes
    max_amount: int
    nonce: int
    deadline: int

    def __post_init__(self) -> None:
        for name in ("tournament_id", "round_id", "max_amount", "nonce", "deadline"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise InvalidInput(f"The authorization's {name} must be an integer.")
            if not 0 <= value <= _UINT256_MAX:
                raise InvalidInput(f"The authorization's {name} is out of range.")
        for name in ("model_id", "submission_hash"):
            if len(getattr(self, name)) != 32:
                raise InvalidInput(f"The authorization's {name} must be 32 bytes.")
        object.__setattr__(self, "staker", _checksum(self.staker))

    def as_tuple(self) -> tuple[int, int, str, bytes, bytes, int, int, int]:
        """The struct as the contract's ABI takes it (a tuple in field order)."""
        return (
            self.tournament_id,
            self.round_id,
            self.staker,
            self.model_id,
            self.submission_hash,
            self.max_amount,
            self.nonce,
            self.deadline,
        )


def _checksum(address: str) -> str:
    try:
        return str(to_checksum_address(address))
    except (ValueError, TypeError) as error:
        raise InvalidInput(f"{address!r} is not an Ethereum address.") from error


# ----------------------------------------------------------------- EIP-712


def domain_separator(chain_id: int, verifying_contract: str) -> bytes:
    """The EIP-712 domain separator of a LocalAtomicStaking deployment."""
    return keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [
                DOMAIN_TYPEHASH,
                keccak(text=DOMAIN_NAME),
                keccak(text=DOMAIN_VERSION),
                chain_id,
                _checksum(verifying_contract),
            ],
        )
    )


def struct_hash(authorization: StakeAuthorization) -> bytes:
    """hashStruct(StakeAuthorization)."""
    return keccak(
        encode(
            [
                "bytes32", "uint256", "uint256", "address", "bytes32", "bytes32",
                "uint256", "uint256", "uint256",
            ],
            [STAKE_AUTHORIZATION_TYPEHASH, *authorization.as_tuple()],
        )
    )


def authorization_digest(
    authorization: StakeAuthorization, *, chain_id: int, verifying_contract: str
) -> bytes:
    """The 32-byte digest the authorization signer signs: keccak256(0x1901 ‖ domain ‖ struct)."""
    return keccak(
        b"\x19\x01"
        + domain_separator(chain_id, verifying_contract)
        + struct_hash(authorization)
    )


def sign_authorization(
    key: bytes, authorization: StakeAuthorization, *, chain_id: int, verifying_contract: str
) -> bytes:
    """The 65-byte signature (r ‖ s ‖ v, v in {27, 28}) of the authorization's digest."""
    digest = authorization_digest(
        authorization, chain_id=chain_id, verifying_contract=verifying_contract
    )
    signed = Account.unsafe_sign_hash(digest, private_key=key)
    return bytes(signed.signature)


def recover_authorization_signer(
    authorization: StakeAuthorization,
    signature: bytes,
    *,
    chain_id: int,
    verifying_contract: str,
) -> str:
    """The checksummed address that produced `signature` over the authorization."""
    if len(signature) != 65:
        raise InvalidSignature("A stake authorization signature must be 65 bytes.")
    digest = authorization_digest(
        authorization, chain_id=chain_id, verifying_contract=verifying_contract
    )
    try:
        recovered = Account._recover_hash(digest, signature=signature)
    except Exception as error:  # eth_keys raises several types for a malformed signature
        raise InvalidSignature("The stake authorization signature is malformed.") from error
    return str(to_checksum_address(recovered))


# ----------------------------------------------------------------- Merkle claims


def leaf(round_id: int, staker: str, model_id: bytes, payout: int, burn: int) -> bytes:
    """keccak256(abi_encode(round_id, staker, model_id, payout, burn))."""
    if len(model_id) != 32:
        raise InvalidInput("A model id must be 32 bytes.")
    return keccak(
        encode(
            ["uint256", "address", "bytes32", "uint256", "uint256"],
            [round_id, _checksum(staker), model_id, payout, burn],
        )
    )


def hash_pair(a: bytes, b: bytes) -> bytes:
    """An inner node: keccak256 of the two children in ascending order."""
    return keccak(a + b) if a < b else keccak(b + a)


def _levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    if not leaves:
        raise InvalidInput("A Merkle tree needs at least one leaf.")
    if any(len(node) != 32 for node in leaves):
        raise InvalidInput("Merkle leaves must be 32 bytes.")
    levels = [list(leaves)]
    while len(levels[-1]) > 1:
        below = levels[-1]
        above = [hash_pair(below[i], below[i + 1]) for i in range(0, len(below) - 1, 2)]
        if len(below) % 2:
            above.append(below[-1])  # carried up unchanged
        levels.append(above)
    return levels


def merkle_root(leaves: Sequence[bytes]) -> bytes:
    """The root of the tree over `leaves` in the given order."""
    return _levels(leaves)[-1][0]


def merkle_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """The sibling hashes from leaf `index` up to the root (levels without a sibling skipped)."""
    levels = _levels(leaves)
    if not 0 <= index < len(leaves):
        raise InvalidInput(f"Leaf index {index} is outside the tree of {len(leaves)} leaves.")
    proof: list[bytes] = []
    for level in levels[:-1]:
        sibling = index ^ 1
        if sibling < len(level):
            proof.append(level[sibling])
        index //= 2
    return proof


def verify(proof: Sequence[bytes], root: bytes, leaf_hash: bytes) -> bool:
    """True when `proof` leads from `leaf_hash` to `root` (the contract's check)."""
    node = leaf_hash
    for sibling in proof:
        node = hash_pair(node, sibling)
    return node == root


# ----------------------------------------------------------------- Numerai ids


def _parse_uuid(text: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip())
    except (ValueError, AttributeError, TypeError) as error:
        raise InvalidInput(f"{text!r} is not a Numerai {what} id (a UUID).") from error


def model_id_bytes32(numerai_model_id: str) -> bytes:
    """The on-chain `model_id` of a Numerai model: its 16 UUID bytes, left-padded to 32."""
    return _parse_uuid(numerai_model_id, "model").bytes.rjust(32, b"\x00")


def numerai_model_id(model_id: bytes) -> str:
    """The Numerai model id (lowercase canonical UUID) of an on-chain `model_id`."""
    if len(model_id) != 32 or any(model_id[:16]):
        raise InvalidInput("This model id does not encode a Numerai model (a padded UUID).")
    return str(uuid.UUID(bytes=bytes(model_id[16:])))


def submission_hash(submission_id: str) -> bytes:
    """keccak256 of the submission id's canonical lowercase UUID text."""
    return keccak(text=str(_parse_uuid(submission_id, "submission")))
