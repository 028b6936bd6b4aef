"""Deploy the devnet's contracts from the bundled artifacts, and create demo vaults.

    rpc = NodeRpc(anvil.rpc_url)
    deployment = deploy_core(rpc, deployer=..., signer=..., operator=..., treasury=...)
    addresses = create_vaults(rpc, deployment, [VaultSpec(...), ...])

Order: MockNMR, LocalAtomicStaking(nmr, authorization signer, operator), Multicall3 (skipped
when its artifact is not bundled), VaultAdmin, VaultLens, the NumerBayVault blueprint
(EIP-5202 code from the artifact's `blueprint_bytecode`), VaultFactory(nmr, staking,
blueprint, admin, lens, treasury). Every transaction comes from an unlocked anvil account.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import collapse_if_tuple, to_checksum_address

from numerbay_desktop.core import abs as abs_codec
from numerbay_desktop.devnet.node import (
    ContractCodec,
    DevnetBuildError,
    NodeRpc,
    Tx,
    load_artifact,
)
from numerbay_desktop.resource_paths import contract_artifact

DAY = 86_400
WAD = 10**18
# The artifacts a devnet world is built from (their hashes key the state cache).
CORE_ARTIFACTS = (
    "MockNMR", "LocalAtomicStaking", "VaultAdmin", "VaultLens", "NumerBayVault", "VaultFactory",
)
OPTIONAL_ARTIFACTS = ("Multicall3",)


@dataclass(frozen=True)
class Deployment:
    nmr: str
    staking: str
    admin: str
    lens: str
    vault_blueprint: str
    factory: str
    multicall3: str | None

    def contracts(self) -> dict[str, str | None]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Deployment:
        optional = data.get("multicall3")
        return cls(
            nmr=str(data["nmr"]), staking=str(data["staking"]), admin=str(data["admin"]),
            lens=str(data["lens"]), vault_blueprint=str(data["vault_blueprint"]),
            factory=str(data["factory"]), multicall3=str(optional) if optional else None,
        )


@dataclass(frozen=True)
class VaultSpec:
    """Arguments of `VaultFactory.create_vault` (amounts in wei, durations in seconds)."""

    owner: str
    model_name: str
    numerai_model_id: str
    tiers: tuple[tuple[int, int, int], ...]  # (min_stake, fixed_fee_bps, profit_share_bps)
    commitments: tuple[tuple[int, int], ...]  # (duration, discount_bps)
    capacity: int
    min_deposit: int = WAD
    max_round_bps: int = 313
    max_at_stake_bps: int = 9_000
    max_settle_delay: int = 150 * DAY
    schedule_delay: int = 7 * DAY


def has_artifact(name: str) -> bool:
    return contract_artifact(name).is_file()


def _deploy_tx(sender: str, name: str, *args: Any, blueprint: bool = False) -> Tx:
    artifact = load_artifact(name)
    if blueprint:
        code = artifact.get("blueprint_bytecode")
        if not code:
            raise DevnetBuildError(f"The artifact {name}.json has no blueprint code.")
        return Tx(sender, None, _hex(code), f"deploy {name} blueprint", gas=15_000_000)
    data = _hex(artifact["bytecode"])
    if args:
        constructor = next(e for e in artifact["abi"] if e.get("type") == "constructor")
        types = [collapse_if_tuple(dict(item)) for item in constructor["inputs"]]
        data += abi_encode(types, list(args)).hex()
    return Tx(sender, None, data, f"deploy {name}", gas=15_000_000)


def _hex(code: str) -> str:
    return code if code.startswith("0x") else "0x" + code


def _deploy(rpc: NodeRpc, tx: Tx) -> str:
    receipt = rpc.send([tx])[0]
    address = receipt.get("contractAddress")
    if not address:
        raise DevnetBuildError(f"{tx.label} created no contract.")
    return str(to_checksum_address(address))


def deploy_core(
    rpc: NodeRpc, *, deployer: str, signer: str, operator: str, treasury: str
) -> Deployment:
    """Deploy every contract the devnet needs; returns their addresses."""
    nmr = _deploy(rpc, _deploy_tx(deployer, "MockNMR"))
    staking = _deploy(rpc, _deploy_tx(deployer, "LocalAtomicStaking", nmr, signer, operator))
    multicall3 = (
        _deploy(rpc, _deploy_tx(deployer, "Multicall3")) if has_artifact("Multicall3") else None
    )
    admin = _deploy(rpc, _deploy_tx(deployer, "VaultAdmin"))
    lens = _deploy(rpc, _deploy_tx(deployer, "VaultLens"))
    blueprint = _deploy(rpc, _deploy_tx(deployer, "NumerBayVault", blueprint=True))
    factory = _deploy(
        rpc,
        _deploy_tx(deployer, "VaultFactory", nmr, staking, blueprint, admin, lens, treasury),
    )
    return Deployment(
        nmr=nmr, staking=staking, admin=admin, lens=lens, vault_blueprint=blueprint,
        factory=factory, multicall3=multicall3,
    )


def create_vault_tx(deployment: Deployment, spec: VaultSpec) -> Tx:
    codec = ContractCodec(load_artifact("VaultFactory")["abi"])
    data = codec.encode(
        "create_vault",
        spec.model_name,
        abs_codec.model_id_bytes32(spec.numerai_model_id),
        [list(tier) for tier in spec.tiers],
        [list(commitment) for commitment in spec.commitments],
        spec.capacity,
        spec.min_deposit,
        spec.max_round_bps,
        spec.max_at_stake_bps,
        spec.max_settle_delay,
        spec.schedule_delay,
    )
    return Tx(spec.owner, deployment.factory, data, f"create vault {spec.model_name}",
              gas=8_000_000)


def create_vaults(rpc: NodeRpc, deployment: Deployment, specs: list[VaultSpec]) -> list[str]:
    """Create the vaults (one batch); returns their addresses in the order of `specs`."""
    factory = ContractCodec(load_artifact("VaultFactory")["abi"])
    vault = ContractCodec(load_artifact("NumerBayVault")["abi"])
    before = factory.decode_one(
        "vault_count", rpc.eth_call(deployment.factory, factory.encode("vault_count"))
    )
    rpc.send([create_vault_tx(deployment, spec) for spec in specs])
    created = [
        to_checksum_address(factory.decode_one("vaults", raw))
        for raw in rpc.eth_calls(
            [
                (deployment.factory, factory.encode("vaults", i))
                for i in range(before, before + len(specs))
            ]
        )
    ]
    model_ids = [
        bytes(vault.decode_one("model_id", raw))
        for raw in rpc.eth_calls([(address, vault.encode("model_id")) for address in created])
    ]
    by_model = dict(zip(model_ids, created, strict=True))
    return [str(by_model[abs_codec.model_id_bytes32(s.numerai_model_id)]) for s in specs]
