"""The chain client against a real anvil through the counting proxy: batching, block pinning,
revert reasons, and the write path txflow will use."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from chain_support import *  # noqa: F403
from chain_support import DEPLOYER, DEPLOYER_KEY, OTHER, ChainWorld, compiled, send
from eth_account import Account
from fault_proxy import FaultProxy

from numerbay_desktop.chain.batch import Call
from numerbay_desktop.chain.client import ChainClient, TxRequest
from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.errors import BlockNotAvailable, CallReverted, RpcRejected
from numerbay_desktop.chain.events import decode_log

pytestmark = pytest.mark.asyncio

MINTED = 10**18


def nmr_abi() -> ContractAbi:
    return ContractAbi.from_abi("MockNMR", compiled("MockNMR")["abi"])


def holders(n: int) -> list[str]:
    return [f"0x{i + 1:040x}" for i in range(n)]


def mint(world: ChainWorld, account: str, amount: int) -> None:
    data = nmr_abi().at(world.nmr).calldata("mint", account, amount)
    send(world.anvil, {"to": world.nmr, "data": "0x" + data.hex()})


def mint_many(world: ChainWorld, accounts: list[str]) -> None:
    for i, account in enumerate(accounts):
        mint(world, account, i + 1)


async def test_connect_checks_chain_and_counts_one_request(
    proxied_client: ChainClient, proxy: FaultProxy
) -> None:
    assert await proxied_client.connect() == 31337
    assert proxy.methods["eth_chainId"] == 1


async def test_reading_100_balances_costs_one_http_request(
    chain_world: ChainWorld, proxied_client: ChainClient, proxy: FaultProxy
) -> None:
    accounts = holders(100)
    mint_many(chain_world, accounts)
    nmr = nmr_abi().at(chain_world.nmr)
    session = await proxied_client.pin_latest()
    proxy.reset_counts()
    balances = await session.read_many([nmr.read("balanceOf", a) for a in accounts])
    assert balances == [i + 1 for i in range(100)]
    assert proxy.http_requests == 1
    # Naive: one eth_call per read.
    proxy.reset_counts()
    naive = [await session.read(nmr.read("balanceOf", a)) for a in accounts]
    assert naive == balances
    assert proxy.http_requests == 100


async def test_without_multicall_a_json_rpc_batch_is_one_request(
    chain_world: ChainWorld, proxy: FaultProxy
) -> None:
    accounts = holders(30)
    mint_many(chain_world, accounts)
    nmr = nmr_abi().at(chain_world.nmr)
    async with ChainClient(chain_world.network(proxy.url, multicall=False)) as client:
        await client.connect()
        proxy.reset_counts()
        session = await client.pin_latest()
        reads = [nmr.read("balanceOf", a) for a in accounts] + [nmr.read("approve", OTHER, 1)]
        values = await session.try_read_many(reads)
    assert values[:30] == [i + 1 for i in range(30)]
    # eth_call without a sender calls from the zero address: that read fails alone.
    assert isinstance(values[30], CallReverted)
    assert values[30].reason == "erc20: approve from the zero address"
    assert proxy.http_requests == 2  # the pin, then one batch
    assert proxy.methods["eth_call"] == 31


async def test_many_chunks_go_out_in_one_batch(
    chain_world: ChainWorld, proxied_client: ChainClient, proxy: FaultProxy
) -> None:
    nmr = nmr_abi().at(chain_world.nmr)
    mint(chain_world, OTHER, 7)
    reads = [nmr.read("balanceOf", OTHER)] * 700  # 128 calls per chunk at most: 6 chunks
    await proxied_client.connect()
    proxy.reset_counts()
    values = await proxied_client.multicall([r.as_call() for r in reads])
    assert [reads[0].decode(v) for v in values] == [7] * 700
    assert proxy.http_requests == 1
    assert proxy.methods["eth_call"] == 6


async def test_a_chunk_over_the_gas_cap_is_split_and_retried(
    chain_world: ChainWorld, proxy: FaultProxy
) -> None:
    nmr = nmr_abi().at(chain_world.nmr)
    # Hints far too low: the planner packs 128 calls, the node runs out of gas, we split.
    calls = [Call(chain_world.nmr, nmr.read("balanceOf", f"0x{i + 1:040x}").data, gas_hint=1)
             for i in range(256)]
    async with ChainClient(chain_world.network(proxy.url), call_gas_cap=1_000_000) as client:
        await client.connect()
        proxy.reset_counts()
        outcomes = await client.multicall(calls)
    assert len(outcomes) == 256 and all(o.success for o in outcomes)
    assert proxy.http_requests >= 2  # the refused chunk, then its halves in one batch


async def test_reads_pinned_to_a_block_do_not_change(
    chain_world: ChainWorld, proxied_client: ChainClient
) -> None:
    nmr = nmr_abi().at(chain_world.nmr)
    before = await proxied_client.pin_latest()
    mint(chain_world, OTHER, 5)
    chain_world.anvil.rpc("anvil_mine", ["0x3"])
    after = await proxied_client.pin_latest()
    assert after.block_number == before.block_number + 4
    read = nmr.read("balanceOf", OTHER)
    assert await before.read_many([read]) == [0]
    assert await before.read(read) == 0
    assert await before.get_balance(OTHER) == await after.get_balance(OTHER)
    assert await after.read_many([read]) == [5]


async def test_revert_reasons_are_decoded(
    chain_world: ChainWorld, proxied_client: ChainClient
) -> None:
    nmr = nmr_abi().at(chain_world.nmr)
    approve = nmr.calldata("approve", OTHER, 3)
    send(chain_world.anvil, {"to": chain_world.nmr, "data": "0x" + approve.hex()})
    again = TxRequest(chain_world.nmr, nmr.calldata("approve", OTHER, 4), sender=DEPLOYER)
    with pytest.raises(CallReverted) as called:
        await proxied_client.call(again)
    assert called.value.reason == "MockNMR: approve from non-zero to non-zero"
    with pytest.raises(CallReverted) as estimated:
        await proxied_client.estimate_gas(again)
    assert "approve from non-zero to non-zero" in str(estimated.value)
    # In a batch, the failing read fails alone, with its reason.
    session = await proxied_client.pin_latest()
    reads = [nmr.read("allowance", DEPLOYER, OTHER), nmr.read("transfer", OTHER, 10**30)]
    outcomes = await session.multicall([r.as_call() for r in reads])
    assert reads[0].decode(outcomes[0]) == 3
    with pytest.raises(CallReverted):
        reads[1].decode(outcomes[1])
    strict = [Call(r.target, r.data, allow_failure=False) for r in reads]
    with pytest.raises(CallReverted, match="Multicall3: call failed"):
        await session.multicall(strict)


async def receipt_of(client: ChainClient, tx_hash: str, timeout_s: float = 10.0) -> Any:
    """The receipt once the node serves it: anvil may answer the send a moment before the
    automined block's receipt is readable, most of all on a busy machine."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while (receipt := await client.get_transaction_receipt(tx_hash)) is None:
        if asyncio.get_running_loop().time() > deadline:
            return None
        await asyncio.sleep(0.05)
    return receipt


async def test_write_path_estimate_fees_send_receipt(
    chain_world: ChainWorld, proxied_client: ChainClient, proxy: FaultProxy
) -> None:
    nmr = nmr_abi().at(chain_world.nmr)
    data = nmr.calldata("mint", OTHER, MINTED)
    gas = await proxied_client.estimate_gas(TxRequest(chain_world.nmr, data, sender=DEPLOYER))
    history = await proxied_client.fee_history(4, "latest", (25.0, 75.0))
    assert history.base_fees and history.base_fees[-1] > 0
    tip = await proxied_client.max_priority_fee()
    nonce = await proxied_client.get_transaction_count(DEPLOYER)
    tx: dict[str, Any] = {
        "type": 2, "chainId": 31337, "nonce": nonce, "to": chain_world.nmr, "value": 0,
        "data": data, "gas": gas * 2, "maxPriorityFeePerGas": tip,
        "maxFeePerGas": history.base_fees[-1] * 2 + tip,
    }
    signed = Account.sign_transaction(tx, DEPLOYER_KEY)
    tx_hash = await proxied_client.send_raw_transaction(bytes(signed.raw_transaction))
    assert proxy.forwarded_sends == ["0x" + bytes(signed.raw_transaction).hex()]
    receipt = await receipt_of(proxied_client, tx_hash)
    assert receipt is not None and receipt.succeeded and receipt.gas_used <= gas * 2
    assert (await proxied_client.get_transaction(tx_hash) or {})["hash"] == tx_hash
    assert await proxied_client.read(nmr.read("balanceOf", OTHER)) == MINTED
    # Sending the same bytes again is idempotent: the node knows it, so its hash comes back.
    assert await proxied_client.send_raw_transaction(bytes(signed.raw_transaction)) == tx_hash
    # Another transaction with a used nonce is a real conflict.
    clash = Account.sign_transaction({**tx, "value": 1}, DEPLOYER_KEY)
    with pytest.raises(RpcRejected, match="nonce"):
        await proxied_client.send_raw_transaction(bytes(clash.raw_transaction))
    assert await proxied_client.get_transaction_receipt("0x" + "ab" * 32) is None


async def test_state_override_simulates_changed_state(
    chain_world: ChainWorld, proxied_client: ChainClient
) -> None:
    multicall = ContractAbi.load("Multicall3").at(chain_world.multicall3)
    query = multicall.read("getEthBalance", OTHER)
    request = TxRequest(query.target, query.data)
    rich = await proxied_client.call(request, state_override={OTHER: {"balance": 12345}})
    assert query.function.decode_output(rich) == 12345
    assert query.function.decode_output(await proxied_client.call(request)) != 12345


async def test_logs_over_many_spans_in_one_request_and_decoded(
    chain_world: ChainWorld, proxied_client: ChainClient, proxy: FaultProxy
) -> None:
    start = await proxied_client.block_number() + 1
    accounts = holders(5)
    mint_many(chain_world, accounts)
    proxy.reset_counts()
    logs = await proxied_client.get_logs([chain_world.nmr], from_block=start, max_span=2)
    assert proxy.http_requests == 2  # the head, then one batch of 3 spans
    assert proxy.methods["eth_getLogs"] == 3
    events = [decode_log(log, prefer=["MockNMR"]) for log in logs]
    transfers = [e for e in events if e is not None and e.name == "Transfer"]
    assert [e.args["receiver"] for e in transfers] == accounts
    assert [e.args["value"] for e in transfers] == [1, 2, 3, 4, 5]
    minted = [e for e in events if e is not None and e.name == "Minted"]
    assert [e.args["receiver"] for e in minted] == accounts
    assert all(e.contract == "MockNMR" for e in transfers + minted)


async def test_a_block_the_node_lacks_is_a_clear_error(
    chain_world: ChainWorld, proxied_client: ChainClient
) -> None:
    future = await proxied_client.block_number() + 1000
    with pytest.raises(BlockNotAvailable, match="does not have the block"):
        await proxied_client.pinned(future).get_balance(OTHER)


async def test_pin_and_read_pins_in_the_same_request(
    chain_world: ChainWorld, proxy: FaultProxy
) -> None:
    nmr = nmr_abi().at(chain_world.nmr)
    mint(chain_world, OTHER, 3)
    balance = 3
    for multicall, requests in ((True, 1), (False, 2)):
        async with ChainClient(chain_world.network(proxy.url, multicall=multicall)) as client:
            await client.connect()
            proxy.reset_counts()
            session, values = await client.pin_and_read(
                [nmr.read("balanceOf", OTHER), nmr.read("transfer", OTHER, 10**30)]
            )
            assert proxy.http_requests == requests
            assert values[0] == balance and isinstance(values[1], CallReverted)
            mint(chain_world, OTHER, 4)
            assert await session.read_many([nmr.read("balanceOf", OTHER)]) == [balance]
            balance += 4
            assert session.block_number + 1 == await client.block_number()


async def test_a_missing_multicall_falls_back_to_json_rpc_batches(
    chain_world: ChainWorld, proxy: FaultProxy
) -> None:
    nmr = nmr_abi().at(chain_world.nmr)
    mint(chain_world, OTHER, 9)
    no_code = "0x00000000000000000000000000000000000c0de0"  # no code there
    network = chain_world.network(proxy.url, multicall=False).with_addresses(multicall3=no_code)
    async with ChainClient(network) as client:
        session, values = await client.pin_and_read([nmr.read("balanceOf", OTHER)])
        assert values == [9]
        proxy.reset_counts()
        assert await session.read_many([nmr.read("balanceOf", OTHER)] * 3) == [9, 9, 9]
        assert proxy.http_requests == 1 and proxy.methods["eth_call"] == 3


async def test_sub_batches_go_out_together_and_check_the_chain_once(
    chain_world: ChainWorld, proxy: FaultProxy
) -> None:
    nmr = nmr_abi().at(chain_world.nmr)
    network = chain_world.network(proxy.url, multicall=False)
    async with ChainClient(network, max_batch_size=10) as client:
        outcomes = await client.multicall([nmr.read("totalSupply").as_call()] * 35)
    assert len(outcomes) == 35 and all(o.success for o in outcomes)
    assert proxy.methods["eth_chainId"] == 1  # one check, though 4 batches started at once
    assert proxy.http_requests == 5
