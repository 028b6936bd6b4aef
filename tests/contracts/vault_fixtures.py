"""Vault fixtures: factory, admin extension, lens and one vault on the real LocalAtomicStaking.

Imported at the end of tests/contracts/conftest.py. `vault_world` is the entry point: a
`VaultWorld` with helpers for the usual moves (fund, deposit, stake a round, resolve and
settle it) so tests read as the story they check.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import boa
import pytest
from vyper.compiler.output import build_abi_output

from numerbay_desktop.core import abs as abs_codec

# What `from tests.contracts.vault_fixtures import *` brings into conftest: the fixtures.
__all__ = [
    "make_world",
    "vault_admin_deployer",
    "vault_deployer",
    "vault_factory",
    "vault_factory_deployer",
    "vault_full_abi",
    "vault_lens_deployer",
    "vault_owner",
    "vault_world",
]

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
WAD_ = 10**18
DAY_ = 86_400
RAY = 10**27
MODEL_ID = abs_codec.model_id_bytes32("7d3a9c1e-1111-4a1a-9f5e-0c1b5d2d7a01")
OTHER_MODEL_ID = abs_codec.model_id_bytes32("0b7ad3a8-2222-4d59-8f3b-3f0f5c7c2b02")

# Default schedule: two tiers, three commitments (VAULT_SPEC section 5 argument structs).
TIERS = [(0, 200, 2_000), (1_000 * WAD_, 100, 1_000)]
COMMITMENTS = [(0, 0), (30 * DAY_, 2_000), (90 * DAY_, 5_000)]
VAULT_PARAMS: dict[str, int] = {
    "capacity": 1_000_000 * WAD_,
    "min_deposit": WAD_,
    "max_round_bps": 2_000,
    "max_at_stake_bps": 9_500,
    "max_settle_delay": 150 * DAY_,
    "schedule_delay": 7 * DAY_,
}


@pytest.fixture(scope="session")
def vault_deployer() -> Any:
    return boa.load_partial(str(CONTRACTS / "NumerBayVault.vy"))


@pytest.fixture(scope="session")
def vault_admin_deployer() -> Any:
    return boa.load_partial(str(CONTRACTS / "VaultAdmin.vy"))


@pytest.fixture(scope="session")
def vault_lens_deployer() -> Any:
    return boa.load_partial(str(CONTRACTS / "VaultLens.vy"))


@pytest.fixture(scope="session")
def vault_factory_deployer() -> Any:
    return boa.load_partial(str(CONTRACTS / "VaultFactory.vy"))


@pytest.fixture(scope="session")
def vault_full_abi(vault_deployer: Any, vault_admin_deployer: Any) -> Any:
    """The vault's ABI merged with VaultAdmin's: what a client uses for a vault address."""
    entries = [
        e
        for e in [
            *build_abi_output(vault_deployer.compiler_data),
            *build_abi_output(vault_admin_deployer.compiler_data),
        ]
        if e["type"] in ("function", "event")
    ]
    unique = {json.dumps(e, sort_keys=True): e for e in entries}
    return boa.loads_abi(json.dumps(list(unique.values())), name="NumerBayVaultFull")


@dataclass
class VaultWorld:
    """A deployed factory with one vault, and the moves tests make on it."""

    nmr: Any
    staking: Any
    factory: Any
    lens: Any
    vault: Any  # the vault with its own ABI
    admin: Any  # the same address with the merged vault + VaultAdmin ABI (decodes every event)
    owner: str  # the vault's owner (model owner)
    numerai: str  # LocalAtomicStaking's operator
    treasury: str
    authorize: Any
    vault_deployer: Any
    admin_deployer: Any
    model_id: bytes = MODEL_ID
    next_round: int = 1343
    leaves: dict[int, list[bytes]] = field(default_factory=dict)

    # ---------------------------------------------------------------- stakers

    def fund(self, account: str, amount: int) -> None:
        self.nmr.mint(account, amount)
        allowance = self.nmr.allowance(account, self.vault.address)
        if allowance:
            self.nmr.approve(self.vault.address, 0, sender=account)
        self.nmr.approve(self.vault.address, amount, sender=account)

    def deposit(
        self,
        account: str,
        amount: int,
        commitment_id: int = 0,
        max_fixed: int = 10_000,
        max_profit: int = 10_000,
    ) -> int:
        self.fund(account, amount)
        return int(self.vault.deposit(amount, commitment_id, max_fixed, max_profit, sender=account))

    # ---------------------------------------------------------------- rounds

    def open_round(self, round_id: int | None = None) -> int:
        rid = self.next_round if round_id is None else round_id
        self.next_round = max(self.next_round, rid) + 1
        now = boa.env.timestamp
        self.staking.create_round(rid, 8, now, now + DAY_, sender=self.numerai)
        return rid

    def stake(self, amount: int, round_id: int | None = None, sender: str | None = None) -> int:
        """Open a round, get Numerai's authorization for the vault, stake; returns the round id."""
        rid = self.open_round(round_id)
        authorization, signature = self.authorize(
            round_id=rid, staker=self.vault.address, model_id=self.model_id
        )
        self.vault.stake_round(
            authorization.as_tuple(), amount, signature, sender=sender or self.owner
        )
        return rid

    def resolve(self, round_id: int, payout: int, burn: int) -> list[bytes]:
        """Resolve the round with the vault's claim (and a bystander's leaf); returns the proof."""
        close_time = self.staking.round(round_id).close_time
        if boa.env.timestamp < close_time:
            boa.env.time_travel(seconds=close_time - boa.env.timestamp)
        bystander = abs_codec.leaf(round_id, self.numerai, OTHER_MODEL_ID, 0, 0)
        mine = abs_codec.leaf(round_id, self.vault.address, self.model_id, payout, burn)
        leaves = [mine, bystander]
        self.leaves[round_id] = leaves
        self.nmr.mint(self.numerai, payout)
        if payout:
            self.nmr.approve(self.staking.address, payout, sender=self.numerai)
        self.staking.resolve_round(
            round_id, abs_codec.merkle_root(leaves), payout, burn, sender=self.numerai
        )
        return abs_codec.merkle_proof(leaves, 0)

    def settle(self, round_id: int, payout: int, burn: int, sender: str | None = None) -> int:
        proof = self.resolve(round_id, payout, burn)
        return int(
            self.vault.settle_round(round_id, payout, burn, proof, sender=sender or self.owner)
        )

    # ---------------------------------------------------------------- views

    def info(self) -> Any:
        return self.lens.vault_info(self.vault.address)

    def lot(self, lot_id: int) -> Any:
        return self.lens.lot(self.vault.address, lot_id)

    def words(self) -> list[int]:
        return list(self.vault.state_words())

    def idle(self) -> int:
        return int(self.words()[0]) & (2**96 - 1)


def make_vault(
    factory: Any,
    vault_deployer: Any,
    owner: str,
    model_id: bytes = MODEL_ID,
    tiers: list[tuple[int, int, int]] | None = None,
    commitments: list[tuple[int, int]] | None = None,
    **overrides: int,
) -> Any:
    params = {**VAULT_PARAMS, **overrides}
    address = factory.create_vault(
        "vault-model",
        model_id,
        TIERS if tiers is None else tiers,
        COMMITMENTS if commitments is None else commitments,
        params["capacity"],
        params["min_deposit"],
        params["max_round_bps"],
        params["max_at_stake_bps"],
        params["max_settle_delay"],
        params["schedule_delay"],
        sender=owner,
    )
    return vault_deployer.at(address)


@pytest.fixture
def vault_factory(
    nmr: Any,
    staking: Any,
    deployer: str,
    vault_deployer: Any,
    vault_admin_deployer: Any,
    vault_lens_deployer: Any,
    vault_factory_deployer: Any,
) -> Any:
    blueprint = vault_deployer.deploy_as_blueprint()
    admin = vault_admin_deployer.deploy()
    lens = vault_lens_deployer.deploy()
    treasury = boa.env.generate_address("treasury")
    return vault_factory_deployer.deploy(
        nmr.address, staking.address, blueprint.address, admin.address, lens.address, treasury
    )


@pytest.fixture
def vault_owner(boa_anchor: None) -> str:
    return str(boa.env.generate_address("model-owner"))


@pytest.fixture
def vault_world(
    nmr: Any,
    staking: Any,
    operator: str,
    authorize: Any,
    vault_factory: Any,
    vault_owner: str,
    vault_deployer: Any,
    vault_admin_deployer: Any,
    vault_lens_deployer: Any,
    vault_full_abi: Any,
) -> VaultWorld:
    vault = make_vault(vault_factory, vault_deployer, vault_owner)
    return VaultWorld(
        nmr=nmr,
        staking=staking,
        factory=vault_factory,
        lens=vault_lens_deployer.at(vault_factory.lens()),
        vault=vault,
        admin=vault_full_abi.at(vault.address),
        owner=vault_owner,
        numerai=operator,
        treasury=str(vault_factory.treasury()),
        authorize=authorize,
        vault_deployer=vault_deployer,
        admin_deployer=vault_admin_deployer,
    )


@pytest.fixture
def make_world(vault_world: VaultWorld, vault_full_abi: Any) -> Any:
    """Build another vault (own model id, schedule, bounds) in the same world."""

    def build(
        tiers: list[tuple[int, int, int]] | None = None,
        commitments: list[tuple[int, int]] | None = None,
        model_id: bytes = OTHER_MODEL_ID,
        **overrides: int,
    ) -> VaultWorld:
        vault = make_vault(
            vault_world.factory, vault_world.vault_deployer, vault_world.owner,
            model_id=model_id, tiers=tiers, commitments=commitments, **overrides,
        )
        world = replace(vault_world, vault=vault, admin=vault_full_abi.at(vault.address))
        world.model_id = model_id
        world.leaves = {}
        return world

    return build
