"""Web3 Secret Storage (keystore v3) files: one per account alias, encrypted with scrypt.

Layout under the data dir::

    keystores/<alias>.json          the account's key, mode 0600
    keystores/backups/<alias>.<utc>.json   the previous file, kept by change_password
    keystores/trash/<alias>.<utc>.json     deleted accounts, recoverable with restore()

New keys use scrypt n=2**18, r=8, p=1, dklen=32 (set explicitly, not library defaults).
Imports accept files written by geth, eth-keyfile, eth-account and ape (scrypt or pbkdf2),
but the cost parameters are checked BEFORE any derivation, so a crafted file cannot make
the machine allocate gigabytes or spin for hours.

Decryption takes about a second on purpose. Every function here is plain synchronous
code: the UI runs `unlock` and friends in a worker thread (e.g. `asyncio.to_thread`), never
on the event loop. Private keys come back as `bytearray`; callers zero them with
`wipe()` when done.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from Crypto.Cipher import AES
from Crypto.Protocol import KDF
from Crypto.Util import Counter
from eth_keys.datatypes import PrivateKey
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from numerbay_desktop.core.errors import InvalidInput, NumerbayError
from numerbay_desktop.store.atomic import write_text_atomic


class KeystoreError(NumerbayError):
    """A keystore file is missing, unreadable or cannot be written."""


class WrongPassword(KeystoreError):
    """The password does not open this keystore (the only thing a failed unlock says)."""

    def __init__(self) -> None:
        super().__init__("Wrong password.")


class InvalidKeystore(InvalidInput):
    """A file is not a usable keystore v3 (or would cost too much to open)."""


@dataclass(frozen=True)
class ScryptParams:
    n: int
    r: int
    p: int
    dklen: int = 32


# The parameters for new keys (geth's "standard" scrypt: ~1 s, 256 MiB).
DEFAULT_SCRYPT = ScryptParams(n=2**18, r=8, p=1, dklen=32)
# Bounds for imported files, checked before deriving anything.
MAX_SCRYPT_MEMORY = 1 << 30  # 128 * r * n bytes
MAX_SCRYPT_P = 16
MAX_PBKDF2_ITERATIONS = 10**7
MAX_KEYSTORE_BYTES = 64 * 1024
_ALIAS = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_HEX = re.compile(r"(0x)?[0-9a-fA-F]*")
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def wipe(buffer: bytearray) -> None:
    """Overwrite a secret in place (Python's bytes cannot be wiped; bytearrays can)."""
    for index in range(len(buffer)):
        buffer[index] = 0


def validate_alias(alias: str) -> str:
    if not isinstance(alias, str) or not _ALIAS.fullmatch(alias) or alias.startswith("."):
        raise InvalidInput(
            "Account names use 1-64 letters, digits, '.', '_' or '-', starting with a letter "
            "or digit."
        )
    return alias


def address_of_key(private_key: bytes | bytearray) -> str:
    return str(PrivateKey(bytes(private_key)).public_key.to_checksum_address())


def check_private_key(private_key: bytes | bytearray) -> None:
    if len(private_key) != 32 or not 0 < int.from_bytes(private_key, "big") < _SECP256K1_N:
        raise InvalidInput("A private key is 32 bytes (64 hex characters) within the curve order.")


# --------------------------------------------------------------------------- encryption


def encrypt_key(
    private_key: bytes | bytearray, password: str, *, scrypt: ScryptParams = DEFAULT_SCRYPT
) -> dict[str, Any]:
    """A keystore v3 document for `private_key`, encrypted with scrypt and AES-128-CTR."""
    check_private_key(private_key)
    _check_scrypt_cost(scrypt.n, scrypt.r, scrypt.p, scrypt.dklen)
    salt = secrets.token_bytes(32)
    iv = secrets.token_bytes(16)
    derived = bytearray(_scrypt(password, salt, scrypt.n, scrypt.r, scrypt.p, scrypt.dklen))
    try:
        ciphertext = _aes_ctr(bytes(derived[:16]), iv, bytes(private_key))
        mac = keccak(bytes(derived[16:32]) + ciphertext)
    finally:
        wipe(derived)
    return {
        "address": address_of_key(private_key)[2:].lower(),
        "crypto": {
            "cipher": "aes-128-ctr",
            "cipherparams": {"iv": iv.hex()},
            "ciphertext": ciphertext.hex(),
            "kdf": "scrypt",
            "kdfparams": {
                "dklen": scrypt.dklen,
                "n": scrypt.n,
                "r": scrypt.r,
                "p": scrypt.p,
                "salt": salt.hex(),
            },
            "mac": mac.hex(),
        },
        "id": str(uuid.uuid4()),
        "version": 3,
    }


@dataclass(frozen=True)
class ParsedKeystore:
    """A keystore whose schema and cost were checked; nothing was derived yet."""

    document: dict[str, Any]
    address: str | None
    kdf: str
    kdfparams: dict[str, Any]
    salt: bytes
    iv: bytes
    ciphertext: bytes
    mac: bytes


def parse_keystore(document: object) -> ParsedKeystore:
    """Check schema and KDF cost of a keystore v3 document (any key case, as geth wrote it)."""
    if not isinstance(document, dict):
        raise InvalidKeystore("This file is not a keystore: it is not a JSON object.")
    doc = _lower_keys(document)
    if doc.get("version") != 3 or isinstance(doc.get("version"), bool):
        raise InvalidKeystore("Only keystore version 3 files can be imported.")
    crypto = doc.get("crypto")
    if not isinstance(crypto, dict):
        raise InvalidKeystore("This keystore has no 'crypto' section.")
    if crypto.get("cipher") != "aes-128-ctr":
        raise InvalidKeystore("This keystore uses a cipher other than aes-128-ctr.")
    params = crypto.get("kdfparams")
    cipherparams = crypto.get("cipherparams")
    if not isinstance(params, dict) or not isinstance(cipherparams, dict):
        raise InvalidKeystore("This keystore's parameters are missing.")
    kdf = crypto.get("kdf")
    if kdf == "scrypt":
        n, r, p, dklen = (_int_param(params, name) for name in ("n", "r", "p", "dklen"))
        _check_scrypt_cost(n, r, p, dklen)
    elif kdf == "pbkdf2":
        iterations, dklen = _int_param(params, "c"), _int_param(params, "dklen")
        if params.get("prf") != "hmac-sha256":
            raise InvalidKeystore("This keystore's pbkdf2 uses a hash other than hmac-sha256.")
        if not 1 <= iterations <= MAX_PBKDF2_ITERATIONS:
            raise InvalidKeystore(
                f"This keystore asks for {iterations:,} pbkdf2 iterations; at most "
                f"{MAX_PBKDF2_ITERATIONS:,} are accepted."
            )
        if dklen != 32:
            raise InvalidKeystore("This keystore's derived key length must be 32.")
    else:
        raise InvalidKeystore("This keystore's key derivation is neither scrypt nor pbkdf2.")
    salt = _hex_field(params.get("salt"), "salt", max_len=1024)
    iv = _hex_field(cipherparams.get("iv"), "iv", exact=16)
    ciphertext = _hex_field(crypto.get("ciphertext"), "ciphertext", exact=32)
    mac = _hex_field(crypto.get("mac"), "mac", exact=32)
    address = doc.get("address")
    checked_address: str | None = None
    if isinstance(address, str) and re.fullmatch(r"(0x)?[0-9a-fA-F]{40}", address):
        checked_address = to_checksum_address("0x" + address.removeprefix("0x"))
    return ParsedKeystore(doc, checked_address, kdf, params, salt, iv, ciphertext, mac)


def decrypt_keystore(document: object, password: str) -> bytearray:
    """The private key inside `document`; raises WrongPassword, InvalidKeystore, nothing else.

    Slow (scrypt, ~1 s): call from a worker thread.
    """
    parsed = parse_keystore(document)
    if not isinstance(password, str):
        raise WrongPassword()
    if parsed.kdf == "scrypt":
        p = parsed.kdfparams
        derived = bytearray(
            _scrypt(password, parsed.salt, int(p["n"]), int(p["r"]), int(p["p"]), int(p["dklen"]))
        )
    else:
        derived = bytearray(
            hashlib.pbkdf2_hmac(
                "sha256", password.encode("utf-8"), parsed.salt, int(parsed.kdfparams["c"]), 32
            )
        )
    try:
        mac = keccak(bytes(derived[16:32]) + parsed.ciphertext)
        if not hmac.compare_digest(mac, parsed.mac):
            raise WrongPassword()
        key = bytearray(_aes_ctr(bytes(derived[:16]), parsed.iv, parsed.ciphertext))
    finally:
        wipe(derived)
    try:
        check_private_key(key)
    except InvalidInput:
        wipe(key)
        raise InvalidKeystore("This keystore decrypts to an invalid private key.") from None
    if parsed.address is not None and address_of_key(key) != parsed.address:
        wipe(key)
        raise InvalidKeystore("This keystore's key does not match the address written in it.")
    return key


def load_keystore_file(path: Path) -> dict[str, Any]:
    """Read a keystore file (size-limited) and check it; raises InvalidKeystore or KeystoreError."""
    try:
        size = path.stat().st_size
        if size > MAX_KEYSTORE_BYTES:
            raise InvalidKeystore("This file is too large to be a keystore.")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeystoreError(f"There is no keystore file at {path}.") from None
    except (OSError, UnicodeDecodeError):
        raise KeystoreError(f"The keystore file {path} cannot be read.") from None
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidKeystore("This file is not a keystore: it is not valid JSON.") from None
    return parse_keystore(document).document


# --------------------------------------------------------------------------- the folder


class KeystoreDir:
    """The keystore folder of one data dir. All methods are synchronous; run them in threads."""

    def __init__(self, data_dir: Path, *, scrypt: ScryptParams = DEFAULT_SCRYPT) -> None:
        self.root = Path(data_dir) / "keystores"
        self.scrypt = scrypt

    def path_for(self, alias: str) -> Path:
        return self.root / f"{validate_alias(alias)}.json"

    def aliases(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.stem for p in self.root.glob("*.json") if _ALIAS.fullmatch(p.stem))

    def exists(self, alias: str) -> bool:
        return self.path_for(alias).exists()

    def address(self, alias: str) -> str:
        parsed = parse_keystore(load_keystore_file(self.path_for(alias)))
        if parsed.address is None:
            raise KeystoreError(f"The keystore of '{alias}' does not record its address.")
        return parsed.address

    def create(self, alias: str, private_key: bytes | bytearray, password: str) -> str:
        """Encrypt and store a key under a new alias; returns its checksummed address."""
        self._require_free(alias)
        _check_password(password)
        document = encrypt_key(private_key, password, scrypt=self.scrypt)
        self._write(self.path_for(alias), document)
        return address_of_key(private_key)

    def import_file(self, alias: str, source: Path, password: str) -> str:
        """Import a keystore made by geth/eth-keyfile/eth-account/ape after proving the password.

        The file is stored as written (normalized key case), so the same password opens it.
        """
        self._require_free(alias)
        document = load_keystore_file(Path(source))
        key = decrypt_keystore(document, password)
        try:
            address = address_of_key(key)
        finally:
            wipe(key)
        document = dict(document)
        document["address"] = address[2:].lower()
        self._write(self.path_for(alias), document)
        return address

    def unlock(self, alias: str, password: str) -> bytearray:
        """The private key (caller wipes it). Slow: run in a worker thread."""
        return decrypt_keystore(load_keystore_file(self.path_for(alias)), password)

    def change_password(self, alias: str, old_password: str, new_password: str) -> Path:
        """Re-encrypt under a new password; the old file is kept in backups/. Returns the backup."""
        _check_password(new_password)
        path = self.path_for(alias)
        old_document = load_keystore_file(path)
        key = decrypt_keystore(old_document, old_password)
        try:
            new_document = encrypt_key(key, new_password, scrypt=self.scrypt)
        finally:
            wipe(key)
        backup = self.root / "backups" / f"{alias}.{_stamp()}.json"
        backup.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._write(backup, old_document)
        self._write(path, new_document)
        return backup

    def export(self, alias: str, destination: Path) -> Path:
        """Copy the (still encrypted) keystore to `destination`, mode 0600."""
        document = load_keystore_file(self.path_for(alias))
        destination = Path(destination)
        if destination.is_dir():
            destination = destination / f"{alias}.json"
        self._write(destination, document)
        return destination

    def delete(self, alias: str) -> Path:
        """Move the keystore into trash/ (recoverable with restore); returns its new path."""
        path = self.path_for(alias)
        if not path.exists():
            raise KeystoreError(f"There is no account named '{alias}'.")
        trash = self.root / "trash"
        trash.mkdir(parents=True, exist_ok=True, mode=0o700)
        target = trash / f"{alias}.{_stamp()}.json"
        os.replace(path, target)
        return target

    def trashed(self) -> list[Path]:
        trash = self.root / "trash"
        return sorted(trash.glob("*.json")) if trash.is_dir() else []

    def restore(self, trashed_file: Path, alias: str | None = None) -> str:
        """Bring a deleted keystore back (under its old alias unless another is given)."""
        trashed_file = Path(trashed_file)
        name = alias or trashed_file.name.split(".", 1)[0]
        self._require_free(name)
        load_keystore_file(trashed_file)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        shutil.move(str(trashed_file), self.path_for(name))
        return name

    def _require_free(self, alias: str) -> None:
        if self.path_for(alias).exists():
            raise InvalidInput(f"An account named '{alias}' already exists.")

    def _write(self, path: Path, document: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_text_atomic(path, json.dumps(document, indent=2, sort_keys=True) + "\n", mode=0o600)


# --------------------------------------------------------------------------- helpers


def _check_password(password: str) -> None:
    if not isinstance(password, str) or len(password) < 8:
        raise InvalidInput("Choose a password of at least 8 characters.")


def _check_scrypt_cost(n: int, r: int, p: int, dklen: int) -> None:
    if n < 2 or n & (n - 1) or r < 1 or p < 1:
        raise InvalidKeystore("This keystore's scrypt parameters are invalid.")
    if 128 * r * n > MAX_SCRYPT_MEMORY:
        raise InvalidKeystore(
            f"This keystore would need {128 * r * n // 2**20:,} MiB of memory to open; "
            f"at most {MAX_SCRYPT_MEMORY // 2**20:,} MiB is accepted."
        )
    if p > MAX_SCRYPT_P:
        raise InvalidKeystore(f"This keystore's scrypt p={p} is above the accepted {MAX_SCRYPT_P}.")
    if dklen != 32:
        raise InvalidKeystore("This keystore's derived key length must be 32.")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
    _check_scrypt_cost(n, r, p, dklen)
    # pycryptodome, not hashlib: OpenSSL refuses n >= 2**(16r) (RFC 7914), which geth and the
    # Web3 Secret Storage test vector (n=2**18, r=1) use.
    derived = KDF.scrypt(password.encode("utf-8"), salt, dklen, N=n, r=r, p=p)  # type: ignore[arg-type]
    assert isinstance(derived, bytes)
    return derived


def _aes_ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    counter = Counter.new(128, initial_value=int.from_bytes(iv, "big"), allow_wraparound=True)
    cipher = AES.new(key, AES.MODE_CTR, counter=counter)
    result: bytes = cipher.encrypt(data)
    return result


def _lower_keys(value: dict[Any, Any], depth: int = 0) -> dict[str, Any]:
    if depth > 4:
        raise InvalidKeystore("This keystore is nested too deeply.")
    result: dict[str, Any] = {}
    for key, item in value.items():
        name = key.lower() if isinstance(key, str) else key
        result[name] = _lower_keys(item, depth + 1) if isinstance(item, dict) else item
    return result


def _int_param(params: dict[str, Any], name: str) -> int:
    value = params.get(name)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidKeystore(f"This keystore's '{name}' parameter is missing or not a number.")
    return value


def _hex_field(value: object, name: str, *, exact: int | None = None, max_len: int = 64) -> bytes:
    if not isinstance(value, str) or len(value) > 2 * max_len + 2 or not _HEX.fullmatch(value):
        raise InvalidKeystore(f"This keystore's '{name}' is not hex.")
    text = value.removeprefix("0x")
    if len(text) % 2:
        raise InvalidKeystore(f"This keystore's '{name}' has an odd number of hex digits.")
    raw = bytes.fromhex(text)
    if exact is not None and len(raw) != exact:
        raise InvalidKeystore(f"This keystore's '{name}' must be {exact} bytes.")
    if not raw:
        raise InvalidKeystore(f"This keystore's '{name}' is empty.")
    return raw


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
