"""The chain layer's pure parts: networks, ABI bindings and decoding, chunk planning, retry
timing, NMR approval plans. No node needed."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from eth_abi.abi import encode
from eth_utils.crypto import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from numerbay_desktop.chain.batch import (
    MAX_CALLS_PER_CHUNK,
    Call,
    CallOutcome,
    decode_aggregate3,
    encode_aggregate3,
    plan_chunks,
)
from numerbay_desktop.chain.contracts import (
    ERC20_ABI,
    ContractAbi,
    ContractNames,
    bundled_contract_names,
    decode_calldata,
    decode_revert,
    deployment_data,
    revert_from_rpc,
)
from numerbay_desktop.chain.errors import (
    AbiMismatch,
    BadResponse,
    CallReverted,
    RpcRejected,
    WrongChain,
    endpoint_label,
)
from numerbay_desktop.chain.networks import (
    CANONICAL_MULTICALL3,
    DEVNET,
    MAINNET,
    MAINNET_NMR,
    SEPOLIA,
    custom_network,
    devnet,
    devnet_from_world,
    network_by_chain_id,
    network_by_key,
)
from numerbay_desktop.chain.nmr import ChangeStrategy, plan_approval, plan_revoke
from numerbay_desktop.chain.rpc import RetryPolicy, parse_retry_after
from numerbay_desktop.core.errors import InvalidInput, NumerbayError

SPENDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
ERC20 = ContractAbi.from_abi("ERC-20", ERC20_ABI)


# ------------------------------------------------------------------------- networks


def test_known_networks() -> None:
    assert (MAINNET.chain_id, SEPOLIA.chain_id, DEVNET.chain_id) == (1, 11155111, 31337)
    assert MAINNET.nmr == MAINNET_NMR and MAINNET.staking is None and MAINNET.factory is None
    assert MAINNET.multicall3 == CANONICAL_MULTICALL3 and not MAINNET.is_test_network
    assert len(MAINNET.rpc_urls) >= 2  # a failover exists
    assert network_by_key("sepolia") is SEPOLIA and network_by_chain_id(1) is MAINNET
    assert network_by_chain_id(5) is None
    with pytest.raises(InvalidInput, match="Unknown network"):
        network_by_key("goerli")


def test_networks_are_immutable_and_validated() -> None:
    factory = "0x" + "ab" * 20
    configured = MAINNET.with_addresses(factory=factory, staking=SPENDER.lower())
    assert configured.factory is not None and configured.factory.lower() == factory
    assert configured.factory != factory  # stored checksummed
    assert configured.staking == SPENDER and configured.nmr == MAINNET_NMR
    assert MAINNET.factory is None  # the original is unchanged
    with pytest.raises(AttributeError):
        MAINNET.chain_id = 5  # type: ignore[misc]
    with pytest.raises(InvalidInput, match="not an Ethereum address"):
        MAINNET.with_addresses(factory="0x123")
    with pytest.raises(InvalidInput, match="http"):
        MAINNET.with_rpc_urls("ftp://node")
    local = devnet("http://127.0.0.1:9999", nmr=MAINNET_NMR)
    assert local.rpc_urls == ("http://127.0.0.1:9999",) and local.nmr == MAINNET_NMR
    world = devnet_from_world({
        "rpc_url": "http://127.0.0.1:8555", "chain_id": 31337,
        "contracts": {"nmr": MAINNET_NMR.lower(), "multicall3": CANONICAL_MULTICALL3},
    })
    assert world.rpc_urls == ("http://127.0.0.1:8555",) and world.nmr == MAINNET_NMR
    assert world.multicall3 == CANONICAL_MULTICALL3 and world.factory is None
    with pytest.raises(InvalidInput, match="rpc_url"):
        devnet_from_world({"chain_id": 31337})
    mine = custom_network(100, ["https://rpc.gnosis.example"])
    assert mine.key == "custom" and mine.is_test_network and mine.multicall3 is None
    assert not custom_network(1, ["https://a.example"]).is_test_network


# ------------------------------------------------------------------------- errors


def test_errors_never_show_url_secrets() -> None:
    url = "https://mainnet.example.io/v3/SECRETKEY?apikey=SECRET"
    assert endpoint_label(url) == "mainnet.example.io"
    error = WrongChain(url, 1, 5)
    assert "SECRET" not in str(error) and isinstance(error, NumerbayError)
    assert "chain 5" in str(error) and "chain 1" in str(error)


# ------------------------------------------------------------------------- ABI


def test_bundled_artifacts_load() -> None:
    names = bundled_contract_names()
    assert {"MockNMR", "Multicall3"} <= set(names)
    for name in names:
        abi = ContractAbi.load(name)
        assert abi.functions, name
    multicall = ContractAbi.load("Multicall3").function("aggregate3")
    assert multicall.selector.hex() == "82ad56cb"
    assert multicall.input_types == ("(address,bool,bytes)[]",)
    assert multicall.output_types == ("(bool,bytes)[]",)


def test_encode_decode_and_mismatches() -> None:
    transfer = ERC20.function("transfer")
    data = transfer.encode(SPENDER, 5)
    assert data[:4].hex() == "a9059cbb"
    assert transfer.decode_input(data) == (SPENDER, 5)
    assert ERC20.function("balanceOf").decode_output(encode(["uint256"], [7])) == 7
    with pytest.raises(AbiMismatch, match="takes 2 arguments"):
        transfer.encode(SPENDER)
    with pytest.raises(AbiMismatch, match="do not fit"):
        transfer.encode("not an address", 5)
    with pytest.raises(AbiMismatch, match="has no function"):
        ERC20.function("mint")
    with pytest.raises(AbiMismatch, match="does not decode"):
        ERC20.function("balanceOf").decode_output(b"\x01")


def test_revert_reasons() -> None:
    error_string = bytes.fromhex("08c379a0") + encode(["string"], ["MockNMR: nope"])
    assert decode_revert(error_string) == "MockNMR: nope"
    panic = bytes.fromhex("4e487b71") + encode(["uint256"], [0x11])
    assert decode_revert(panic) == "panic 0x11 (arithmetic overflow or underflow)"
    assert decode_revert(b"") is None and decode_revert(b"\xde\xad\xbe\xef") is None
    rejected = RpcRejected("eth_call", 3, "execution reverted: x", "0x" + error_string.hex())
    reverted = revert_from_rpc(rejected, "NMR")
    assert isinstance(reverted, CallReverted) and reverted.reason == "MockNMR: nope"
    assert "NMR" in str(reverted)
    bare = revert_from_rpc(RpcRejected("eth_call", -32000, "execution reverted"))
    assert isinstance(bare, CallReverted) and bare.reason is None
    custom = ContractAbi.from_abi("Token", [{
        "type": "error", "name": "InsufficientBalance",
        "inputs": [{"name": "account", "type": "address"}, {"name": "needed", "type": "uint256"}],
    }])
    data = keccak(text="InsufficientBalance(address,uint256)")[:4] + encode(
        ["address", "uint256"], [SPENDER.lower(), 7]
    )
    assert decode_revert(data) is None  # no bundled ABI knows it
    assert decode_revert(data, [custom]) == f"InsufficientBalance(account={SPENDER}, needed=7)"
    other = RpcRejected("eth_call", -32000, "header not found")
    assert revert_from_rpc(other) is other


def test_calldata_is_decoded_by_selector() -> None:
    mint = ContractAbi.load("MockNMR").function("mint").encode(SPENDER, 10**18)
    decoded = decode_calldata(mint)
    assert decoded is not None and decoded.contract == "MockNMR"
    assert decoded.arguments == (("to", "address", SPENDER), ("amount", "uint256", 10**18))
    approve = ERC20.function("approve").encode(SPENDER, 3)
    decoded = decode_calldata(approve, prefer=["MockNMR"])
    assert decoded is not None and decoded.contract == "MockNMR"
    assert decode_calldata(bytes.fromhex("12345678") + b"\x00" * 32) is None
    assert decode_calldata(b"\x01") is None


def test_contract_names() -> None:
    names = ContractNames.for_network(MAINNET, {SPENDER: "My vault"})
    assert names.name_of(MAINNET_NMR.lower()) == "Numeraire (NMR)"
    assert names.name_of(CANONICAL_MULTICALL3) == "Multicall3"
    assert names.name_of(SPENDER) == "My vault"
    assert names.name_of("0x" + "00" * 19 + "01") is None


# ------------------------------------------------------------------------- batching


def test_chunks_respect_count_and_gas() -> None:
    call = Call(SPENDER, b"\x00" * 36)
    assert [len(c) for c in plan_chunks([call] * 600)] == [128, 128, 128, 128, 88]
    heavy = Call(SPENDER, b"\x00" * 36, gas_hint=1_000_000)
    chunks = plan_chunks([heavy] * 50, gas_cap=10_000_000)
    assert all(len(c) * 1_000_576 <= 8_000_000 - 450_000 for c in chunks)
    assert sum(len(c) for c in chunks) == 50 and len(chunks) == 8
    assert plan_chunks([]) == []
    with pytest.raises(AbiMismatch, match="at most"):
        plan_chunks([Call(SPENDER, b"\x00" * 2000)])
    assert MAX_CALLS_PER_CHUNK == 128


_calls = st.lists(
    st.tuples(st.binary(min_size=20, max_size=20), st.booleans(), st.binary(max_size=100)),
    max_size=8,
)


@settings(max_examples=60, deadline=None)
@given(_calls)
def test_aggregate3_encoding_is_eth_abi_s(rows: list[tuple[bytes, bool, bytes]]) -> None:
    calls = [Call("0x" + a.hex(), data, allow_failure=ok) for a, ok, data in rows]
    expected = bytes.fromhex("82ad56cb") + encode(
        ["(address,bool,bytes)[]"], [[(c.target, c.allow_failure, c.data) for c in calls]]
    )
    assert encode_aggregate3(calls) == expected


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.binary(max_size=100)), max_size=8))
def test_aggregate3_results_decode_as_eth_abi_does(rows: list[tuple[bool, bytes]]) -> None:
    reply = encode(["(bool,bytes)[]"], [rows])
    assert decode_aggregate3(reply) == [CallOutcome(ok, data) for ok, data in rows]
    with pytest.raises(BadResponse):
        decode_aggregate3(reply[:-33] if rows else b"\x00" * 31)


def test_simple_outputs_decode_as_eth_abi_does() -> None:
    view = ContractAbi.from_abi("T", [{
        "type": "function", "name": "f", "inputs": [], "stateMutability": "view",
        "outputs": [{"type": t} for t in ("uint256", "int128", "bool", "address", "uint8")],
    }])
    values = (2**256 - 1, -(2**127), True, SPENDER, 255)
    data = encode(["uint256", "int128", "bool", "address", "uint8"], list(values))
    assert view.function("f").decode_output(data) == values
    with pytest.raises(AbiMismatch):
        view.function("f").decode_output(data[:-32] + encode(["uint256"], [256]))


# ------------------------------------------------------------------------- retries


def test_retry_after_parsing() -> None:
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    later = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 <= (parse_retry_after(format_datetime(later, usegmt=True)) or 0) <= 31
    assert parse_retry_after("-5") == 0.0


def test_backoff_is_capped_jittered_and_honours_the_server() -> None:
    policy = RetryPolicy(base_delay_s=0.2, max_delay_s=1.0)
    rng = random.Random(1)
    delays = [policy.delay(i, rng, None) for i in range(10)]
    assert all(0.1 <= d <= 1.0 for d in delays)
    assert max(delays[5:]) <= 1.0 and len(set(delays)) > 5
    assert policy.delay(0, rng, 4.0) == 4.0


# ------------------------------------------------------------------------- NMR plans


def test_nmr_plans() -> None:
    token = MAINNET_NMR
    assert [c.function for c in plan_approval(token, SPENDER, 0, 5)] == ["approve"]
    assert plan_approval(token, SPENDER, 10, 4) == []
    exact = plan_approval(token, SPENDER, 10, 4, exact=True)
    assert [(c.function, c.args) for c in exact] == [("changeApproval", (SPENDER, 10, 4))]
    reset = plan_approval(token, SPENDER, 10, 4, exact=True,
                          strategy=ChangeStrategy.RESET_THEN_APPROVE)
    assert [(c.function, c.args) for c in reset] == [
        ("approve", (SPENDER, 0)), ("approve", (SPENDER, 4))
    ]
    assert plan_revoke(token, SPENDER, 0) == []
    assert [c.args for c in plan_revoke(token, SPENDER, 3)] == [(SPENDER, 0)]
    call = plan_approval(token, SPENDER, 3, 8)[0]
    decoded = decode_calldata(call.data)
    assert decoded is not None and decoded.function.name == "changeApproval"
    assert [a[2] for a in decoded.arguments] == [SPENDER, 3, 8]
    for bad in [(-1, 3), (0, 2**256)]:
        with pytest.raises(InvalidInput):
            plan_approval(token, SPENDER, *bad)
    with pytest.raises(InvalidInput):
        plan_approval(token, "0x1234", 0, 3)


def test_records_by_name_and_deployment_data() -> None:
    lens = ContractAbi.load("VaultLens").function("vault_info")
    assert lens.output_fields[:3] == ("model_name", "model_id", "owner")
    balance = ERC20.function("balanceOf")
    assert balance.decode_record(encode(["uint256"], [9])) == {"output0": 9}
    merged = ContractAbi.load("NumerBayVault").merged(ContractAbi.load("VaultAdmin"))
    assert merged.function("set_capacity") and merged.function("deposit")
    code = deployment_data("VaultFactory", *[SPENDER] * 6)
    assert code.endswith(encode(["address"] * 6, [SPENDER] * 6))
    assert bytes.fromhex("fe7100") in deployment_data("NumerBayVault", blueprint=True)[:16]
    with pytest.raises(AbiMismatch, match="takes 6 arguments"):
        deployment_data("VaultFactory", SPENDER)
