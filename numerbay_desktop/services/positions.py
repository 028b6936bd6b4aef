"""An account's positions across vaults: its lots (lot ids + lens `lot`), mapped to
`core.portfolio.Lot`, with totals, allocation, claimable NMR, pending exits and the inputs
of the portfolio's alerts. Two requests pinned at one block (three with many vaults):

1. the pin, `factory.lens()`, and `vault.account_lot_words(account)` (the open lot ids, as
   `VaultLens.lots_of` reads them) and `vault.claimable(account)` of every vault;
2. `lens.lot(vault, id)` of each open lot, `lens.vault_info` of the held vaults, the block
   time, and the account's events (Deposit, DepositCancelled, ExitRequested, ExitFulfilled,
   Claimed by owner topic; FeesCharged, RoundStaked, RoundSettled of the vaults) in one batch;
3. block times of the held vaults' last RoundStaked (missed-rounds alert), cached by block,
   so usually no request at all.

    positions = PositionsService(client, cache)
    p = await positions.load(account, vaults)     # vaults: the marketplace's addresses
    p.lots, p.totals, p.allocation, p.claimable_total, p.pending_exits, p.alerts
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from eth_utils.address import to_checksum_address

from numerbay_desktop.chain.batch import Call
from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.contracts import BoundRead, ContractAbi
from numerbay_desktop.chain.errors import CallReverted
from numerbay_desktop.core import portfolio
from numerbay_desktop.core.portfolio import Lot, LotState, Totals, VaultPosition
from numerbay_desktop.services import vault_events
from numerbay_desktop.services.chain_reads import LogQuery, block_timestamp_call, read_together
from numerbay_desktop.services.vault_events import EventStore, VaultEvent
from numerbay_desktop.store.cache import Cache

DAY = 86_400
OWNER_EVENTS = ("Deposit", "DepositCancelled", "ExitRequested", "ExitFulfilled", "Claimed")
VAULT_EVENTS = ("FeesCharged", "RoundStaked", "RoundSettled")


@dataclass(frozen=True)
class LotTerms:
    """A lot's terms and bookkeeping as the lens reports them (portfolio "terms" column)."""

    vault: str
    lot_id: int
    entry_seq: int
    exit_seq: int
    tier_basis: int  # wei
    fixed_fee_bps: int
    profit_share_bps: int
    hwm_ray: int
    units: int
    claimable: int  # the owner's claimable NMR in that vault


@dataclass(frozen=True)
class WaitingRound:
    seq: int
    round_id: int | None  # from RoundStaked (None if the event was not found)


@dataclass(frozen=True)
class PendingExit:
    vault: str
    lot_id: int
    exit_seq: int
    final: bool  # its value is fixed: fulfil() may pay it out
    waits_for: tuple[WaitingRound, ...]  # sequences still to settle before it is final


@dataclass(frozen=True)
class Alert:
    kind: str  # "pending_schedule", "low_staked_fraction", "stalled", "missed_rounds",
    # "commitment_ending"
    vault: str
    message: str
    lot_id: int | None = None
    when: int | None = None  # an eta or unlock time (seconds since the epoch)


@dataclass(frozen=True)
class Portfolio:
    account: str
    block_number: int
    chain_time: int
    lots: tuple[Lot, ...]  # open lots from the lens, closed ones from events
    terms: tuple[LotTerms, ...]
    positions: tuple[VaultPosition, ...]
    totals: Totals
    allocation: dict[str, Fraction]
    claimable: dict[str, int]  # vault -> NMR (wei) the account may claim now
    pending_exits: tuple[PendingExit, ...]
    alerts: tuple[Alert, ...]
    vault_infos: dict[str, dict[str, Any]]  # held vaults' VaultLens.vault_info
    events: tuple[VaultEvent, ...]  # the account's events (CSV export, value history)

    @property
    def claimable_total(self) -> int:
        return sum(self.claimable.values())

    @property
    def holdings(self) -> dict[str, int]:
        """vault -> value held (wei): the marketplace's diversification input."""
        held: dict[str, int] = defaultdict(int)
        for lot in self.lots:
            held[lot.vault] += lot.value
        return {v: value for v, value in held.items() if value}


class PositionsService:
    def __init__(
        self,
        client: ChainClient,
        cache: Cache | None = None,
        *,
        start_block: int = 0,
        commitment_alert_days: int = 14,
        low_staked_bps: int = 2_500,
        missed_round_days: int = 2,
        log_span: int = 10_000,
    ) -> None:
        factory = client.network.require_factory()
        self.client = client
        self.cache = cache
        self.factory = ContractAbi.load("VaultFactory").at(factory)
        self.vault_abi = ContractAbi.load("NumerBayVault")
        self.lens_abi = ContractAbi.load("VaultLens")
        self.start_block = start_block
        self.commitment_alert_days = commitment_alert_days
        self.low_staked_bps = low_staked_bps
        self.missed_round_days = missed_round_days
        self.log_span = log_span

    async def load(self, account: str, vaults: Sequence[str]) -> Portfolio:
        account = str(to_checksum_address(account))
        vaults = [str(to_checksum_address(v)) for v in vaults]
        # The vault's own packed lot-slot words need no lens address, so the lens, the
        # account's lot ids and its claimable NMR all ride in the pinning aggregate3.
        session, first = await self.client.pin_and_read(
            [self.factory.read("lens"), *self._first_reads(account, vaults)]
        )
        block = session.block_number
        lens = self.lens_abi.at(str(_value(first[0])))
        words = [_value(v) for v in first[1 : 1 + len(vaults)]]
        lot_ids = [_lot_ids(w) for w in words]
        claimable = {
            v: int(_value(c)) for v, c in zip(vaults, first[1 + len(vaults):], strict=True)
            if _value(c)
        }
        open_lots = [(v, int(i)) for v, ids in zip(vaults, lot_ids, strict=True) for i in ids]
        held = sorted({v for v, _ in open_lots})

        store = EventStore(self.cache, self._events_key(account, vaults), self.start_block)
        start, end = store.next_range(block)
        owner_topic = "0x" + bytes.fromhex(account[2:]).rjust(32, b"\x00").hex()
        queries = [
            LogQuery((tuple(vault_events.topic(n) for n in OWNER_EVENTS), owner_topic),
                     start, end, tuple(vaults), self.log_span),
            LogQuery((tuple(vault_events.topic(n) for n in VAULT_EVENTS),),
                     start, end, tuple(vaults), self.log_span),
        ] if vaults else []
        stamp = block_timestamp_call(self.client)
        lot_reads = [lens.read("lot", v, i) for v, i in open_lots]
        info_reads = [lens.read("vault_info", v) for v in held]
        calls: list[Call] = [stamp] if stamp is not None else []
        calls += [r.as_call() for r in (*lot_reads, *info_reads)]
        outcomes, logs = await read_together(self.client, block, calls, queries)
        if stamp is not None:
            chain_time = int.from_bytes(outcomes[0].data[:32], "big")
            outcomes = outcomes[1:]
        else:
            chain_time = (await self.client.get_block(block)).timestamp
        views = [_record(r, o) for r, o in zip(lot_reads, outcomes, strict=False)]
        infos = {
            v: _record(r, o)
            for v, r, o in zip(held, info_reads, outcomes[len(lot_reads):], strict=True)
        }
        fresh = [e for part in logs for e in vault_events.decode_all(part)]
        store.merge(start, block, fresh)
        events = [e for e in store.events if e.name in OWNER_EVENTS or e.name in VAULT_EVENTS]
        last_stake = await self._last_stake_times(events, set(infos))
        return self._assemble(account, block, chain_time, views, infos, claimable, events,
                              last_stake)

    def _first_reads(self, account: str, vaults: Sequence[str]) -> list[BoundRead]:
        return [self.vault_abi.at(v).read("account_lot_words", account) for v in vaults] + [
            self.vault_abi.at(v).read("claimable", account) for v in vaults
        ]

    def _events_key(self, account: str, vaults: Sequence[str]) -> str:
        digest = hashlib.sha256(",".join(sorted(vaults)).encode()).hexdigest()[:16]
        return f"{self.client.network.chain_id}|positions|{account.lower()}|{digest}"

    # ---------------------------------------------------------------- assembly

    async def _last_stake_times(
        self, events: Sequence[VaultEvent], held: set[str]
    ) -> dict[str, int]:
        """When each held vault last staked a round (its last RoundStaked's block time)."""
        last: dict[str, int] = {}
        for e in events:
            if e.name == "RoundStaked" and e.vault in held:
                last[e.vault] = e.block_number
        times = await self._block_times(sorted(set(last.values())))
        return {v: times[b] for v, b in last.items()}

    def _assemble(
        self,
        account: str,
        block: int,
        now: int,
        views: Sequence[dict[str, Any]],
        infos: dict[str, dict[str, Any]],
        claimable: dict[str, int],
        events: Sequence[VaultEvent],
        last_stake: dict[str, int] | None = None,
    ) -> Portfolio:
        deposits: dict[tuple[str, int], VaultEvent] = {}
        returned: dict[tuple[str, int], int] = defaultdict(int)
        closed_at: set[tuple[str, int]] = set()
        fees: dict[tuple[str, int], int] = defaultdict(int)
        round_of: dict[tuple[str, int], int] = {}
        for e in events:
            a = e.args
            if e.name == "Deposit":
                deposits[(e.vault, int(a["lot_id"]))] = e
            elif e.name in ("DepositCancelled", "ExitFulfilled"):
                returned[(e.vault, int(a["lot_id"]))] += int(a["assets"])
                closed_at.add((e.vault, int(a["lot_id"])))
            elif e.name == "FeesCharged":
                fees[(e.vault, int(a["lot_id"]))] += int(a["fixed_fee"]) + int(a["profit_fee"])
            elif e.name == "RoundStaked":
                round_of[(e.vault, int(a["seq"]))] = int(a["round_id"])
        lots: list[Lot] = []
        terms: list[LotTerms] = []
        open_keys: set[tuple[str, int]] = set()
        for view in views:
            vault, lot_id = str(view["_vault"]), int(view["lot_id"])
            key = (vault, lot_id)
            open_keys.add(key)
            deposit = deposits.get(key)
            lots.append(Lot(
                vault=vault, lot_id=lot_id,
                principal=int(deposit.args["assets"]) if deposit else int(view["principal"]),
                value=int(view["value"]), fees_paid=fees.get(key, 0),
                fees_accrued=int(view["accrued_fees"]),
                state=LotState.from_code(int(view["state"])),
                unlock_time=int(view["unlock_time"]),
                commitment=int(view["commitment_duration"]), returned=returned.get(key, 0),
                account=account,
            ))
            terms.append(LotTerms(
                vault, lot_id, int(view["entry_seq"]), int(view["exit_seq"]),
                int(view["tier_basis"]), int(view["fixed_fee_bps"]),
                int(view["profit_share_bps"]), int(view["hwm_ray"]), int(view["units"]),
                int(view["claimable"]),
            ))
        for key, deposit in deposits.items():
            if key in open_keys or key not in closed_at:
                continue
            lots.append(Lot(
                vault=key[0], lot_id=key[1], principal=int(deposit.args["assets"]), value=0,
                fees_paid=fees.get(key, 0), fees_accrued=0, state=LotState.CLOSED,
                unlock_time=int(deposit.args["unlock_time"]), commitment=0,
                returned=returned.get(key, 0), account=account,
            ))
        pending = tuple(
            self._pending_exit(t, lot, infos[lot.vault], round_of)
            for t, lot in zip(terms, lots, strict=False)
            if lot.state in (LotState.EXITING, LotState.FINAL)
        )
        return Portfolio(
            account=account, block_number=block, chain_time=now, lots=tuple(lots),
            terms=tuple(terms), positions=tuple(portfolio.positions(lots)),
            totals=portfolio.totals(lots), allocation=portfolio.allocation(lots),
            claimable=claimable, pending_exits=pending,
            alerts=tuple(self._alerts(lots, infos, now, last_stake or {})), vault_infos=infos,
            events=tuple(e for e in events if e.name in OWNER_EVENTS
                         or (e.vault, int(e.args.get("lot_id", -1))) in deposits
                         or (e.name == "RoundSettled" and e.vault in {v for v, _ in deposits})),
        )

    @staticmethod
    def _pending_exit(
        terms: LotTerms, lot: Lot, info: dict[str, Any], round_of: dict[tuple[str, int], int]
    ) -> PendingExit:
        applied = int(info["applied_count"])
        waits = tuple(
            WaitingRound(j, round_of.get((lot.vault, j)))
            for j in range(applied + 1, terms.exit_seq + 1)
        )
        return PendingExit(lot.vault, lot.lot_id, terms.exit_seq,
                           lot.state is LotState.FINAL, waits)

    def _alerts(
        self,
        lots: Sequence[Lot],
        infos: dict[str, dict[str, Any]],
        now: int,
        last_stake: dict[str, int],
    ) -> list[Alert]:
        alerts: list[Alert] = []
        for vault, info in sorted(infos.items()):
            name = str(info["model_name"])
            staked_at = last_stake.get(vault)
            if (staked_at is not None and now - staked_at > self.missed_round_days * DAY
                    and not info["paused"] and not info["shut_down"]):
                days = (now - staked_at) // DAY
                alerts.append(Alert("missed_rounds", vault,
                                    f"{name}: no round staked for {days} days (daily rounds "
                                    "were missed).", when=staked_at))
            eta = int(info["pending_eta"])
            if eta:
                alerts.append(Alert("pending_schedule", vault,
                                    f"{name}: the owner proposed new fees, active from the ETA.",
                                    when=eta))
            if info["stalled"]:
                alerts.append(Alert("stalled", vault,
                                    f"{name}: the vault is stalled (a staked round went "
                                    "unsettled too long); every lot may leave."))
            working = int(info["total_assets"]) - int(info["claimable_total"]) - int(
                info["exits_due"]) - int(info["fees_owed"])
            if (working > 0 and not info["paused"] and not info["shut_down"]
                    and int(info["at_stake"]) * 10_000 < self.low_staked_bps * working):
                alerts.append(Alert("low_staked_fraction", vault,
                                    f"{name}: only {_percent(int(info['at_stake']), working)} "
                                    "of the vault's NMR is staked while fees accrue on all."))
        horizon = now + self.commitment_alert_days * DAY
        for lot in lots:
            if lot.state in portfolio.OPEN_STATES and now < lot.unlock_time <= horizon:
                alerts.append(Alert("commitment_ending", lot.vault,
                                    f"Lot {lot.lot_id}: its commitment ends soon.",
                                    lot_id=lot.lot_id, when=lot.unlock_time))
        return alerts


    # ---------------------------------------------------------------- value history, CSV

    async def portfolio_events(self, p: Portfolio) -> list[portfolio.PortfolioEvent]:
        """The account's events as core.portfolio takes them (value chart, CSV export). Block
        times of the account's own events come in one batch (cached by block)."""
        blocks = sorted({e.block_number for e in p.events if e.name != "RoundSettled"})
        times = await self._block_times(blocks)
        out: list[portfolio.PortfolioEvent] = []
        for e in p.events:
            a = e.args
            if e.name == "RoundSettled":
                out.append(portfolio.IndexEvent(int(a["timestamp"]), e.vault, int(a["seq"]),
                                                int(a["index_ray"])))
                continue
            when = times[e.block_number]
            if e.name == "Deposit":
                out.append(portfolio.DepositEvent(when, e.vault, int(a["lot_id"]),
                                                  int(a["assets"]), int(a["entry_seq"])))
            elif e.name == "DepositCancelled":
                out.append(portfolio.CancelEvent(when, e.vault, int(a["lot_id"]),
                                                 int(a["assets"])))
            elif e.name == "ExitRequested":
                out.append(portfolio.ExitRequestEvent(when, e.vault, int(a["lot_id"]),
                                                      int(a["exit_seq"])))
            elif e.name == "ExitFulfilled":
                out.append(portfolio.ExitFulfilledEvent(when, e.vault, int(a["lot_id"]),
                                                        int(a["assets"]), int(a["profit_fee"])))
            elif e.name == "FeesCharged":
                out.append(portfolio.FeeEvent(when, e.vault, int(a["lot_id"]),
                                              int(a["fixed_fee"]) + int(a["profit_fee"])))
            elif e.name == "Claimed":
                out.append(portfolio.ClaimEvent(when, e.vault, int(a["assets"])))
        return out

    async def value_history(self, p: Portfolio) -> list[portfolio.ValuePoint]:
        """The portfolio's value and invested NMR after each of its events."""
        return portfolio.value_series(await self.portfolio_events(p))

    async def csv_rows(self, p: Portfolio) -> list[tuple[str, ...]]:
        """The CSV export of deposits, exits, fees and values as of the pinned block."""
        return portfolio.csv_rows(await self.portfolio_events(p), p.lots, p.chain_time)

    async def _block_times(self, blocks: Sequence[int]) -> dict[int, int]:
        prefix = f"services|blocktime|{self.client.network.chain_id}|"
        found: dict[int, int] = {}
        if self.cache is not None:
            hits = self.cache.get_many([f"{prefix}{b}" for b in blocks])
            found = {int(k[len(prefix):]): int(v.value) for k, v in hits.items()}
        missing = [b for b in blocks if b not in found]
        if missing:
            answers = await self.client.batch(
                [("eth_getBlockByNumber", [hex(b), False]) for b in missing]
            )
            fresh = {b: int(a.unwrap()["timestamp"], 16) for b, a in zip(missing, answers,
                                                                         strict=True)}
            found.update(fresh)
            if self.cache is not None:
                self.cache.put_many({f"{prefix}{b}": t for b, t in fresh.items()})
        return found


def _lot_ids(words: Sequence[int]) -> list[int]:
    """Open lot ids from `account_lot_words`: 16 slots of 32 bits, as VaultLens.lots_of."""
    return [
        lot_id for word in words for i in range(8)
        if (lot_id := (int(word) >> (32 * i)) & 0xFFFFFFFF)
    ]


def _value(value: Any) -> Any:
    if isinstance(value, CallReverted):
        raise value
    return value


def _record(read: BoundRead, outcome: Any) -> dict[str, Any]:
    record = read.decode(outcome)
    fields = read.function.output_fields
    out = dict(zip(fields, record, strict=True))
    out["_vault"] = str(read.function.decode_input(read.data)[0])
    return out


def _percent(part: int, whole: int) -> str:
    return f"{float(Fraction(part * 100, whole)):.1f}%"  # display only
