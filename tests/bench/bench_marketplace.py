"""The marketplace's chain reads for 1,000 vaults on anvil: the chain client (the pin riding in
the first aggregate3, then Multicall3 chunks sent together in one JSON-RPC batch per step)
against the naive way, one sequential `eth_call` per vault per view through web3.py, as a
plain web3 script would do.

The views the marketplace needs per vault: the factory's `vaults(i)`, the lens's
`vault_info(vault)` and `schedule(vault)`. The vaults are created by the factory on a fresh
anvil (varied fee ladders and capacities). Run alone with `python tests/bench/run.py
marketplace`; it takes about a minute and a half, most of it in the naive reads.

`sequential_client_seconds` is the same 2,000 lens reads one `eth_call` at a time through the
app's own client (no web3.py overhead): what batching alone saves on a loopback node.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request
from typing import Any

VAULTS = 1000
GOALS = {
    "marketplace.http_requests": ("<=", 3),
    "marketplace.speedup": (">=", 50),
}
DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
TREASURY = "0x000000000000000000000000000000000000dEaD"
WAD = 10**18
DAY = 86_400


def _rpc_batch(url: str, calls: list[tuple[str, list[Any]]]) -> list[Any]:
    body = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        replies = sorted(json.loads(response.read()), key=lambda r: r["id"])
    for reply in replies:
        if "error" in reply:
            raise RuntimeError(reply["error"])
    return [r["result"] for r in replies]


def _deploy(node: Any, data: bytes) -> str:
    tx_hash = node.rpc("eth_sendTransaction", [{"from": DEPLOYER, "data": "0x" + data.hex()}])
    for _ in range(1000):
        receipt = node.rpc("eth_getTransactionReceipt", [tx_hash])
        if receipt is not None:
            return str(receipt["contractAddress"])
        time.sleep(0.005)
    raise RuntimeError("deployment not mined")


def _build_world(node: Any) -> tuple[str, str, str]:
    from numerbay_desktop.chain.contracts import ContractAbi, deployment_data

    nmr = _deploy(node, deployment_data("MockNMR"))
    multicall = _deploy(node, deployment_data("Multicall3"))
    staking = _deploy(node, deployment_data("LocalAtomicStaking", nmr, DEPLOYER, DEPLOYER))
    blueprint = _deploy(node, deployment_data("NumerBayVault", blueprint=True))
    admin = _deploy(node, deployment_data("VaultAdmin"))
    lens = _deploy(node, deployment_data("VaultLens"))
    factory = _deploy(
        node, deployment_data("VaultFactory", nmr, staking, blueprint, admin, lens, TREASURY)
    )
    abi = ContractAbi.load("VaultFactory").at(factory)
    nonce = int(str(node.rpc("eth_getTransactionCount", [DEPLOYER, "latest"])), 16)
    sends = []
    for i in range(VAULTS):
        tiers = [(0, 100 + i % 50, 1_000 + i % 300), (1_000 * WAD, 50, 500)][: 1 + i % 2]
        commitments = [(0, 0), (30 * DAY, 2_000), (90 * DAY, 5_000)][: 1 + i % 3]
        data = abi.calldata(
            "create_vault", f"model-{i}", (i + 1).to_bytes(32, "big"), tiers, commitments,
            (1 + i % 10) * 10_000 * WAD, WAD, 2_000, 9_500, 150 * DAY, 7 * DAY,
        )
        tx = {
            "from": DEPLOYER, "to": factory, "data": "0x" + data.hex(),
            "gas": hex(8_000_000), "nonce": hex(nonce + i),  # a batch is handled concurrently
        }
        sends.append(("eth_sendTransaction", [tx]))
    # All creations go into one block (the node's gas limit is raised for it): quicker than
    # mining a thousand blocks.
    node.rpc("evm_setAutomine", [False])
    hashes: list[str] = []
    for start in range(0, len(sends), 100):
        hashes += _rpc_batch(node.rpc_url, sends[start : start + 100])
    node.rpc("evm_mine")
    node.rpc("evm_setAutomine", [True])
    receipts = _rpc_batch(node.rpc_url, [("eth_getTransactionReceipt", [h]) for h in hashes])
    failed = [r for r in receipts if r is None or r["status"] != "0x1"]
    if failed:
        raise RuntimeError(f"{len(failed)} vault creations failed: {failed[0]}")
    return factory, lens, multicall


async def _client_read(network: Any, factory: str, lens: str) -> tuple[dict[str, Any], list[Any]]:
    from numerbay_desktop.chain.client import ChainClient
    from numerbay_desktop.chain.contracts import ContractAbi

    factory_abi = ContractAbi.load("VaultFactory").at(factory)
    lens_abi = ContractAbi.load("VaultLens").at(lens)
    async with ChainClient(network) as client:
        await client.connect()
        before = client.stats.http_requests
        started = time.perf_counter()
        session, (count,) = await client.pin_and_read([factory_abi.read("vault_count")])
        vaults = await session.read_many([factory_abi.read("vaults", i) for i in range(count)])
        reads = [lens_abi.read("vault_info", v) for v in vaults]
        reads += [lens_abi.read("schedule", v) for v in vaults]
        values = await session.read_many(reads)
        seconds = time.perf_counter() - started
        figures = {
            "vaults": count,
            "http_requests": client.stats.http_requests - before,
            "seconds": round(seconds, 3),
        }
        # The same reads one by one through the same client: what batching alone saves,
        # without web3.py's per-call overhead.
        started = time.perf_counter()
        one_by_one = [await client.read(r, session.block_number) for r in reads]
        figures["sequential_client_seconds"] = round(time.perf_counter() - started, 3)
        assert one_by_one == values
    return figures, values


def _naive_read(url: str, factory: str, lens: str) -> tuple[int, float, list[Any]]:
    from web3 import Web3

    from numerbay_desktop.resource_paths import contract_artifact

    w3 = Web3(Web3.HTTPProvider(url))
    factory_c = w3.eth.contract(
        address=Web3.to_checksum_address(factory),
        abi=json.loads(contract_artifact("VaultFactory").read_text())["abi"],
    )
    lens_c = w3.eth.contract(
        address=Web3.to_checksum_address(lens),
        abi=json.loads(contract_artifact("VaultLens").read_text())["abi"],
    )
    requests = 0
    started = time.perf_counter()
    count = factory_c.functions.vault_count().call()
    requests += 1
    vaults = []
    for i in range(count):
        vaults.append(factory_c.functions.vaults(i).call())
        requests += 1
    infos, schedules = [], []
    for vault in vaults:
        infos.append(lens_c.functions.vault_info(vault).call())
        requests += 1
    for vault in vaults:
        schedules.append(lens_c.functions.schedule(vault).call())
        requests += 1
    return requests, time.perf_counter() - started, infos + schedules


def run() -> dict[str, dict[str, Any]]:
    from numerbay_desktop.chain.networks import devnet
    from numerbay_desktop.devnet.anvil import Anvil

    with Anvil.start(port=0, extra_args=["--gas-limit", "30000000000"]) as node:
        factory, lens, multicall = _build_world(node)
        network = devnet(node.rpc_url, multicall3=multicall)
        figures, values = asyncio.run(_client_read(network, factory, lens))
        assert figures["vaults"] == VAULTS, figures  # vault_count() == 1000
        naive_requests, naive_seconds, naive_values = _naive_read(node.rpc_url, factory, lens)
    # Both ways read the same thing: compare model names and fee ladders.
    assert [v[0] for v in values[:VAULTS]] == [v[0] for v in naive_values[:VAULTS]]
    assert [v[0] for v in values[VAULTS:]] == [tuple(map(tuple, s[0])) for s in
                                               naive_values[VAULTS:]]
    figures["naive_http_requests"] = naive_requests
    figures["naive_seconds"] = round(naive_seconds, 3)
    figures["speedup"] = round(naive_seconds / figures["seconds"], 1)
    figures["speedup_vs_sequential_client"] = round(
        figures["sequential_client_seconds"] / figures["seconds"], 1
    )
    return {"marketplace": figures}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
