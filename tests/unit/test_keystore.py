"""Keystore v3: round trips of every supported format, refusal of costly files, the folder."""

from __future__ import annotations

import hashlib
import json
import stat
from pathlib import Path

import pytest
from Crypto.Protocol import KDF
from eth_account import Account
from eth_keyfile import create_keyfile_json

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.wallet import keystore as ks
from numerbay_desktop.wallet.keystore import (
    DEFAULT_SCRYPT,
    InvalidKeystore,
    KeystoreDir,
    ScryptParams,
    WrongPassword,
    decrypt_keystore,
    encrypt_key,
)

KEY = bytes.fromhex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
ADDRESS = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
CHEAP = ScryptParams(n=2**10, r=8, p=1)

# The two test vectors of the Web3 Secret Storage definition (password "testpassword").
SPEC_KEY = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d"
SPEC_PBKDF2 = {
    "crypto": {
        "cipher": "aes-128-ctr",
        "cipherparams": {"iv": "6087dab2f9fdbbfaddc31a909735c1e6"},
        "ciphertext": "5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46",
        "kdf": "pbkdf2",
        "kdfparams": {
            "c": 262144,
            "dklen": 32,
            "prf": "hmac-sha256",
            "salt": "ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd",
        },
        "mac": "517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2",
    },
    "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
    "version": 3,
}
SPEC_SCRYPT = {
    "crypto": {
        "cipher": "aes-128-ctr",
        "cipherparams": {"iv": "83dbcc02d8ccb40e466191a123791e0e"},
        "ciphertext": "d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c",
        "kdf": "scrypt",
        "kdfparams": {
            "dklen": 32,
            "n": 262144,
            "p": 8,
            "r": 1,
            "salt": "ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19",
        },
        "mac": "2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097",
    },
    "id": "3198bc9c-6672-5ab3-d995-4942343ae5b6",
    "version": 3,
}


def test_spec_vectors_pbkdf2_and_scrypt() -> None:
    assert decrypt_keystore(SPEC_PBKDF2, "testpassword").hex() == SPEC_KEY
    assert decrypt_keystore(SPEC_SCRYPT, "testpassword").hex() == SPEC_KEY


def test_default_parameters_are_explicit_and_real() -> None:
    assert ScryptParams(n=2**18, r=8, p=1, dklen=32) == DEFAULT_SCRYPT
    document = encrypt_key(KEY, "correct horse")
    assert document["crypto"]["kdfparams"]["n"] == 2**18
    assert document["crypto"]["kdfparams"]["r"] == 8
    assert document["crypto"]["kdfparams"]["p"] == 1
    assert decrypt_keystore(document, "correct horse") == bytearray(KEY)
    # Other tools open what we write.
    assert bytes(Account.decrypt(document, "correct horse")) == KEY


def _geth_style(document: dict[str, object]) -> dict[str, object]:
    """geth wrote 'Crypto' with a capital C in older versions; keys are case-insensitive."""
    doc = dict(document)
    doc["Crypto"] = doc.pop("crypto")
    return doc


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda: encrypt_key(KEY, "pw", scrypt=CHEAP), id="ours"),
        pytest.param(
            lambda: Account.encrypt(KEY, "pw", kdf="scrypt", iterations=2**10),
            id="eth-account-scrypt",
        ),
        pytest.param(
            lambda: Account.encrypt(KEY, "pw", kdf="pbkdf2", iterations=1000),
            id="eth-account-pbkdf2",
        ),
        pytest.param(
            lambda: create_keyfile_json(KEY, b"pw", kdf="scrypt", iterations=2**10),
            id="eth-keyfile-scrypt",
        ),
        pytest.param(
            lambda: create_keyfile_json(KEY, b"pw", kdf="pbkdf2", iterations=1000),
            id="eth-keyfile-pbkdf2",
        ),
        pytest.param(
            lambda: _geth_style(create_keyfile_json(KEY, b"pw", kdf="scrypt", iterations=2**10)),
            id="geth-capital-crypto",
        ),
        pytest.param(
            # ape stores eth-account's output as <alias>.json
            lambda: json.loads(json.dumps(Account.encrypt(KEY, "pw", iterations=2**10))),
            id="ape",
        ),
    ],
)
def test_round_trip_every_format(make, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    document = make()
    assert decrypt_keystore(document, "pw") == bytearray(KEY)
    with pytest.raises(WrongPassword) as caught:
        decrypt_keystore(document, "pW")
    assert str(caught.value) == "Wrong password."
    assert caught.value.__cause__ is None and caught.value.__context__ is None
    source = tmp_path / "in.json"
    source.write_text(json.dumps(document))
    folder = KeystoreDir(tmp_path / "data", scrypt=CHEAP)
    assert folder.import_file("imported", source, "pw") == ADDRESS
    assert folder.unlock("imported", "pw") == bytearray(KEY)
    assert folder.address("imported") == ADDRESS


@pytest.mark.parametrize(
    ("kdfparams", "reason"),
    [
        ({"n": 2**30, "r": 8, "p": 1, "dklen": 32}, "MiB of memory"),
        ({"n": 2**21, "r": 8, "p": 1, "dklen": 32}, "MiB of memory"),
        ({"n": 2**10, "r": 2**20, "p": 1, "dklen": 32}, "MiB of memory"),
        ({"n": 2**10, "r": 8, "p": 17, "dklen": 32}, "p=17"),
        ({"n": 1000, "r": 8, "p": 1, "dklen": 32}, "invalid"),
        ({"n": 2**10, "r": 8, "p": 1, "dklen": 64}, "length"),
        ({"n": "1024", "r": 8, "p": 1, "dklen": 32}, "not a number"),
        ({"n": True, "r": 8, "p": 1, "dklen": 32}, "not a number"),
    ],
)
def test_costly_scrypt_refused_before_deriving(
    kdfparams: dict[str, object], reason: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_derivation(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("derived a key from a refused keystore")

    document = create_keyfile_json(KEY, b"pw", kdf="pbkdf2", iterations=1)
    document["crypto"]["kdf"] = "scrypt"
    document["crypto"]["kdfparams"] = {**kdfparams, "salt": "ab" * 32}
    monkeypatch.setattr(KDF, "scrypt", no_derivation)
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", no_derivation)
    with pytest.raises(InvalidKeystore, match=reason):
        decrypt_keystore(document, "pw")


def test_costly_pbkdf2_and_odd_files_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    document = create_keyfile_json(KEY, b"pw", kdf="pbkdf2", iterations=1)
    monkeypatch.setattr(hashlib, "pbkdf2_hmac", lambda *a, **k: pytest.fail("derived"))
    document["crypto"]["kdfparams"]["c"] = 10**7 + 1
    with pytest.raises(InvalidKeystore, match="pbkdf2 iterations"):
        decrypt_keystore(document, "pw")
    document["crypto"]["kdfparams"]["c"] = 1000
    document["crypto"]["kdfparams"]["prf"] = "hmac-md5"
    with pytest.raises(InvalidKeystore, match="hmac-sha256"):
        decrypt_keystore(document, "pw")
    odd = {"version": 3, "crypto": {"cipher": "aes-256-gcm"}}
    for bad in ([], {"version": 4}, {"version": 3}, odd):
        with pytest.raises(InvalidKeystore):
            decrypt_keystore(bad, "pw")


def test_address_mismatch_detected() -> None:
    document = encrypt_key(KEY, "pw", scrypt=CHEAP)
    document["address"] = "00" * 20
    with pytest.raises(InvalidKeystore, match="does not match"):
        decrypt_keystore(document, "pw")


def test_folder_lifecycle(tmp_path: Path) -> None:
    folder = KeystoreDir(tmp_path, scrypt=CHEAP)
    assert folder.create("main", KEY, "first password") == ADDRESS
    path = folder.path_for("main")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert folder.aliases() == ["main"]
    with pytest.raises(InvalidInput, match="already exists"):
        folder.create("main", KEY, "first password")
    with pytest.raises(InvalidInput, match="Account names"):
        folder.path_for("../escape")
    with pytest.raises(InvalidInput, match="at least 8"):
        folder.create("short", KEY, "pw")

    backup = folder.change_password("main", "first password", "second password")
    assert decrypt_keystore(json.loads(backup.read_text()), "first password") == bytearray(KEY)
    assert folder.unlock("main", "second password") == bytearray(KEY)
    with pytest.raises(WrongPassword):
        folder.unlock("main", "first password")
    with pytest.raises(WrongPassword):
        folder.change_password("main", "wrong password", "third password")
    assert folder.unlock("main", "second password") == bytearray(KEY)

    exported = folder.export("main", tmp_path / "out.json")
    assert stat.S_IMODE(exported.stat().st_mode) == 0o600
    assert bytes(Account.decrypt(exported.read_text(), "second password")) == KEY

    trashed = folder.delete("main")
    assert folder.aliases() == []
    assert folder.trashed() == [trashed]
    assert folder.restore(trashed) == "main"
    assert folder.unlock("main", "second password") == bytearray(KEY)


def test_wipe_zeroes_in_place() -> None:
    buffer = bytearray(KEY)
    ks.wipe(buffer)
    assert buffer == bytearray(32)
