"""The account registry: hot, watch-only (also from crypto-hdkey), labels, address book."""

from __future__ import annotations

import json
from pathlib import Path

import cbor2
import pytest

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.wallet.accounts import AccountNotFound, AccountRegistry, RegistryDamaged
from numerbay_desktop.wallet.hd import extended_public_key_of
from numerbay_desktop.wallet.keystore import ScryptParams, WrongPassword
from numerbay_desktop.wallet.ur import encode_ur

CHEAP = ScryptParams(n=2**10, r=8, p=1)
HARDHAT = "test test test test test test test test test test test junk"
FIRST = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
SECOND = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def test_hot_and_watch_accounts(tmp_path: Path) -> None:
    registry = AccountRegistry(tmp_path, scrypt=CHEAP)
    record, mnemonic = registry.generate("fresh", "password 1")
    assert mnemonic is not None and len(mnemonic.split()) == 12
    assert record.hd_path == "m/44'/60'/0'/0/0" and record.can_sign
    plain, none = registry.generate("plain", "password 1", words=None)
    assert none is None and plain.hd_path is None
    imported = registry.import_mnemonic("second", HARDHAT, "password 1", index=1)
    assert imported.address == SECOND
    assert registry.unlock("second", "password 1").hex().startswith("59c6995e")
    with pytest.raises(WrongPassword):
        registry.unlock("second", "password 2")
    watched = registry.watch("hardhat", FIRST.lower(), label="demo")
    assert watched.address == FIRST and not watched.can_sign
    with pytest.raises(InvalidInput, match="watch-only"):
        registry.unlock("hardhat", "x")
    with pytest.raises(InvalidInput, match="already exists"):
        registry.watch("fresh", FIRST)
    assert [r.name for r in registry.accounts()] == ["fresh", "hardhat", "plain", "second"]
    assert registry.find_by_address(SECOND.lower()) == imported
    assert registry.set_label("second", "cold storage").label == "cold storage"
    assert registry.get("second").label == "cold storage"
    # A fresh registry over the same folder sees the same state.
    again = AccountRegistry(tmp_path, scrypt=CHEAP)
    assert again.accounts() == registry.accounts()
    trashed = again.delete("second")
    assert trashed is not None and trashed.exists()
    assert again.delete("hardhat") is None
    with pytest.raises(AccountNotFound):
        again.get("second")


def test_address_book_and_known_addresses(tmp_path: Path) -> None:
    registry = AccountRegistry(tmp_path, scrypt=CHEAP)
    registry.watch("mine", FIRST)
    contact = registry.add_contact("Vault alpha", SECOND.lower(), note="staking")
    assert contact.address == SECOND
    with pytest.raises(InvalidInput, match="EIP-55"):
        registry.add_contact("typo", "0x70997970C51812dc3A010C7d01b50e0d17dc79c8")
    with pytest.raises(InvalidInput, match="already exists"):
        registry.add_contact("Vault alpha", FIRST)
    assert registry.known_addresses() == {FIRST, SECOND}
    registry.remove_contact("Vault alpha")
    assert registry.contacts() == []


def test_keystore_copied_in_by_hand_is_listed(tmp_path: Path) -> None:
    registry = AccountRegistry(tmp_path, scrypt=CHEAP)
    registry.import_mnemonic("a", HARDHAT, "password 1")
    (tmp_path / "accounts.json").unlink()
    assert [(r.name, r.address, r.kind) for r in registry.accounts()] == [("a", FIRST, "hot")]


def test_damaged_registry_is_moved_aside(tmp_path: Path) -> None:
    registry = AccountRegistry(tmp_path, scrypt=CHEAP)
    registry.watch("w", FIRST)
    (tmp_path / "accounts.json").write_text("{not json")
    with pytest.raises(RegistryDamaged, match=r"moved to accounts\.json\.damaged"):
        registry.accounts()
    assert registry.accounts() == []


def test_watch_from_crypto_hdkey(tmp_path: Path) -> None:
    node = extended_public_key_of(HARDHAT, path="m/44'/60'/0'")
    hdkey = {
        3: node.public_key, 4: node.chain_code,
        6: cbor2.CBORTag(304, {1: [44, True, 60, True, 0, True]}),
        7: cbor2.CBORTag(304, {1: [0, False, [], False]}),
    }
    parts = encode_ur("crypto-hdkey", cbor2.dumps(hdkey), max_fragment_len=40)
    registry = AccountRegistry(tmp_path, scrypt=CHEAP)
    records = registry.watch_from_hdkey("keystone", parts[::-1], count=3)
    assert [r.address for r in records][:2] == [FIRST, SECOND]
    assert records[2].name == "keystone-2" and records[2].hd_path == "m/44'/60'/0'/0/2"
    stored = json.loads((tmp_path / "accounts.json").read_text())
    assert len(stored["accounts"]) == 3
