"""BIP39 / BIP32 / BIP44 against published vectors."""

from __future__ import annotations

import pytest
from eth_account import Account

from numerbay_desktop.wallet.hd import (
    ExtendedPublicKey,
    InvalidMnemonic,
    derive_private_key,
    discover_addresses,
    extended_public_key_of,
    generate_mnemonic,
    mnemonic_to_seed,
    validate_mnemonic,
)

HARDHAT = "test test test test test test test test test test test junk"
ABANDON = "abandon " * 11 + "about"

# BIP39 reference vectors (trezor/python-mnemonic vectors.json, passphrase "TREZOR").
BIP39_VECTORS = [
    (
        ABANDON,
        "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1"
        "e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04",
    ),
    (
        "legal winner thank year wave sausage worth useful legal winner thank yellow",
        "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c8"
        "0937a1c1069be3a3a5bd381ee6260e8d9739fce1f607",
    ),
    (
        "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo "
        "zoo zoo vote",
        "dd48c104698c30cfe2b6142103248622fb7bb0ff692eebb00089b32d22484e1613912f0a5b694407be89"
        "9ffd31ed3992c456cdf60f5d4564b8ba3f05a69890ad",
    ),
]

# Hardhat / anvil default accounts: m/44'/60'/0'/0/i of the "test ... junk" mnemonic.
HARDHAT_ADDRESSES = [
    "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
    "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
    "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
    "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
    "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
]
HARDHAT_KEY_0 = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"


@pytest.mark.parametrize(("phrase", "seed"), BIP39_VECTORS)
def test_bip39_seed_vectors(phrase: str, seed: str) -> None:
    assert mnemonic_to_seed(phrase, "TREZOR").hex() == seed


def test_bip44_ethereum_vectors() -> None:
    found = discover_addresses(HARDHAT, count=5)
    assert [a.address for a in found] == HARDHAT_ADDRESSES
    assert found[3].path == "m/44'/60'/0'/0/3"
    assert derive_private_key(HARDHAT, 0).hex() == HARDHAT_KEY_0
    assert discover_addresses(ABANDON, 1)[0].address == "0x9858EfFD232B4033E47d90003D41EC34EcaEda94"
    # eth-account's own HD path (enabled explicitly in hd.py) agrees.
    assert Account.from_mnemonic(HARDHAT, account_path="m/44'/60'/0'/0/4").address == (
        HARDHAT_ADDRESSES[4]
    )


def test_passphrase_changes_addresses_and_start_offset() -> None:
    assert discover_addresses(HARDHAT, 1, "extra")[0].address not in HARDHAT_ADDRESSES
    assert [a.address for a in discover_addresses(HARDHAT, 2, start=3)] == HARDHAT_ADDRESSES[3:]


def test_public_derivation_matches_private() -> None:
    xpub = extended_public_key_of(HARDHAT)
    assert [a.address for a in xpub.addresses(5)] == HARDHAT_ADDRESSES
    copy = ExtendedPublicKey(xpub.public_key, xpub.chain_code)
    assert copy.child(2).address() == HARDHAT_ADDRESSES[2]


@pytest.mark.parametrize(
    ("phrase", "reason"),
    [
        ("abandon " * 12, "checksum"),
        ("abandon " * 11 + "abou", "Word 12 is not in the BIP39"),
        ("abandon " * 11, "this one has 11"),
        ("", "this one has 0"),
        ("legal winner thank year wave sausage worth useful legal winner yellow thank", "checksum"),
    ],
)
def test_invalid_mnemonics_say_why(phrase: str, reason: str) -> None:
    with pytest.raises(InvalidMnemonic, match=reason) as caught:
        validate_mnemonic(phrase)
    assert "abandon" not in str(caught.value)


def test_generate_is_valid_and_fresh() -> None:
    twelve, twenty_four = generate_mnemonic(12), generate_mnemonic(24)
    assert len(twelve.split()) == 12 and len(twenty_four.split()) == 24
    assert validate_mnemonic(twelve) == twelve
    assert validate_mnemonic("  " + twelve.upper() + " ") == twelve
    assert generate_mnemonic(12) != twelve
