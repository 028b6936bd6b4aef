"""Signing: EIP-1559 and legacy (EIP-155) transactions, EIP-191 messages, EIP-712 typed data.

Every signing function returns what it signed, decoded, next to the signature, so the
review dialog and the offline signer show exactly the bytes that were signed. The
transaction encodings are written out here (RLP, per EIP-2718/1559/155) so that signed raw
transactions can be decoded strictly (canonical re-encoding required) and compared field
by field with a request; eth-account does the actual signing and the tests hold both to
the same results.

Private keys are passed as `bytes`/`bytearray`; the caller owns and wipes the buffer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

import rlp
from eth_account import Account
from eth_account.messages import SignableMessage, encode_defunct, encode_typed_data
from eth_keys.datatypes import Signature
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.units import format_amount

_ADDRESS_TEXT = re.compile(r"0x[0-9a-fA-F]{40}")

MAX_UINT256 = 2**256 - 1
MAX_UINT64 = 2**64 - 1
MAX_CALLDATA_BYTES = 128 * 1024
_SECP_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


class InvalidTransaction(InvalidInput):
    """A transaction's fields or bytes are not acceptable (the message says which)."""


class InvalidSignature(InvalidInput):
    """A signature is malformed or does not belong to the expected account."""


@dataclass(frozen=True)
class TxFields:
    """An unsigned transaction. EIP-1559 when both fee caps are set, legacy when gas_price is."""

    chain_id: int
    nonce: int
    to: str | None
    value: int
    data: bytes
    gas: int
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    gas_price: int | None = None

    @property
    def kind(self) -> str:
        return "legacy" if self.gas_price is not None else "eip1559"

    def validated(self) -> TxFields:
        """A copy with a checksummed `to`; raises InvalidTransaction for impossible values."""
        for name in ("chain_id", "nonce", "value", "gas"):
            _require_uint(getattr(self, name), name)
        if not 1 <= self.chain_id <= MAX_UINT64:
            raise InvalidTransaction("The chain id must be a positive number.")
        if self.nonce > MAX_UINT64 or self.gas > MAX_UINT64:
            raise InvalidTransaction("The nonce and gas limit must fit in 64 bits.")
        if not isinstance(self.data, bytes) or len(self.data) > MAX_CALLDATA_BYTES:
            raise InvalidTransaction("The transaction data must be bytes of at most 128 KiB.")
        fees_1559 = (self.max_fee_per_gas, self.max_priority_fee_per_gas)
        if self.gas_price is not None:
            if any(f is not None for f in fees_1559):
                raise InvalidTransaction("Give either a gas price or EIP-1559 fees, not both.")
            _require_uint(self.gas_price, "gas_price")
        else:
            if any(f is None for f in fees_1559):
                raise InvalidTransaction("Give both the max fee and the priority fee.")
            _require_uint(self.max_fee_per_gas, "max_fee_per_gas")
            _require_uint(self.max_priority_fee_per_gas, "max_priority_fee_per_gas")
            assert self.max_fee_per_gas is not None and self.max_priority_fee_per_gas is not None
            if self.max_priority_fee_per_gas > self.max_fee_per_gas:
                raise InvalidTransaction("The priority fee cannot exceed the max fee.")
        to = None if self.to is None else checksum(self.to, "recipient")
        return replace(self, to=to)

    def max_cost(self) -> int:
        """The most this transaction can take from the sender, in wei (value + gas × fee cap)."""
        fee = self.gas_price if self.gas_price is not None else self.max_fee_per_gas
        return self.value + self.gas * int(fee or 0)

    def to_eth_account_dict(self) -> dict[str, Any]:
        tx: dict[str, Any] = {
            "chainId": self.chain_id,
            "nonce": self.nonce,
            "value": self.value,
            "data": self.data,
            "gas": self.gas,
        }
        if self.to is not None:
            tx["to"] = self.to
        if self.gas_price is not None:
            tx["gasPrice"] = self.gas_price
        else:
            tx["type"] = 2
            tx["maxFeePerGas"] = self.max_fee_per_gas
            tx["maxPriorityFeePerGas"] = self.max_priority_fee_per_gas
        return tx

    def display(self) -> list[tuple[str, str]]:
        """Human lines for review: what will be signed, in ETH and gwei."""
        lines = [
            ("Network (chain id)", str(self.chain_id)),
            ("To", self.to or "(new contract)"),
            ("Value", format_amount(self.value, symbol="ETH")),
            ("Nonce", str(self.nonce)),
            ("Gas limit", f"{self.gas:,}"),
        ]
        if self.gas_price is not None:
            lines.append(("Gas price", format_amount(self.gas_price, 9, symbol="gwei")))
        else:
            assert self.max_fee_per_gas is not None and self.max_priority_fee_per_gas is not None
            lines.append(("Max fee", format_amount(self.max_fee_per_gas, 9, symbol="gwei")))
            lines.append(
                ("Priority fee", format_amount(self.max_priority_fee_per_gas, 9, symbol="gwei"))
            )
        lines.append(("Maximum cost", format_amount(self.max_cost(), symbol="ETH")))
        lines.append(("Data", "0x" + self.data.hex() if self.data else "(none)"))
        return lines


@dataclass(frozen=True)
class SignedTx:
    raw_transaction: bytes
    tx_hash: bytes
    signing_hash: bytes
    sender: str
    fields: TxFields
    decoded: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class SignedText:
    """An EIP-191 (personal_sign) signature and the message as shown to the user."""

    signature: bytes
    message_hash: bytes
    signer: str
    message: bytes
    display_text: str


@dataclass(frozen=True)
class SignedTypedData:
    signature: bytes
    digest: bytes
    signer: str
    domain: dict[str, Any]
    primary_type: str
    message: dict[str, Any]


# --------------------------------------------------------------------------- encodings


def serialize_unsigned(tx: TxFields) -> bytes:
    """The bytes whose keccak is signed: 0x02 || rlp([...]) or legacy EIP-155 rlp([...])."""
    tx = tx.validated()
    to = b"" if tx.to is None else bytes.fromhex(tx.to[2:])
    if tx.gas_price is not None:
        items: list[Any] = [
            tx.nonce, tx.gas_price, tx.gas, to, tx.value, tx.data, tx.chain_id, 0, 0,
        ]
        return bytes(rlp.encode(items))
    body: list[Any] = [
        tx.chain_id, tx.nonce, tx.max_priority_fee_per_gas, tx.max_fee_per_gas, tx.gas, to,
        tx.value, tx.data, [],
    ]
    return b"\x02" + bytes(rlp.encode(body))


def signing_hash(tx: TxFields) -> bytes:
    return bytes(keccak(serialize_unsigned(tx)))


def decode_unsigned(sign_data: bytes) -> TxFields:
    """Inverse of serialize_unsigned (strict: must re-encode to the same bytes)."""
    try:
        if sign_data[:1] == b"\x02":
            items = rlp.decode(sign_data[1:])
            if not isinstance(items, list) or len(items) != 9 or items[8] != []:
                raise InvalidTransaction("This is not an unsigned EIP-1559 transaction.")
            chain, nonce, tip, cap, gas = (_int(x) for x in items[:5])
            tx = TxFields(chain, nonce, _to(items[5]), _int(items[6]), _bytes(items[7]), gas,
                          max_fee_per_gas=cap, max_priority_fee_per_gas=tip)
        else:
            items = rlp.decode(sign_data)
            if not isinstance(items, list) or len(items) != 9 or items[7:] != [b"", b""]:
                raise InvalidTransaction("This is not an unsigned EIP-155 transaction.")
            tx = TxFields(_int(items[6]), _int(items[0]), _to(items[3]), _int(items[4]),
                          _bytes(items[5]), _int(items[2]), gas_price=_int(items[1]))
    except (rlp.exceptions.RLPException, IndexError, TypeError, ValueError):
        raise InvalidTransaction("These bytes are not a valid transaction encoding.") from None
    tx = tx.validated()
    if serialize_unsigned(tx) != bytes(sign_data):
        raise InvalidTransaction("This transaction encoding is not canonical.")
    return tx


def decode_signed(raw: bytes) -> SignedTx:
    """Fields, sender (recovered) and hash of a signed raw transaction, strictly checked."""
    if not isinstance(raw, bytes) or not 0 < len(raw) <= MAX_CALLDATA_BYTES + 1024:
        raise InvalidTransaction("A signed transaction is a non-empty byte string.")
    try:
        typed = raw[:1] == b"\x02"
        items = rlp.decode(raw[1:] if typed else raw)
        if not isinstance(items, list) or len(items) != (12 if typed else 9):
            raise InvalidTransaction("This is not a signed EIP-1559 or legacy transaction.")
        if typed:
            if items[8] != []:
                raise InvalidTransaction("Access lists are not supported.")
            chain, nonce, tip, cap, gas = (_int(x) for x in items[:5])
            fields = TxFields(chain, nonce, _to(items[5]), _int(items[6]), _bytes(items[7]), gas,
                              max_fee_per_gas=cap, max_priority_fee_per_gas=tip)
            v, r, s = (_int(x) for x in items[9:12])
            if v > 1:
                raise InvalidSignature("The signature's y-parity must be 0 or 1.")
        else:
            eip155_v, r, s = (_int(x) for x in items[6:9])
            if eip155_v < 37:
                raise InvalidTransaction("Legacy transactions without a chain id are refused.")
            chain, v = (eip155_v - 35) // 2, (eip155_v - 35) % 2
            fields = TxFields(chain, _int(items[0]), _to(items[3]), _int(items[4]),
                              _bytes(items[5]), _int(items[2]), gas_price=_int(items[1]))
    except (rlp.exceptions.RLPException, IndexError, TypeError, ValueError):
        raise InvalidTransaction("These bytes are not a valid signed transaction.") from None
    fields = fields.validated()
    digest = signing_hash(fields)
    sender = recover_hash(digest, v, r, s)
    if encode_signed(fields, v, r, s) != raw:
        raise InvalidTransaction("This signed transaction is not canonically encoded.")
    return SignedTx(raw, bytes(keccak(raw)), digest, sender, fields, fields.display())


def encode_signed(tx: TxFields, v: int, r: int, s: int) -> bytes:
    to = b"" if tx.to is None else bytes.fromhex(tx.to[2:])
    if tx.gas_price is not None:
        items: list[Any] = [
            tx.nonce, tx.gas_price, tx.gas, to, tx.value, tx.data, 35 + 2 * tx.chain_id + v, r, s,
        ]
        return bytes(rlp.encode(items))
    body: list[Any] = [
        tx.chain_id, tx.nonce, tx.max_priority_fee_per_gas, tx.max_fee_per_gas, tx.gas, to,
        tx.value, tx.data, [], v, r, s,
    ]
    return b"\x02" + bytes(rlp.encode(body))


def recover_hash(digest: bytes, v: int, r: int, s: int) -> str:
    """The address that signed `digest`; refuses high-s (malleable) and out-of-range values."""
    if v not in (0, 1) or not 0 < r < _SECP_N or not 0 < s <= _SECP_N // 2:
        raise InvalidSignature("The signature values are out of range.")
    try:
        public = Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest)
    except Exception:  # eth-keys raises several types for unrecoverable points
        raise InvalidSignature("The signature does not recover to any account.") from None
    return str(public.to_checksum_address())


# --------------------------------------------------------------------------- signing


def sign_transaction(private_key: bytes | bytearray, tx: TxFields) -> SignedTx:
    """Sign with the chain id inside (EIP-155 / EIP-1559); returns raw bytes plus the decoding."""
    tx = tx.validated()
    signed = Account.sign_transaction(tx.to_eth_account_dict(), bytes(private_key))
    result = decode_signed(bytes(signed.raw_transaction))
    if result.fields != tx or result.signing_hash != signing_hash(tx):
        raise InvalidTransaction("The signed transaction does not match what was requested.")
    return result


def encode_message(message: bytes | str) -> SignableMessage:
    if isinstance(message, str):
        return encode_defunct(text=message)
    if isinstance(message, bytes):
        return encode_defunct(primitive=message)
    raise InvalidInput("A message is text or bytes.")


def message_hash(message: bytes | str) -> bytes:
    signable = encode_message(message)
    return bytes(keccak(b"\x19" + signable.version + signable.header + signable.body))


def sign_message(private_key: bytes | bytearray, message: bytes | str) -> SignedText:
    """EIP-191 version 0x45 ("Ethereum Signed Message"), as personal_sign."""
    raw = message.encode("utf-8") if isinstance(message, str) else bytes(message)
    signed = Account.sign_message(encode_message(raw), bytes(private_key))
    signer = str(Account.from_key(bytes(private_key)).address)
    return SignedText(
        bytes(signed.signature), bytes(signed.message_hash), signer, raw, display_message(raw)
    )


def recover_message(message: bytes | str, signature: bytes) -> str:
    v, r, s = split_signature(signature)
    return recover_hash(message_hash(message), v, r, s)


def display_message(raw: bytes) -> str:
    """UTF-8 text when it is printable text, else hex (what the user is shown before signing)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "0x" + raw.hex()
    if all(ch.isprintable() or ch in "\n\t" for ch in text):
        return text
    return "0x" + raw.hex()


def typed_data_digest(typed_data: dict[str, Any]) -> bytes:
    signable = _typed(typed_data)
    return bytes(keccak(b"\x19" + signable.version + signable.header + signable.body))


def sign_typed_data(private_key: bytes | bytearray, typed_data: dict[str, Any]) -> SignedTypedData:
    """EIP-712 (eth_signTypedData_v4 shape: types, primaryType, domain, message)."""
    signable = _typed(typed_data)
    signed = Account.sign_message(signable, bytes(private_key))
    signer = str(Account.from_key(bytes(private_key)).address)
    return SignedTypedData(
        bytes(signed.signature),
        typed_data_digest(typed_data),
        signer,
        dict(typed_data["domain"]),
        str(typed_data["primaryType"]),
        dict(typed_data["message"]),
    )


def recover_typed_data(typed_data: dict[str, Any], signature: bytes) -> str:
    v, r, s = split_signature(signature)
    return recover_hash(typed_data_digest(typed_data), v, r, s)


def split_signature(signature: bytes) -> tuple[int, int, int]:
    """65-byte r||s||v (v 27/28 or 0/1) as (v in {0,1}, r, s)."""
    if not isinstance(signature, bytes) or len(signature) != 65:
        raise InvalidSignature("A signature is 65 bytes.")
    v = signature[64]
    if v >= 27:
        v -= 27
    return v, int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:64], "big")


def _typed(typed_data: object) -> SignableMessage:
    if not isinstance(typed_data, dict) or not {"types", "primaryType", "domain", "message"} <= set(
        typed_data
    ):
        raise InvalidInput("Typed data needs types, primaryType, domain and message.")
    try:
        json.dumps(typed_data)
        return encode_typed_data(full_message=typed_data)
    except InvalidInput:
        raise
    except Exception:  # eth-account raises assorted errors for malformed EIP-712 input
        raise InvalidInput("This typed data is not valid EIP-712.") from None


# --------------------------------------------------------------------------- helpers


def checksum(address: object, what: str = "address") -> str:
    # A regex, not bytes.fromhex: fromhex skips spaces, and eth_utils then raises ValueError.
    if not isinstance(address, str) or not _ADDRESS_TEXT.fullmatch(address):
        raise InvalidInput(f"The {what} must be a 0x-prefixed 40-hex-digit address.")
    checked = str(to_checksum_address(address))
    mixed = address[2:] != address[2:].lower() and address[2:] != address[2:].upper()
    if mixed and checked != address:
        raise InvalidInput(f"The {what} has a wrong EIP-55 checksum; check for a typo.")
    return checked


def _require_uint(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_UINT256:
        raise InvalidTransaction(f"The transaction's {name} must be a whole number ≥ 0.")


def _int(item: object) -> int:
    if not isinstance(item, bytes) or len(item) > 32 or item[:1] == b"\x00":
        raise InvalidTransaction("A transaction number is not canonically encoded.")
    return int.from_bytes(item, "big")


def _bytes(item: object) -> bytes:
    if not isinstance(item, bytes):
        raise InvalidTransaction("A transaction field that should be bytes is a list.")
    return item


def _to(item: object) -> str | None:
    raw = _bytes(item)
    if raw == b"":
        return None
    if len(raw) != 20:
        raise InvalidTransaction("The recipient is not a 20-byte address.")
    return str(to_checksum_address(raw))
