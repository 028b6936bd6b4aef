"""Plain, frozen rows the pages show, with where every figure came from.

Amounts are `int` wei, returns exact `Fraction`s (from the vault's integer index), scores
floats (Numerai's). `MarketSnapshot.sources(row)` maps each figure to its origin
("VaultLens(...).vault_info(vault).total_assets at block N", "events RoundSettled.index_ray",
"Numerai v2Leaderboard.corr20V2Rep" ...) for the verification panel; it is derived from the
row, the lens and the block, so it costs nothing to cache. `to_json` / `from_json` turn any
of these rows into JSON and back (the SQLite cache stores them so a page opens instantly).
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, TypeVar

Sources = tuple[tuple[str, str], ...]  # (figure, source), in display order


@dataclass(frozen=True)
class TierTerms:
    min_stake: int  # wei
    fixed_fee_bps: int
    profit_share_bps: int


@dataclass(frozen=True)
class CommitmentOption:
    duration: int  # seconds
    discount_bps: int


@dataclass(frozen=True)
class FeeRange:
    """Fees across every tier and commitment, after the commitment discounts."""

    fixed_min_bps: int
    fixed_max_bps: int
    profit_min_bps: int
    profit_max_bps: int


@dataclass(frozen=True)
class ModelStats:
    """What Numerai says about a vault's model (None where Numerai has nothing)."""

    numerai_model_id: str | None = None
    corr_rep: float | None = None  # v2Leaderboard.corr20V2Rep
    mmc_rep: float | None = None  # v2Leaderboard.mmcRep
    rank: int | None = None
    nmr_staked: str | None = None  # Numerai's decimal string (NMR), as served
    numerai_return_3m: float | None = None  # v2Leaderboard.return13Weeks (Numerai's figure)
    numerai_return_1y: float | None = None  # v2Leaderboard.return52Weeks
    scored_rounds: int = 0
    coverage: Fraction | None = None
    hit_rate: Fraction | None = None
    drift: float | None = None
    dispersion: float | None = None
    consistency: float | None = None  # 0-100, core.analytics.consistency
    # (round, payout score) of the resolved rounds, oldest first: the model page's chart.
    payout_scores: tuple[tuple[int, float], ...] = ()


@dataclass(frozen=True)
class MarketRow:
    """One marketplace row. `kind`: "vault" (registered), "candidate" (created by the
    factory, not yet registered by a first round stake) or "model" (a Numerai model
    without a vault: greyed, chain fields None)."""

    kind: str
    model_name: str
    vault: str | None = None
    model_id: str | None = None  # bytes32 hex (chain)
    owner: str | None = None
    total_assets: int | None = None
    idle: int | None = None
    at_stake: int | None = None
    exposed_value: int | None = None
    capacity: int | None = None
    capacity_left: int | None = None  # capacity - total_assets, at least 0
    min_deposit: int | None = None
    paused: bool = False
    shut_down: bool = False
    stalled: bool = False
    stake_count: int | None = None
    applied_count: int | None = None
    index_ray: int | None = None
    queue_length: int | None = None
    pending_eta: int = 0  # a proposed schedule activates then (0: none)
    tiers: tuple[TierTerms, ...] = ()
    commitments: tuple[CommitmentOption, ...] = ()
    fee_range: FeeRange | None = None
    stakers: int | None = None  # accounts with an open lot (Deposit / cancel / fulfil events)
    settled_rounds: int = 0
    return_3m: Fraction | None = None  # from the vault's index (RoundSettled events)
    return_1y: Fraction | None = None
    # Since the first stake: G[S] / 1e27 - 1 (the index starts at 1.0), and over how long.
    return_since_start: Fraction | None = None
    history_seconds: int = 0  # first to last settled round
    sparkline: tuple[float, ...] = ()  # the index per settled round, scaled to [0, 1]
    last_settled_at: int | None = None
    stats: ModelStats | None = None
    diversification: float | None = None  # against the user's holdings; None: unknown

    @property
    def key(self) -> str:
        return self.vault or f"model:{self.model_name}"

    @property
    def greyed(self) -> bool:
        return self.kind == "model"



@dataclass(frozen=True)
class RowChange:
    key: str  # vault address, or "model:<name>"
    change: str  # "added", "removed" or "changed"
    fields: tuple[str, ...] = ()  # the figures that changed


@dataclass(frozen=True)
class MarketSnapshot:
    rows: tuple[MarketRow, ...]
    block_number: int
    chain_time: int  # the block's timestamp
    fetched_at: float  # wall clock when read
    numerai_error: str | None = None  # stats missing, and why (rows still load)
    numerai_fetched_at: float | None = None
    from_cache: bool = False
    lens: str = ""  # the VaultLens the figures were read through

    def row(self, key: str) -> MarketRow | None:
        return next((r for r in self.rows if r.key == key), None)

    def sources(self, row: MarketRow) -> Sources:
        """Where each figure of `row` came from (chain call, event or Numerai field)."""
        from numerbay_desktop.services.row_sources import row_sources

        return row_sources(row, self.lens, self.block_number)

    def source_of(self, row: MarketRow, figure: str) -> str | None:
        return dict(self.sources(row)).get(figure)


@dataclass(frozen=True)
class RefreshResult:
    snapshot: MarketSnapshot
    changes: tuple[RowChange, ...] = field(default=())


# ---------------------------------------------------------------- JSON codec

T = TypeVar("T")


_PLAIN = (int, str, float, bool, type(None))


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(kind))


@functools.cache
def _hints(kind: type) -> dict[str, Any]:
    return typing.get_type_hints(kind)


def to_json(value: Any) -> Any:
    """A JSON-able form of a row (Fractions as "n/d" strings, tuples as lists)."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, tuple | list):
        return [v if isinstance(v, _PLAIN) else to_json(v) for v in value]
    kind: type = type(value)
    if hasattr(kind, "__dataclass_fields__"):
        return {name: to_json(getattr(value, name)) for name in _field_names(kind)}
    return value


def from_json(kind: type[T], data: Any) -> T:
    """The row of type `kind` that `to_json` gave `data` for (ValueError if it does not fit)."""
    return typing.cast(T, _decode(kind, data))


def _decode(hint: Any, data: Any) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if data is None and type(None) in options:
            return None
        for option in options:
            if option is type(None):
                continue
            try:
                return _decode(option, data)
            except (ValueError, TypeError, KeyError):
                continue
        raise ValueError(f"{data!r} fits none of {hint}")
    if origin is tuple:
        args = typing.get_args(hint)
        if not isinstance(data, list):
            raise ValueError("expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_decode(args[0], v) for v in data)
        return tuple(_decode(a, v) for a, v in zip(args, data, strict=True))
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        if not isinstance(data, dict):
            raise ValueError("expected an object")
        hints = _hints(hint)
        kwargs = {
            name: _decode(hints[name], data[name]) for name in _field_names(hint) if name in data
        }
        return hint(**kwargs)
    if hint is Fraction:
        if not isinstance(data, str):
            raise ValueError("expected a fraction string")
        return Fraction(data)
    if hint is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise ValueError("expected a number")
        return float(data)
    if hint in (int, str, bool):
        if type(data) is not hint:
            raise ValueError(f"expected {hint.__name__}")
        return data
    if hint is Any:
        return data
    raise ValueError(f"cannot decode {hint}")


def visible_rows(
    snapshot: MarketSnapshot, *, include_candidates: bool = False, include_models: bool = False
) -> tuple[MarketRow, ...]:
    """The rows a marketplace shows: registered vaults, plus candidates and greyed Numerai
    models without a vault when asked."""
    shown = {"vault"} | ({"candidate"} if include_candidates else set()) | (
        {"model"} if include_models else set()
    )
    return tuple(r for r in snapshot.rows if r.kind in shown)
