"""EIP-1559 fee presets (low, market, aggressive) from `eth_feeHistory`, and the replacement
rule for speed-up and cancel.

Presets: the priority fee is the median over recent blocks of the 10th / 50th / 90th
percentile of the tips paid (blocks that paid none are skipped); the max fee is the next
block's base fee projected over a few full blocks (base fee grows ≤ 12.5% per block) plus
that tip: low ×1.25 (~2 full blocks), market ×2 (~6), aggressive ×2.5 (~8). A node without
fee history (or with empty blocks only, like a fresh devnet) falls back to
`eth_maxPriorityFeePerGas` (or 1 gwei) and the latest block's base fee (or `eth_gasPrice`).

Replacement: a speed-up or cancel must raise BOTH fee fields by at least 12.5% over the
transaction it replaces (geth's and most pools' rule is 10%; 12.5% leaves a margin), and
never bids below the current market preset.

Amounts are integer wei.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Literal

from numerbay_desktop.chain.client import ChainClient, FeeHistory
from numerbay_desktop.chain.errors import BadResponse, RpcRejected
from numerbay_desktop.core.errors import InvalidInput

PresetName = Literal["low", "market", "aggressive"]
PRESET_NAMES: tuple[PresetName, ...] = ("low", "market", "aggressive")
HISTORY_BLOCKS = 20
PERCENTILES = (10.0, 50.0, 90.0)
GWEI = 10**9
FALLBACK_TIP = 1 * GWEI
MIN_TIP = 1  # wei: a zero tip is legal but some pools never pick it
# base fee multipliers as (numerator, denominator): integer arithmetic only
_BASE_GROWTH: dict[PresetName, tuple[int, int]] = {
    "low": (5, 4),
    "market": (2, 1),
    "aggressive": (5, 2),
}
# fallback tips relative to the node's suggestion
_FALLBACK_TIP_SCALE: dict[PresetName, tuple[int, int]] = {
    "low": (1, 2),
    "market": (1, 1),
    "aggressive": (2, 1),
}
BUMP_NUMERATOR, BUMP_DENOMINATOR = 9, 8  # +12.5%


@dataclass(frozen=True, slots=True)
class FeeChoice:
    """The two EIP-1559 fee fields of a transaction, and where they came from."""

    name: str  # "low", "market", "aggressive", "custom", "speed-up" ...
    max_fee_per_gas: int
    max_priority_fee_per_gas: int

    def __post_init__(self) -> None:
        if self.max_priority_fee_per_gas < 0 or self.max_fee_per_gas < 0:
            raise InvalidInput("Fees cannot be negative.")
        if self.max_priority_fee_per_gas > self.max_fee_per_gas:
            raise InvalidInput("The priority fee cannot be higher than the max fee.")

    def max_cost(self, gas_limit: int, value: int = 0) -> int:
        """The most a transaction with this fee can take: gas limit × max fee + value."""
        return gas_limit * self.max_fee_per_gas + value


@dataclass(frozen=True, slots=True)
class FeePresets:
    low: FeeChoice
    market: FeeChoice
    aggressive: FeeChoice
    base_fee: int  # the next block's base fee as the node projects it
    source: Literal["fee_history", "fallback"]

    def get(self, name: str) -> FeeChoice:
        if name not in PRESET_NAMES:
            raise InvalidInput(f"Unknown fee preset {name!r}; use low, market or aggressive.")
        choice: FeeChoice = getattr(self, name)
        return choice

    def all(self) -> tuple[FeeChoice, FeeChoice, FeeChoice]:
        return self.low, self.market, self.aggressive


def custom_fee(max_fee_per_gas: int, max_priority_fee_per_gas: int) -> FeeChoice:
    """The user's own fields from the review dialog's advanced section."""
    return FeeChoice("custom", max_fee_per_gas, max_priority_fee_per_gas)


def _scaled(value: int, ratio: tuple[int, int]) -> int:
    return value * ratio[0] // ratio[1]


def _preset(name: PresetName, base_fee: int, tip: int) -> FeeChoice:
    tip = max(tip, MIN_TIP)
    return FeeChoice(name, _scaled(base_fee, _BASE_GROWTH[name]) + tip, tip)


def presets_from_history(history: FeeHistory) -> FeePresets | None:
    """Presets from a fee history, or None when it has no usable tips (empty blocks)."""
    if not history.base_fees:
        return None
    next_base = history.base_fees[-1]
    columns: list[list[int]] = [[] for _ in PERCENTILES]
    for block_rewards in history.rewards:
        if len(block_rewards) != len(PERCENTILES) or not any(block_rewards):
            continue  # an empty block tells nothing about tips
        for column, reward in zip(columns, block_rewards, strict=True):
            column.append(reward)
    if not columns[0]:
        return None
    tips = [int(statistics.median_low(column)) for column in columns]
    # percentiles are ordered; keep the presets ordered even on odd histories
    tips = [tips[0], max(tips[0], tips[1]), max(tips[0], tips[1], tips[2])]
    low, market, aggressive = (
        _preset(name, next_base, tip) for name, tip in zip(PRESET_NAMES, tips, strict=True)
    )
    return FeePresets(low, market, aggressive, next_base, "fee_history")


def fallback_presets(base_fee: int, suggested_tip: int) -> FeePresets:
    """Presets from a base fee and one tip suggestion (no fee history)."""
    tip = max(suggested_tip, MIN_TIP)
    low, market, aggressive = (
        _preset(name, base_fee, _scaled(tip, _FALLBACK_TIP_SCALE[name])) for name in PRESET_NAMES
    )
    return FeePresets(low, market, aggressive, base_fee, "fallback")


def fee_history_request(blocks: int = HISTORY_BLOCKS) -> tuple[str, list[object]]:
    """The eth_feeHistory call the presets need, for a caller's JSON-RPC batch."""
    return "eth_feeHistory", [hex(blocks), "latest", list(PERCENTILES)]


def fee_history_from_rpc(raw: object) -> FeeHistory | None:
    """A fee history from eth_feeHistory's raw answer; None when it is unusable."""
    if not isinstance(raw, dict):
        return None
    try:
        return FeeHistory(
            oldest_block=_hex(raw.get("oldestBlock")),
            base_fees=tuple(_hex(v) for v in raw.get("baseFeePerGas") or []),
            gas_used_ratios=tuple(float(v) for v in raw.get("gasUsedRatio") or []),
            rewards=tuple(tuple(_hex(v) for v in row) for row in raw.get("reward") or []),
        )
    except (BadResponse, TypeError, ValueError):
        return None


async def fetch_fee_presets(client: ChainClient, blocks: int = HISTORY_BLOCKS) -> FeePresets:
    """Presets for the next block, from fee history where the node has it."""
    try:
        history = await client.fee_history(blocks, "latest", PERCENTILES)
    except (RpcRejected, BadResponse):
        history = None
    return await presets_or_fallback(client, history)


async def presets_or_fallback(client: ChainClient, history: FeeHistory | None) -> FeePresets:
    """Presets from `history`, or (no history, or only empty blocks) from the node's tip
    suggestion and base fee, which costs one or two more requests."""
    if history is not None:
        presets = presets_from_history(history)
        if presets is not None:
            return presets
    if history is not None and history.base_fees:
        base_fee = history.base_fees[-1]
    else:
        header = await client.get_block("latest")
        base_fee = header.base_fee_per_gas if header.base_fee_per_gas is not None else 0
        if header.base_fee_per_gas is None:
            base_fee = _hex(await client.rpc("eth_gasPrice", []))
    try:
        tip = await client.max_priority_fee()
    except (RpcRejected, BadResponse):
        tip = FALLBACK_TIP
    return fallback_presets(base_fee, tip)


def bumped(value: int) -> int:
    """`value` raised by 12.5%, rounded up (and by at least 1 wei)."""
    return max(value + 1, -(-value * BUMP_NUMERATOR // BUMP_DENOMINATOR))


def replacement_fee(
    previous: FeeChoice, market: FeeChoice | None = None, name: str = "speed-up"
) -> FeeChoice:
    """Fees for a transaction replacing `previous` (same nonce): both fields ≥ 12.5% higher,
    and at least the current market preset's."""
    tip = bumped(previous.max_priority_fee_per_gas)
    cap = bumped(previous.max_fee_per_gas)
    if market is not None:
        tip = max(tip, market.max_priority_fee_per_gas)
        cap = max(cap, market.max_fee_per_gas)
    return FeeChoice(name, max(cap, tip), tip)


def is_valid_replacement(previous: FeeChoice, new: FeeChoice) -> bool:
    """Whether `new` raises both fields by the 12.5% the pipeline promises."""
    return all(
        after * BUMP_DENOMINATOR >= before * BUMP_NUMERATOR and after > before
        for before, after in (
            (previous.max_fee_per_gas, new.max_fee_per_gas),
            (previous.max_priority_fee_per_gas, new.max_priority_fee_per_gas),
        )
    )


def _hex(value: object) -> int:
    if isinstance(value, str) and value.startswith("0x"):
        try:
            return int(value, 16)
        except ValueError:
            pass
    raise BadResponse("The node gave a gas price that is not a hex number.")

