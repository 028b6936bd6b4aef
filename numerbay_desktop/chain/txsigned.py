"""Unsigned transactions as the pipeline builds them, and the check of signed bytes that come
back (from a hot signer or across the air gap) against what was prepared.

The chain layer cannot import the wallet (independent layers), so the check is done here
with eth-account's decoder: same fields, same chain, signed by the expected account,
EIP-1559 only. The wallet's offline import already checks the same things; this is the
pipeline's own guard before anything is journaled or broadcast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.typed_transactions.typed_transaction import TypedTransaction
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from hexbytes import HexBytes

from numerbay_desktop.core.errors import InvalidInput


class SignedCheckError(InvalidInput):
    """Signed bytes do not match the transaction that was prepared (or cannot be read)."""


@dataclass(frozen=True, slots=True)
class UnsignedTx:
    """An EIP-1559 transaction ready to sign (the fields wallet.signer.TxFields takes)."""

    chain_id: int
    nonce: int
    to: str | None
    value: int
    data: bytes
    gas: int
    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    def max_cost(self) -> int:
        """The most it can take from the sender: value + gas limit × max fee, wei."""
        return self.value + self.gas * self.max_fee_per_gas


def tx_hash_of(raw: bytes) -> str:
    return "0x" + bytes(keccak(raw)).hex()


def _decode(raw: bytes) -> dict[str, Any]:
    if not isinstance(raw, bytes | bytearray) or raw[:1] != b"\x02":
        raise SignedCheckError("Only signed EIP-1559 (type 2) transactions are accepted.")
    try:
        return dict(TypedTransaction.from_bytes(HexBytes(bytes(raw))).as_dict())
    except Exception:  # eth-account raises assorted errors for malformed bytes
        raise SignedCheckError("These bytes are not a valid signed transaction.") from None


def decode_unsigned(raw: bytes) -> UnsignedTx:
    """The fields of a signed EIP-1559 transaction (its signature is not checked here)."""
    fields = _decode(raw)
    if fields.get("accessList"):
        raise SignedCheckError("The signed transaction carries an access list it should not.")
    to = fields.get("to")
    decoded_to = str(to_checksum_address(bytes(to))) if to else None
    data = fields.get("data")
    return UnsignedTx(
        chain_id=int(fields["chainId"]),
        nonce=int(fields["nonce"]),
        to=decoded_to,
        value=int(fields["value"]),
        data=bytes(data) if data else b"",
        gas=int(fields["gas"]),
        max_fee_per_gas=int(fields["maxFeePerGas"]),
        max_priority_fee_per_gas=int(fields["maxPriorityFeePerGas"]),
    )


def check_signed(raw: bytes, expected: UnsignedTx, sender: str) -> str:
    """The transaction hash, after checking `raw` is exactly `expected` signed by `sender`."""
    actual = decode_unsigned(raw)
    if actual != expected:
        raise SignedCheckError(
            f"The signed transaction with nonce {actual.nonce} differs from the one prepared."
        )
    try:
        signer = str(Account.recover_transaction(bytes(raw)))
    except Exception:
        raise SignedCheckError("The signature of this transaction cannot be verified.") from None
    if signer != str(to_checksum_address(sender)):
        raise SignedCheckError(f"The transaction was signed by {signer}, not by {sender}.")
    return tx_hash_of(bytes(raw))
