"""The encrypted-file home of a Numerai API key, for machines without a secure keyring.

Like a keystore v3 file (Web3 Secret Storage): scrypt derives 32 bytes from the password,
the first 16 key AES-128-CTR over `PUBLIC_ID$SECRET`, and keccak(last 16 + ciphertext) is the
MAC that tells a wrong password. Cost parameters are bounded before deriving anything.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from typing import Any

from Crypto.Cipher import AES
from Crypto.Protocol import KDF
from Crypto.Util import Counter
from eth_utils.crypto import keccak

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.wallet.api_key_types import (
    ApiKeyWrongPassword,
    CorruptApiKeyFile,
    NumeraiApiKey,
)
from numerbay_desktop.wallet.keystore import (
    DEFAULT_SCRYPT,
    MAX_SCRYPT_MEMORY,
    MAX_SCRYPT_P,
    ScryptParams,
    wipe,
)

FILE_KIND = "numerai-api-key"


def encrypt_api_key(
    key: NumeraiApiKey, password: str, *, profile: str, scrypt: ScryptParams = DEFAULT_SCRYPT
) -> dict[str, Any]:
    """A keystore-like document: scrypt -> AES-128-CTR over `PUBLIC$SECRET`, keccak MAC."""
    _check_cost(scrypt.n, scrypt.r, scrypt.p, scrypt.dklen)
    salt, iv = secrets.token_bytes(32), secrets.token_bytes(16)
    plaintext = bytearray(key.token().reveal().encode("ascii"))
    derived = bytearray(_derive(password, salt, scrypt.n, scrypt.r, scrypt.p))
    try:
        ciphertext = _aes_ctr(bytes(derived[:16]), iv, bytes(plaintext))
        mac = keccak(bytes(derived[16:32]) + ciphertext)
    finally:
        wipe(derived)
        wipe(plaintext)
    return {
        "kind": FILE_KIND,
        "version": 1,
        "profile": profile,
        "public_id": key.public_id,
        "crypto": {
            "cipher": "aes-128-ctr",
            "cipherparams": {"iv": iv.hex()},
            "ciphertext": ciphertext.hex(),
            "kdf": "scrypt",
            "kdfparams": {"dklen": scrypt.dklen, "n": scrypt.n, "r": scrypt.r, "p": scrypt.p,
                          "salt": salt.hex()},
            "mac": mac.hex(),
        },
    }


def decrypt_api_key(
    document: dict[str, Any], password: str, *, path: Path | None = None
) -> NumeraiApiKey:
    """The key inside `document`; raises ApiKeyWrongPassword or CorruptApiKeyFile only."""
    where = f" {path}" if path is not None else ""
    damaged = f"The encrypted API key file{where} is damaged; it was kept. Enter the key again."
    crypto = document.get("crypto")
    if not isinstance(crypto, dict) or crypto.get("cipher") != "aes-128-ctr" \
            or crypto.get("kdf") != "scrypt":
        raise CorruptApiKeyFile(damaged)
    params, cipherparams = crypto.get("kdfparams"), crypto.get("cipherparams")
    if not isinstance(params, dict) or not isinstance(cipherparams, dict):
        raise CorruptApiKeyFile(damaged)
    try:
        n, r, p, dklen = (_int(params[name]) for name in ("n", "r", "p", "dklen"))
        salt = bytes.fromhex(str(params["salt"]))
        iv = bytes.fromhex(str(cipherparams["iv"]))
        ciphertext = bytes.fromhex(str(crypto["ciphertext"]))
        mac = bytes.fromhex(str(crypto["mac"]))
    except (KeyError, ValueError, TypeError):
        raise CorruptApiKeyFile(damaged) from None
    if len(iv) != 16 or len(mac) != 32 or len(salt) < 16 or not ciphertext:
        raise CorruptApiKeyFile(damaged)
    try:
        _check_cost(n, r, p, dklen)
    except ValueError:
        raise CorruptApiKeyFile(
            f"The encrypted API key file{where} asks for an unsafe key derivation; it was kept."
        ) from None
    if not isinstance(password, str):
        raise ApiKeyWrongPassword()
    derived = bytearray(_derive(password, salt, n, r, p))
    try:
        if not hmac.compare_digest(keccak(bytes(derived[16:32]) + ciphertext), mac):
            raise ApiKeyWrongPassword()
        plaintext = bytearray(_aes_ctr(bytes(derived[:16]), iv, ciphertext))
    finally:
        wipe(derived)
    try:
        return NumeraiApiKey.from_token(plaintext.decode("ascii"))
    except (InvalidInput, UnicodeDecodeError):
        raise CorruptApiKeyFile(damaged) from None
    finally:
        wipe(plaintext)


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not an integer")
    return value


def _check_cost(n: int, r: int, p: int, dklen: int) -> None:
    if n < 2 or n & (n - 1) or r < 1 or p < 1 or p > MAX_SCRYPT_P or dklen != 32:
        raise ValueError("bad scrypt parameters")
    if 128 * r * n > MAX_SCRYPT_MEMORY:
        raise ValueError("scrypt parameters too costly")


def _derive(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    derived = KDF.scrypt(password.encode("utf-8"), salt, 32, N=n, r=r, p=p)  # type: ignore[arg-type]
    assert isinstance(derived, bytes)
    return derived


def _aes_ctr(key: bytes, iv: bytes, data: bytes) -> bytes:
    counter = Counter.new(128, initial_value=int.from_bytes(iv, "big"), allow_wraparound=True)
    result: bytes = AES.new(key, AES.MODE_CTR, counter=counter).encrypt(data)
    return result
