"""The devnet world: contracts, demo vaults, the local Numerai and months of history.

    world = DevnetWorld.open(anvil, WorldConfig(seed=0), cache_dir)   # warm if cached
    url = world.start_numerai()          # the GraphQL server, on the chain's clock
    world.advance(days=3)                # Numerai's round work, owners' keepers, stakers
    world.mint(address, 100 * WAD)
    snap = world.snapshot(); ...; world.restore(snap)   # evm_snapshot + simulator state
    world.describe(control_url=...)      # the JSON line of `numerbay devnet up`

Chain time is the only clock: the history starts the day before Numerai's first Atomic
staking round (1343) and plays `days` daily rounds; rounds resolve 33 days after they open,
so a 135-day history has about 100 settled rounds per early vault (a 3-month return).
`open` builds the world on a fresh anvil and dumps its state to the cache (`state_cache`),
or, when the cache has this world, expects an anvil started with `--load-state` and restores
the simulator beside it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from web3 import Web3

from numerbay_desktop.devnet import state_cache
from numerbay_desktop.devnet.anvil import DEFAULT_MNEMONIC, Anvil
from numerbay_desktop.devnet.deploy import Deployment, deploy_core
from numerbay_desktop.devnet.local_numerai.calendar import ABS_CUTOVER_ROUND
from numerbay_desktop.devnet.local_numerai.round_driver import DriverSnapshot, RoundDriver
from numerbay_desktop.devnet.local_numerai.server import LocalNumeraiServer
from numerbay_desktop.devnet.local_numerai.staking_desk import StakingDesk
from numerbay_desktop.devnet.local_numerai.tournament import Tournament
from numerbay_desktop.devnet.node import DevnetBuildError, NodeProvider, NodeRpc, Tx
from numerbay_desktop.devnet.round_work import (
    DemoVault,
    WorldContext,
    play_day,
    round_time,
    vault_infos,
)
from numerbay_desktop.devnet.scenario import (
    ANVIL_ACCOUNTS,
    DEMO_ACCOUNTS,
    DEPLOYER_INDEX,
    HISTORY_DAYS,
    NMR_PER_ACCOUNT,
    OPERATOR_INDEX,
    SIGNER_INDEX,
    address_of,
    funded_indices,
    key_of,
    vault_roles,
)

OPERATOR_RESERVE = 10_000_000 * 10**18
BUILD_BLOCK_GAS_LIMIT = 1_000_000_000  # a whole step of the history fits one block
WORLD_VERSION = 3  # bump when the scenario or the builder changes what a world contains


@dataclass(frozen=True)
class WorldConfig:
    seed: int = 0
    days: int = HISTORY_DAYS
    chain_id: int = 31337
    mnemonic: str = DEFAULT_MNEMONIC

    def key_parts(self) -> dict[str, Any]:
        return {"world_version": WORLD_VERSION, "seed": self.seed, "days": self.days,
                "chain_id": self.chain_id, "mnemonic": self.mnemonic}


@dataclass(frozen=True)
class WorldSnapshot:
    evm_id: str
    simulator: DriverSnapshot
    vaults: tuple[str | None, ...]


def start_anvil(config: WorldConfig, *, port: int = 0, load_state: Path | None = None) -> Anvil:
    """An anvil for a world: every scenario account unlocked (see `scenario`).

    A fresh one starts with its genesis before the history (which begins in August 2026,
    whatever the wall clock says); a loaded one resumes at its last block.
    """
    extra = [] if load_state is not None else [
        "--timestamp", str(_world_start() - 3_600),
        # The build mines each step's transactions as one block (far fewer blocks to make).
        "--gas-limit", str(BUILD_BLOCK_GAS_LIMIT),
    ]
    return Anvil.start(
        port=port, chain_id=config.chain_id, mnemonic=config.mnemonic,
        accounts=ANVIL_ACCOUNTS, load_state=load_state, extra_args=extra, timeout_s=60.0,
    )


class DevnetWorld:
    def __init__(
        self, anvil: Anvil, config: WorldConfig, deployment: Deployment,
        vault_addresses: list[str | None] | None,
    ) -> None:
        self.anvil = anvil
        self.config = config
        self.deployment = deployment
        self.rpc = NodeRpc(anvil.rpc_url)
        self.w3 = Web3(NodeProvider(self.rpc), middleware=[])  # no per-call validation
        self.tournament = Tournament(seed=config.seed)
        self.desk = StakingDesk(
            self.w3, deployment.staking, bytes.fromhex(key_of(config.mnemonic, SIGNER_INDEX)[2:]),
            bytes.fromhex(key_of(config.mnemonic, OPERATOR_INDEX)[2:]),
        )
        self.driver = RoundDriver(self.tournament, self.desk)
        roles = vault_roles(self.tournament)
        if vault_addresses is None:  # a new world: vaults are created during the history
            vault_addresses = [None] * len(roles)
        self.ctx = WorldContext(
            rpc=self.rpc, mnemonic=config.mnemonic, seed=config.seed, deployment=deployment,
            tournament=self.tournament, desk=self.desk, driver=self.driver,
            vaults=[DemoVault(role, address) for role, address in zip(
                roles, vault_addresses, strict=True)],
        )
        self.lock = threading.RLock()
        self.server: LocalNumeraiServer | None = None
        self.origin = "attached"
        self.build_seconds: float | None = None

    # ---------------------------------------------------------------- construction
    @classmethod
    def build(cls, anvil: Anvil, config: WorldConfig) -> DevnetWorld:
        """Deploy everything on a fresh anvil and play the whole history."""
        started = time.monotonic()
        rpc = NodeRpc(anvil.rpc_url)
        first = ABS_CUTOVER_ROUND
        mnemonic = config.mnemonic
        deployer = address_of(mnemonic, DEPLOYER_INDEX)
        world_start = _world_start()
        rpc.set_time(world_start)
        deployment = deploy_core(
            rpc, deployer=deployer, signer=address_of(mnemonic, SIGNER_INDEX),
            operator=address_of(mnemonic, OPERATOR_INDEX), treasury=deployer,
        )
        world = cls(anvil, config, deployment, None)
        world.rpc.one_block_per_send = True
        world._fund()
        world._create_rounds(first, config.days)
        world.play(first, config.days)
        world.rpc.one_block_per_send = False  # served worlds mine every transaction at once
        world.origin = "built"
        world.build_seconds = time.monotonic() - started
        return world

    @classmethod
    def attach(cls, anvil: Anvil, config: WorldConfig, meta: dict[str, Any]) -> DevnetWorld:
        """Adopt a world loaded from a state dump; the clock resumes after its last block."""
        world = cls(anvil, config, Deployment.from_dict(meta["deployment"]), meta["vaults"])
        world.driver.restore(
            state_cache.decode_simulator(meta["simulator"], type(world.desk.snapshot()))
        )
        # anvil resumes a loaded chain on the wall clock: put the clock just after the head.
        world.rpc.set_time(world.rpc.block_timestamp() + 1)
        world.origin = "cached"
        return world

    @classmethod
    def open(
        cls, config: WorldConfig, cache_dir: Path, *, port: int = 0, use_cache: bool = True
    ) -> DevnetWorld:
        """Start anvil and a world on it, from the cache when it has this world."""
        key = world_key(config)
        meta = state_cache.lookup(cache_dir, key) if use_cache else None
        if meta is not None:
            anvil = start_anvil(config, port=port,
                                load_state=state_cache.state_path(cache_dir, key))
            try:
                return cls.attach(anvil, config, meta)
            except BaseException:
                anvil.stop()
                raise
        anvil = start_anvil(config, port=port)
        try:
            world = cls.build(anvil, config)
            state_cache.save(world.rpc, cache_dir, key, world.export_meta())
            return world
        except BaseException:
            anvil.stop()
            raise

    def export_meta(self) -> dict[str, Any]:
        return {
            "config": self.config.key_parts(),
            "deployment": self.deployment.contracts(),
            "vaults": [v.address for v in self.ctx.vaults],
            "simulator": state_cache.encode_simulator(self.driver.snapshot()),
            "build_seconds": self.build_seconds,
        }

    def _fund(self) -> None:
        nmr = self.ctx.codecs.nmr
        deployer = address_of(self.config.mnemonic, DEPLOYER_INDEX)
        self.rpc.send([
            Tx(deployer, self.deployment.nmr,
               nmr.encode("mint", address_of(self.config.mnemonic, i), NMR_PER_ACCOUNT),
               f"mint NMR for account {i}", gas=200_000)
            for i in funded_indices()
        ] + [
            # Numerai's payout reserve, so the desk need not mint before every resolution.
            Tx(deployer, self.deployment.nmr,
               nmr.encode("mint", address_of(self.config.mnemonic, OPERATOR_INDEX),
                          OPERATOR_RESERVE), "mint the operator's payout reserve", gas=200_000)
        ])

    def _create_rounds(self, first_round: int, count: int) -> None:
        """Create the history's rounds on chain in one batch from Numerai's operator.

        The round driver would create each as it opens (one signed, estimated transaction a
        day); finding them already there with the same times, it only checks them.
        """
        operator = address_of(self.config.mnemonic, OPERATOR_INDEX)
        staking = self.ctx.codecs.staking
        calendar = self.tournament.calendar
        txs = []
        for number in range(first_round, first_round + count):
            if not self.tournament.has_round(number):
                continue
            times = calendar.times(number)
            data = staking.encode("create_round", number, self.desk.tournament_id,
                                  times.open_time, times.close_staking_time)
            txs.append(Tx(operator, self.deployment.staking, data, f"create round {number}",
                          gas=300_000))
        self.rpc.send(txs)

    # ---------------------------------------------------------------- time
    def chain_time(self) -> int:
        return self.rpc.block_timestamp()

    def current_round(self) -> int:
        return self.tournament.calendar.current_round(self.chain_time())

    def play(self, first_round: int, count: int) -> list[dict[str, int]]:
        with self.lock:
            rounds = range(first_round, first_round + count)
            return [play_day(self.ctx, number) for number in rounds]

    def advance(self, days: int) -> list[dict[str, int]]:
        """Play the next `days` daily rounds (the clock moves to each in turn)."""
        with self.lock:
            now = self.chain_time()
            first = self.current_round() + 1
            if round_time(self.tournament, first - 1) > now:  # today's work not done yet
                first -= 1
            return self.play(first, days)

    # ---------------------------------------------------------------- money
    def mint(self, to: str, amount_wei: int) -> None:
        with self.lock:
            deployer = address_of(self.config.mnemonic, DEPLOYER_INDEX)
            data = self.ctx.codecs.nmr.encode("mint", Web3.to_checksum_address(to), amount_wei)
            self.rpc.send([Tx(deployer, self.deployment.nmr, data, "mint NMR", gas=200_000)])

    # ---------------------------------------------------------------- snapshots
    def snapshot(self) -> WorldSnapshot:
        with self.lock:
            return WorldSnapshot(
                evm_id=str(self.rpc.call("evm_snapshot")),
                simulator=self.driver.snapshot(),
                vaults=tuple(v.address for v in self.ctx.vaults),
            )

    def restore(self, snap: WorldSnapshot) -> None:
        """Back to the snapshot (anvil forgets the snapshot id: take a new one to reuse)."""
        with self.lock:
            if not self.rpc.call("evm_revert", [snap.evm_id]):
                raise DevnetBuildError("anvil could not revert to the world's snapshot.")
            self.rpc.forget_nonces()
            self.ctx.settled.clear()
            # anvil keeps its clock offset across a revert: put the clock back on the head.
            self.rpc.call("anvil_setTime", [self.rpc.block_timestamp()])
            self.driver.restore(snap.simulator)
            for vault, address in zip(self.ctx.vaults, snap.vaults, strict=True):
                vault.address = address

    # ---------------------------------------------------------------- serving
    def start_numerai(self, port: int = 0) -> str:
        """Serve the local Numerai's GraphQL API on 127.0.0.1 on the chain's clock."""
        if self.server is None:
            self.server = LocalNumeraiServer(
                self.tournament, desk=self.desk, driver=self.driver,
                clock=lambda: float(self.chain_time()), port=port,
            )
            self.server.start()
        return self.server.url

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        self.anvil.stop()

    def api_keys(self) -> list[dict[str, Any]]:
        """The Numerai API keys of the vault owners (play money), with their addresses."""
        out: list[dict[str, Any]] = []
        seen: set[str] = set()
        for vault in self.ctx.vaults:
            username = vault.role.model.username
            if username in seen:
                continue
            seen.add(username)
            key = self.tournament.account_by_name[username].api_keys[0]
            owner = address_of(self.config.mnemonic, vault.role.owner_index)
            out.append({
                "public_id": key.public_id, "secret": key.secret, "username": username,
                "scopes": list(key.scopes), "owner": owner,
                "owner_index": vault.role.owner_index,
                "models": [v.role.model.name for v in self.ctx.vaults
                           if v.role.model.username == username],
                "vaults": [v.address for v in self.ctx.vaults
                           if v.role.model.username == username],
            })
        return out

    def describe(self, *, control_url: str | None = None) -> dict[str, Any]:
        """The JSON of `numerbay devnet up` (every secret here is devnet play money)."""
        mnemonic = self.config.mnemonic
        contracts = self.deployment.contracts()
        return {
            "rpc_url": self.anvil.rpc_url,
            "chain_id": self.config.chain_id,
            "numerai_url": self.server.url if self.server is not None else None,
            "control_url": control_url,
            "mnemonic": mnemonic,
            "accounts": [
                {"address": address_of(mnemonic, i), "private_key": key_of(mnemonic, i),
                 "index": i}
                for i in range(DEMO_ACCOUNTS)
            ],
            "contracts": {name: contracts[name] for name in (
                "nmr", "staking", "factory", "lens", "admin", "multicall3", "vault_blueprint")},
            "vaults": [v.address for v in self.ctx.vaults if v.address is not None],
            "numerai_api_keys": self.api_keys(),
            "seed": self.config.seed,
            "history_days": self.config.days,
            "chain_time": self.chain_time(),
            "world": self.origin,
        }

    def vault_summaries(self) -> list[dict[str, Any]]:
        live = self.ctx.live()
        return [
            {"address": v.address, "model": v.role.model.name,
             "applied": int(info["applied_count"]), "staked": int(info["stake_count"]),
             "total_assets": str(info["total_assets"])}
            for v, info in zip(live, vault_infos(self.ctx, live), strict=True)
        ]


def world_key(config: WorldConfig) -> str:
    """The cache key of a world: its config, the artifacts, and who gets which vault (the
    local Numerai's population may change with its code; a cached world must match it)."""
    roles = [
        [role.model.id, role.owner_index, repr(role.terms)]
        for role in vault_roles(Tournament(seed=config.seed))
    ]
    return state_cache.cache_key({**config.key_parts(), "roles": roles})


def _world_start() -> int:
    """One hour into the day before round 1343 opens: the vaults are created then."""
    from numerbay_desktop.devnet.local_numerai.calendar import Calendar

    return Calendar().open_time(ABS_CUTOVER_ROUND - 1) + 3_600
