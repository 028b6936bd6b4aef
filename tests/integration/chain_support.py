"""Fixtures for the chain-layer tests: Multicall3 and MockNMR deployed on the shared anvil
(from resources/contracts/*.json, or compiled from source when an artifact is not built yet),
a fault proxy in front of anvil, and a ChainClient through it.

Import the fixtures into a test module with `from chain_support import *  # noqa: F403`.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from eth_utils.address import to_checksum_address
from fault_proxy import FaultProxy

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.networks import Network, devnet
from numerbay_desktop.chain.rpc import RetryPolicy
from numerbay_desktop.resource_paths import contract_artifact

REPO = Path(__file__).resolve().parents[2]
# anvil's first default account (mnemonic "test test ... junk"): unlocked, well known.
DEPLOYER = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
OTHER = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"

FAST_RETRY = RetryPolicy(rounds=3, base_delay_s=0.05, max_delay_s=0.2, max_retry_after_s=5.0)


@functools.cache
def compiled(name: str) -> dict[str, Any]:
    """The artifact's abi and bytecode; compiled from contracts/<name>.vy if not built yet."""
    path = contract_artifact(name)
    if path.is_file():
        artifact = json.loads(path.read_text())
        return {"abi": artifact["abi"], "bytecode": artifact["bytecode"]}
    import vyper
    from vyper.compiler.input_bundle import FilesystemInputBundle

    bundle = FilesystemInputBundle(
        [(REPO / "contracts").resolve(), *[Path(p) for p in sys.path if p]]
    )
    source = bundle.load_file((REPO / "contracts" / f"{name}.vy").resolve())
    out = vyper.compile_from_file_input(
        source, input_bundle=bundle, output_formats=["abi", "bytecode"]
    )
    return {"abi": out["abi"], "bytecode": out["bytecode"]}


def send(anvil: Any, tx: dict[str, Any]) -> dict[str, Any]:
    """Send from an unlocked anvil account and return the mined receipt."""
    tx_hash = anvil.rpc("eth_sendTransaction", [{"from": DEPLOYER, **tx}])
    receipt = None
    for _ in range(200):  # automine is quick but not synchronous with the reply
        receipt = anvil.rpc("eth_getTransactionReceipt", [tx_hash])
        if receipt is not None:
            break
        time.sleep(0.01)
    assert isinstance(receipt, dict) and receipt["status"] == "0x1", receipt
    return receipt


def deploy(anvil: Any, name: str) -> str:
    receipt = send(anvil, {"data": compiled(name)["bytecode"]})
    return str(to_checksum_address(receipt["contractAddress"]))


@dataclass
class ChainWorld:
    anvil: Any
    multicall3: str
    nmr: str

    def network(self, *urls: str, multicall: bool = True, **changes: Any) -> Network:
        net = devnet(urls[0] if urls else self.anvil.rpc_url, nmr=self.nmr)
        if len(urls) > 1:
            net = net.with_rpc_urls(*urls)
        if multicall:
            net = net.with_addresses(multicall3=self.multicall3)
        if changes:
            import dataclasses

            net = dataclasses.replace(net, **changes)
        return net


_WORLD: dict[str, ChainWorld] = {}


@pytest.fixture
def chain_world(anvil: Any) -> Iterator[ChainWorld]:
    """Multicall3 and MockNMR on the shared anvil (deployed once, redeployed if rolled away),
    and the chain rolled back after the test."""
    world = _WORLD.get(anvil.rpc_url)
    if world is None or anvil.rpc("eth_getCode", [world.nmr, "latest"]) in ("0x", "0x0"):
        world = ChainWorld(anvil, deploy(anvil, "Multicall3"), deploy(anvil, "MockNMR"))
        _WORLD[anvil.rpc_url] = world
    snapshot = anvil.rpc("evm_snapshot")
    yield world
    anvil.rpc("evm_revert", [snapshot])


@pytest_asyncio.fixture
async def proxy(anvil: Any) -> AsyncIterator[FaultProxy]:
    fault_proxy = await FaultProxy(anvil.rpc_url).start()
    yield fault_proxy
    await fault_proxy.stop()


@pytest_asyncio.fixture
async def proxied_client(chain_world: ChainWorld, proxy: FaultProxy) -> AsyncIterator[ChainClient]:
    client = ChainClient(
        chain_world.network(proxy.url), timeout_s=2.0, total_timeout_s=6.0, retry=FAST_RETRY
    )
    yield client
    await client.close()


__all__ = [
    "DEPLOYER",
    "DEPLOYER_KEY",
    "FAST_RETRY",
    "OTHER",
    "ChainWorld",
    "chain_world",
    "compiled",
    "proxied_client",
    "proxy",
    "send",
]
