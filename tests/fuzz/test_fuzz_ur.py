"""UR frames and fountain decoding (wallet/ur.py, wallet/fountain.py, wallet/offline_qr.py).

Properties, over random payloads, fragment sizes and scan orders:
- a decoder fed any subset of the frames, in any order, with duplicates, is either not yet
  complete or returns exactly the encoded payload (never other bytes);
- all pure frames, or enough fountain frames, always complete it;
- a frame with one character changed, or a frame from another message, is refused with
  `URError` or leaves the result exactly right;
- the GF(2) solver recovers the fragments from any full-rank set of mixed parts;
- bytewords round-trip, and any other text is refused with `URError` only;
- an envelope sent as frames (offline_qr) comes back equal, or refused with `EnvelopeError`.
"""

from __future__ import annotations

import random
import zlib

import cbor2
from hypothesis import strategies as st

from numerbay_desktop.wallet.fountain import FountainSolver, choose_fragments, mixed_fragment
from numerbay_desktop.wallet.offline import EnvelopeError, build_request, message_item
from numerbay_desktop.wallet.offline_qr import request_from_ur, request_to_ur
from numerbay_desktop.wallet.ur import (
    URDecoder,
    URError,
    bytewords_decode,
    bytewords_encode,
    encode_ur,
)
from tests.fuzz.fuzz_campaign import hypothesis_pair, random_pair

LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789-/: "


def _feed(parts: list[str], payload: bytes) -> bool:
    """Feed `parts`; on completion the result must be the payload. True if complete.

    The type is outside the checksum (as in BC-UR): it must be what the frames said, and
    offline_qr refuses any type but `bytes`."""
    decoder = URDecoder()
    for part in parts:
        if decoder.receive(part):
            break
    if not decoder.complete:
        return False
    ur_type, message = decoder.result()
    assert ur_type in {p.lower().split("/")[0].removeprefix("ur:") for p in parts}
    if ur_type == "bytes":
        assert message == payload
    # else a damaged '/' turned a frame into a single-part UR of another type (its body is
    # valid bytewords with its own CRC): it says exactly that, and offline_qr refuses any
    # type but `bytes`.
    return True


def _frames(rng: random.Random) -> tuple[bytes, list[str], int]:
    payload = rng.randbytes(rng.choice((1, 9, 10, 11, rng.randrange(1, 3000))))
    max_len = rng.randrange(10, 400)
    extra = rng.randrange(0, 30)
    parts = encode_ur("bytes", payload, max_fragment_len=max_len, fountain_parts=extra)
    return payload, parts, len(parts) - extra if len(parts) > 1 else 1


def scan_order_case(rng: random.Random) -> None:
    """Frames in any order, some missed, some seen twice: never a wrong payload."""
    payload, parts, pure = _frames(rng)
    assert _feed(list(reversed(parts[:pure])), payload)  # every pure frame: complete
    seen = [p for p in parts if rng.random() < rng.choice((0.5, 0.8, 1.0))]
    seen += rng.choices(seen, k=rng.randrange(0, 4)) if seen else []
    rng.shuffle(seen)
    _feed(seen, payload)
    fountain_only = parts[pure:]
    if fountain_only and pure > 1:
        _feed(fountain_only, payload)  # mixed parts alone may complete, and then exactly


def corrupted_frame_case(rng: random.Random) -> None:
    """One character changed, dropped or doubled in one frame: refused or harmless."""
    payload, parts, _ = _frames(rng)
    victim = rng.randrange(len(parts))
    text = parts[victim]
    i = rng.randrange(len(text))
    edit = rng.choice(("change", "drop", "double", "upper"))
    if edit == "change":
        text = text[:i] + rng.choice(LETTERS) + text[i + 1 :]
    elif edit == "drop":
        text = text[:i] + text[i + 1 :]
    elif edit == "double":
        text = text[:i] + text[i] + text[i:]
    else:
        text = text.upper()  # QR alphanumeric mode: the same UR
    parts[victim] = text
    rng.shuffle(parts)
    try:
        _feed(parts, payload)
    except URError as error:
        assert str(error)


def mixed_messages_case(rng: random.Random) -> None:
    """Frames of two messages interleaved: refused, or the first message exactly."""
    first, parts_a, _ = _frames(rng)
    _, parts_b, _ = _frames(rng)
    mixed = parts_a[:]
    for part in rng.sample(parts_b, k=min(len(parts_b), rng.randrange(1, 3))):
        mixed.insert(rng.randrange(1, len(mixed) + 1), part)
    try:
        _feed(mixed, first)
    except URError as error:
        assert str(error)


def solver_case(rng: random.Random) -> None:
    """The GF(2) solver recovers the fragments from any full-rank set of parts."""
    count = rng.randrange(1, 40)
    length = rng.randrange(1, 30)
    fragments = [rng.randbytes(length) for _ in range(count)]
    checksum = rng.randrange(2**32)
    solver = FountainSolver(count, length)
    for seq in rng.sample(range(1, 4 * count + 20), k=min(4 * count + 19, 3 * count + 10)):
        indexes = choose_fragments(seq, count, checksum)
        assert indexes and max(indexes) < count
        if seq <= count:
            assert indexes == frozenset({seq - 1})  # the first parts are the fragments
        solver.add(indexes, mixed_fragment(fragments, indexes))
        if solver.rank == count:
            assert solver.solve() == fragments
            return


def hostile_part_case(rng: random.Random) -> None:
    """Well-formed bytewords around a hostile CBOR header: URError only."""
    header = rng.choice([
        [rng.randrange(-2, 5), rng.randrange(-2, 5), rng.randrange(-5, 2**33), 0, b"x"],
        [1, 2, 3, zlib.crc32(b"abc"), rng.randbytes(rng.randrange(0, 5))],
        [1, 1, 10**7, 0, b"\x00" * 10],
        [True, 1, 1, 0, b"a"],
        {"seq": 1},
        rng.randbytes(rng.randrange(0, 20)),
    ])
    seq = rng.choice(("1-2", "1-1", "0-1", "2-1", "999999999-999999999", "1-10001"))
    blob = cbor2.dumps(header)
    decoder = URDecoder()
    try:
        decoder.receive(f"ur:bytes/{seq}/{bytewords_encode(blob)}")
        decoder.result()
    except URError as error:
        assert str(error)


test_scan_order_quick, test_fuzz_scan_order = random_pair("ur", 100, 12_000, scan_order_case)
test_corrupted_frame_quick, test_fuzz_corrupted_frame = random_pair(
    "ur", 100, 12_000, corrupted_frame_case
)
test_mixed_messages_quick, test_fuzz_mixed_messages = random_pair(
    "ur", 60, 5_000, mixed_messages_case
)
test_solver_quick, test_fuzz_solver = random_pair("ur", 100, 8_000, solver_case)
test_hostile_part_quick, test_fuzz_hostile_part = random_pair(
    "ur", 200, 10_000, hostile_part_case
)


def bytewords_property(data: bytes, text: str) -> None:
    """Bytewords round-trip; any other text is refused with URError."""
    assert bytewords_decode(bytewords_encode(data)) == data
    assert bytewords_decode(bytewords_encode(data, minimal=False), minimal=False) == data
    for minimal in (True, False):
        try:
            decoded = bytewords_decode(text, minimal=minimal)
        except URError:
            continue
        assert bytewords_encode(decoded, minimal=minimal) == (
            text.lower() if minimal else " ".join(text.lower().split())
        )


test_bytewords_quick, test_fuzz_bytewords = hypothesis_pair(
    "ur", 200, 8_000,
    {"data": st.binary(min_size=1, max_size=200),
     "text": st.one_of(st.text(max_size=80), st.text(alphabet="abdeghjklnoprstuvwxyz",
                                                        max_size=80))},
    bytewords_property,
)

ACCOUNT = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"


def envelope_frames_case(rng: random.Random) -> None:
    """A request as animated-QR frames: equal after any complete scan, else EnvelopeError."""
    from datetime import UTC, datetime

    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    request = build_request(ACCOUNT, [message_item(ACCOUNT, rng.randbytes(rng.randrange(1, 300)))],
                            chain_id=1, now=now)
    parts = request_to_ur(request, max_fragment_len=rng.randrange(20, 300),
                          fountain_parts=rng.randrange(0, 10))
    rng.shuffle(parts)
    if rng.random() < 0.5:
        i = rng.randrange(len(parts))
        j = rng.randrange(len(parts[i]))
        parts[i] = parts[i][:j] + rng.choice(LETTERS) + parts[i][j + 1 :]
        try:
            assert request_from_ur(parts, now=now) == request
        except EnvelopeError as error:
            assert str(error)
        return
    assert request_from_ur(parts, now=now) == request


test_envelope_frames_quick, test_fuzz_envelope_frames = random_pair(
    "ur", 40, 3_000, envelope_frames_case
)
