"""The marketplace: every vault of the factory, its on-chain state merged with Numerai's
statistics of its model, as plain rows; cached in SQLite so the page opens at once.

    market = MarketplaceService(client, numerai, cache)
    snapshot = market.cached()                     # instant, maybe None; no network
    result = await market.refresh(holdings={vault: value_wei})   # new rows + what changed
    rows = visible_rows(result.snapshot, include_candidates=True, include_models=True)

Chain reads of a refresh, all pinned at one block, in at most 3 HTTP requests for any
number of vaults (Multicall3 aggregate3 chunks in JSON-RPC batches):
1. the pin, `factory.vault_count()` and `factory.lens()` in one aggregate3;
2. `factory.vaults(i)` for the vaults not cached yet, the block's timestamp, the lens views
   (`vault_info`, `schedule`) of the vaults already known, and the vault events since the last
   refresh (`RoundSettled`, `Deposit`, `DepositCancelled`, `ExitFulfilled`, one `eth_getLogs`
   by topic) in one batch;
3. the lens views of the new vaults (skipped when there are none).
Numerai's statistics come meanwhile in their own batched requests (model_stats.py).

Chain failures raise the chain layer's typed errors (`ChainError` subclasses); Numerai
failures leave rows without statistics and say why in `MarketSnapshot.numerai_error`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from numerbay_desktop.chain.batch import Call, CallOutcome
from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.contracts import BoundRead, ContractAbi
from numerbay_desktop.chain.errors import CallReverted
from numerbay_desktop.chain.events import Log
from numerbay_desktop.core import analytics
from numerbay_desktop.core.abs import numerai_model_id
from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.vault_math import effective_bps
from numerbay_desktop.numerai.client import NumeraiClient
from numerbay_desktop.services import model_stats, vault_events
from numerbay_desktop.services.chain_reads import LogQuery, block_timestamp_call, read_together
from numerbay_desktop.services.models import (
    CommitmentOption,
    FeeRange,
    MarketRow,
    MarketSnapshot,
    ModelStats,
    RefreshResult,
    RowChange,
    TierTerms,
    from_json,
    to_json,
)
from numerbay_desktop.services.vault_events import EventStore, VaultEvent
from numerbay_desktop.store.cache import Cache

log = logging.getLogger(__name__)

MARKET_EVENTS = ("RoundSettled", "Deposit", "DepositCancelled", "ExitFulfilled")
SPARKLINE_POINTS = 32
RAY = 10**27


@dataclass(frozen=True)
class ChainView:
    """What one pinned chain read found, before Numerai is merged in."""

    block_number: int
    chain_time: int
    lens: str
    vaults: tuple[str, ...]
    infos: dict[str, dict[str, Any]]
    schedules: dict[str, tuple[tuple[TierTerms, ...], tuple[CommitmentOption, ...]]]
    events: dict[str, list[VaultEvent]]  # by vault, oldest first
    http_requests: int


class MarketplaceService:
    def __init__(
        self,
        client: ChainClient,
        numerai: NumeraiClient | None = None,
        cache: Cache | None = None,
        *,
        start_block: int = 0,
        last_n_rounds: int = 60,
        log_span: int = 10_000,
    ) -> None:
        factory = client.network.require_factory()
        self.client = client
        self.numerai = numerai
        self.cache = cache
        self.factory = ContractAbi.load("VaultFactory").at(factory)
        self.lens_abi = ContractAbi.load("VaultLens")
        self.start_block = start_block
        self.last_n_rounds = last_n_rounds
        self.log_span = log_span
        self._scope = f"{client.network.chain_id}|{self.factory.address.lower()}"
        self._lock = asyncio.Lock()
        self._last: MarketSnapshot | None = None  # the previous refresh, for the diff

    # ---------------------------------------------------------------- cache

    @property
    def _snapshot_key(self) -> str:
        return f"services|market|{self._scope}"

    @property
    def _vaults_key(self) -> str:
        return f"services|vaults|{self._scope}"

    def cached(self) -> MarketSnapshot | None:
        """The last snapshot, from SQLite (no network); None before the first refresh."""
        if self.cache is None:
            return None
        hit = self.cache.get(self._snapshot_key)
        if hit is None:
            return None
        try:
            snapshot = from_json(MarketSnapshot, hit.value)
        except (ValueError, TypeError, KeyError):
            log.warning("the cached marketplace could not be read; it will be refreshed")
            return None
        return dataclasses.replace(snapshot, from_cache=True)

    def _known_vaults(self) -> list[str]:
        hit = self.cache.get(self._vaults_key) if self.cache is not None else None
        if hit is None or not isinstance(hit.value, list):
            return []
        return [str(v) for v in hit.value]

    # ---------------------------------------------------------------- refresh

    async def refresh(self, *, holdings: Mapping[str, int] | None = None) -> RefreshResult:
        """Read the chain (pinned, batched) and Numerai (batched) together, merge, cache, and
        return the new snapshot with what changed since the previous one.
        `holdings`: vault -> value held by the user (wei), for the diversification column."""
        async with self._lock:
            previous = self._last
            if previous is None:
                previous = await asyncio.to_thread(self.cached)
            store = await asyncio.to_thread(
                EventStore, self.cache, f"{self._scope}|market", self.start_block
            )
            view = await self.read_chain(store)
            names = {
                v: str(info["model_name"]) for v, info in view.infos.items()
            }
            stats = await self._stats(names, view.infos)
            stats = with_last_known(stats, previous)
            snapshot, changes = await asyncio.to_thread(
                self._merge_and_store, view, stats, holdings or {}, previous
            )
            self._last = snapshot
            return RefreshResult(snapshot, changes)

    def _merge_and_store(
        self,
        view: ChainView,
        stats: model_stats.StatsResult | None,
        holdings: Mapping[str, int],
        previous: MarketSnapshot | None,
    ) -> tuple[MarketSnapshot, tuple[RowChange, ...]]:
        snapshot = self.merge(view, stats, holdings)
        if self.cache is not None:
            self.cache.put(self._snapshot_key, to_json(snapshot))
        return snapshot, diff(previous, snapshot)

    async def cached_async(self) -> MarketSnapshot | None:
        """`cached()` in a worker thread (decoding 1,000 rows would stall the UI's loop)."""
        return await asyncio.to_thread(self.cached)

    async def read_chain(self, store: EventStore | None = None) -> ChainView:
        """The vault list, lens views and market events at one block, in ≤ 3 requests."""
        client = self.client
        before = client.stats.http_requests
        if store is None:
            store = EventStore(None, "", self.start_block)
        session, (count, lens) = await client.pin_and_read(
            [self.factory.read("vault_count"), self.factory.read("lens")]
        )
        for value in (count, lens):
            if isinstance(value, CallReverted):
                raise value
        block = session.block_number
        lens_contract = self.lens_abi.at(str(lens))
        known = self._known_vaults()[: int(count)]
        new_reads = [self.factory.read("vaults", i) for i in range(len(known), int(count))]
        stamp = block_timestamp_call(client)
        start, end = store.next_range(block)
        query = LogQuery(
            (tuple(vault_events.topic(n) for n in MARKET_EVENTS),), start, end,
            max_span=self.log_span,
        )
        known_reads = await asyncio.to_thread(_lens_reads, lens_contract, known)
        calls: list[Call] = [r.as_call() for r in new_reads]
        calls += [stamp] if stamp is not None else []
        calls += [r.as_call() for _, r in known_reads]
        outcomes, (logs,) = await read_together(client, block, calls, [query])
        new_vaults = [str(r.decode(o)) for r, o in zip(new_reads, outcomes, strict=False)]
        rest = outcomes[len(new_reads):]
        if stamp is not None:
            chain_time = int.from_bytes(rest[0].data[:32], "big")
            rest = rest[1:]
        else:
            chain_time = (await client.get_block(block)).timestamp
        vaults = known + new_vaults
        lens_outcomes = list(zip(known_reads, rest, strict=True))
        if new_vaults:
            new_lens_reads = await asyncio.to_thread(_lens_reads, lens_contract, new_vaults)
            more, _ = await read_together(
                client, block, [r.as_call() for _, r in new_lens_reads]
            )
            lens_outcomes += list(zip(new_lens_reads, more, strict=True))
            if self.cache is not None:
                self.cache.put(self._vaults_key, vaults)
        # Decoding thousands of results and events is CPU work: off the UI's loop.
        infos, schedules, events = await asyncio.to_thread(
            _digest, lens_outcomes, logs, vaults, store, start, block
        )
        return ChainView(
            block, chain_time, str(lens), tuple(vaults), infos, schedules, events,
            client.stats.http_requests - before,
        )

    async def _stats(
        self, names: Mapping[str, str], infos: Mapping[str, Mapping[str, Any]]
    ) -> model_stats.StatsResult | None:
        if self.numerai is None:
            return None
        models: dict[str, str | None] = {}
        for vault, name in names.items():
            try:
                models[name] = numerai_model_id(bytes(infos[vault]["model_id"]))
            except InvalidInput:
                models[name] = None
        return await model_stats.fetch_stats(
            self.numerai, models, last_n_rounds=self.last_n_rounds
        )

    # ---------------------------------------------------------------- merge

    def merge(
        self,
        view: ChainView,
        stats: model_stats.StatsResult | None,
        holdings: Mapping[str, int],
    ) -> MarketSnapshot:
        rows: list[MarketRow] = []
        by_name = stats.stats if stats is not None else {}
        diversification: dict[str, float | None] = {}
        if stats is not None:
            held: dict[str, int] = defaultdict(int)
            for vault, value in holdings.items():
                info = view.infos.get(vault)
                if info is not None:
                    held[str(info["model_name"]).lower()] += value
            candidates = [str(i["model_name"]).lower() for i in view.infos.values()]
            diversification = analytics.diversification_scores(candidates, held, stats.scores)
        for vault in view.vaults:
            info = view.infos.get(vault)
            if info is None:
                continue
            name = str(info["model_name"])
            rows.append(self._vault_row(
                view, vault, info, by_name.get(name.lower()),
                diversification.get(name.lower()) if stats is not None and stats.scores else None,
            ))
        if stats is not None:
            with_vault = {r.model_name.lower() for r in rows}
            rows += [r for r in stats.greyed_rows if r.model_name.lower() not in with_vault]
            for entry in stats.leaderboard:
                if entry.username.lower() in with_vault:
                    continue
                rows.append(MarketRow(
                    kind="model", model_name=entry.username,
                    stats=ModelStats(
                        corr_rep=entry.corr20_v2_rep, mmc_rep=entry.mmc_rep, rank=entry.rank,
                        nmr_staked=None if entry.nmr_staked is None else str(entry.nmr_staked),
                        numerai_return_3m=entry.return_13_weeks,
                        numerai_return_1y=entry.return_52_weeks,
                    ),
                ))
        return MarketSnapshot(
            rows=tuple(rows),
            block_number=view.block_number,
            chain_time=view.chain_time,
            fetched_at=time.time(),
            numerai_error=stats.error if stats is not None else None,
            numerai_fetched_at=stats.fetched_at if stats is not None else None,
            lens=view.lens,
        )

    def _vault_row(
        self,
        view: ChainView,
        vault: str,
        info: Mapping[str, Any],
        stats: ModelStats | None,
        diversification: float | None,
    ) -> MarketRow:
        tiers, commitments = view.schedules.get(vault, ((), ()))
        events = view.events.get(vault, [])
        settled = [e for e in events if e.name == "RoundSettled"]
        points = [
            analytics.IndexPoint(int(e.args["timestamp"]), int(e.args["index_ray"]))
            for e in settled
        ]
        capacity, total = int(info["capacity"]), int(info["total_assets"])
        return MarketRow(
            kind="vault" if info["registered"] else "candidate",
            model_name=str(info["model_name"]),
            vault=vault,
            model_id="0x" + bytes(info["model_id"]).hex(),
            owner=str(info["owner"]),
            total_assets=total,
            idle=int(info["idle"]),
            at_stake=int(info["at_stake"]),
            exposed_value=int(info["exposed_value"]),
            capacity=capacity,
            capacity_left=max(0, capacity - total),
            min_deposit=int(info["min_deposit"]),
            paused=bool(info["paused"]),
            shut_down=bool(info["shut_down"]),
            stalled=bool(info["stalled"]),
            stake_count=int(info["stake_count"]),
            applied_count=int(info["applied_count"]),
            index_ray=int(info["index_ray"]),
            queue_length=int(info["queue_length"]),
            pending_eta=int(info["pending_eta"]),
            tiers=tiers,
            commitments=commitments,
            fee_range=fee_range(tiers, commitments),
            stakers=stakers(events),
            settled_rounds=len(settled),
            return_3m=analytics.three_month_return(points),
            return_1y=analytics.one_year_return(points),
            return_since_start=Fraction(points[-1].index_ray, RAY) - 1 if points else None,
            history_seconds=points[-1].timestamp - points[0].timestamp if points else 0,
            sparkline=tuple(analytics.sparkline([p.index_ray for p in points], SPARKLINE_POINTS))
            if points else (),
            last_settled_at=points[-1].timestamp if points else None,
            stats=stats,
            diversification=diversification,
        )


Schedules = dict[str, tuple[tuple[TierTerms, ...], tuple[CommitmentOption, ...]]]


def _digest(
    lens_outcomes: Sequence[tuple[tuple[str, BoundRead], CallOutcome]],
    logs: Sequence[Log],
    vaults: Sequence[str],
    store: EventStore,
    start: int,
    block: int,
) -> tuple[dict[str, dict[str, Any]], Schedules, dict[str, list[VaultEvent]]]:
    infos: dict[str, dict[str, Any]] = {}
    schedules: Schedules = {}
    for (vault, read), outcome in lens_outcomes:
        if not outcome.success:
            log.warning("the lens could not read vault %s", vault)
            continue
        if read.function.name == "vault_info":
            infos[vault] = read.function.decode_record(outcome.data)
        else:
            tiers, commitments = read.function.decode_output(outcome.data)
            schedules[vault] = (
                tuple(TierTerms(int(a), int(b), int(c)) for a, b, c in tiers),
                tuple(CommitmentOption(int(a), int(b)) for a, b in commitments),
            )
    store.merge(start, block, vault_events.decode_all(logs, {str(v) for v in vaults}))
    events: dict[str, list[VaultEvent]] = defaultdict(list)
    for event in store.events:
        events[event.vault].append(event)
    return infos, schedules, dict(events)


def _lens_reads(lens: Any, vaults: Sequence[str]) -> list[tuple[str, BoundRead]]:
    """`vault_info(v)` then `schedule(v)` reads; the one-address calldata is built directly
    (eth_abi's generic encoder took a tenth of a 1,000-vault refresh)."""
    info, schedule = lens.abi.function("vault_info"), lens.abi.function("schedule")
    words = [b"\x00" * 12 + bytes.fromhex(v[2:]) for v in vaults]
    reads = [(v, BoundRead(lens.address, info, info.selector + w)) for v, w in zip(
        vaults, words, strict=True)]
    return reads + [(v, BoundRead(lens.address, schedule, schedule.selector + w))
                    for v, w in zip(vaults, words, strict=True)]


def fee_range(
    tiers: Sequence[TierTerms], commitments: Sequence[CommitmentOption]
) -> FeeRange | None:
    """Lowest and highest fees over every tier and commitment, after the discount."""
    if not tiers:
        return None
    discounts = [c.discount_bps for c in commitments] or [0]
    fixed = [effective_bps(t.fixed_fee_bps, d) for t in tiers for d in discounts]
    profit = [effective_bps(t.profit_share_bps, d) for t in tiers for d in discounts]
    return FeeRange(min(fixed), max(fixed), min(profit), max(profit))


def stakers(events: Sequence[VaultEvent]) -> int:
    """Accounts with at least one lot not cancelled or fulfilled, from the vault's events."""
    owner_of: dict[int, str] = {}
    closed: set[int] = set()
    for event in events:
        if event.name == "Deposit":
            owner_of[int(event.args["lot_id"])] = str(event.args["owner"]).lower()
        elif event.name in ("DepositCancelled", "ExitFulfilled"):
            closed.add(int(event.args["lot_id"]))
    return len({owner for lot, owner in owner_of.items() if lot not in closed})


def with_last_known(
    stats: model_stats.StatsResult | None, previous: MarketSnapshot | None
) -> model_stats.StatsResult | None:
    """When Numerai failed, the previous snapshot's statistics fill the gaps (said so in the
    error, with their age): a page keeps its last good figures rather than blanks."""
    if stats is None or stats.error is None or previous is None:
        return stats
    old = {r.model_name.lower(): r.stats for r in previous.rows
           if r.kind != "model" and r.stats is not None}
    merged = dict(stats.stats)
    scores = dict(stats.scores)
    reused = 0
    for name, fresh in stats.stats.items():
        known = old.get(name)
        if known is not None and fresh.corr_rep is None and fresh.scored_rounds == 0 and (
            known.corr_rep is not None or known.scored_rounds
        ):
            merged[name] = known
            scores[name] = dict(known.payout_scores)
            reused += 1
    greyed: tuple[MarketRow, ...] = ()
    if not stats.leaderboard:
        greyed = tuple(r for r in previous.rows if r.kind == "model")
    if not reused and not greyed:
        return stats
    when = previous.numerai_fetched_at
    age = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(when)) if when else "earlier"
    return dataclasses.replace(
        stats, stats=merged, scores=scores, greyed_rows=greyed,
        error=f"{stats.error} Showing the statistics fetched {age}.",
        fetched_at=when or stats.fetched_at,
    )


_COMPARED = tuple(
    f.name for f in dataclasses.fields(MarketRow) if f.name != "sparkline"
)


def diff(previous: MarketSnapshot | None, current: MarketSnapshot) -> tuple[RowChange, ...]:
    """Rows added, removed, and changed (with the figures that changed)."""
    old = {r.key: r for r in previous.rows} if previous is not None else {}
    new = {r.key: r for r in current.rows}
    changes = [RowChange(k, "added") for k in new if k not in old]
    changes += [RowChange(k, "removed") for k in old if k not in new]
    for key in new.keys() & old.keys():
        fields = tuple(f for f in _COMPARED if getattr(new[key], f) != getattr(old[key], f))
        if fields:
            changes.append(RowChange(key, "changed", fields))
    return tuple(changes)
