"""Canary: a known key and mnemonic go through create, import, sign and export, and then
appear in no log, exception text, settings file, cache or any other file under the data dir."""

from __future__ import annotations

import logging
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.store.logfiles import install_file_logging, remove_file_logging
from numerbay_desktop.wallet.accounts import AccountRegistry
from numerbay_desktop.wallet.calldata import AbiRegistry
from numerbay_desktop.wallet.hd import derive_private_key, discover_addresses, validate_mnemonic
from numerbay_desktop.wallet.keystore import ScryptParams
from numerbay_desktop.wallet.offline import build_request, sign_request, transaction_item
from numerbay_desktop.wallet.signer import TxFields, sign_message, sign_typed_data

REPO = Path(__file__).resolve().parents[2]
CANARY_KEY = "c0ffee254729296a45a3885639ac7e10f9d54979c0ffee254729296a45a3885a"
CANARY_MNEMONIC = "legal winner thank year wave sausage worth useful legal winner thank yellow"
PASSWORD = "canary password 1"
CHEAP = ScryptParams(n=2**10, r=8, p=1)
TYPED = {
    "types": {"EIP712Domain": [{"name": "name", "type": "string"}],
              "Note": [{"name": "text", "type": "string"}]},
    "primaryType": "Note", "domain": {"name": "Canary"}, "message": {"text": "hi"},
}


def _needles(key_hex: str, mnemonic: str) -> list[bytes]:
    key = bytes.fromhex(key_hex)
    words = mnemonic.split()
    return [
        key_hex.encode(), key_hex.upper().encode(), key, mnemonic.encode(),
        " ".join(words[:4]).encode(),  # any run of the phrase is already a leak
        " ".join(words[-4:]).encode(),
        key.hex()[8:40].encode(),  # a slice of the key in hex
    ]


def _scan(blobs: dict[str, bytes], needles: list[bytes]) -> list[str]:
    return [f"{name} contains secret #{i}" for name, blob in blobs.items()
            for i, needle in enumerate(needles) if needle in blob]


def test_secrets_leave_no_trace(
    isolated_data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = isolated_data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    caplog.set_level(logging.DEBUG)
    install_file_logging(data_dir, level=logging.DEBUG)
    logging.getLogger("numerbay_desktop").debug("canary run starts")
    errors: list[BaseException] = []
    derived_keys: list[str] = []
    generated: list[str] = []
    try:
        registry = AccountRegistry(data_dir, scrypt=CHEAP)
        registry.import_private_key("plain", "0x" + CANARY_KEY, PASSWORD)
        hd = registry.import_mnemonic("phrase", CANARY_MNEMONIC, PASSWORD, index=2)
        derived_keys.append(derive_private_key(CANARY_MNEMONIC, 2).hex())
        _, mnemonic = registry.generate("fresh", PASSWORD, words=24)
        assert mnemonic is not None
        generated.append(mnemonic)
        discover_addresses(CANARY_MNEMONIC, 3)

        key = registry.unlock("plain", PASSWORD)
        registry_abis = AbiRegistry.build()
        fields = TxFields(1, 0, hd.address, 1, b"", 21000, 10**10, 10**9)
        sender = registry.get("plain").address
        request = build_request(sender, [transaction_item(fields, sender, registry_abis)],
                                chain_id=1)
        (tmp_path / "signed.json").write_text(sign_request(request, key, registry_abis).to_json())
        sign_message(key, "hello")
        sign_typed_data(key, TYPED)
        registry.export("phrase", tmp_path / "exported.json")
        registry.change_password("plain", PASSWORD, PASSWORD + "!")
        registry.delete("fresh")

        # Every way a user can get it wrong, with the secret nearby.
        bad_calls = [
            lambda: registry.unlock("plain", "wrong password"),
            lambda: registry.import_private_key("bad1", CANARY_KEY[:-2] + "zz", PASSWORD),
            lambda: registry.import_private_key("bad2", CANARY_KEY + "00", PASSWORD),
            lambda: registry.import_mnemonic("bad3", CANARY_MNEMONIC.replace("yellow", "yellov"),
                                             PASSWORD),
            lambda: registry.import_mnemonic("bad4", CANARY_MNEMONIC.replace("yellow", "thank"),
                                             PASSWORD),
            lambda: validate_mnemonic(CANARY_MNEMONIC + " legal"),
            lambda: registry.import_private_key("plain", CANARY_KEY, PASSWORD),
        ]
        for call in bad_calls:
            with pytest.raises(NumerbayError) as caught:
                call()
            errors.append(caught.value)
    finally:
        remove_file_logging(data_dir)

    # The CLI, in a subprocess, with the same secrets from files.
    cli_dir = tmp_path / "cli-data"
    (tmp_path / "pw").write_text(PASSWORD + "\n")
    (tmp_path / "key").write_text(CANARY_KEY + "\n")
    (tmp_path / "phrase").write_text(CANARY_MNEMONIC + "\n")
    outputs = {}
    for name, args in {
        "cli-import-key": ["import", "k", "--secret-file", str(tmp_path / "key")],
        "cli-import-phrase": ["import", "m", "--secret-file", str(tmp_path / "phrase")],
        "cli-generate": ["generate", "g"],
        "cli-wrong": ["import", "x", "--secret-file", str(tmp_path / "phrase"), "--index", "-1"],
    }.items():
        result = subprocess.run(
            [sys.executable, "-m", "numerbay_desktop.cli", "--data-dir", str(cli_dir),
             "accounts", *args, "--password-file", str(tmp_path / "pw")],
            capture_output=True, timeout=120, cwd=REPO,
        )
        outputs[name] = result.stdout + result.stderr

    blobs: dict[str, bytes] = {"caplog": caplog.text.encode(), **outputs}
    for index, error in enumerate(errors):
        blobs[f"error {index}"] = "".join(traceback.format_exception(error)).encode()
        blobs[f"error {index} repr"] = repr(error).encode()
    for folder in (data_dir, cli_dir):
        for path in folder.rglob("*"):
            if path.is_file():
                blobs[str(path.relative_to(tmp_path))] = path.read_bytes()
    blobs["exported"] = (tmp_path / "exported.json").read_bytes()
    blobs["signed"] = (tmp_path / "signed.json").read_bytes()
    assert any("log" in name for name in blobs), "the log file was not written"
    assert any(name.endswith("accounts.json") for name in blobs)

    needles = _needles(CANARY_KEY, CANARY_MNEMONIC)
    needles += [d.encode() for d in derived_keys] + [g.encode() for g in generated]
    needles += [" ".join(g.split()[:4]).encode() for g in generated]
    leaks = _scan(blobs, needles)
    assert leaks == []
    # The scan is not vacuous: the canary is found where it legitimately is.
    assert _scan({"secret file": (tmp_path / "key").read_bytes()}, needles)
