"""Transaction, EIP-191 and EIP-712 signing against published vectors and eth-account."""

from __future__ import annotations

import pytest
import rlp
from eth_account import Account
from eth_account.typed_transactions import TypedTransaction
from eth_utils.crypto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.wallet.signer import (
    InvalidSignature,
    InvalidTransaction,
    TxFields,
    checksum,
    decode_signed,
    decode_unsigned,
    recover_message,
    recover_typed_data,
    serialize_unsigned,
    sign_message,
    sign_transaction,
    sign_typed_data,
    signing_hash,
    typed_data_digest,
)

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
SENDER = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"


def test_eip155_spec_example() -> None:
    """The worked example in EIP-155 (key 0x4646..., chain 1)."""
    tx = TxFields(1, 9, "0x3535353535353535353535353535353535353535", 10**18, b"", 21000,
                  gas_price=20 * 10**9)
    assert serialize_unsigned(tx).hex() == (
        "ec098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7640000"
        "80018080"
    )
    assert signing_hash(tx).hex() == (
        "daf5a779ae972f972197303d7b574746c7ef83eadac0f2791ad23db92e4c8e53"
    )
    signed = sign_transaction(bytes.fromhex("46" * 32), tx)
    assert signed.raw_transaction.hex() == (
        "f86c098504a817c800825208943535353535353535353535353535353535353535880de0b6b3a7640000"
        "8025a028ef61340bd939bc2195fe537567866003e1a15d3c71ff63e1590620aa636276a067cbe9d8997f"
        "761aecb703304b3800ccf555c9f3dc64214b297fb1966a3b6d83"
    )
    assert signed.sender == "0x9d8A62f656a8d1615C1294fd71e9CFb3E4855A4F"


fees = st.integers(min_value=0, max_value=10**12)


@settings(max_examples=60, deadline=None)
@given(
    chain_id=st.integers(min_value=1, max_value=2**40),
    nonce=st.integers(min_value=0, max_value=2**40),
    to=st.binary(min_size=20, max_size=20),
    value=st.integers(min_value=0, max_value=2**256 - 1),
    data=st.binary(max_size=200),
    gas=st.integers(min_value=21000, max_value=30_000_000),
    tip=fees,
    extra=fees,
    legacy=st.booleans(),
)
def test_transactions_match_eth_account(
    chain_id: int, nonce: int, to: bytes, value: int, data: bytes, gas: int, tip: int,
    extra: int, legacy: bool,
) -> None:
    to_address = checksum("0x" + to.hex())
    if legacy:
        tx = TxFields(chain_id, nonce, to_address, value, data, gas, gas_price=tip + extra)
    else:
        tx = TxFields(chain_id, nonce, to_address, value, data, gas, tip + extra, tip)
    signed = sign_transaction(KEY, tx)
    reference = Account.sign_transaction(tx.to_eth_account_dict(), KEY)
    assert signed.raw_transaction == bytes(reference.raw_transaction)
    assert signed.tx_hash == bytes(reference.hash)
    assert signed.sender == SENDER
    assert decode_unsigned(serialize_unsigned(tx)) == tx
    if not legacy:
        assert signed.signing_hash == TypedTransaction.from_dict(tx.to_eth_account_dict()).hash()
    assert ("Nonce", str(nonce)) in signed.decoded


def test_decode_signed_is_strict() -> None:
    tx = TxFields(1, 0, "0x" + "11" * 20, 5, b"\x01", 50_000, 10**10, 10**9)
    raw = sign_transaction(KEY, tx).raw_transaction
    # Any changed byte is refused or yields a different signer/fields: never the same claim.
    for position in range(len(raw)):
        tampered = bytearray(raw)
        tampered[position] ^= 0x01
        try:
            decoded = decode_signed(bytes(tampered))
        except InvalidInput:
            continue
        assert decoded.fields != tx or decoded.sender != SENDER
    items = rlp.decode(raw[1:])
    # high-s (malleated) signatures are refused
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    s = int.from_bytes(items[11], "big")
    items[9] = b"" if items[9] == b"\x01" else b"\x01"
    items[11] = (n - s).to_bytes(32, "big")
    with pytest.raises(InvalidSignature):
        decode_signed(b"\x02" + rlp.encode(items))
    # legacy without chain id (pre-EIP-155) is refused
    legacy = rlp.encode([0, 1, 21000, b"\x11" * 20, 0, b"", 27, 1, 1])
    with pytest.raises(InvalidTransaction, match="chain id"):
        decode_signed(legacy)
    with pytest.raises(InvalidTransaction):
        decode_signed(b"\x02\xc0")


def test_field_validation() -> None:
    with pytest.raises(InvalidTransaction, match="priority fee cannot exceed"):
        TxFields(1, 0, None, 0, b"", 21000, 1, 2).validated()
    with pytest.raises(InvalidTransaction, match="either a gas price"):
        TxFields(1, 0, None, 0, b"", 21000, 1, 1, gas_price=1).validated()
    with pytest.raises(InvalidTransaction, match="chain id"):
        TxFields(0, 0, None, 0, b"", 21000, gas_price=1).validated()
    with pytest.raises(InvalidInput, match="EIP-55"):
        checksum("0x2c7536E3605D9C16a7a3D7b1898e529396a65C23")
    assert checksum(SENDER.lower()) == SENDER
    assert TxFields(1, 0, SENDER, 7, b"", 21000, 10, 1).max_cost() == 7 + 21000 * 10


def test_eip191_personal_sign() -> None:
    signed = sign_message(KEY, "Stake 10 NMR on model alpha")
    assert signed.signer == SENDER
    assert signed.display_text == "Stake 10 NMR on model alpha"
    assert recover_message("Stake 10 NMR on model alpha", signed.signature) == SENDER
    assert recover_message("Stake 11 NMR on model alpha", signed.signature) != SENDER
    binary = sign_message(KEY, b"\x00\xff")
    assert binary.display_text == "0x00ff"
    # The EIP-191 prefix is what personal_sign hashes.
    assert signed.message_hash == keccak(
        b"\x19Ethereum Signed Message:\n27Stake 10 NMR on model alpha"
    )
    with pytest.raises(InvalidSignature):
        recover_message("x", b"\x00" * 64)


MAIL = {
    "types": {
        "EIP712Domain": [
            {"name": "name", "type": "string"},
            {"name": "version", "type": "string"},
            {"name": "chainId", "type": "uint256"},
            {"name": "verifyingContract", "type": "address"},
        ],
        "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
        "Mail": [
            {"name": "from", "type": "Person"},
            {"name": "to", "type": "Person"},
            {"name": "contents", "type": "string"},
        ],
    },
    "primaryType": "Mail",
    "domain": {
        "name": "Ether Mail",
        "version": "1",
        "chainId": 1,
        "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC",
    },
    "message": {
        "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
        "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
        "contents": "Hello, Bob!",
    },
}


def test_eip712_spec_example() -> None:
    """The Mail example of EIP-712: digest and signature by keccak('cow')."""
    cow = bytes(keccak(b"cow"))
    assert typed_data_digest(MAIL).hex() == (
        "be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
    )
    signed = sign_typed_data(cow, MAIL)
    assert signed.signer == "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"
    assert signed.signature[:32].hex() == (
        "4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d"
    )
    assert signed.signature[32:64].hex() == (
        "07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562"
    )
    assert signed.signature[64] == 28
    assert signed.primary_type == "Mail" and signed.message["contents"] == "Hello, Bob!"
    assert recover_typed_data(MAIL, signed.signature) == signed.signer
    with pytest.raises(InvalidInput, match="EIP-712"):
        typed_data_digest({"types": {}, "primaryType": "X", "domain": {}, "message": {}})
