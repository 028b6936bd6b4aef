"""BC-UR / ERC-4527: bytewords vectors, multipart reassembly in any order, hostile input."""

from __future__ import annotations

import contextlib
import os
import random
import uuid
import zlib

import cbor2
import numpy as np
import pytest
import segno
import zxingcpp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from numerbay_desktop.wallet.fountain import Xoshiro256, choose_fragments
from numerbay_desktop.wallet.hd import ExtendedPublicKey, extended_public_key_of
from numerbay_desktop.wallet.ur import (
    EthSignature,
    EthSignRequest,
    URDecoder,
    URError,
    bytewords_decode,
    bytewords_encode,
    decode_ur,
    encode_ur,
    parse_crypto_hdkey,
    parse_eth_sign_request,
    parse_eth_signature,
    qr_codes,
)

CAMPAIGN = 10_000 if os.environ.get("NUMERBAY_FUZZ") == "1" else 0
HARDHAT = "test test test test test test test test test test test junk"


def test_bytewords_reference_vector() -> None:
    """BCR-2020-012's example: [0, 1, 2, 128, 255]."""
    data = bytes([0, 1, 2, 128, 255])
    assert bytewords_encode(data, minimal=False) == "able acid also lava zoom jade need echo taxi"
    assert bytewords_encode(data) == "aeadaolazmjendeoti"
    assert bytewords_decode("aeadaolazmjendeoti") == data
    assert bytewords_decode("able acid also lava zoom jade need echo taxi", minimal=False) == data
    with pytest.raises(URError, match="checksum"):
        bytewords_decode("aeadaolazmjendeota")


def test_multipart_reassembles_in_any_order() -> None:
    message = cbor2.dumps(os.urandom(2000))
    parts = encode_ur("bytes", message, max_fragment_len=100)
    assert len(parts) == 21 and parts[0].startswith("ur:bytes/1-21/")
    rng = random.Random(4527)
    for _ in range(5):
        shuffled = parts + rng.sample(parts, 5)
        rng.shuffle(shuffled)
        decoder = URDecoder()
        for part in shuffled:
            decoder.receive(part)
        assert decoder.complete and decoder.result() == ("bytes", message)
    decoder = URDecoder()
    for part in parts[:-1]:
        assert not decoder.receive(part)
    assert decoder.progress() == pytest.approx(20 / 21)
    with pytest.raises(URError, match="not complete"):
        decoder.result()


def test_parts_of_another_message_are_refused() -> None:
    first = encode_ur("bytes", cbor2.dumps(b"a" * 500), max_fragment_len=100)
    second = encode_ur("bytes", cbor2.dumps(b"b" * 500), max_fragment_len=100)
    decoder = URDecoder()
    decoder.receive(first[0])
    with pytest.raises(URError, match="different message"):
        decoder.receive(second[1])
    with pytest.raises(URError, match="'eth-signature'"):
        decoder.receive(EthSignature(None, b"\x01" * 65).to_ur()[0])


# Reference vectors of bc-ur (Blockchain Commons, test/test.cpp): the message is 256 bytes
# from xoshiro256** seeded with "Wolf", CBOR-wrapped, at a maximum fragment length of 30.
OFFICIAL_PARTS = {
    1: "ur:bytes/1-9/lpadascfadaxcywenbpljkhdcahkadaemejtswhhylkepmykhhtsytsnoyoyaxaedsuttydmmhhpkt"
    "pmsrjtdkgslpgh",
    10: "ur:bytes/10-9/lpbkascfadaxcywenbpljkhdcahkadaemejtswhhylkepmykhhtsytsnoyoyaxaedsuttydmmhh"
    "pktpmsrjtwdkiplzs",
    12: "ur:bytes/12-9/lpbnascfadaxcywenbpljkhdcarllaluzmdmgstospeyiefmwejlwtpedamktksrvlcygmzemov"
    "ovllarodtmtbnptrs",
    20: "ur:bytes/20-9/lpbbascfadaxcywenbpljkhdcayapmrleeleaxpasfrtrdkncffwjyjzgyetdmlewtkpktgllep"
    "frltataztksmhkbot",
}


def _wolf_message(length: int) -> bytes:
    rng = Xoshiro256(b"Wolf")
    return bytes(rng.next_int(0, 255) for _ in range(length))


def test_fountain_matches_reference_vectors() -> None:
    rng = Xoshiro256(b"Wolf")
    assert [rng.next() % 100 for _ in range(12)] == [42, 81, 85, 8, 82, 84, 76, 73, 70, 88, 2, 74]
    message = _wolf_message(1024)
    chosen = [sorted(choose_fragments(seq, 11, zlib.crc32(message))) for seq in range(10, 18)]
    assert chosen == [[9], [10], [9], [2, 5, 6, 8, 9, 10], [8], [1, 5], [1], [0, 2, 4, 5, 8, 10]]
    parts = encode_ur("bytes", cbor2.dumps(_wolf_message(256)), max_fragment_len=30,
                      fountain_parts=11)
    assert len(parts) == 20
    for seq, expected in OFFICIAL_PARTS.items():
        assert parts[seq - 1] == expected


def test_fountain_parts_complete_a_scan_that_missed_frames() -> None:
    message = cbor2.dumps(os.urandom(3000))
    parts = encode_ur("bytes", message, max_fragment_len=100, fountain_parts=200)
    count = int(parts[0].split("/")[1].split("-")[1])
    rng = random.Random(7)
    # Miss a third of the pure frames; the mixed ones fill the gaps.
    pure = [p for i, p in enumerate(parts[:count]) if rng.random() > 0.33]
    mixed = parts[count:]
    rng.shuffle(mixed)
    decoder = URDecoder()
    used = 0
    for part in pure + mixed:
        used += 1
        if decoder.receive(part):
            break
    assert decoder.complete and decoder.result() == ("bytes", message)
    assert used < len(pure) + len(mixed)
    # Only mixed parts, in a random order, also work.
    decoder = URDecoder()
    for part in mixed:
        if decoder.receive(part):
            break
    assert decoder.result() == ("bytes", message)


def test_corrupted_mixed_part_is_caught_by_the_checksum() -> None:
    message = cbor2.dumps(os.urandom(500))
    parts = encode_ur("bytes", message, max_fragment_len=100, fountain_parts=30)
    count = int(parts[0].split("/")[1].split("-")[1])
    seq = count + 1
    header = cbor2.loads(bytewords_decode(parts[seq - 1].rsplit("/", 1)[1]))
    header[4] = bytes(len(header[4]))  # a forged mixed fragment, well formed
    forged = f"ur:bytes/{seq}-{count}/{bytewords_encode(cbor2.dumps(header))}"
    decoder = URDecoder()
    decoder.receive(forged)
    for part in parts[count:]:
        if decoder.receive(part):
            break
    with pytest.raises(URError, match="checksum"):
        decoder.result()


def test_eth_sign_request_and_signature_round_trip() -> None:
    request = EthSignRequest(uuid.uuid4(), b"\x02" + os.urandom(300), 4, 1,
                             address=os.urandom(20), origin="NumerBay Desktop")
    parts = request.to_ur(max_fragment_len=80)
    assert len(parts) > 1
    ur_type, message = decode_ur(reversed(parts))
    assert ur_type == "eth-sign-request"
    assert parse_eth_sign_request(message) == request
    # The request id travels as CBOR tag 37 (UUID), the path as tag 304, per ERC-4527.
    raw = cbor2.loads(message)
    assert raw[5].tag == 304
    assert raw[5].value[1] == [44, True, 60, True, 0, True, 0, False, 0, False]
    signature = EthSignature(request.request_id, os.urandom(65), "hardware")
    assert parse_eth_signature(decode_ur(signature.to_ur())[1]) == signature


def test_crypto_hdkey_watch_only() -> None:
    """A MetaMask/Keystone-style export: account key at m/44'/60'/0', children 0/*."""
    account = extended_public_key_of(HARDHAT, path="m/44'/60'/0'")
    hardened = 0x80000000
    hdkey = cbor2.dumps({
        3: account.public_key,
        4: account.chain_code,
        6: cbor2.CBORTag(304, {1: [44, True, 60, True, 0, True], 2: 0x12345678}),
        7: cbor2.CBORTag(304, {1: [0, False, [], False]}),
        9: "Keystone",
    })
    parsed = parse_crypto_hdkey(decode_ur(encode_ur("crypto-hdkey", hdkey))[1])
    assert parsed.origin_path == (44 | hardened, 60 | hardened, hardened)
    assert parsed.children_path == (0,)
    node = ExtendedPublicKey(parsed.key_data, parsed.chain_code).child(0)
    assert node.child(0).address() == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    with pytest.raises(URError, match="private key"):
        parse_crypto_hdkey(cbor2.dumps({2: True, 3: account.public_key, 4: account.chain_code}))


def test_qr_frames_scan_back() -> None:
    parts = encode_ur("bytes", cbor2.dumps(os.urandom(600)), max_fragment_len=200)
    codes = qr_codes(parts)
    assert len(codes) == len(parts) >= 3
    decoder = URDecoder()
    for code in reversed(codes):
        (result,) = zxingcpp.read_barcodes(_image(code))
        decoder.receive(result.text)
    assert decoder.result() == decode_ur(parts)


def _image(code: segno.QRCode, scale: int = 4, border: int = 4) -> np.ndarray:
    """The code as a grayscale pixel array (dark = 0), the way a camera frame reaches zxing."""
    modules = np.array([list(row) for row in code.matrix], dtype=np.uint8)
    pixels = np.where(modules == 1, 0, 255).astype(np.uint8)
    pixels = np.pad(pixels, border, constant_values=255)
    return np.kron(pixels, np.ones((scale, scale), dtype=np.uint8))


def _hostile_property(blob: str) -> None:
    decoder = URDecoder()
    try:
        decoder.receive(blob)
        decoder.result()
    except URError:
        pass
    for parse in (parse_eth_sign_request, parse_eth_signature, parse_crypto_hdkey):
        with contextlib.suppress(URError):
            parse(blob.encode("utf-8", "surrogatepass"))


VALID = EthSignRequest(uuid.UUID(int=7), b"\x02\x01", 4, 1).to_ur()[0]
hostile = st.one_of(
    st.text(max_size=300),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", max_size=300).map(lambda t: "ur:bytes/" + t),
    st.builds(
        lambda i, c: VALID[:i] + c + VALID[i + 1 :],
        st.integers(min_value=0, max_value=len(VALID) - 1),
        st.sampled_from("abcdefghijklmnopqrstuvwxyz/-:0123456789"),
    ),
    st.binary(max_size=300).map(lambda b: "ur:eth-sign-request/" + bytewords_encode(b)),
    st.binary(max_size=300).map(
        lambda b: "ur:bytes/2-3/" + bytewords_encode(cbor2.dumps([2, 3, 900, 1, b]))
    ),
)
_common = {"deadline": None, "suppress_health_check": list(HealthCheck), "database": None}
test_hostile_ur_quick = settings(max_examples=300, **_common)(given(hostile)(_hostile_property))
test_fuzz_hostile_ur = pytest.mark.fuzz(
    settings(max_examples=max(CAMPAIGN, 1), **_common)(given(hostile)(_hostile_property))
)


def _cbor_property(payload: bytes) -> None:
    for parse in (parse_eth_sign_request, parse_eth_signature, parse_crypto_hdkey):
        with contextlib.suppress(URError):
            parse(payload)


cbor_values = st.recursive(
    st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.binary(max_size=40),
              st.text(max_size=10), st.booleans(), st.none()),
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.dictionaries(st.integers(min_value=0, max_value=10), inner, max_size=8),
        st.builds(cbor2.CBORTag, st.sampled_from([37, 303, 304, 305, 1, 2, 258]), inner),
    ),
    max_leaves=20,
)
cbor_blobs = st.one_of(cbor_values.map(cbor2.dumps), st.binary(max_size=200))
test_hostile_cbor_quick = settings(max_examples=300, **_common)(given(cbor_blobs)(_cbor_property))
test_fuzz_hostile_cbor = pytest.mark.fuzz(
    settings(max_examples=max(CAMPAIGN, 1), **_common)(given(cbor_blobs)(_cbor_property))
)


def test_crypto_hdkey_export_round_trip() -> None:
    """What this app shows so another wallet can watch an offline account."""
    from numerbay_desktop.wallet.ur import CryptoHDKey

    hardened = 0x80000000
    node = extended_public_key_of(HARDHAT, path="m/44'/60'/0'")
    export = CryptoHDKey(node.public_key, node.chain_code, (44 | hardened, 60 | hardened, hardened),
                         (0,), 0x0BADF00D, "NumerBay")
    parsed = parse_crypto_hdkey(decode_ur(export.to_ur(max_fragment_len=50))[1])
    assert parsed == export
    account = ExtendedPublicKey(parsed.key_data, parsed.chain_code).child(0)
    assert account.child(1).address() == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
