"""Everything the portfolio page shows for one account, read at one block.

    view = await PortfolioReader(client, cache, numerai).load(account)
    view.portfolio            # services.positions.Portfolio (lots, totals, alerts, exits)
    view.names[vault]         # the model name of each vault the account touched
    view.history              # core.portfolio.ValuePoint list (value chart)
    view.steps[(vault, id)]   # services.exits.LotStep: the lot's next exit step
    rows = await reader.csv_rows(view)

The vault list comes from the factory (`vault_count`, `vaults(i)`; cached); names of vaults
the account only has closed lots or claimable NMR in come from one extra lens batch.
Numerai's round resolve times (when a client is given) date the rounds an exit waits for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from eth_utils.address import to_checksum_address

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.core.portfolio import ValuePoint
from numerbay_desktop.numerai.client import NumeraiClient
from numerbay_desktop.services.exits import LotStep, lot_step
from numerbay_desktop.services.positions import Portfolio, PositionsService
from numerbay_desktop.store.cache import Cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PortfolioView:
    account: str
    portfolio: Portfolio
    names: dict[str, str]
    history: list[ValuePoint]
    steps: dict[tuple[str, int], LotStep]
    resolve_times: dict[int, int] = field(default_factory=dict)

    def name(self, vault: str) -> str:
        return self.names.get(vault) or f"Vault {vault[:6]}…{vault[-4:]}"


class PortfolioReader:
    def __init__(self, client: ChainClient, cache: Cache | None = None,
                 numerai: NumeraiClient | None = None) -> None:
        self.client = client
        self.cache = cache
        self.numerai = numerai
        self.positions = PositionsService(client, cache)
        self.factory = self.positions.factory
        self.lens_abi = ContractAbi.load("VaultLens")

    async def vaults(self) -> list[str]:
        """Every vault of the factory (the known prefix cached, new ones read)."""
        key = f"{self.client.network.chain_id}|portfolio|vaults|{self.factory.address.lower()}"
        known: list[str] = []
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                known = [str(v) for v in hit.value]
        session, (count,) = await self.client.pin_and_read([self.factory.read("vault_count")])
        count = int(count)
        known = known[:count]
        if len(known) < count:
            fresh = await session.read_many(
                [self.factory.read("vaults", i) for i in range(len(known), count)])
            known += [str(to_checksum_address(str(v))) for v in fresh]
            if self.cache is not None:
                self.cache.put(key, known)
        return known

    async def load(self, account: str) -> PortfolioView:
        p = await self.positions.load(account, await self.vaults())
        names = {v: str(info["model_name"]) for v, info in p.vault_infos.items()}
        others = sorted(({lot.vault for lot in p.lots} | set(p.claimable)) - set(names))
        if others:
            lens = self.lens_abi.at(await self._lens())
            infos = await self.client.pinned(p.block_number).try_read_many(
                [lens.read("vault_info", v) for v in others])
            for vault, info in zip(others, infos, strict=True):
                if isinstance(info, tuple):
                    names[vault] = str(info[0])
        history = await self.positions.value_history(p)
        resolve_times = await self._resolve_times()
        pending = {(e.vault, e.lot_id): e for e in p.pending_exits}
        terms = {(t.vault, t.lot_id): t for t in p.terms}
        steps = {
            (lot.vault, lot.lot_id): lot_step(
                lot, terms.get((lot.vault, lot.lot_id)), p.vault_infos.get(lot.vault),
                p.chain_time, pending.get((lot.vault, lot.lot_id)), resolve_times)
            for lot in p.lots
        }
        return PortfolioView(p.account, p, names, history, steps, resolve_times)

    async def csv_rows(self, view: PortfolioView) -> list[tuple[str, ...]]:
        return await self.positions.csv_rows(view.portfolio)

    async def _lens(self) -> str:
        return str(await self.client.read(self.factory.read("lens")))

    async def _resolve_times(self) -> dict[int, int]:
        """Round number -> Numerai's resolve time (seconds), when the API answers."""
        if self.numerai is None:
            return {}
        try:
            rounds = await self.numerai.rounds(limit=64)
        except NumerbayError as error:  # the exit dates fall back to a rule of thumb
            log.info("round times unavailable: %s", error)
            return {}
        return {r.number: int(r.resolve_time.timestamp()) for r in rounds
                if r.resolve_time is not None}
