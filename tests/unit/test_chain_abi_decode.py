"""The fast ABI decoder gives what eth_abi gives (addresses checksummed), on random types and
values, and refuses what eth_abi refuses."""

from __future__ import annotations

from typing import Any

import pytest
from eth_abi.abi import decode, encode
from eth_utils.address import to_checksum_address
from hypothesis import given, settings
from hypothesis import strategies as st

from numerbay_desktop.chain.abi_decode import decode_fast
from numerbay_desktop.chain.errors import AbiMismatch

# A type is (type string, strategy of values).
TypeGen = tuple[str, st.SearchStrategy[Any]]

_BASIC: list[TypeGen] = [
    ("uint256", st.integers(0, 2**256 - 1)),
    ("uint8", st.integers(0, 255)),
    ("uint96", st.integers(0, 2**96 - 1)),
    ("int256", st.integers(-(2**255), 2**255 - 1)),
    ("int24", st.integers(-(2**23), 2**23 - 1)),
    ("bool", st.booleans()),
    ("address", st.binary(min_size=20, max_size=20).map(lambda b: to_checksum_address(b))),
    ("bytes32", st.binary(min_size=32, max_size=32)),
    ("bytes4", st.binary(min_size=4, max_size=4)),
    ("bytes", st.binary(max_size=70)),
    ("string", st.text(max_size=20)),
]


def _extend(children: st.SearchStrategy[TypeGen]) -> st.SearchStrategy[TypeGen]:
    def dynamic_array(child: TypeGen) -> TypeGen:
        return f"{child[0]}[]", st.lists(child[1], max_size=3).map(tuple)

    def static_array(child: TypeGen) -> st.SearchStrategy[TypeGen]:
        return st.integers(1, 3).map(
            lambda n: (f"{child[0]}[{n}]", st.lists(child[1], min_size=n, max_size=n).map(tuple))
        )

    def tuple_of(fields: list[TypeGen]) -> TypeGen:
        return "(" + ",".join(t for t, _ in fields) + ")", st.tuples(*(s for _, s in fields))

    return st.one_of(
        children.map(dynamic_array),
        children.flatmap(static_array),
        st.lists(children, min_size=1, max_size=3).map(tuple_of),
    )


TYPES = st.recursive(st.sampled_from(_BASIC), _extend, max_leaves=6)


@settings(max_examples=150, deadline=None)
@given(st.lists(TYPES, min_size=1, max_size=4).flatmap(
    lambda gens: st.tuples(st.just([t for t, _ in gens]), st.tuples(*(s for _, s in gens)))
))
def test_same_as_eth_abi(case: tuple[list[str], tuple[Any, ...]]) -> None:
    types, values = case
    data = encode(types, list(values))
    expected = _checksummed(decode(types, data))
    assert decode_fast(types, data) == expected
    assert decode_fast(types, data) == _checksummed(values)


def _checksummed(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return tuple(_checksummed(v) for v in value)
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)
    return value


@pytest.mark.parametrize(
    ("types", "data"),
    [
        (["uint8"], (256).to_bytes(32, "big")),
        (["bool"], (2).to_bytes(32, "big")),
        (["address"], b"\x01" + b"\x00" * 31),
        (["bytes4"], b"\xaa" * 5 + b"\x00" * 27),
        (["uint256"], b"\x00" * 31),
        (["bytes"], (32).to_bytes(32, "big") + (99).to_bytes(32, "big")),
        (["uint256[]"], (32).to_bytes(32, "big") + (10**6).to_bytes(32, "big")),
        (["string"], (32).to_bytes(32, "big") + (2).to_bytes(32, "big") + b"\xff\xfe" + b"\0" * 30),
    ],
)
def test_malformed_data_is_refused(types: list[str], data: bytes) -> None:
    with pytest.raises(AbiMismatch):
        decode_fast(types, data)
