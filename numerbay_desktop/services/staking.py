"""Staking into a vault: what the form needs to know, what it may send, and in which order.

    staking = StakingService(client)
    snap = await staking.load(vault, account)          # one pinned batch (+ lots, + lens once)
    quote = snap.preview(amount, commitment_id)        # core.fees.preview_fees with this vault
    problems = snap.problems(amount)                   # sentences; empty: the deposit may go
    intents = deposit_intents(snap, amount, commitment_id, quote)   # [approval?, deposit]
    cost = await estimate_cost(pipeline, account, intents)          # gas of the batch
    cancel_deposit_intent(vault, lot_id)               # while no round was staked since

The NMR approval follows NMR's rule through `chain.nmr.plan_approval` with `exact=True`: the
vault is allowed exactly the deposit (a non-zero allowance is changed with `changeApproval`),
so after the deposit pulls it the allowance is back at zero. The deposit carries the previewed
terms as its maxima, so a schedule activated in between cannot raise the fees it pays.
A vault lot cannot grow: a top-up is a new lot whose tier basis counts the older lots that can
no longer be cancelled (the vault's rule, mirrored by `existing_basis`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from eth_utils.address import to_checksum_address

from numerbay_desktop.chain.client import ChainClient, Receipt
from numerbay_desktop.chain.contracts import BoundRead, ContractAbi
from numerbay_desktop.chain.errors import CallReverted
from numerbay_desktop.chain.events import parse_log
from numerbay_desktop.chain.nmr import plan_approval
from numerbay_desktop.chain.txflow import TxIntent
from numerbay_desktop.core import fees
from numerbay_desktop.core.units import format_nmr
from numerbay_desktop.core.vault_math import Commitment, DepositPreview, Schedule, Tier
from numerbay_desktop.services import vault_events
from numerbay_desktop.services.chain_reads import block_timestamp_call, read_together

if TYPE_CHECKING:
    from numerbay_desktop.chain.txflow import TxPipeline

FLAG_ALLOWLIST = 8  # config flags (contracts/SPEC.md): 8 = allowlist on
MAX_OPEN_LOTS = 16


@dataclass(frozen=True)
class OwnLot:
    """One of the account's open lots in the vault (from `VaultLens.lot`)."""

    lot_id: int
    state: int  # LotView.state: 0 pending, 1 joined, 2 active, 3 exiting, 4 final
    principal: int  # wei, as stored (what counts towards a new lot's tier)
    entry_seq: int
    exiting: bool
    unlock_time: int
    fixed_bps: int
    profit_bps: int
    value: int  # wei, net of accrued fees

    def counts_for_tier(self, stake_count: int) -> bool:
        """The vault's rule: open, not exiting, and a round was staked since its deposit."""
        return self.entry_seq < stake_count and not self.exiting

    def cancellable(self, stake_count: int) -> bool:
        return self.entry_seq == stake_count and not self.exiting


@dataclass(frozen=True)
class StakeSnapshot:
    vault: str
    lens: str
    nmr: str
    account: str
    block_number: int
    chain_time: int
    info: dict[str, Any]  # VaultLens.vault_info by field name
    schedule: Schedule
    balance: int  # the account's NMR, wei
    allowance: int  # what the vault may pull from the account now
    allowlist_on: bool
    allowed: bool
    lots: tuple[OwnLot, ...] = field(default_factory=tuple)

    @property
    def stake_count(self) -> int:
        return int(self.info["stake_count"])

    @property
    def model_name(self) -> str:
        return str(self.info["model_name"])

    @property
    def min_deposit(self) -> int:
        return int(self.info["min_deposit"])

    @property
    def room(self) -> int:
        """Capacity left (wei)."""
        return max(0, int(self.info["capacity"]) - int(self.info["total_assets"]))

    @property
    def existing_basis(self) -> int:
        return sum(lot.principal for lot in self.lots if lot.counts_for_tier(self.stake_count))

    @property
    def max_amount(self) -> int:
        return min(self.room, self.balance)

    def preview(self, amount: int, commitment_id: int) -> fees.FeePreview:
        return fees.preview_fees(
            self.schedule, amount, commitment_id, now=self.chain_time,
            stake_count=self.stake_count, existing_basis=self.existing_basis,
            max_amount=self.max_amount,
        )

    def problems(self, amount: int) -> list[str]:
        """Why a deposit of `amount` wei would be refused, in plain words (empty: none)."""
        info, out = self.info, []
        if info["shut_down"]:
            out.append("This vault has shut down: it takes no new deposits.")
        elif info["stalled"]:
            out.append("This vault is stalled (a round was never settled): no deposits now.")
        elif info["paused"]:
            out.append("The owner has paused deposits for now.")
        if not info["registered"] and self.account.lower() != str(info["owner"]).lower():
            out.append("Only the owner may deposit until the vault has staked its first round.")
        if self.allowlist_on and not self.allowed:
            out.append("This vault only takes deposits from accounts its owner has allowed, "
                       "and this account is not on the list.")
        open_lots = len(self.lots)
        if open_lots >= MAX_OPEN_LOTS:
            out.append(f"This account already has {open_lots} open lots here (the most a vault "
                       "keeps); exit or cancel one first.")
        if amount <= 0:
            out.append("Enter how much NMR to deposit.")
            return out
        if amount < self.min_deposit:
            out.append(f"The minimum deposit is {format_nmr(self.min_deposit, None)}.")
        if amount > self.room:
            out.append(f"Only {format_nmr(self.room, None)} of capacity is left in this vault.")
        if amount > self.balance:
            out.append(f"This account holds {format_nmr(self.balance, None)}, less than that.")
        return out


def _schedule(raw: Any) -> Schedule:
    tiers, commitments = raw[0], raw[1]
    return Schedule(
        tuple(Tier(int(a), int(b), int(c)) for a, b, c in tiers),
        tuple(Commitment(int(a), int(b)) for a, b in commitments),
    )


def _ok(value: Any) -> Any:
    if isinstance(value, CallReverted):
        raise value
    return value


class StakingService:
    """Reads for the staking form; the lens and NMR addresses are learnt once per vault."""

    def __init__(self, client: ChainClient) -> None:
        self.client = client
        self.lens_abi = ContractAbi.load("VaultLens")
        self.vault_abi = ContractAbi.load("NumerBayVault")
        self.factory_abi = ContractAbi.load("VaultFactory")
        self.nmr_abi = ContractAbi.load("MockNMR")
        self._addresses: dict[str, tuple[str, str]] = {}

    async def addresses(self, vault: str) -> tuple[str, str]:
        """(lens, nmr) of the vault."""
        vault = str(to_checksum_address(vault))
        if vault not in self._addresses:
            bound = self.vault_abi.at(vault)
            _, (factory, nmr) = await self.client.pin_and_read(
                [bound.read("factory"), bound.read("nmr")])
            lens = await self.client.read(self.factory_abi.at(str(_ok(factory))).read("lens"))
            self._addresses[vault] = (str(lens), str(_ok(nmr)))
        return self._addresses[vault]

    async def load(self, vault: str, account: str) -> StakeSnapshot:
        vault, account = str(to_checksum_address(vault)), str(to_checksum_address(account))
        lens_address, nmr_address = await self.addresses(vault)
        lens, bound = self.lens_abi.at(lens_address), self.vault_abi.at(vault)
        token = self.nmr_abi.at(nmr_address)
        reads: list[BoundRead] = [
            lens.read("vault_info", vault), lens.read("schedule", vault),
            lens.read("lots_of", vault, account), token.read("balanceOf", account),
            token.read("allowance", account, vault), bound.read("allowed", account),
            bound.read("state_words"),
        ]
        block = await self.client.block_number()
        stamp = block_timestamp_call(self.client)
        calls = ([stamp] if stamp is not None else []) + [r.as_call() for r in reads]
        outcomes, _ = await read_together(self.client, block, calls)
        if stamp is not None:
            chain_time = int.from_bytes(outcomes[0].data[:32], "big")
            outcomes = outcomes[1:]
        else:
            chain_time = (await self.client.get_block(block)).timestamp
        values = [r.decode(o) for r, o in zip(reads, outcomes, strict=True)]
        info = dict(zip(reads[0].function.output_fields, values[0], strict=True))
        lot_reads = [lens.read("lot", vault, int(i)) for i in values[2]]
        lots: list[OwnLot] = []
        if lot_reads:
            for read, raw in zip(lot_reads, await self.client.pinned(block).read_many(lot_reads),
                                 strict=True):
                lot = dict(zip(read.function.output_fields, raw, strict=True))
                lots.append(OwnLot(
                    int(lot["lot_id"]), int(lot["state"]), int(lot["principal"]),
                    int(lot["entry_seq"]), bool(lot["exiting"]), int(lot["unlock_time"]),
                    int(lot["fixed_fee_bps"]), int(lot["profit_share_bps"]), int(lot["value"]),
                ))
        config = int(values[6][1])
        return StakeSnapshot(
            vault=vault, lens=lens_address, nmr=nmr_address, account=account,
            block_number=block, chain_time=chain_time, info=info,
            schedule=_schedule(values[1]), balance=int(values[3]), allowance=int(values[4]),
            allowlist_on=bool((config >> 224) & FLAG_ALLOWLIST), allowed=bool(values[5]),
            lots=tuple(lots),
        )

    async def chain_preview(
        self, vault: str, account: str, amount: int, commitment_id: int
    ) -> tuple[int, DepositPreview]:
        """(block time, the lens's `preview_deposit`) in one call: what `core.fees` mirrors."""
        lens_address, _ = await self.addresses(vault)
        read = self.lens_abi.at(lens_address).read("preview_deposit", vault, account, amount,
                                                   commitment_id)
        stamp = block_timestamp_call(self.client)
        assert stamp is not None, "chain_preview needs Multicall3 (the block time of the call)"
        block = await self.client.block_number()
        outcomes, _ = await read_together(self.client, block, [stamp, read.as_call()])
        tier_id, fixed, profit, unlock, first = (int(v) for v in read.decode(outcomes[1]))
        return (int.from_bytes(outcomes[0].data[:32], "big"),
                DepositPreview(tier_id, fixed, profit, unlock, first))


def approval_intents(snap: StakeSnapshot, amount: int) -> list[TxIntent]:
    """Exactly the calls that leave the vault allowed `amount` (NMR's rule; none if it is)."""
    calls = plan_approval(snap.nmr, snap.vault, snap.allowance, amount, exact=True)
    labels = {"approve": "Approve", "changeApproval": "Change approval to"}
    return [
        TxIntent(call.token, call.data,
                 label=f"{labels[call.function]} {format_nmr(amount, None)} for the vault"
                 if call.args[-1] else "Reset the vault's NMR allowance")
        for call in calls
    ]


def deposit_intent(
    vault: str, amount: int, commitment_id: int, quote: fees.FeePreview, model_name: str = ""
) -> TxIntent:
    data = ContractAbi.load("NumerBayVault").at(vault).calldata(
        "deposit", amount, commitment_id, quote.fixed_bps, quote.profit_bps)
    where = f" into {model_name}" if model_name else ""
    return TxIntent(vault, data, label=f"Deposit {format_nmr(amount, None)}{where}")


def deposit_intents(
    snap: StakeSnapshot, amount: int, commitment_id: int, quote: fees.FeePreview | None = None
) -> list[TxIntent]:
    """[approval calls..., deposit]: one batch for the review dialog."""
    quote = quote or snap.preview(amount, commitment_id)
    return [*approval_intents(snap, amount),
            deposit_intent(snap.vault, amount, commitment_id, quote, snap.model_name)]


def cancel_deposit_intent(vault: str, lot_id: int, label: str = "") -> TxIntent:
    """Take a lot's deposit back while no round has been staked since it (`OwnLot.cancellable`
    or `LotView.state == 0`); the vault refuses otherwise."""
    vault = str(to_checksum_address(vault))
    data = ContractAbi.load("NumerBayVault").at(vault).calldata("cancel_deposit", lot_id)
    return TxIntent(vault, data, label=label or f"Cancel the deposit of lot {lot_id}")


@dataclass(frozen=True)
class GasCost:
    gas: int  # simulated gas of the whole batch
    expected_wei: int  # at the next block's base fee plus the market tip
    max_wei: int  # the most it may cost (max fee x gas limits)


async def estimate_cost(pipeline: TxPipeline, sender: str, intents: list[TxIntent]) -> GasCost:
    """Simulate the batch as the review dialog will (nothing signed or journaled)."""
    prepared = await pipeline.prepare(sender, intents)
    simulation = prepared.review.simulation
    gas = sum(simulation.gas_used)
    fee = prepared.draft.fee
    per_gas = min(fee.max_fee_per_gas,
                  prepared.draft.presets.base_fee + fee.max_priority_fee_per_gas)
    return GasCost(gas, gas * per_gas, prepared.review.max_cost)


@dataclass(frozen=True)
class DepositDone:
    """The vault's `Deposit` event of a mined deposit."""

    lot_id: int
    assets: int
    entry_seq: int  # the lot joins the sequences staked after this (entry_seq + 1 on)
    tier_id: int
    fixed_bps: int
    profit_bps: int
    unlock_time: int
    tier_basis: int


def deposit_from_receipts(receipts: Sequence[Receipt], vault: str) -> DepositDone | None:
    vault = str(to_checksum_address(vault))
    for receipt in receipts:
        for event in vault_events.decode_all(parse_log(raw) for raw in receipt.logs):
            if event.name == "Deposit" and event.vault == vault:
                a = event.args
                return DepositDone(
                    int(a["lot_id"]), int(a["assets"]), int(a["entry_seq"]), int(a["tier_id"]),
                    int(a["fixed_fee_bps"]), int(a["profit_share_bps"]), int(a["unlock_time"]),
                    int(a["tier_basis"]))
    return None
