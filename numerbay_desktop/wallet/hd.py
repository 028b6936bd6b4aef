"""BIP39 mnemonics and BIP32/BIP44 derivation for Ethereum (m/44'/60'/0'/0/i).

Built on eth-account's HD module (its "unaudited" HD features are switched on explicitly
below, so `Account.from_mnemonic` works too) plus a small public-key-only derivation for
watch-only accounts imported from another wallet's extended public key (ERC-4527
crypto-hdkey). Mnemonics and keys never appear in error messages.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass

from eth_account import Account
from eth_account.hdaccount.deterministic import HardNode, Node, SoftNode, derive_child_key
from eth_account.hdaccount.mnemonic import Mnemonic
from eth_account.types import Language
from eth_keys.datatypes import PrivateKey
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.wallet.keystore import wipe

# We rely on eth-account's HD code (BIP39 wordlists and BIP32 child derivation); the flag
# is its explicit opt-in. Our own tests check the standard vectors against it.
Account.enable_unaudited_hdwallet_features()

ACCOUNT_PATH = "m/44'/60'/0'/0"
ALLOWED_WORD_COUNTS = (12, 15, 18, 21, 24)
MAX_DISCOVERY = 1000

_SECP_P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
_SECP_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HARDENED = 0x80000000


class InvalidMnemonic(InvalidInput):
    """The recovery phrase is not a valid English BIP39 mnemonic (the message says which part)."""


@dataclass(frozen=True)
class DerivedAddress:
    index: int
    path: str
    address: str


def generate_mnemonic(words: int = 12) -> str:
    """A fresh English BIP39 mnemonic of 12 or 24 words from the OS random source."""
    if words not in (12, 24):
        raise InvalidInput("A new recovery phrase has 12 or 24 words.")
    return str(Mnemonic(Language.ENGLISH).generate(words))


def validate_mnemonic(phrase: str) -> str:
    """Normalized phrase (single spaces, lowercase, NFKD) if valid; else InvalidMnemonic."""
    if not isinstance(phrase, str):
        raise InvalidMnemonic("Enter the recovery phrase as words separated by spaces.")
    words = unicodedata.normalize("NFKD", phrase).lower().split()
    if len(words) not in ALLOWED_WORD_COUNTS:
        raise InvalidMnemonic(
            f"A recovery phrase has 12, 15, 18, 21 or 24 words; this one has {len(words)}."
        )
    wordlist = Mnemonic(Language.ENGLISH).wordlist
    known = set(wordlist)
    for position, word in enumerate(words, start=1):
        if word not in known:
            raise InvalidMnemonic(
                f"Word {position} is not in the BIP39 English word list; check its spelling."
            )
    # Checksum: the last ENT/32 bits of the 11-bit groups are SHA-256 of the entropy.
    bits = "".join(format(wordlist.index(w), "011b") for w in words)
    checksum_len = len(bits) // 33
    entropy = int(bits[: len(bits) - checksum_len], 2).to_bytes(len(bits) // 33 * 4, "big")
    expected = format(hashlib.sha256(entropy).digest()[0], "08b")[:checksum_len]
    if bits[-checksum_len:] != expected:
        raise InvalidMnemonic(
            "The recovery phrase's checksum does not match: a word is wrong or out of order."
        )
    return " ".join(words)


def mnemonic_to_seed(phrase: str, passphrase: str = "") -> bytearray:
    """BIP39 seed (PBKDF2-HMAC-SHA512, 2048 rounds). Caller wipes it."""
    checked = validate_mnemonic(phrase)
    salt = "mnemonic" + unicodedata.normalize("NFKD", passphrase)
    return bytearray(
        hashlib.pbkdf2_hmac("sha512", checked.encode("utf-8"), salt.encode("utf-8"), 2048)
    )


def derivation_path(index: int, base: str = ACCOUNT_PATH) -> str:
    if not 0 <= index < _HARDENED:
        raise InvalidInput("An address index is between 0 and 2,147,483,647.")
    return f"{base}/{index}"


def parse_path(path: str) -> list[int]:
    """`m/44'/60'/0'/0/3` as BIP32 indexes (hardened ones have bit 31 set)."""
    parts = path.strip().split("/")
    if not parts or parts[0] != "m" or len(parts) > 11:
        raise InvalidInput("A derivation path looks like m/44'/60'/0'/0/0.")
    indexes = []
    for part in parts[1:]:
        hardened = part.endswith(("'", "h", "H"))
        digits = part[:-1] if hardened else part
        if not digits.isdigit() or not digits.isascii() or int(digits) >= _HARDENED:
            raise InvalidInput("A derivation path looks like m/44'/60'/0'/0/0.")
        indexes.append(int(digits) + (_HARDENED if hardened else 0))
    return indexes


def _node(index: int) -> Node:
    return HardNode(index - _HARDENED) if index >= _HARDENED else SoftNode(index)


def _derive_from_seed(seed: bytes | bytearray, path: list[int]) -> tuple[bytearray, bytes]:
    master = hmac.new(b"Bitcoin seed", bytes(seed), hashlib.sha512).digest()
    key, chain_code = master[:32], master[32:]
    for index in path:
        key, chain_code = derive_child_key(key, chain_code, _node(index))
    return bytearray(key), chain_code


def derive_private_key(
    phrase: str, index: int = 0, passphrase: str = "", *, path: str | None = None
) -> bytearray:
    """The private key at m/44'/60'/0'/0/index (or an explicit `path`). Caller wipes it."""
    seed = mnemonic_to_seed(phrase, passphrase)
    try:
        key, _ = _derive_from_seed(seed, parse_path(path or derivation_path(index)))
    finally:
        wipe(seed)
    return key


def discover_addresses(
    phrase: str, count: int = 5, passphrase: str = "", *, start: int = 0, base: str = ACCOUNT_PATH
) -> list[DerivedAddress]:
    """The first `count` addresses of the mnemonic (what import shows before choosing one)."""
    if not 1 <= count <= MAX_DISCOVERY or start < 0 or start + count > _HARDENED:
        raise InvalidInput(f"Show between 1 and {MAX_DISCOVERY} addresses.")
    seed = mnemonic_to_seed(phrase, passphrase)
    try:
        parent, chain_code = _derive_from_seed(seed, parse_path(base))
    finally:
        wipe(seed)
    result = []
    try:
        for index in range(start, start + count):
            child, _ = derive_child_key(bytes(parent), chain_code, SoftNode(index))
            key = bytearray(child)
            address = str(PrivateKey(bytes(key)).public_key.to_checksum_address())
            wipe(key)
            result.append(DerivedAddress(index, f"{base}/{index}", address))
    finally:
        wipe(parent)
    return result


# --------------------------------------------------------------------------- public derivation


@dataclass(frozen=True)
class ExtendedPublicKey:
    """A BIP32 node without its private key: enough to list a watch-only wallet's addresses."""

    public_key: bytes  # 33-byte compressed point
    chain_code: bytes  # 32 bytes
    path: str = ACCOUNT_PATH

    def __post_init__(self) -> None:
        if len(self.chain_code) != 32:
            raise InvalidInput("An extended public key's chain code is 32 bytes.")
        _decompress(self.public_key)

    def child(self, index: int) -> ExtendedPublicKey:
        """CKDpub: non-hardened child (index < 2**31)."""
        if not 0 <= index < _HARDENED:
            raise InvalidInput("Only non-hardened children can be derived from a public key.")
        digest = hmac.new(
            self.chain_code, self.public_key + index.to_bytes(4, "big"), hashlib.sha512
        ).digest()
        tweak = int.from_bytes(digest[:32], "big")
        if tweak >= _SECP_N:
            raise InvalidInput("This public key cannot derive that child; try the next index.")
        point = _point_add(_point_mul(tweak), _decompress(self.public_key))
        if point is None:
            raise InvalidInput("This public key cannot derive that child; try the next index.")
        return ExtendedPublicKey(_compress(point), digest[32:], f"{self.path}/{index}")

    def address(self) -> str:
        x, y = _decompress(self.public_key)
        return str(to_checksum_address(keccak(x.to_bytes(32, "big") + y.to_bytes(32, "big"))[-20:]))

    def addresses(self, count: int = 5, *, start: int = 0) -> list[DerivedAddress]:
        """Addresses of children start..start+count-1 (this node is the account's .../0 level)."""
        if not 1 <= count <= MAX_DISCOVERY or start < 0:
            raise InvalidInput(f"Show between 1 and {MAX_DISCOVERY} addresses.")
        out = []
        for index in range(start, start + count):
            node = self.child(index)
            out.append(DerivedAddress(index, node.path, node.address()))
        return out


def extended_public_key_of(
    phrase: str, passphrase: str = "", path: str = ACCOUNT_PATH
) -> ExtendedPublicKey:
    """The public node at `path` (to export a watch-only copy, and to test CKDpub)."""
    seed = mnemonic_to_seed(phrase, passphrase)
    try:
        key, chain_code = _derive_from_seed(seed, parse_path(path))
    finally:
        wipe(seed)
    try:
        public = PrivateKey(bytes(key)).public_key.to_compressed_bytes()
    finally:
        wipe(key)
    return ExtendedPublicKey(bytes(public), chain_code, path)


_Point = tuple[int, int]


def _decompress(public_key: bytes) -> _Point:
    if len(public_key) != 33 or public_key[0] not in (2, 3):
        raise InvalidInput("An extended public key holds a 33-byte compressed point.")
    x = int.from_bytes(public_key[1:], "big")
    if x >= _SECP_P:
        raise InvalidInput("This public key is not on the secp256k1 curve.")
    y_squared = (pow(x, 3, _SECP_P) + 7) % _SECP_P
    y = pow(y_squared, (_SECP_P + 1) // 4, _SECP_P)
    if y * y % _SECP_P != y_squared:
        raise InvalidInput("This public key is not on the secp256k1 curve.")
    if y % 2 != public_key[0] - 2:
        y = _SECP_P - y
    return x, y


def _compress(point: _Point) -> bytes:
    x, y = point
    return bytes([2 + (y & 1)]) + x.to_bytes(32, "big")


def _point_add(a: _Point | None, b: _Point | None) -> _Point | None:
    if a is None:
        return b
    if b is None:
        return a
    if a[0] == b[0]:
        if (a[1] + b[1]) % _SECP_P == 0:
            return None
        slope = 3 * a[0] * a[0] * pow(2 * a[1], -1, _SECP_P) % _SECP_P
    else:
        slope = (b[1] - a[1]) * pow(b[0] - a[0], -1, _SECP_P) % _SECP_P
    x = (slope * slope - a[0] - b[0]) % _SECP_P
    return x, (slope * (a[0] - x) - a[1]) % _SECP_P


def _point_mul(scalar: int) -> _Point | None:
    result: _Point | None = None
    addend: _Point | None = (
        0x79BE667EF9DCBBAC55A06295CE870B07029BFCDB2DCE28D959F2815B16F81798,
        0x483ADA7726A3C4655DA4FBFC0E1108A8FD17B448A68554199C47D08FFB10D4B8,
    )
    while scalar:
        if scalar & 1:
            result = _point_add(result, addend)
        addend = _point_add(addend, addend)
        scalar >>= 1
    return result
