"""BC-UR's fountain code (BCR-2020-005): which fragments a part mixes, and a decoder.

Parts 1..n of an n-fragment message are the fragments themselves; every later part XORs a
pseudo-random subset of them, chosen by xoshiro256** seeded with SHA-256(seq ‖ crc32) and a
degree drawn from a Vose alias sampler over 1/k (the reference implementation's exact
floating-point steps are kept, since sender and receiver must agree bit for bit). The
decoder does incremental Gaussian elimination over GF(2), so it finishes as soon as the
parts received determine every fragment, whatever their order.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

_M64 = (1 << 64) - 1
_TWO_POW_64 = float(1 << 64)


def _rotl(value: int, shift: int) -> int:
    return ((value << shift) | (value >> (64 - shift))) & _M64


class Xoshiro256:
    """xoshiro256** with the BC-UR seeding (the SHA-256 digest read as four big-endian words)."""

    def __init__(self, seed: bytes) -> None:
        digest = hashlib.sha256(seed).digest()
        self.state = [int.from_bytes(digest[i : i + 8], "big") for i in range(0, 32, 8)]

    def next(self) -> int:
        s = self.state
        result = (_rotl((s[1] * 5) & _M64, 7) * 9) & _M64
        shifted = (s[1] << 17) & _M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= shifted
        s[3] = _rotl(s[3], 45)
        return result

    def next_double(self) -> float:
        return float(self.next()) / _TWO_POW_64

    def next_int(self, low: int, high: int) -> int:
        return int(self.next_double() * float(high - low + 1)) + low


class AliasSampler:
    """Vose's alias method in the reference's order (indexes pushed high to low, LIFO)."""

    def __init__(self, weights: list[float]) -> None:
        total = 0.0
        for weight in weights:  # left-to-right float sum, as std::accumulate
            total += weight
        count = len(weights)
        scaled = [weight * float(count) / total for weight in weights]
        small: list[int] = []
        large: list[int] = []
        for index in range(count - 1, -1, -1):
            (small if scaled[index] < 1 else large).append(index)
        self.probabilities = [0.0] * count
        self.aliases = [0] * count
        while small and large:
            less, more = small.pop(), large.pop()
            self.probabilities[less] = scaled[less]
            self.aliases[less] = more
            scaled[more] += scaled[less] - 1
            (small if scaled[more] < 1 else large).append(more)
        for leftover in large + small:
            self.probabilities[leftover] = 1.0

    def sample(self, rng: Xoshiro256) -> int:
        first, second = rng.next_double(), rng.next_double()
        index = int(float(len(self.probabilities)) * first)
        return index if second < self.probabilities[index] else self.aliases[index]


_SAMPLERS: dict[int, AliasSampler] = {}


def choose_degree(count: int, rng: Xoshiro256) -> int:
    sampler = _SAMPLERS.get(count)
    if sampler is None:
        sampler = AliasSampler([1.0 / k for k in range(1, count + 1)])
        if len(_SAMPLERS) > 64:
            _SAMPLERS.clear()
        _SAMPLERS[count] = sampler
    return sampler.sample(rng) + 1


def choose_fragments(seq: int, count: int, checksum: int) -> frozenset[int]:
    """0-based indexes of the fragments part `seq` (1-based) XORs together."""
    if seq <= count:
        return frozenset({seq - 1})
    rng = Xoshiro256(seq.to_bytes(4, "big") + checksum.to_bytes(4, "big"))
    degree = choose_degree(count, rng)
    remaining = list(range(count))
    chosen: list[int] = []
    while len(chosen) < degree:
        chosen.append(remaining.pop(rng.next_int(0, len(remaining) - 1)))
    return frozenset(chosen)


def mixed_fragment(fragments: list[bytes], indexes: frozenset[int]) -> bytes:
    length = len(fragments[0])
    value = 0
    for index in indexes:
        value ^= int.from_bytes(fragments[index], "big")
    return value.to_bytes(length, "big")


@dataclass
class FountainSolver:
    """Incremental GF(2) elimination: rows keyed by their lowest fragment index."""

    count: int
    fragment_len: int
    _rows: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def rank(self) -> int:
        return len(self._rows)

    def add(self, indexes: frozenset[int], fragment: bytes) -> None:
        mask = 0
        for index in indexes:
            mask |= 1 << index
        data = int.from_bytes(fragment, "big")
        while mask:
            pivot = (mask & -mask).bit_length() - 1
            row = self._rows.get(pivot)
            if row is None:
                self._rows[pivot] = (mask, data)
                return
            mask ^= row[0]
            data ^= row[1]
        # Fully reduced to nothing: the part added no information (or contradicts; the CRC
        # over the whole message catches a contradiction at the end).

    def solve(self) -> list[bytes]:
        """Every fragment, once rank == count (back-substitution from the highest pivot)."""
        if self.rank != self.count:
            raise ValueError("not enough independent parts yet")
        values: dict[int, int] = {}
        for pivot in sorted(self._rows, reverse=True):
            mask, data = self._rows[pivot]
            rest = mask & ~(1 << pivot)
            while rest:
                low = (rest & -rest).bit_length() - 1
                data ^= values[low]
                rest &= rest - 1
            values[pivot] = data
        return [values[i].to_bytes(self.fragment_len, "big") for i in range(self.count)]
