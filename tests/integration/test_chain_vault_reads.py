"""The real vault contracts on anvil, read the way the marketplace will: every vault's
`vault_info` and `schedule` through the lens, all in one HTTP request at one block."""

from __future__ import annotations

from typing import Any

import pytest
from chain_support import *  # noqa: F403
from chain_support import DEPLOYER, ChainWorld, send
from fault_proxy import FaultProxy

from numerbay_desktop.chain.client import ChainClient, TxRequest
from numerbay_desktop.chain.contracts import ContractAbi, decode_calldata, deployment_data
from numerbay_desktop.chain.errors import CallReverted

pytestmark = pytest.mark.asyncio

WAD = 10**18
DAY = 86_400
VAULTS = 12
TREASURY = "0x000000000000000000000000000000000000dEaD"


def deploy_data(anvil: Any, data: bytes) -> str:
    return str(send(anvil, {"data": "0x" + data.hex()})["contractAddress"])


def deploy_vault_system(world: ChainWorld) -> tuple[str, str]:
    """LocalAtomicStaking, the vault blueprint, VaultAdmin, VaultLens and the factory."""
    anvil = world.anvil
    staking_code = deployment_data("LocalAtomicStaking", world.nmr, DEPLOYER, DEPLOYER)
    staking = deploy_data(anvil, staking_code)
    blueprint = deploy_data(anvil, deployment_data("NumerBayVault", blueprint=True))
    admin = deploy_data(anvil, deployment_data("VaultAdmin"))
    lens = deploy_data(anvil, deployment_data("VaultLens"))
    factory = deploy_data(
        anvil,
        deployment_data("VaultFactory", world.nmr, staking, blueprint, admin, lens, TREASURY),
    )
    return factory, lens


def create_vaults(world: ChainWorld, factory: str) -> None:
    abi = ContractAbi.load("VaultFactory").at(factory)
    for i in range(VAULTS):
        tiers = [(0, 100 + i, 1_000 + i), (1_000 * WAD, 50, 500)][: 1 + i % 2]
        commitments = [(0, 0), (30 * DAY, 2_000)]
        data = abi.calldata(
            "create_vault", f"model-{i}", bytes([i + 1]) * 32, tiers, commitments,
            (i + 1) * 10_000 * WAD, WAD, 2_000, 9_500, 150 * DAY, 7 * DAY,
        )
        send(world.anvil, {"to": factory, "data": "0x" + data.hex(), "gas": hex(10_000_000)})


async def test_every_vault_s_info_and_schedule_in_one_request(
    chain_world: ChainWorld, proxied_client: ChainClient, proxy: FaultProxy
) -> None:
    factory_address, lens_address = deploy_vault_system(chain_world)
    create_vaults(chain_world, factory_address)
    factory = ContractAbi.load("VaultFactory").at(factory_address)
    lens = ContractAbi.load("VaultLens").at(lens_address)
    await proxied_client.connect()

    proxy.reset_counts()
    session, (count,) = await proxied_client.pin_and_read([factory.read("vault_count")])
    assert proxy.http_requests == 1  # the pin rides along with the first read
    assert count == VAULTS
    assert session.block_number == await proxied_client.block_number()
    proxy.reset_counts()
    vaults = await session.read_many([factory.read("vaults", i) for i in range(count)])
    reads = [lens.read("vault_info", v) for v in vaults]
    reads += [lens.read("schedule", v) for v in vaults]
    outcomes = await session.multicall([r.as_call() for r in reads])
    assert proxy.http_requests == 2  # addresses, then every view of every vault

    infos = [reads[i].function.decode_record(outcomes[i].data) for i in range(count)]
    for i, info in enumerate(infos):
        assert info["model_name"] == f"model-{i}"
        assert info["capacity"] == (i + 1) * 10_000 * WAD
        assert info["min_deposit"] == WAD and info["paused"] is False
        assert info["total_assets"] == 0
    for i in range(count):
        tiers, commitments = reads[count + i].decode(outcomes[count + i])
        assert tiers[0] == (0, 100 + i, 1_000 + i) and len(tiers) == 1 + i % 2
        assert commitments == ((0, 0), (30 * DAY, 2_000))
        assert len(outcomes[count + i].data) <= 2048  # within Multicall3's bound


async def test_vault_admin_calldata_decodes_for_review(
    chain_world: ChainWorld, proxied_client: ChainClient
) -> None:
    factory_address, _ = deploy_vault_system(chain_world)
    create_vaults(chain_world, factory_address)
    factory = ContractAbi.load("VaultFactory").at(factory_address)
    (vault,) = await (await proxied_client.pin_latest()).read_many([factory.read("vaults", 0)])
    full = ContractAbi.load("NumerBayVault").merged(ContractAbi.load("VaultAdmin")).at(vault)
    data = full.calldata("set_capacity", 5 * WAD)
    decoded = decode_calldata(data, prefer=["NumerBayVault", "VaultAdmin"])
    assert decoded is not None and decoded.function.name == "set_capacity"
    assert decoded.contract == "VaultAdmin" and decoded.arguments[0][2] == 5 * WAD
    # The owner-only call, simulated from a stranger, is refused with the vault's reason.
    stranger = "0x000000000000000000000000000000000000bEEF"
    with pytest.raises(CallReverted) as refused:
        await proxied_client.call(TxRequest(vault, data, sender=stranger))
    assert refused.value.reason == "VaultAdmin: not owner"
