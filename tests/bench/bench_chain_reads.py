"""Reading many contracts' state on anvil: the chain client's pinned batch (Multicall3 chunks in
one JSON-RPC batch), a plain JSON-RPC batch of eth_calls, and the naive way (one eth_call per
view, sequentially, as a plain web3 script would do).

100 MockNMR contracts are deployed, and four views are read from each (totalSupply, decimals,
balanceOf, allowance). HTTP requests are counted by the client's transport. Run alone with
`python tests/bench/run.py chain_reads`.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

CONTRACTS = 100
GOALS = {
    "chain_reads.http_requests": ("<=", 2),
    # Without Multicall3: the pin plus one request per 100 eth_calls (public nodes cap batches).
    "chain_reads.jsonrpc_batch_http_requests": ("<=", 5),
    # Loopback anvil answers in ~0.8 ms; over a network each saved request saves far more.
    "chain_reads.speedup": (">=", 8),
}
HOLDER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
SPENDER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"


def _deploy(node: Any, bytecode: str) -> str:
    tx_hash = node.rpc("eth_sendTransaction", [{"from": HOLDER, "data": bytecode}])
    for _ in range(500):
        receipt = node.rpc("eth_getTransactionReceipt", [tx_hash])
        if receipt is not None:
            return str(receipt["contractAddress"])
        time.sleep(0.005)
    raise RuntimeError("deployment not mined")


async def _measure(network: Any, addresses: list[str]) -> dict[str, Any]:
    from numerbay_desktop.chain.client import ChainClient
    from numerbay_desktop.chain.contracts import ContractAbi

    abi = ContractAbi.load("MockNMR")
    reads = []
    for address in addresses:
        token = abi.at(address)
        reads += [
            token.read("totalSupply"), token.read("decimals"),
            token.read("balanceOf", HOLDER), token.read("allowance", HOLDER, SPENDER),
        ]
    figures: dict[str, Any] = {"contracts": len(addresses), "views": len(reads)}

    async with ChainClient(network) as client:
        await client.connect()
        before = client.stats.http_requests
        started = time.perf_counter()
        session = await client.pin_latest()
        batched = await session.read_many(reads)
        figures["seconds"] = round(time.perf_counter() - started, 4)
        figures["http_requests"] = client.stats.http_requests - before

    no_multicall = network.__class__(**{**_fields(network), "multicall3": None})
    async with ChainClient(no_multicall) as client:
        await client.connect()
        before = client.stats.http_requests
        started = time.perf_counter()
        session = await client.pin_latest()
        plain = await session.read_many(reads)
        figures["jsonrpc_batch_seconds"] = round(time.perf_counter() - started, 4)
        figures["jsonrpc_batch_http_requests"] = client.stats.http_requests - before

    async with ChainClient(network) as client:
        await client.connect()
        before = client.stats.http_requests
        started = time.perf_counter()
        naive = [await client.read(r) for r in reads]
        figures["naive_seconds"] = round(time.perf_counter() - started, 4)
        figures["naive_http_requests"] = client.stats.http_requests - before

    assert batched == plain == naive
    figures["speedup"] = round(figures["naive_seconds"] / figures["seconds"], 1)
    return figures


def _fields(network: Any) -> dict[str, Any]:
    import dataclasses

    return {f.name: getattr(network, f.name) for f in dataclasses.fields(network)}


def run() -> dict[str, dict[str, Any]]:
    from numerbay_desktop.chain.networks import devnet
    from numerbay_desktop.devnet.anvil import Anvil
    from numerbay_desktop.resource_paths import contract_artifact

    nmr_code = json.loads(contract_artifact("MockNMR").read_text())["bytecode"]
    multicall_code = json.loads(contract_artifact("Multicall3").read_text())["bytecode"]
    with Anvil.start(port=0) as node:
        multicall = _deploy(node, multicall_code)
        addresses = [_deploy(node, nmr_code) for _ in range(CONTRACTS)]
        network = devnet(node.rpc_url, multicall3=multicall)
        figures = asyncio.run(_measure(network, addresses))
    return {"chain_reads": figures}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
