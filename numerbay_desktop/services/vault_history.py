"""A vault's history from its events, for the model page's charts and the verification panel.

    history = VaultHistoryService(client, cache)
    h = await history.load(vault)          # cached events + what is new since, one batch
    h.index_points / h.round_returns / h.stake_points / h.events_named("Deposit")

Logs come from `eth_getLogs` over block spans (all spans in one JSON-RPC batch), decoded
with the vault and VaultAdmin ABIs, and cached per vault by block: a second load reads only
the blocks since the last one (plus a reorg margin).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.core.analytics import IndexPoint
from numerbay_desktop.services import vault_events
from numerbay_desktop.services.chain_reads import LogQuery, read_together
from numerbay_desktop.services.vault_events import EventStore, VaultEvent
from numerbay_desktop.store.cache import Cache

RAY = 10**27


@dataclass(frozen=True)
class SettledRound:
    """One `RoundSettled` event: the index after it and the round's result."""

    seq: int
    round_id: int
    principal: int  # wei staked in the round (A_j)
    received: int  # wei back from Numerai
    return_ray: int  # P / X_j in ray (signed)
    index_ray: int  # G[j]
    exposed_value: int  # wei exposed when it was applied
    timestamp: int
    block_number: int
    tx_hash: str

    @property
    def return_fraction(self) -> Fraction:
        return Fraction(self.return_ray, RAY)


@dataclass(frozen=True)
class StakePoint:
    """At stake vs not staked at each settled round (wei)."""

    timestamp: int
    at_stake: int  # RoundSettled.principal
    exposed_value: int  # RoundSettled.exposed_value
    not_staked: int  # exposed value the round did not put at stake


@dataclass(frozen=True)
class VaultHistory:
    vault: str
    block_number: int
    events: tuple[VaultEvent, ...]

    def events_named(self, *names: str) -> list[VaultEvent]:
        return [e for e in self.events if e.name in names]

    @property
    def settled(self) -> list[SettledRound]:
        return [settled_round(e) for e in self.events_named("RoundSettled")]

    @property
    def index_points(self) -> list[IndexPoint]:
        """The index per settled round (chart and returns)."""
        return [IndexPoint(s.timestamp, s.index_ray) for s in self.settled]

    @property
    def round_returns(self) -> list[tuple[int, Fraction]]:
        """(round id, exact return of the exposed value) per settled round."""
        return [(s.round_id, s.return_fraction) for s in self.settled]

    @property
    def stake_points(self) -> list[StakePoint]:
        return [
            StakePoint(s.timestamp, s.principal, s.exposed_value,
                       max(0, s.exposed_value - s.principal))
            for s in self.settled
        ]

    @property
    def pending_schedule_eta(self) -> int | None:
        """The eta of the last proposal not activated or cancelled since, if any."""
        eta: int | None = None
        for event in self.events_named("ScheduleProposed", "ScheduleActivated",
                                       "ScheduleCancelled"):
            eta = int(event.args["eta"]) if event.name == "ScheduleProposed" else None
        return eta


def settled_round(event: VaultEvent) -> SettledRound:
    a = event.args
    return SettledRound(
        seq=int(a["seq"]), round_id=int(a["round_id"]), principal=int(a["principal"]),
        received=int(a["received"]), return_ray=int(a["return_ray"]),
        index_ray=int(a["index_ray"]), exposed_value=int(a["exposed_value"]),
        timestamp=int(a["timestamp"]), block_number=event.block_number, tx_hash=event.tx_hash,
    )


class VaultHistoryService:
    def __init__(
        self,
        client: ChainClient,
        cache: Cache | None = None,
        *,
        start_block: int = 0,
        max_span: int = 10_000,
    ) -> None:
        self.client = client
        self.cache = cache
        self.start_block = start_block
        self.max_span = max_span

    def _store(self, vault: str) -> EventStore:
        key = f"{self.client.network.chain_id}|history|{vault.lower()}"
        return EventStore(self.cache, key, self.start_block)

    def cached(self, vault: str) -> VaultHistory | None:
        """The history as last loaded, without touching the network (None if never)."""
        store = self._store(vault)
        if store.cursor < store.start_block:
            return None
        return VaultHistory(vault, store.cursor, tuple(store.events))

    async def load(self, vault: str, block: int | None = None) -> VaultHistory:
        """Cached events plus the new ones up to `block` (the head when None)."""
        head = block if block is not None else await self.client.block_number()
        store = self._store(vault)
        start, end = store.next_range(head)
        query = LogQuery((), start, end, (vault,), self.max_span)
        _, (logs,) = await read_together(self.client, head, [], [query])
        store.merge(start, head, vault_events.decode_all(logs))
        return VaultHistory(vault, head, tuple(store.events))
