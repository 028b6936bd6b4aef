"""Fixtures for the transaction pipeline tests: MockNMR, Multicall3 and one real NumerBay vault
on the shared anvil (deployed once per session, redeployed if rolled away), each test rolled
back after; pipelines over a fault proxy with their own nonce journal.

Import with `from txflow_support import *  # noqa: F403`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from chain_support import DEPLOYER, DEPLOYER_KEY, compiled, send
from eth_account import Account
from eth_utils.address import to_checksum_address
from fault_proxy import FaultProxy

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.contracts import ContractAbi, ContractNames, deployment_data
from numerbay_desktop.chain.networks import Network, devnet
from numerbay_desktop.chain.rpc import RetryPolicy
from numerbay_desktop.chain.txflow import TxPipeline
from numerbay_desktop.services.tx_signing import KeySigner
from numerbay_desktop.store.nonce_journal import NonceJournal

WAD = 10**18
DAY = 86_400
TREASURY = "0x000000000000000000000000000000000000dEaD"
# anvil's default accounts 1 and 2 (mnemonic "test test ... junk")
ALICE_KEY = bytes.fromhex("59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d")
BOB_KEY = bytes.fromhex("5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a")
ALICE = str(Account.from_key(ALICE_KEY).address)
BOB = str(Account.from_key(BOB_KEY).address)
OWNER_KEY = bytes.fromhex(DEPLOYER_KEY[2:])
OWNER = DEPLOYER
FAST = RetryPolicy(rounds=2, base_delay_s=0.02, max_delay_s=0.05, max_retry_after_s=1.0)

NMR_ABI = ContractAbi.load("MockNMR")
VAULT_ABI = ContractAbi.load("NumerBayVault")


@dataclass
class TxWorld:
    anvil: Any
    multicall3: str
    nmr: str
    vault: str

    def network(self, url: str | None = None) -> Network:
        return devnet(url or self.anvil.rpc_url, nmr=self.nmr, multicall3=self.multicall3)

    def names(self, network: Network) -> ContractNames:
        return ContractNames.for_network(network, {self.vault: "Vault model-0"})

    def rpc(self, method: str, params: list[Any] | None = None) -> Any:
        return self.anvil.rpc(method, params or [])

    def mint(self, to: str, amount: int) -> None:
        data = NMR_ABI.at(self.nmr).calldata("mint", to, amount)
        send(self.anvil, {"to": self.nmr, "data": "0x" + data.hex()})

    def nmr_balance(self, who: str) -> int:
        data = NMR_ABI.at(self.nmr).calldata("balanceOf", who)
        return int(str(self.rpc("eth_call", [{"to": self.nmr, "data": "0x" + data.hex()},
                                            "latest"])), 16)

    def nonce(self, who: str, block: str = "latest") -> int:
        return int(str(self.rpc("eth_getTransactionCount", [who, block])), 16)

    def mine(self, blocks: int = 1) -> None:
        self.rpc("anvil_mine", [hex(blocks)])

    def wait_mined(self, tx_hash: str, timeout_s: float = 5.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            receipt = self.rpc("eth_getTransactionReceipt", [tx_hash])
            if receipt is not None:
                return dict(receipt)
            time.sleep(0.01)
        raise AssertionError(f"{tx_hash} was not mined")


def _deploy(anvil: Any, data: bytes | str, gas: int | None = None) -> str:
    code = data if isinstance(data, str) else "0x" + data.hex()
    tx: dict[str, Any] = {"data": code}
    if gas:
        tx["gas"] = hex(gas)
    return str(to_checksum_address(send(anvil, tx)["contractAddress"]))


def _build_world(anvil: Any) -> TxWorld:
    multicall3 = _deploy(anvil, compiled("Multicall3")["bytecode"])
    nmr = _deploy(anvil, compiled("MockNMR")["bytecode"])
    staking = _deploy(anvil, deployment_data("LocalAtomicStaking", nmr, DEPLOYER, DEPLOYER))
    blueprint = _deploy(anvil, deployment_data("NumerBayVault", blueprint=True))
    admin = _deploy(anvil, deployment_data("VaultAdmin"))
    lens = _deploy(anvil, deployment_data("VaultLens"))
    factory_code = deployment_data("VaultFactory", nmr, staking, blueprint, admin, lens, TREASURY)
    factory = _deploy(anvil, factory_code)
    factory_abi = ContractAbi.load("VaultFactory").at(factory)
    data = factory_abi.calldata(
        "create_vault", "model-0", b"\x01" * 32, [(0, 100, 1_000)], [(0, 0), (30 * DAY, 2_000)],
        100_000 * WAD, WAD, 2_000, 9_500, 150 * DAY, 7 * DAY,
    )
    send(anvil, {"to": factory, "data": "0x" + data.hex(), "gas": hex(10_000_000)})
    call = {"to": factory, "data": "0x" + factory_abi.calldata("vaults", 0).hex()}
    vault = "0x" + str(anvil.rpc("eth_call", [call, "latest"]))[-40:]
    return TxWorld(anvil, multicall3, nmr, str(to_checksum_address(vault)))


_WORLDS: dict[str, TxWorld] = {}


@pytest.fixture
def txworld(anvil: Any) -> Iterator[TxWorld]:
    """MockNMR, Multicall3 and one vault (owned by OWNER) on the shared anvil; rolled back
    after the test, automine and the next block's base fee restored."""
    world = _WORLDS.get(anvil.rpc_url)
    if world is None or anvil.rpc("eth_getCode", [world.vault, "latest"]) in ("0x", "0x0"):
        world = _build_world(anvil)
        _WORLDS[anvil.rpc_url] = world
    snapshot = anvil.rpc("evm_snapshot")
    # evm_revert leaves anvil's next base fee where the test left it: restore it as well
    next_base_fee = anvil.rpc("eth_feeHistory", ["0x1", "latest", []])["baseFeePerGas"][-1]
    try:
        yield world
    finally:
        anvil.rpc("evm_setAutomine", [True])
        anvil.rpc("evm_revert", [snapshot])
        anvil.rpc("anvil_setNextBlockBaseFeePerGas", [next_base_fee])


@pytest_asyncio.fixture
async def tx_proxy(anvil: Any) -> AsyncIterator[FaultProxy]:
    proxy = await FaultProxy(anvil.rpc_url).start()
    yield proxy
    await proxy.stop()


class PipelineFactory:
    """Pipelines over the proxy with the test's journal; all closed at the end."""

    def __init__(self, world: TxWorld, proxy: FaultProxy, data_dir: Path) -> None:
        self.world, self.proxy, self.data_dir = world, proxy, data_dir
        self.clients: list[ChainClient] = []
        self.journals: list[NonceJournal] = []

    def __call__(self, **options: Any) -> TxPipeline:
        network = self.world.network(self.proxy.url)
        client = ChainClient(network, timeout_s=3.0, total_timeout_s=6.0, retry=FAST)
        journal = NonceJournal.open(self.data_dir)
        self.clients.append(client)
        self.journals.append(journal)
        options.setdefault("poll_interval_s", 0.02)
        options.setdefault("confirmations", 3)
        return TxPipeline(client, journal, names=self.world.names(network), **options)

    async def close(self) -> None:
        for client in self.clients:
            await client.close()
        for journal in self.journals:
            journal.close()


@pytest_asyncio.fixture
async def pipelines(
    txworld: TxWorld, tx_proxy: FaultProxy, isolated_data_dir: Path
) -> AsyncIterator[PipelineFactory]:
    factory = PipelineFactory(txworld, tx_proxy, isolated_data_dir)
    yield factory
    await factory.close()


def signer(key: bytes) -> KeySigner:
    return KeySigner(key)


__all__ = [
    "ALICE", "ALICE_KEY", "BOB", "BOB_KEY", "NMR_ABI", "OWNER", "OWNER_KEY", "VAULT_ABI",
    "WAD", "PipelineFactory", "TxWorld", "pipelines", "signer", "tx_proxy", "txworld",
]
