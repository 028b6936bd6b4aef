"""ERC-4527 over BC-UR: `eth-sign-request`, `eth-signature`, `crypto-hdkey`, and multipart QR.

Wire format (Blockchain Commons BCR-2020-005 / BCR-2020-012):

* single part: ``ur:<type>/<bytewords-minimal(cbor ‖ crc32)>``
* multipart:   ``ur:<type>/<seq>-<count>/<bytewords-minimal(cbor [seq, count, message_len,
  crc32(message), fragment]) ‖ crc32>``

The encoder emits the ``count`` pure fragments (seq 1..count) and, on request, the
fountain's XOR-mixed parts after them (`fountain.py`, checked against the reference
vectors). The decoder accepts pure and mixed parts in any order, repeated or not, and
finishes as soon as the parts seen determine the message.

Everything a scan produces is hostile input: every failure raises `URError` (an
`InvalidInput`) and nothing else.
"""

from __future__ import annotations

import math
import re
import uuid
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import cbor2
import segno

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.wallet.fountain import FountainSolver, choose_fragments, mixed_fragment

_WORDS = (  # noqa: SIM905 (the word list as published)
    "able acid also apex aqua arch atom aunt away axis back bald barn belt beta bias blue body "
    "brag brew bulb buzz calm cash cats chef city claw code cola cook cost crux curl cusp cyan "
    "dark data days deli dice diet door down draw drop drum dull duty each easy echo edge epic "
    "even exam exit eyes fact fair fern figs film fish fizz flap flew flux foxy free frog fuel "
    "fund gala game gear gems gift girl glow good gray grim guru gush gyro half hang hard hawk "
    "heat help high hill holy hope horn huts iced idea idle inch inky into iris iron item jade "
    "jazz join jolt jowl judo jugs jump junk jury keep keno kept keys kick kiln king kite kiwi "
    "knob lamb lava lazy leaf legs liar limp lion list logo loud love luau luck lung main many "
    "math maze memo menu meow mild mint miss monk nail navy need news next noon note numb obey "
    "oboe omit onyx open oval owls paid part peck play plus poem pool pose puff puma purr quad "
    "quiz race ramp real redo rich road rock roof ruby ruin runs rust safe saga scar sets silk "
    "skew slot soap solo song stub surf swan taco task taxi tent tied time tiny toil tomb toys "
    "trip tuna twin ugly undo unit urge user vast very veto vial vibe view visa void vows wall "
    "wand warm wasp wave waxy webs what when whiz wolf work yank yawn yell yoga yurt zaps zero "
    "zest zinc zone zoom"
).split()
assert len(_WORDS) == 256
_MINIMAL = [w[0] + w[-1] for w in _WORDS]
_FROM_MINIMAL = {pair: index for index, pair in enumerate(_MINIMAL)}
_FROM_WORD = {w: index for index, w in enumerate(_WORDS)}

MAX_MESSAGE_BYTES = 1 << 20
MAX_PARTS = 10_000
DEFAULT_FRAGMENT_LEN = 250
_TYPE = re.compile(r"[a-z0-9-]{1,64}")

# ERC-4527 data types of eth-sign-request's sign-data.
DATA_TYPE_LEGACY_TX = 1
DATA_TYPE_TYPED_DATA = 2
DATA_TYPE_PERSONAL_MESSAGE = 3
DATA_TYPE_TYPED_TRANSACTION = 4
TAG_UUID = 37
TAG_KEYPATH = 304
TAG_HDKEY = 303
_HARDENED = 0x80000000


class URError(InvalidInput):
    """A scanned or pasted UR cannot be used; the message says why."""


# --------------------------------------------------------------------------- bytewords


def bytewords_encode(data: bytes, *, minimal: bool = True) -> str:
    """Bytewords of `data` followed by its CRC32 (big-endian)."""
    body = bytes(data) + zlib.crc32(data).to_bytes(4, "big")
    if minimal:
        return "".join(_MINIMAL[b] for b in body)
    return " ".join(_WORDS[b] for b in body)


def bytewords_decode(text: str, *, minimal: bool = True) -> bytes:
    """Inverse of bytewords_encode; checks the CRC32."""
    if not isinstance(text, str) or len(text) > 4 * MAX_MESSAGE_BYTES:
        raise URError("The UR text is too long or not text.")
    text = text.lower()
    try:
        if minimal:
            if len(text) % 2:
                raise URError("The UR body has an odd number of letters.")
            body = bytes(_FROM_MINIMAL[text[i : i + 2]] for i in range(0, len(text), 2))
        else:
            body = bytes(_FROM_WORD[w] for w in text.split())
    except KeyError:
        raise URError("The UR body contains a letter pair that is not a byteword.") from None
    if len(body) < 5:
        raise URError("The UR body is too short.")
    data, checksum = body[:-4], body[-4:]
    if zlib.crc32(data).to_bytes(4, "big") != checksum:
        raise URError("The UR checksum does not match: the code was misread or altered.")
    return data


# --------------------------------------------------------------------------- UR parts


def encode_ur(
    ur_type: str,
    cbor: bytes,
    *,
    max_fragment_len: int = DEFAULT_FRAGMENT_LEN,
    fountain_parts: int = 0,
) -> list[str]:
    """One `ur:` string if the CBOR fits in one fragment, else the multipart sequence: the
    pure parts, then `fountain_parts` mixed parts (they let a scanner that missed frames
    finish without waiting for the loop to come round)."""
    if not _TYPE.fullmatch(ur_type):
        raise URError("A UR type uses lowercase letters, digits and '-'.")
    if not 0 < len(cbor) <= MAX_MESSAGE_BYTES or max_fragment_len < 10:
        raise URError("The UR payload is empty, too large, or the fragment size is too small.")
    if len(cbor) <= max_fragment_len:
        return [f"ur:{ur_type}/{bytewords_encode(cbor)}"]
    fragment_len = _nominal_fragment_length(len(cbor), 10, max_fragment_len)
    count = math.ceil(len(cbor) / fragment_len)
    padded = cbor + bytes(count * fragment_len - len(cbor))
    checksum = zlib.crc32(cbor)
    parts = []
    fragments = [padded[i * fragment_len : (i + 1) * fragment_len] for i in range(count)]
    for seq in range(1, count + 1 + max(0, min(fountain_parts, MAX_PARTS))):
        fragment = mixed_fragment(fragments, choose_fragments(seq, count, checksum))
        part = cbor2.dumps([seq, count, len(cbor), checksum, fragment])
        parts.append(f"ur:{ur_type}/{seq}-{count}/{bytewords_encode(part)}")
    return parts


def _nominal_fragment_length(message_len: int, min_len: int, max_len: int) -> int:
    """BC-UR's choice: the fewest equal fragments no longer than max_len."""
    count = 1
    while True:
        length = math.ceil(message_len / count)
        if length <= max_len or length <= min_len:
            return length
        count += 1


@dataclass
class URDecoder:
    """Feed scanned parts in any order (duplicates fine) until `complete`; then `result()`."""

    ur_type: str | None = None
    _count: int = 0
    _message_len: int = 0
    _checksum: int = 0
    _fragment_len: int = 0
    _fragments: dict[int, bytes] | None = None  # pure parts seen, to spot misreads
    _solver: FountainSolver | None = None
    _single: bytes | None = None

    @property
    def complete(self) -> bool:
        return self._single is not None or (
            self._solver is not None and self._solver.rank == self._count
        )

    def progress(self) -> float:
        """Share of the fragments determined so far (0..1), for a progress bar."""
        if self._single is not None:
            return 1.0
        return self._solver.rank / self._count if self._solver and self._count else 0.0

    def receive(self, text: str) -> bool:
        """Add one scanned part; returns True when the message is complete."""
        if not isinstance(text, str) or len(text) > 4 * MAX_MESSAGE_BYTES:
            raise URError("This is not UR text.")
        pieces = text.strip().lower().split("/")
        if len(pieces) not in (2, 3) or not pieces[0].startswith("ur:"):
            raise URError("This is not a UR (it should start with 'ur:type/').")
        ur_type = pieces[0][3:]
        if not _TYPE.fullmatch(ur_type):
            raise URError("The UR type is not valid.")
        if self.ur_type is not None and ur_type != self.ur_type:
            raise URError(f"This part is a '{ur_type}', but the scan so far is a '{self.ur_type}'.")
        if len(pieces) == 2:
            if self._fragments:
                raise URError("A single-part UR arrived in the middle of a multipart scan.")
            self.ur_type, self._single = ur_type, bytewords_decode(pieces[1])
            return True
        match = re.fullmatch(r"([1-9][0-9]{0,8})-([1-9][0-9]{0,8})", pieces[1])
        if match is None:
            raise URError("The UR part number should look like 3-10.")
        seq, count = int(match.group(1)), int(match.group(2))
        try:
            decoded = cbor2.loads(bytewords_decode(pieces[2]))
        except URError:
            raise
        except Exception:  # cbor2 raises several types for hostile bytes
            raise URError("This UR part's CBOR is malformed.") from None
        if (
            not isinstance(decoded, list) or len(decoded) != 5
            or not all(type(x) is int for x in decoded[:4]) or not isinstance(decoded[4], bytes)
        ):
            raise URError("This UR part's header is malformed.")
        p_seq, p_count, message_len, checksum, fragment = decoded
        if (p_seq, p_count) != (seq, count) or not 1 <= count <= MAX_PARTS:
            raise URError("This UR part's numbering is inconsistent.")
        if not 0 < message_len <= MAX_MESSAGE_BYTES or not 0 <= checksum < 2**32:
            raise URError("This UR part announces an impossible message size.")
        if len(fragment) * count < message_len or len(fragment) * (count - 1) >= message_len:
            raise URError("This UR part's fragment size does not fit the message size.")
        if self._fragments is None or self._solver is None:
            self.ur_type, self._count, self._message_len = ur_type, count, message_len
            self._checksum, self._fragment_len, self._fragments = checksum, len(fragment), {}
            self._solver = FountainSolver(count, len(fragment))
        elif (count, message_len, checksum, len(fragment)) != (
            self._count, self._message_len, self._checksum, self._fragment_len
        ):
            raise URError("This UR part belongs to a different message than the earlier parts.")
        if seq <= count:
            previous = self._fragments.get(seq)
            if previous is not None and previous != fragment:
                raise URError("Two scans of the same UR part differ.")
            self._fragments[seq] = fragment
        if not self.complete:
            self._solver.add(choose_fragments(seq, count, checksum), fragment)
        return self.complete

    def result(self) -> tuple[str, bytes]:
        """(type, CBOR message) once complete; checks the whole-message CRC32."""
        if self._single is not None and self.ur_type is not None:
            return self.ur_type, self._single
        if not self.complete or self._solver is None or self.ur_type is None:
            raise URError("The UR is not complete yet; keep scanning.")
        joined = b"".join(self._solver.solve())
        message = joined[: self._message_len]
        if zlib.crc32(message) != self._checksum or any(joined[self._message_len :]):
            raise URError("The reassembled UR does not match its checksum.")
        return self.ur_type, message


def decode_ur(parts: Iterable[str]) -> tuple[str, bytes]:
    """Reassemble parts (any order); raises URError if incomplete or inconsistent."""
    decoder = URDecoder()
    for part in parts:
        decoder.receive(part)
    return decoder.result()


def qr_codes(parts: list[str], *, error: str = "l") -> list[segno.QRCode]:
    """One QR code per UR part (uppercased: QR alphanumeric mode packs it densely)."""
    return [segno.make_qr(part.upper(), error=error) for part in parts]


# --------------------------------------------------------------------------- ERC-4527 types


@dataclass(frozen=True)
class EthSignRequest:
    request_id: uuid.UUID
    sign_data: bytes
    data_type: int
    chain_id: int | None = None
    derivation_path: tuple[int, ...] = (44 | _HARDENED, 60 | _HARDENED, _HARDENED, 0, 0)
    source_fingerprint: int | None = None
    address: bytes | None = None
    origin: str | None = None

    def to_cbor(self) -> bytes:
        keypath: dict[int, Any] = {1: _components(self.derivation_path)}
        if self.source_fingerprint is not None:
            keypath[2] = self.source_fingerprint
        body: dict[int, Any] = {
            1: cbor2.CBORTag(TAG_UUID, self.request_id.bytes),
            2: self.sign_data,
            3: self.data_type,
        }
        if self.chain_id is not None:
            body[4] = self.chain_id
        body[5] = cbor2.CBORTag(TAG_KEYPATH, keypath)
        if self.address is not None:
            body[6] = self.address
        if self.origin is not None:
            body[7] = self.origin
        return bytes(cbor2.dumps(body))

    def to_ur(self, *, max_fragment_len: int = DEFAULT_FRAGMENT_LEN) -> list[str]:
        return encode_ur("eth-sign-request", self.to_cbor(), max_fragment_len=max_fragment_len)


@dataclass(frozen=True)
class EthSignature:
    request_id: uuid.UUID | None
    signature: bytes
    origin: str | None = None

    def to_cbor(self) -> bytes:
        body: dict[int, Any] = {}
        if self.request_id is not None:
            body[1] = cbor2.CBORTag(TAG_UUID, self.request_id.bytes)
        body[2] = self.signature
        if self.origin is not None:
            body[3] = self.origin
        return bytes(cbor2.dumps(body))

    def to_ur(self, *, max_fragment_len: int = DEFAULT_FRAGMENT_LEN) -> list[str]:
        return encode_ur("eth-signature", self.to_cbor(), max_fragment_len=max_fragment_len)


@dataclass(frozen=True)
class CryptoHDKey:
    """The parts of an ERC-4527 crypto-hdkey a watch-only wallet needs."""

    key_data: bytes
    chain_code: bytes
    origin_path: tuple[int, ...]
    children_path: tuple[int, ...] | None
    source_fingerprint: int | None
    name: str | None

    def to_cbor(self) -> bytes:
        """crypto-hdkey map: key, chain code, origin keypath, children `0/*`-style keypath."""
        body: dict[int, Any] = {3: self.key_data, 4: self.chain_code}
        origin: dict[int, Any] = {1: _components(self.origin_path)}
        if self.source_fingerprint is not None:
            origin[2] = self.source_fingerprint
        body[6] = cbor2.CBORTag(TAG_KEYPATH, origin)
        if self.children_path is not None:
            wildcard = [*_components(self.children_path), [], False]
            body[7] = cbor2.CBORTag(TAG_KEYPATH, {1: wildcard})
        if self.name is not None:
            body[9] = self.name
        return bytes(cbor2.dumps(body))

    def to_ur(self, *, max_fragment_len: int = DEFAULT_FRAGMENT_LEN) -> list[str]:
        return encode_ur("crypto-hdkey", self.to_cbor(), max_fragment_len=max_fragment_len)


def _components(path: tuple[int, ...]) -> list[Any]:
    out: list[Any] = []
    for index in path:
        out += [index & ~_HARDENED, bool(index & _HARDENED)]
    return out


def parse_eth_sign_request(cbor: bytes) -> EthSignRequest:
    body = _load_map(cbor, "eth-sign-request")
    request_id = _uuid(body.get(1))
    sign_data, data_type = body.get(2), body.get(3)
    if not isinstance(sign_data, bytes) or not sign_data or len(sign_data) > MAX_MESSAGE_BYTES:
        raise URError("The sign request has no data to sign.")
    if type(data_type) is not int or data_type not in (1, 2, 3, 4):
        raise URError("The sign request's data type is unknown.")
    chain_id = body.get(4)
    if chain_id is not None and (type(chain_id) is not int or not 0 < chain_id < 2**64):
        raise URError("The sign request's chain id is not valid.")
    path, fingerprint = _keypath(body.get(5))
    address = body.get(6)
    if address is not None and (not isinstance(address, bytes) or len(address) != 20):
        raise URError("The sign request's address is not 20 bytes.")
    origin = body.get(7)
    if origin is not None and (not isinstance(origin, str) or len(origin) > 256):
        raise URError("The sign request's origin is not short text.")
    return EthSignRequest(request_id or uuid.UUID(int=0), sign_data, data_type, chain_id, path,
                          fingerprint, address, origin)


def parse_eth_signature(cbor: bytes) -> EthSignature:
    body = _load_map(cbor, "eth-signature")
    signature = body.get(2)
    if not isinstance(signature, bytes) or len(signature) != 65:
        raise URError("The signature in this UR is not 65 bytes.")
    origin = body.get(3)
    if origin is not None and (not isinstance(origin, str) or len(origin) > 256):
        raise URError("The signature's origin is not short text.")
    return EthSignature(_uuid(body.get(1)), signature, origin)


def parse_crypto_hdkey(cbor: bytes) -> CryptoHDKey:
    """A watch-only export (MetaMask/Keystone style: origin m/44'/60'/0', children 0/*)."""
    body = _load_map(cbor, "crypto-hdkey")
    if body.get(2) is True:
        raise URError("This code holds a private key; only public keys can be imported.")
    key_data, chain_code = body.get(3), body.get(4)
    if not isinstance(key_data, bytes) or len(key_data) != 33 or key_data[0] not in (2, 3):
        raise URError("This crypto-hdkey has no compressed public key.")
    if not isinstance(chain_code, bytes) or len(chain_code) != 32:
        raise URError("This crypto-hdkey has no chain code; it cannot derive addresses.")
    origin, fingerprint = _keypath(body.get(6)) if 6 in body else ((), None)
    children = _keypath(body.get(7), wildcard=True)[0] if 7 in body else None
    name = body.get(9)
    return CryptoHDKey(key_data, chain_code, origin, children, fingerprint,
                       name if isinstance(name, str) and len(name) <= 256 else None)


def _load_map(cbor: bytes, what: str) -> dict[Any, Any]:
    if not isinstance(cbor, bytes) or len(cbor) > MAX_MESSAGE_BYTES:
        raise URError(f"This is not a valid {what}.")
    try:
        value = cbor2.loads(cbor)
    except Exception:  # cbor2 raises several types for hostile bytes
        raise URError(f"This {what} is not valid CBOR.") from None
    if isinstance(value, cbor2.CBORTag):
        value = value.value
    if not isinstance(value, dict):
        raise URError(f"This {what} is not a CBOR map.")
    return value


def _uuid(value: Any) -> uuid.UUID | None:
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return value
    raw = value.value if isinstance(value, cbor2.CBORTag) and value.tag == TAG_UUID else value
    if not isinstance(raw, bytes) or len(raw) != 16:
        raise URError("The request id is not a 16-byte UUID.")
    return uuid.UUID(bytes=raw)


def _keypath(value: Any, *, wildcard: bool = False) -> tuple[tuple[int, ...], int | None]:
    """(path, source fingerprint); with `wildcard`, a trailing `*` (empty array) ends the path."""
    if isinstance(value, cbor2.CBORTag) and value.tag == TAG_KEYPATH:
        value = value.value
    if not isinstance(value, dict):
        raise URError("The derivation path is missing or malformed.")
    components = value.get(1, [])
    if not isinstance(components, list) or len(components) % 2 or len(components) > 40:
        raise URError("The derivation path is malformed.")
    path: list[int] = []
    pairs = list(zip(components[::2], components[1::2], strict=True))
    for position, (index, hardened) in enumerate(pairs):
        if wildcard and index == [] and position == len(pairs) - 1:
            break
        if type(index) is not int or not 0 <= index < _HARDENED or not isinstance(hardened, bool):
            raise URError("The derivation path uses wildcards or ranges, which are not supported.")
        path.append(index | (_HARDENED if hardened else 0))
    fingerprint = value.get(2)
    if fingerprint is not None and (type(fingerprint) is not int or not 0 <= fingerprint < 2**32):
        raise URError("The key fingerprint is malformed.")
    return tuple(path), fingerprint
