"""What the My vaults page reads: the vaults an account owns, and one vault as its owner sees
it (state at a glance, schedules, allowlist, lots whose commitment ended), pinned at one block.

    reads = OwnerReads(client)
    owned = await reads.owned_vaults(account)         # [OwnedVault(address, model_name, info)]
    view = await reads.load(vault)                    # OwnerView
    view.rollable, view.roll_blocked                  # lots to roll, or why rolling waits
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.errors import CallReverted, ChainError
from numerbay_desktop.chain.events import event_topic
from numerbay_desktop.core.errors import ConfigurationError
from numerbay_desktop.core.portfolio import OPEN_STATES, LotState
from numerbay_desktop.core.vault_math import effective_bps, tier_for_basis
from numerbay_desktop.services.vault_detail import VaultDetail, VaultDetailService

MAX_LOTS_READ = 2_000  # lots listed per vault (newest first beyond that)
FLAG_ALLOWLIST = 8


@dataclass(frozen=True)
class OwnedVault:
    address: str
    model_name: str
    info: dict[str, Any]


@dataclass(frozen=True)
class OwnerLot:
    lot_id: int
    owner: str
    state: LotState
    principal: int
    value: int
    unlock_time: int
    commitment_duration: int
    fixed_fee_bps: int
    profit_share_bps: int
    tier_basis: int = 0


@dataclass(frozen=True)
class OwnerView:
    detail: VaultDetail
    chain_time: int
    allowlist_enabled: bool
    allowed: tuple[str, ...]  # accounts allowed now (from AllowedSet events)
    lots: tuple[OwnerLot, ...]  # open and exiting lots
    schedule_activated_at: int
    schedule_delay: int
    claimable_fees: int  # what claim_fees would pay now
    fees_claimed: int = 0  # paid to the owner so far (FeesClaimed events, after the cut)

    @property
    def info(self) -> dict[str, Any]:
        return self.detail.info

    @property
    def stakers(self) -> int:
        return len({lot.owner for lot in self.lots})

    @property
    def open_rounds(self) -> int:
        """Rounds staked whose result is not applied yet (K - S)."""
        return int(self.info["stake_count"]) - int(self.info["applied_count"])

    def terms_now(self, lot: OwnerLot) -> tuple[int, int, int]:
        """(fixed bps, profit bps, commitment duration) that `roll` would give `lot` now: the
        current tier for its basis, the commitment of the same length or else the first."""
        tiers, commitments = self.detail.tiers, self.detail.commitments
        tier = tiers[tier_for_basis(tiers, lot.tier_basis)]  # type: ignore[arg-type]
        option = next((c for c in commitments if c.duration == lot.commitment_duration),
                      commitments[0])
        return (effective_bps(tier.fixed_fee_bps, option.discount_bps),
                effective_bps(tier.profit_share_bps, option.discount_bps), option.duration)

    @property
    def rollable(self) -> tuple[OwnerLot, ...]:
        """Open lots whose commitment has ended and whose terms differ from today's: `roll`
        moves them onto the current schedule."""
        return tuple(
            lot for lot in self.lots
            if lot.state in OPEN_STATES and lot.unlock_time <= self.chain_time
            and self.terms_now(lot) != (lot.fixed_fee_bps, lot.profit_share_bps,
                                        lot.commitment_duration))

    @property
    def roll_blocked(self) -> str | None:
        """Why `roll` would refuse now (the current schedule is too new), else None."""
        ready = self.schedule_activated_at + self.schedule_delay
        if ready > self.chain_time:
            return ("Lots can be rolled once the current schedule has been active for the "
                    f"notice period (in {_span(ready - self.chain_time)}).")
        return None


def _span(seconds: int) -> str:
    days, rest = divmod(max(0, seconds), 86_400)
    return f"{days} days" if days else f"{max(1, rest // 3600)} hours"


def _ok(value: Any) -> Any:
    if isinstance(value, CallReverted):
        raise value
    return value


class OwnerReads:
    def __init__(self, client: ChainClient) -> None:
        factory = client.network.factory
        if factory is None:
            raise ConfigurationError(
                f"No vault factory is known on {client.network.name}; set it in Settings.")
        self.client = client
        self.factory = ContractAbi.load("VaultFactory").at(factory)
        self.lens_abi = ContractAbi.load("VaultLens")
        self.vault_abi = ContractAbi.load("NumerBayVault")
        self.admin_abi = ContractAbi.load("VaultAdmin")
        self._lens: str | None = None
        self._created: dict[str, int] = {}

    async def lens(self) -> str:
        if self._lens is None:
            self._lens = str(await self.client.read(self.factory.read("lens")))
        return self._lens

    async def owned_vaults(self, owner: str) -> list[OwnedVault]:
        """Vaults of the factory whose owner is `owner` now (ownership can move)."""
        owner = str(to_checksum_address(owner))
        session, (count, lens) = await self.client.pin_and_read(
            [self.factory.read("vault_count"), self.factory.read("lens")])
        self._lens = str(_ok(lens))
        addresses = [str(a) for a in await session.read_many(
            [self.factory.read("vaults", i) for i in range(int(_ok(count)))])]
        lens_contract = self.lens_abi.at(self._lens)
        reads = [lens_contract.read("vault_info", a) for a in addresses]
        owned: list[OwnedVault] = []
        for address, read, value in zip(addresses, reads, await session.try_read_many(reads),
                                        strict=True):
            if isinstance(value, CallReverted):
                continue
            info = dict(zip(read.function.output_fields, value, strict=True))
            if str(info["owner"]).lower() == owner.lower():
                owned.append(OwnedVault(str(to_checksum_address(address)),
                                        str(info["model_name"]), info))
        return owned

    async def load(self, vault: str) -> OwnerView:
        vault = str(to_checksum_address(vault))
        lens = await self.lens()
        detail = await VaultDetailService(self.client).load(vault, lens=lens)
        bound = self.vault_abi.at(vault)
        session = self.client.pinned(detail.block_number)
        words, limits = await session.read_many([bound.read("state_words"),
                                                 bound.read("limits")])
        version = int(detail.info["schedule_version"])
        schedule_w, header = await asyncio.gather(
            session.read(bound.read("schedule_words", version)),
            self.client.get_block(detail.block_number))
        activated = (int(schedule_w[2]) >> 200) & (2**40 - 1)
        last_lot = (int(words[0]) >> 192) & (2**32 - 1)
        first = max(1, last_lot - MAX_LOTS_READ + 1)
        lens_contract = self.lens_abi.at(lens)
        lot_reads = [lens_contract.read("lot", vault, i) for i in range(first, last_lot + 1)]
        lots: list[OwnerLot] = []
        for read, value in zip(lot_reads, await session.read_many(lot_reads), strict=True):
            lot = dict(zip(read.function.output_fields, value, strict=True))
            state = LotState.from_code(int(lot["state"]))
            if state is LotState.CLOSED:
                continue
            lots.append(OwnerLot(
                int(lot["lot_id"]), str(lot["owner"]), state, int(lot["principal"]),
                int(lot["value"]), int(lot["unlock_time"]), int(lot["commitment_duration"]),
                int(lot["fixed_fee_bps"]), int(lot["profit_share_bps"]),
                int(lot["tier_basis"])))
        info = detail.info
        free = int(info["idle"]) - int(info["claimable_total"]) - int(info["exits_due"])
        allowed, claimed = await asyncio.gather(self._allowed(vault, detail.block_number),
                                                self._fees_claimed(vault, detail.block_number))
        return OwnerView(
            detail=detail, chain_time=int(header.timestamp),
            allowlist_enabled=bool((int(words[1]) >> 224) & FLAG_ALLOWLIST),
            allowed=allowed, fees_claimed=claimed,
            lots=tuple(lots), schedule_activated_at=activated, schedule_delay=int(limits[3]),
            claimable_fees=max(0, min(int(info["fees_owed"]), free)),
        )

    async def creation_block(self, vault: str, head: int) -> int:
        """The block that deployed `vault` (binary search on its code, about log2(head)
        requests once per vault): its event logs start there, not at genesis. 0 when the
        node keeps no old state."""
        if vault not in self._created:
            low, high = 0, head
            try:
                while low < high:
                    middle = (low + high) // 2
                    if await self.client.get_code(vault, middle):
                        high = middle
                    else:
                        low = middle + 1
            except ChainError:  # no history of state (a pruned node, a loaded devnet dump)
                low = 0
            self._created[vault] = low
        return self._created[vault]

    async def _logs(self, vault: str, block: int, event: str) -> list[Any]:
        entry = next(e for e in self.admin_abi.events if e["name"] == event)
        topic = "0x" + event_topic(entry).hex()
        start = await self.creation_block(vault, block)
        return await self.client.get_logs([vault], from_block=start, to_block=block,
                                          topics=[topic])

    async def _fees_claimed(self, vault: str, block: int) -> int:
        """What the owner received from claim_fees (the event's first data word)."""
        logs = await self._logs(vault, block, "FeesClaimed")
        return sum(int.from_bytes(log.data[:32], "big") for log in logs)

    async def _allowed(self, vault: str, block: int) -> tuple[str, ...]:
        logs = await self._logs(vault, block, "AllowedSet")
        allowed: dict[str, bool] = {}
        for log in logs:  # oldest first: the last word wins
            account = str(to_checksum_address(log.topics[1][-20:]))
            allowed[account] = bool(int.from_bytes(log.data[:32], "big"))
        return tuple(sorted(a for a, on in allowed.items() if on))
