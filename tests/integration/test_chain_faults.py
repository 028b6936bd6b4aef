"""The chain client against a real anvil behind a fault-injecting proxy: every call ends with a
result or a clear typed error within its time limit, and nothing is sent to a wrong chain."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Any

import pytest
from chain_support import *  # noqa: F403
from chain_support import DEPLOYER_KEY, FAST_RETRY, OTHER, ChainWorld
from eth_account import Account
from fault_proxy import FaultProxy

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.errors import (
    BadResponse,
    ChainError,
    RateLimited,
    RpcTimeout,
    RpcUnavailable,
    StaleHead,
    WrongChain,
)
from numerbay_desktop.chain.rpc import RetryPolicy

pytestmark = pytest.mark.asyncio


def client_for(world: ChainWorld, *urls: str, **options: Any) -> ChainClient:
    settings: dict[str, Any] = {"timeout_s": 0.5, "total_timeout_s": 3.0, "retry": FAST_RETRY}
    settings.update(options)
    return ChainClient(world.network(*urls), **settings)


def signed_transfer(nonce: int) -> bytes:
    tx = {
        "type": 2, "chainId": 31337, "nonce": nonce, "to": OTHER, "value": 1, "gas": 21_000,
        "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9,
    }
    return bytes(Account.sign_transaction(tx, DEPLOYER_KEY).raw_transaction)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        ("hang", RpcTimeout),
        ("rate_limit", RateLimited),
        ("unavailable", RateLimited),
        ("error_5xx", RpcUnavailable),
        ("garbage", BadResponse),
        ("wrong_chain", WrongChain),
    ],
)
async def test_a_lasting_fault_ends_in_its_typed_error_in_time(
    chain_world: ChainWorld, proxy: FaultProxy, mode: str, expected: type[ChainError]
) -> None:
    proxy.retry_after = "0"
    proxy.set(mode)
    async with client_for(chain_world, proxy.url) as client:
        started = time.monotonic()
        with pytest.raises(expected) as raised:
            await client.get_balance(OTHER)
        elapsed = time.monotonic() - started
    assert elapsed < 3.0 + 1.5  # the limit, plus slack for a loaded CI machine
    assert str(raised.value).endswith(".")  # a sentence for the user
    assert proxy.url not in str(raised.value) or mode == "wrong_chain"
    if mode == "wrong_chain":
        assert proxy.methods["eth_getBalance"] == 0  # nothing but eth_chainId reached it


@pytest.mark.parametrize("mode", ["rate_limit", "error_5xx", "garbage", "hang"])
async def test_a_passing_fault_is_retried_to_a_result(
    chain_world: ChainWorld, proxy: FaultProxy, mode: str
) -> None:
    proxy.retry_after = "0"
    proxy.set(mode, faults=2)
    async with client_for(chain_world, proxy.url, timeout_s=0.5, total_timeout_s=5.0) as client:
        assert await client.get_balance(OTHER) > 0
        assert client.stats.retries == 2


async def test_retry_after_is_honoured(chain_world: ChainWorld, proxy: FaultProxy) -> None:
    proxy.retry_after = "1"
    proxy.set("rate_limit", faults=1)
    async with client_for(chain_world, proxy.url) as client:
        started = time.monotonic()
        assert await client.get_balance(OTHER) > 0
        assert time.monotonic() - started >= 1.0


async def test_a_long_retry_after_fails_fast_with_the_wait(
    chain_world: ChainWorld, proxy: FaultProxy
) -> None:
    proxy.retry_after = "120"
    proxy.set("rate_limit")
    async with client_for(chain_world, proxy.url) as client:
        started = time.monotonic()
        with pytest.raises(RateLimited) as raised:
            await client.get_balance(OTHER)
        assert time.monotonic() - started < 2.0  # no waiting for the 120 s
    assert raised.value.retry_after_s == 120.0
    assert proxy.http_requests == 1


async def test_failover_to_the_next_url(chain_world: ChainWorld, anvil: Any) -> None:
    hung = await FaultProxy(anvil.rpc_url).start()
    good = await FaultProxy(anvil.rpc_url).start()
    try:
        hung.set("hang")
        async with client_for(chain_world, hung.url, good.url) as client:
            assert await client.get_balance(OTHER) > 0
            assert client.stats.failovers >= 1
            assert client.transport.current_url == good.url
            hung.reset_counts()
            await client.get_balance(OTHER)  # stays on the good node
            assert hung.http_requests == 0
    finally:
        await hung.stop()
        await good.stop()


async def test_never_sends_on_a_wrong_chain(chain_world: ChainWorld, proxy: FaultProxy) -> None:
    async with client_for(chain_world, proxy.url) as client:
        nonce = await client.get_transaction_count(
            Account.from_key(DEPLOYER_KEY).address
        )
        proxy.set("wrong_chain")  # the node is swapped for another chain mid-session
        with pytest.raises(WrongChain) as raised:
            await client.send_raw_transaction(signed_transfer(nonce))
        assert raised.value.expected == 31337 and raised.value.actual == 1
        assert proxy.forwarded_sends == []
        proxy.set("pass")
        with pytest.raises(WrongChain):  # refused for the rest of this client's life
            await client.send_raw_transaction(signed_transfer(nonce))
        assert proxy.forwarded_sends == []


async def test_a_wrong_chain_url_is_skipped_for_a_right_one(
    chain_world: ChainWorld, anvil: Any
) -> None:
    wrong = await FaultProxy(anvil.rpc_url).start()
    right = await FaultProxy(anvil.rpc_url).start()
    try:
        wrong.set("wrong_chain")
        async with client_for(chain_world, wrong.url, right.url) as client:
            assert await client.connect() == 31337
            assert list(client.transport.problems()) == [wrong.url]
            nonce = await client.get_transaction_count(Account.from_key(DEPLOYER_KEY).address)
            tx_hash = await client.send_raw_transaction(signed_transfer(nonce))
            assert tx_hash.startswith("0x")
        assert wrong.forwarded_sends == [] and len(right.forwarded_sends) == 1
        assert set(wrong.methods) == {"eth_chainId"}
    finally:
        await wrong.stop()
        await right.stop()


async def test_a_stale_head_is_refused_and_skipped(chain_world: ChainWorld, anvil: Any) -> None:
    stale = await FaultProxy(anvil.rpc_url).start()
    fresh = await FaultProxy(anvil.rpc_url).start()
    try:
        stale.set("stale_head")
        await ChainClient(chain_world.network(stale.url)).close()
        frozen = int(str(anvil.rpc("eth_blockNumber")), 16)
        stale.frozen_head = frozen
        # An hour passes on the chain; the clock the client judges ages by is the chain's
        # (the shared anvil's time drifts from the wall clock after snapshot reverts).
        anvil.rpc("evm_increaseTime", [3600])
        anvil.rpc("anvil_mine", ["0x2"])
        latest = anvil.rpc("eth_getBlockByNumber", ["latest", False])
        now = int(latest["timestamp"], 16) + 5  # type: ignore[index]
        network = dataclasses.replace(
            chain_world.network(stale.url, fresh.url), max_head_age_s=180.0
        )

        def clock() -> float:
            return float(now)

        async with ChainClient(network, retry=FAST_RETRY, clock=clock) as client:
            head = await client.latest_block()
            assert head.number == frozen + 2
            assert client.transport.current_url == fresh.url
        only_stale = dataclasses.replace(chain_world.network(stale.url), max_head_age_s=180.0)
        async with ChainClient(only_stale, retry=FAST_RETRY, clock=clock) as client:
            with pytest.raises(StaleHead, match="out of sync"):
                await client.pin_latest()
    finally:
        await stale.stop()
        await fresh.stop()


async def test_a_node_behind_a_seen_block_is_refused(
    chain_world: ChainWorld, proxy: FaultProxy
) -> None:
    async with client_for(chain_world, proxy.url) as client:
        seen = await client.block_number()
        proxy.frozen_head = seen - 1
        proxy.set("stale_head")
        with pytest.raises(StaleHead, match="behind"):
            await client.pin_latest()


async def test_the_total_time_limit_bounds_retries(
    chain_world: ChainWorld, proxy: FaultProxy
) -> None:
    proxy.set("hang")
    patient = RetryPolicy(rounds=50, base_delay_s=0.01, max_delay_s=0.05)
    async with client_for(
        chain_world, proxy.url, timeout_s=0.3, total_timeout_s=1.0, retry=patient
    ) as client:
        started = time.monotonic()
        with pytest.raises(RpcTimeout, match="within 1 seconds"):
            await client.block_number()
        assert time.monotonic() - started < 2.5


async def test_a_send_whose_reply_is_lost_is_resolved_by_hash(
    chain_world: ChainWorld, proxy: FaultProxy
) -> None:
    sender = Account.from_key(DEPLOYER_KEY).address
    async with client_for(chain_world, proxy.url) as client:
        nonce = await client.get_transaction_count(sender)
        raw = signed_transfer(nonce)
        proxy.only_methods = {"eth_sendRawTransaction"}
        proxy.set("lose_reply", faults=1)  # the node gets the tx, the client never hears
        tx_hash = await client.send_raw_transaction(raw)
        assert len(proxy.forwarded_sends) == 2  # the lost one and the retry
        for _ in range(200):  # automine is quick but not synchronous with the reply
            receipt = await client.get_transaction_receipt(tx_hash)
            if receipt is not None:
                break
            await asyncio.sleep(0.05)
        assert receipt is not None and receipt.succeeded
        assert await client.get_transaction_count(sender) == nonce + 1  # sent once
