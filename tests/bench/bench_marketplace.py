"""The marketplace's refresh for 1,000 vaults on anvil: `MarketplaceService.refresh()` (the
pin riding in the first aggregate3; the vault list, block time and the vaults' events in one
JSON-RPC batch; the lens views as Multicall3 chunks in one more batch; rows built, cached
in SQLite) against the naive way, one sequential `eth_call` per vault per view through
web3.py, as a plain web3 script would do.

The views the marketplace needs per vault: the factory's `vaults(i)`, the lens's
`vault_info(vault)` and `schedule(vault)`. The vaults are created by the factory on a fresh
anvil (varied fee ladders and capacities) from 1,000 pre-signed raw transactions sent in
JSON-RPC batches without waiting on receipts, mined in one block. Run alone with
`python tests/bench/run.py marketplace`; most of its time is the naive reads.

`refresh_http_requests` / `refresh_seconds`: a second refresh (vault list known from the
cache, so lens views and new events ride in one batch). `cold_seconds`: the process's first
refresh on a node that never ran the views (the naive reads run on a warm node, so the timed
refresh is the second one, into an empty cache).
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

VAULTS = 1000
GOALS = {
    "marketplace.http_requests": ("<=", 3),
    "marketplace.speedup": (">=", 50),
}
DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # anvil's #0
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


def _build_world(node: Any, count: int = VAULTS) -> tuple[str, str, str]:
    """MockNMR, staking, Multicall3, the vault contracts and `count` factory vaults (also
    used by tests/integration/test_services_many_vaults.py)."""
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
    from eth_account import Account

    sends = []
    for i in range(count):
        tiers = [(0, 100 + i % 50, 1_000 + i % 300), (1_000 * WAD, 50, 500)][: 1 + i % 2]
        commitments = [(0, 0), (30 * DAY, 2_000), (90 * DAY, 5_000)][: 1 + i % 3]
        data = abi.calldata(
            "create_vault", f"model-{i}", (i + 1).to_bytes(32, "big"), tiers, commitments,
            (1 + i % 10) * 10_000 * WAD, WAD, 2_000, 9_500, 150 * DAY, 7 * DAY,
        )
        tx = {
            "type": 2, "chainId": node.chain_id, "nonce": nonce + i, "to": abi.address,
            "data": data, "value": 0, "gas": 8_000_000,
            "maxFeePerGas": 100 * 10**9, "maxPriorityFeePerGas": 10**9,
        }
        raw = Account.sign_transaction(tx, DEPLOYER_KEY).raw_transaction
        sends.append(("eth_sendRawTransaction", ["0x" + bytes(raw).hex()]))
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


async def _service_read(network: Any, data_dir: Path) -> tuple[dict[str, Any], list[Any]]:
    from numerbay_desktop.chain.client import ChainClient
    from numerbay_desktop.services.marketplace import MarketplaceService
    from numerbay_desktop.store.cache import Cache

    async with ChainClient(network) as client:
        await client.connect()
        # The very first refresh of the process on a node that never ran these views
        # (reported as cold_seconds); the naive reads run later on a warm node, so the
        # timed refresh below runs warm too (a new cache: the full three-request path).
        started = time.perf_counter()
        await MarketplaceService(client, None, Cache(data_dir / "cold.sqlite3")).refresh()
        cold_seconds = time.perf_counter() - started
        market = MarketplaceService(client, None, Cache(data_dir / "cache.sqlite3"))
        before = client.stats.http_requests
        started = time.perf_counter()
        result = await market.refresh()
        seconds = time.perf_counter() - started
        rows = [r for r in result.snapshot.rows if r.vault is not None]
        figures: dict[str, Any] = {
            "vaults": len(rows),
            "http_requests": client.stats.http_requests - before,
            "seconds": round(seconds, 3),
            "cold_seconds": round(cold_seconds, 3),
        }
        before = client.stats.http_requests
        started = time.perf_counter()
        again = await market.refresh()
        figures["refresh_seconds"] = round(time.perf_counter() - started, 3)
        figures["refresh_http_requests"] = client.stats.http_requests - before
        assert again.changes == (), again.changes[:3]
    return figures, rows


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
    from numerbay_desktop.chain.contracts import ContractAbi
    from numerbay_desktop.chain.networks import devnet
    from numerbay_desktop.devnet.anvil import Anvil

    with tempfile.TemporaryDirectory() as scratch, Anvil.start(
        port=0, extra_args=["--gas-limit", "30000000000"]
    ) as node:
        factory, lens, multicall = _build_world(node)
        count = int(node.rpc("eth_call", [
            {"to": factory, "data": "0x" + ContractAbi.load("VaultFactory").at(factory)
             .calldata("vault_count").hex()}, "latest"]), 16)
        assert count == VAULTS, count  # vault_count() == 1000
        network = devnet(node.rpc_url, multicall3=multicall).with_addresses(factory=factory)
        figures, rows = asyncio.run(_service_read(network, Path(scratch)))
        assert figures["vaults"] == VAULTS, figures
        naive_requests, naive_seconds, naive_values = _naive_read(node.rpc_url, factory, lens)
    # Both ways read the same thing: compare model names and fee ladders.
    assert [r.model_name for r in rows] == [v[0] for v in naive_values[:VAULTS]]
    assert [tuple((t.min_stake, t.fixed_fee_bps, t.profit_share_bps) for t in r.tiers)
            for r in rows] == [tuple(map(tuple, s[0])) for s in naive_values[VAULTS:]]
    figures["naive_http_requests"] = naive_requests
    figures["naive_seconds"] = round(naive_seconds, 3)
    figures["speedup"] = round(naive_seconds / figures["seconds"], 1)
    return {"marketplace": figures}


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
