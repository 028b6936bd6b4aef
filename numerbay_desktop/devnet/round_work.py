"""One day of the devnet world: Numerai's round work, the owners' keepers, the stakers.

Every day (chain time is the only clock) `play_day(ctx, round_number)`:
1. moves the chain to one hour after the round opens, and lets the local Numerai's round
   driver open the round, resolve the rounds due (with the tournament's returns) and finalize
   stale positions;
2. creates the vaults whose start day it is (factory `create_vault`, the owner's first deposit);
3. settles every resolved position of every vault with the proofs the staking desk serves;
4. stakes the round for every vault whose model submitted to it: about total assets / 64,
   within the vault's bounds, with the desk's authorization for the vault as staker (the
   first stake registers the vault);
5. plays the stakers: deposits, top-ups, exit requests once a lot is unlocked, fulfilment,
   claims, the owners' fee claims, and one schedule change, at random but deterministic
   times (a `random.Random` seeded by the world's seed and the round number).

Each step sends its transactions as one batch and checks every receipt before the next step
reads the chain, so the steps see each other's results. Nothing here keeps state between
days: everything is read back from the chain and the desk, so a world restored from a state
dump plays on exactly like a freshly built one.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Any

from numerbay_desktop.devnet.deploy import Deployment, VaultSpec, create_vaults
from numerbay_desktop.devnet.local_numerai.calendar import ABS_CUTOVER_ROUND
from numerbay_desktop.devnet.local_numerai.round_driver import RoundDriver
from numerbay_desktop.devnet.local_numerai.staking_desk import Claim, StakingDesk
from numerbay_desktop.devnet.local_numerai.tournament import Tournament
from numerbay_desktop.devnet.node import ContractCodec, NodeRpc, Tx
from numerbay_desktop.devnet.scenario import (
    DAY,
    WAD,
    VaultRole,
    address_of,
    staker_indices,
)

RAY = 10**27
BPS = 10_000
ROUND_SHARE = 64  # Numerai's usual per-round stake is TVL / 64
STAKE_HOUR = 3_600  # the day's work happens one hour after the round opens
MAX_BPS_ANY = 10_000
LOT_JOINED, LOT_ACTIVE = 1, 2
MAX_OPEN_LOTS = 16
SCHEDULE_CHANGE_VAULT = 1  # this demo vault proposes lower fees once, mid-history
SCHEDULE_CHANGE_DAY = 40


@dataclass
class Codecs:
    nmr: ContractCodec = field(default_factory=lambda: ContractCodec.of("MockNMR"))
    vault: ContractCodec = field(
        default_factory=lambda: ContractCodec.of("NumerBayVault", "VaultAdmin")
    )
    lens: ContractCodec = field(default_factory=lambda: ContractCodec.of("VaultLens"))
    factory: ContractCodec = field(default_factory=lambda: ContractCodec.of("VaultFactory"))
    staking: ContractCodec = field(
        default_factory=lambda: ContractCodec.of("LocalAtomicStaking")
    )


@dataclass
class DemoVault:
    role: VaultRole
    address: str | None = None  # None until its start day

    @property
    def model_id(self) -> str:
        return self.role.model.id


@dataclass
class WorldContext:
    """Everything a day's work needs; the world object owns it."""

    rpc: NodeRpc
    mnemonic: str
    seed: int
    deployment: Deployment
    tournament: Tournament
    desk: StakingDesk
    driver: RoundDriver
    vaults: list[DemoVault]
    codecs: Codecs = field(default_factory=Codecs)
    settled: set[tuple[int, str]] = field(default_factory=set)  # (round, vault) known settled

    def address(self, index: int) -> str:
        return address_of(self.mnemonic, index)

    def live(self) -> list[DemoVault]:
        return [v for v in self.vaults if v.address is not None]


def struct(codec: ContractCodec, function: str, raw: bytes) -> dict[str, Any]:
    """Decode a function returning one struct into a dict by field name."""
    entry = next(e for e in codec.abi if e.get("type") == "function" and e["name"] == function)
    names = [c["name"] for c in entry["outputs"][0]["components"]]
    return dict(zip(names, codec.decode_one(function, raw), strict=True))


def vault_infos(ctx: WorldContext, vaults: list[DemoVault]) -> list[dict[str, Any]]:
    lens, address = ctx.codecs.lens, ctx.deployment.lens
    raws = ctx.rpc.eth_calls([(address, lens.encode("vault_info", v.address)) for v in vaults])
    return [struct(lens, "vault_info", raw) for raw in raws]


def round_time(tournament: Tournament, round_number: int) -> int:
    return tournament.calendar.open_time(round_number) + STAKE_HOUR


def play_day(ctx: WorldContext, round_number: int) -> dict[str, int]:
    """Play one round's day; returns counts of what happened (for logs and the CLI)."""
    now = round_time(ctx.tournament, round_number)
    if ctx.rpc.block_timestamp() < now:
        ctx.rpc.set_time(now)
    report = ctx.driver.tick(now)
    created = _create_due_vaults(ctx, round_number)
    settled = _settle(ctx)
    staked = _stake(ctx, round_number, now)
    actions = _stakers(ctx, round_number, now)
    return {
        "round": round_number, "opened": len(report.opened), "resolved": len(report.resolved),
        "created": created, "settled": settled, "staked": staked, "staker_actions": actions,
    }


# ------------------------------------------------------------------ vaults


def _create_due_vaults(ctx: WorldContext, round_number: int) -> int:
    due = [
        v for v in ctx.vaults
        if v.address is None and ABS_CUTOVER_ROUND + v.role.terms.start_day <= round_number
    ]
    if not due:
        return 0
    specs = [_spec(ctx, v.role) for v in due]
    for vault, address in zip(due, create_vaults(ctx.rpc, ctx.deployment, specs), strict=True):
        vault.address = address
    txs: list[Tx] = []
    for vault in due:
        owner = ctx.address(vault.role.owner_index)
        amount = vault.role.terms.owner_seed_nmr * WAD
        txs += _deposit_txs(ctx, owner, vault, amount, 0, f"owner seed of {vault.role.model.name}")
    ctx.rpc.send(txs)
    return len(due)


def _spec(ctx: WorldContext, role: VaultRole) -> VaultSpec:
    terms = role.terms
    return VaultSpec(
        owner=ctx.address(role.owner_index),
        model_name=role.model.name,
        numerai_model_id=role.model.id,
        tiers=tuple((m * WAD, fixed, profit) for m, fixed, profit in terms.tiers),
        commitments=tuple((days * DAY, discount) for days, discount in terms.commitments),
        capacity=terms.capacity_nmr * WAD,
        max_round_bps=terms.max_round_bps,
        max_at_stake_bps=terms.max_at_stake_bps,
        schedule_delay=terms.schedule_delay_days * DAY,
    )


def _deposit_txs(
    ctx: WorldContext, sender: str, vault: DemoVault, amount: int, commitment: int, label: str
) -> list[Tx]:
    assert vault.address is not None
    nmr, codec = ctx.codecs.nmr, ctx.codecs.vault
    return [
        Tx(sender, ctx.deployment.nmr, nmr.encode("approve", vault.address, amount),
           f"approve for {label}", gas=200_000),
        Tx(sender, vault.address,
           codec.encode("deposit", amount, commitment, MAX_BPS_ANY, MAX_BPS_ANY), label),
    ]


# ------------------------------------------------------------------ owners' round work


def _settle(ctx: WorldContext) -> int:
    """Settle every resolved, unsettled position of every vault with the desk's proofs.

    The desk's posted claims are read from its snapshot (one dictionary copy) and their
    positions checked in one batch of calls, instead of one web3 call per claim per day.
    `ctx.settled` remembers what is known settled (cleared when the world is restored).
    """
    posted = ctx.desk.snapshot().claims  # type: ignore[attr-defined]
    vaults = {v.address: v for v in ctx.live()}
    candidates: list[Claim] = [
        claim for round_id in sorted(posted) for claim in posted[round_id]
        if claim.staker in vaults and (claim.round_id, claim.staker) not in ctx.settled
    ]
    if not candidates:
        return 0
    staking = ctx.codecs.staking
    raws = ctx.rpc.eth_calls([
        (ctx.deployment.staking, staking.encode("position", c.round_id, c.staker, c.model_id))
        for c in candidates
    ])
    txs = []
    for claim, raw in zip(candidates, raws, strict=True):
        position = staking.decode_one("position", raw)
        if position[2] or position[3]:  # claimed or finalized: nothing left to settle
            ctx.settled.add((claim.round_id, claim.staker))
            continue
        vault = vaults[claim.staker]
        data = ctx.codecs.vault.encode(
            "settle_round", claim.round_id, claim.payout, claim.burn, list(claim.proof)
        )
        txs.append(Tx(ctx.address(vault.role.owner_index), claim.staker, data,
                      f"settle round {claim.round_id} of {vault.role.model.name}"))
        ctx.settled.add((claim.round_id, claim.staker))
    ctx.rpc.send(txs)
    return len(txs)


def stake_amount(info: dict[str, Any], words: list[int]) -> int:
    """About total assets / 64, within every bound `stake_round` checks."""
    exposed = int(info["exposed_value"])
    exiting_reserve = -(-int(words[5]) * int(words[6]) // RAY)
    reserves = (
        int(info["claimable_total"]) + int(info["exits_due"]) + int(info["fees_owed"])
        + exiting_reserve
    )
    amount = min(
        int(info["total_assets"]) // ROUND_SHARE,
        exposed * int(info["max_round_bps"]) // BPS,
        exposed * int(info["max_at_stake_bps"]) // BPS - int(info["at_stake"]),
        int(info["idle"]) - reserves,
    )
    return amount // 10**14 * 10**14  # a round number of 0.0001 NMR


def _stake(ctx: WorldContext, round_number: int, now: int) -> int:
    if round_number not in ctx.driver.opened:
        return 0
    t = ctx.tournament
    vaults = [v for v in ctx.live() if t.submitted(v.model_id, round_number)]
    if not vaults:
        return 0
    infos = vault_infos(ctx, vaults)
    words_raw = ctx.rpc.eth_calls(
        [(v.address or "", ctx.codecs.vault.encode("state_words")) for v in vaults]
    )
    deadline = t.calendar.times(round_number).close_staking_time
    txs = []
    for vault, info, raw in zip(vaults, infos, words_raw, strict=True):
        assert vault.address is not None
        words = list(ctx.codecs.vault.decode_one("state_words", raw))
        if info["shut_down"] or info["stalled"] or words[13] >= round_number:
            continue
        amount = stake_amount(info, words)
        if amount <= 0 or deadline <= now:
            continue
        record = ctx.desk.authorize(
            round_id=round_number, numerai_model_id=vault.model_id,
            submission_id=t.submission_id(vault.model_id, round_number),
            staker=vault.address, max_amount_wei=amount, deadline=deadline,
        )
        authorization = (
            int(record["tournamentId"]), int(record["roundId"]), record["staker"],
            bytes.fromhex(record["modelId"][2:]), bytes.fromhex(record["submissionHash"][2:]),
            int(record["maxAmount"]), int(record["nonce"]), int(record["deadline"]),
        )
        data = ctx.codecs.vault.encode(
            "stake_round", authorization, amount, bytes.fromhex(record["signature"][2:])
        )
        owner = ctx.address(vault.role.owner_index)
        txs.append(Tx(owner, vault.address, data,
                      f"stake round {round_number} of {vault.role.model.name}"))
    ctx.rpc.send(txs)
    return len(txs)


# ------------------------------------------------------------------ stakers


def _stakers(ctx: WorldContext, round_number: int, now: int) -> int:
    rng = random.Random(f"numerbay-devnet:{ctx.seed}:{round_number}")
    day = round_number - ABS_CUTOVER_ROUND
    live = ctx.live()
    infos = {v.address: info for v, info in zip(live, vault_infos(ctx, live), strict=True)}
    registered = [v for v in live if infos[v.address]["registered"]]
    if not registered:
        return 0
    txs: list[Tx] = []
    deposit_chance = 0.3 if day < 30 else 0.12
    for index in staker_indices():
        staker = ctx.address(index)
        if rng.random() < deposit_chance:
            vault = rng.choice(registered)
            info = infos[vault.address]
            amount = int(min(5_000.0, max(1.0, rng.lognormvariate(math.log(400), 0.9)))) * WAD
            room = int(info["capacity"]) - int(info["total_assets"]) - 1
            amount = max(0, min(amount, room)) // WAD * WAD
            commitments = len(vault.role.terms.commitments)
            if amount >= int(info["min_deposit"]):
                commitment = rng.randrange(commitments)
                txs += _deposit_txs(ctx, staker, vault, amount, commitment,
                                    f"deposit of account {index} in {vault.role.model.name}")
                info["total_assets"] = int(info["total_assets"]) + amount
        if rng.random() < 0.07:
            txs += _exit_one(ctx, rng, staker, registered, now)
    txs += _maintenance(ctx, day, registered, infos)
    if day == SCHEDULE_CHANGE_DAY or day == SCHEDULE_CHANGE_DAY + 8:
        txs += _schedule_change(ctx, day)
    ctx.rpc.send(txs)
    if day % 7 == 0:
        return len(txs) + _claims(ctx, registered)
    return len(txs)


def _exit_one(
    ctx: WorldContext, rng: random.Random, staker: str, vaults: list[DemoVault], now: int
) -> list[Tx]:
    """Ask to leave with one unlocked lot (joined or active), if the staker has one."""
    lens, lens_address = ctx.codecs.lens, ctx.deployment.lens
    raws = ctx.rpc.eth_calls(
        [(lens_address, lens.encode("lots_of", v.address, staker)) for v in vaults]
    )
    owned = [(v, int(lot_id)) for v, raw in zip(vaults, raws, strict=True)
             for lot_id in lens.decode_one("lots_of", raw)]
    if not owned:
        return []
    views = [
        struct(lens, "lot", raw)
        for raw in ctx.rpc.eth_calls(
            [(lens_address, lens.encode("lot", v.address, lot_id)) for v, lot_id in owned]
        )
    ]
    ready = [
        (v, lot_id) for (v, lot_id), view in zip(owned, views, strict=True)
        if int(view["state"]) in (LOT_JOINED, LOT_ACTIVE) and int(view["unlock_time"]) <= now
    ]
    if not ready:
        return []
    vault, lot_id = rng.choice(ready)
    assert vault.address is not None
    return [Tx(staker, vault.address, ctx.codecs.vault.encode("request_exit", lot_id),
               f"exit request for lot {lot_id} of {vault.role.model.name}")]


def _maintenance(
    ctx: WorldContext, day: int, vaults: list[DemoVault], infos: dict[Any, dict[str, Any]]
) -> list[Tx]:
    """Fulfil waiting exits; every two weeks each owner takes the fees the vault can pay."""
    txs = []
    for vault in vaults:
        assert vault.address is not None
        info = infos[vault.address]
        owner = ctx.address(vault.role.owner_index)
        if int(info["queue_length"]) > 0:
            txs.append(Tx(owner, vault.address, ctx.codecs.vault.encode("fulfill", 50),
                          f"fulfil exits of {vault.role.model.name}"))
        payable = int(info["idle"]) - int(info["claimable_total"]) - int(info["exits_due"])
        if day % 14 == 13 and int(info["fees_owed"]) > 0 and payable > 0:
            txs.append(Tx(owner, vault.address, ctx.codecs.vault.encode("claim_fees"),
                          f"fee claim of {vault.role.model.name}"))
    return txs


def _claims(ctx: WorldContext, vaults: list[DemoVault]) -> int:
    """Every staker claims what fulfilled exits left claimable for them."""
    pairs = [(v, ctx.address(i)) for v in vaults for i in staker_indices()]
    raws = ctx.rpc.eth_calls(
        [(v.address or "", ctx.codecs.vault.encode("claimable", staker)) for v, staker in pairs]
    )
    txs = [
        Tx(staker, v.address or "", ctx.codecs.vault.encode("claim"),
           f"claim from {v.role.model.name}")
        for (v, staker), raw in zip(pairs, raws, strict=True)
        if ctx.codecs.vault.decode_one("claimable", raw) > 0
    ]
    ctx.rpc.send(txs)
    return len(txs)


def _schedule_change(ctx: WorldContext, day: int) -> list[Tx]:
    """One owner lowers fees: proposed on day 40, activated once the delay passed."""
    if len(ctx.vaults) <= SCHEDULE_CHANGE_VAULT:
        return []
    vault = ctx.vaults[SCHEDULE_CHANGE_VAULT]
    if vault.address is None:
        return []
    owner = ctx.address(vault.role.owner_index)
    codec = ctx.codecs.vault
    if day == SCHEDULE_CHANGE_DAY:
        terms = vault.role.terms
        tiers = [[m * WAD, fixed // 2, profit * 4 // 5] for m, fixed, profit in terms.tiers]
        commitments = [[days * DAY, discount] for days, discount in terms.commitments]
        data = codec.encode("propose_schedule", tiers, commitments)
        return [Tx(owner, vault.address, data, f"schedule proposal of {vault.role.model.name}")]
    return [Tx(owner, vault.address, codec.encode("activate_schedule"),
               f"schedule activation of {vault.role.model.name}")]
