"""A fast ABI decoder for results: the marketplace decodes thousands of struct results per
refresh, on the Qt event loop, and eth_abi's generic decoder took ~0.45 ms each (a second
for 1,000 vaults). This one walks the head/tail layout directly (~20x faster), checks every
bound and padding rule eth_abi checks, and returns what eth_abi returns (tuples for arrays
and structs, str for string, bytes for bytes/bytesN), with addresses EIP-55 checksummed.
Unit tests compare it with eth_abi on random types and values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from eth_abi.grammar import BasicType, TupleType
from eth_abi.grammar import parse as parse_type
from eth_hash.auto import keccak

from numerbay_desktop.chain.errors import AbiMismatch


@dataclass(frozen=True, slots=True)
class _Kind:
    tag: str  # "uint", "int", "bool", "address", "fixedbytes", "bytes", "string", "array", "tuple"
    size: int = 0  # bits for ints, bytes for fixedbytes, length for static arrays (0: dynamic)
    items: tuple[_Kind, ...] = ()  # the element type (one) for arrays, the fields for tuples
    dynamic: bool = False
    head: int = 32  # bytes this value takes in its parent's head


def _build(node: Any) -> _Kind:
    if node.is_array:
        item = _build(node.item_type)
        dims = node.arrlist[-1]
        if not dims:
            return _Kind("array", 0, (item,), True, 32)
        length = int(dims[0])
        head = 32 if item.dynamic else item.head * length
        return _Kind("array", length, (item,), item.dynamic, head)
    if isinstance(node, TupleType):
        fields = tuple(_build(c) for c in node.components)
        dynamic = any(f.dynamic for f in fields)
        return _Kind("tuple", 0, fields, dynamic, 32 if dynamic else sum(f.head for f in fields))
    assert isinstance(node, BasicType)
    base, sub = node.base, node.sub
    if base in ("uint", "int"):
        return _Kind(base, int(sub))
    if base in ("bool", "address"):
        return _Kind(base)
    if base == "bytes" and sub:
        return _Kind("fixedbytes", int(sub))
    if base in ("bytes", "string"):
        return _Kind(base, dynamic=True)
    raise AbiMismatch(f"The ABI type {base}{sub or ''} is not supported.")


@lru_cache(maxsize=65_536)
def checksum(raw: bytes) -> str:
    """EIP-55 spelling of a 20-byte address; cached, as the same few addresses (owners, the
    staking contract) come back in every vault's result."""
    plain = raw.hex()
    digest = keccak(plain.encode("ascii")).hex()
    return "0x" + "".join(
        c.upper() if d in "89abcdef" else c for c, d in zip(plain, digest, strict=False)
    )


@cache
def kinds_of(types: tuple[str, ...]) -> _Kind:
    """The decoding plan of a list of types (a tuple of them), parsed once per signature."""
    return _Kind("tuple", 0, tuple(_build(parse_type(t)) for t in types))


def decode_fast(types: Sequence[str], data: bytes) -> tuple[Any, ...]:
    """Decode `data` as the ABI values `types`; AbiMismatch when it does not fit."""
    plan = kinds_of(tuple(types))
    try:
        result = _Reader(data).tuple(plan.items, 0)
    except (IndexError, ValueError, UnicodeDecodeError):
        raise AbiMismatch("Returned data does not decode as its ABI says.") from None
    return result


class _Reader:
    __slots__ = ("data", "size")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)

    def word(self, at: int) -> int:
        if at < 0 or at + 32 > self.size:
            raise IndexError(at)
        return int.from_bytes(self.data[at : at + 32], "big")

    def tuple(self, items: tuple[_Kind, ...], base: int) -> tuple[Any, ...]:
        values = []
        at = base
        for kind in items:
            if kind.dynamic:
                values.append(self.value(kind, base + self.word(at)))
            else:
                values.append(self.value(kind, at))
            at += kind.head
        return tuple(values)

    def value(self, kind: _Kind, at: int) -> Any:
        tag = kind.tag
        if tag == "uint":
            value = self.word(at)
            if value >> kind.size:
                raise ValueError("uint out of range")
            return value
        if tag == "int":
            if at < 0 or at + 32 > self.size:
                raise IndexError(at)
            value = int.from_bytes(self.data[at : at + 32], "big", signed=True)
            if not -(1 << (kind.size - 1)) <= value < (1 << (kind.size - 1)):
                raise ValueError("int out of range")
            return value
        if tag == "bool":
            value = self.word(at)
            if value > 1:
                raise ValueError("bool not 0 or 1")
            return value == 1
        if tag == "address":
            value = self.word(at)
            if value >> 160:
                raise ValueError("address with dirty high bytes")
            return checksum(self.data[at + 12 : at + 32])
        if tag == "fixedbytes":
            self.word(at)
            chunk = self.data[at : at + 32]
            if any(chunk[kind.size :]):
                raise ValueError("bytesN with dirty padding")
            return chunk[: kind.size]
        if tag in ("bytes", "string"):
            length = self.word(at)
            end = at + 32 + length
            if end > self.size:
                raise IndexError(end)
            raw = self.data[at + 32 : end]
            return raw.decode("utf-8") if tag == "string" else raw
        if tag == "array":
            (item,) = kind.items
            if kind.size:  # static length
                return self.tuple((item,) * kind.size, at)
            count = self.word(at)
            if count * (item.head if not item.dynamic else 32) > self.size:
                raise IndexError(count)
            return self.tuple((item,) * count, at + 32)
        return self.tuple(kind.items, at)
