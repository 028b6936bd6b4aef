"""Multicall3.vy in titanoboa: canonical aggregate3 semantics, bounds, and block views."""

from __future__ import annotations

from typing import Any

import boa
import pytest
from eth.exceptions import Revert
from eth_abi.abi import decode, encode
from eth_utils.crypto import keccak

from tests.contracts.conftest import CONTRACTS

CANONICAL_SELECTORS = {
    "aggregate3((address,bool,bytes)[])": "82ad56cb",
    "getBlockNumber()": "42cbb15c",
    "getCurrentBlockTimestamp()": "0f28c97d",
    "getEthBalance(address)": "4d2301cc",
    "getChainId()": "3408e470",
    "getBasefee()": "3e64a696",
}


@pytest.fixture(scope="session")
def multicall_deployer() -> Any:
    return boa.load_partial(str(CONTRACTS / "Multicall3.vy"))


@pytest.fixture
def multicall(multicall_deployer: Any, boa_anchor: None) -> Any:
    return multicall_deployer.deploy()


def aggregate3(multicall: Any, calls: list[tuple[str, bool, bytes]]) -> list[tuple[bool, bytes]]:
    """Call through the raw canonical encoding, as the app does."""
    data = bytes.fromhex("82ad56cb") + encode(["(address,bool,bytes)[]"], [calls])
    out = boa.env.raw_call(multicall.address, data=data).output
    return [(bool(ok), bytes(ret)) for ok, ret in decode(["(bool,bytes)[]"], out)[0]]


def test_selectors_match_the_canonical_contract() -> None:
    for signature, selector in CANONICAL_SELECTORS.items():
        assert keccak(text=signature)[:4].hex() == selector


def test_aggregate3_returns_each_outcome_in_order(multicall: Any, nmr: Any, alice: str) -> None:
    nmr.mint(alice, 42)
    balance_of = nmr.balanceOf.prepare_calldata(alice)
    failing = nmr.transfer.prepare_calldata(alice, 10**30)  # from the multicall: no balance
    results = aggregate3(
        multicall,
        [
            (str(nmr.address), False, balance_of),
            (str(nmr.address), True, failing),
            (str(multicall.address), False, bytes.fromhex("42cbb15c")),
        ],
    )
    assert results[0] == (True, encode(["uint256"], [42]))
    assert results[1][0] is False and results[1][1][:4].hex() == "08c379a0"
    assert results[2] == (True, encode(["uint256"], [boa.env.evm.patch.block_number]))


def test_a_strict_failure_reverts_the_batch(multicall: Any, nmr: Any, alice: str) -> None:
    failing = nmr.transfer.prepare_calldata(alice, 1)
    with pytest.raises(Revert) as reverted:
        aggregate3(multicall, [(str(nmr.address), False, failing)])
    data = reverted.value.args[0]
    assert decode(["string"], data[4:])[0] == "Multicall3: call failed"
    assert aggregate3(multicall, [(str(nmr.address), True, failing)])[0][0] is False


def test_bounds(multicall: Any) -> None:
    assert (multicall.MAX_CALLS(), multicall.MAX_CALLDATA(), multicall.MAX_RETURNDATA()) == (
        128, 1028, 2048,
    )
    number = bytes.fromhex("42cbb15c")
    assert len(aggregate3(multicall, [(str(multicall.address), False, number)] * 128)) == 128
    with pytest.raises(Revert):  # 129 calls do not fit the bound
        aggregate3(multicall, [(str(multicall.address), False, number)] * 129)
    assert aggregate3(multicall, []) == []


def test_block_views(multicall: Any, alice: str) -> None:
    boa.env.set_balance(alice, 123)
    assert multicall.getEthBalance(alice) == 123
    assert multicall.getBlockNumber() == boa.env.evm.patch.block_number
    assert multicall.getCurrentBlockTimestamp() == boa.env.evm.patch.timestamp
    assert multicall.getChainId() == boa.env.evm.patch.chain_id
    assert multicall.getBasefee() >= 0


BIG_VIEW = """
# pragma version ~=0.4.3
@external
@view
def numbers(n: uint256) -> DynArray[uint256, 100]:
    out: DynArray[uint256, 100] = []
    for i: uint256 in range(n, bound=100):
        out.append(i)
    return out
"""


def test_too_long_return_data_fails_that_call_never_cut(multicall: Any) -> None:
    view = boa.loads(BIG_VIEW)
    fits = view.numbers.prepare_calldata(62)  # 2 + 62 words = 2,048 bytes: the bound
    too_long = view.numbers.prepare_calldata(63)
    results = aggregate3(
        multicall, [(str(view.address), True, fits), (str(view.address), True, too_long)]
    )
    assert results[0][0] is True
    assert list(decode(["uint256[]"], results[0][1])[0]) == list(range(62))
    assert results[1][0] is False
    assert decode(["string"], results[1][1][4:])[0] == "Multicall3: return data too long"
    with pytest.raises(Revert):
        aggregate3(multicall, [(str(view.address), False, too_long)])
