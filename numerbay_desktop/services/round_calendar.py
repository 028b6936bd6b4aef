"""A vault's rounds and its next stake, as pure functions of figures already read.

- `propose_stake(figures)`: Numerai's usual per-round stake (total assets / 64), clipped to
  every bound `NumerBayVault.stake_round` checks, with a plain explanation of each bound, so
  a proposal never reverts on the vault's own checks. `stake_refusal(figures, round_id,
  amount)` mirrors those checks in the contract's order and names the first that fails.
- `round_state(facts, now)` / `build_calendar(...)`: each staked round as open, staked,
  resolving, resolved or settled, from the vault's sequences (lens), the staking contract's
  round and position, and Numerai's round times.

Amounts are int wei; no I/O here (the service in `round_work.py` reads, this decides).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

RAY = 10**27
BPS = 10_000
ROUND_SHARE = 64  # Numerai sizes a round's stake as TVL / 64 (about 64 rounds overlap)
STAKE_STEP = 10**14  # proposals are whole multiples of 0.0001 NMR
MAX_ROUND_ID = 2**64 - 1  # the vault packs round ids in 64 bits


def nmr_text(wei: int) -> str:
    """`1234.5 NMR` style text of a wei amount (exact, trailing zeros dropped)."""
    value = Decimal(wei).scaleb(-18).normalize()
    text = format(value, "f")
    return f"{text} NMR"


@dataclass(frozen=True)
class VaultFigures:
    """What `stake_round` checks, as the lens (`vault_info`) and `state_words` report it."""

    total_assets: int
    idle: int
    at_stake: int
    exposed_value: int
    claimable_total: int
    exits_due: int
    fees_owed: int
    exiting_units: int  # state_words[5]
    index_ray: int  # G[S], state_words[6]
    max_round_bps: int
    max_at_stake_bps: int
    last_round_id: int  # state_words[13]
    shut_down: bool = False
    stalled: bool = False

    @property
    def reserves(self) -> int:
        """NMR kept out of staking: claimable, final exits, fees and the exiting lots' share
        (rounded up, as the contract does)."""
        exiting = -(-self.exiting_units * self.index_ray // RAY)
        return self.claimable_total + self.exits_due + self.fees_owed + exiting


@dataclass(frozen=True)
class StakeBound:
    name: str  # "target", "round_cap", "at_stake_cap", "free_idle"
    limit: int  # wei (never negative)
    explanation: str


@dataclass(frozen=True)
class StakeProposal:
    amount: int  # wei; 0 when nothing can be staked
    bounds: tuple[StakeBound, ...]
    binding: str  # the name of the bound that set the amount
    refusal: str | None = None  # why nothing can be staked, in plain words

    def explain(self) -> str:
        lines = [f"Proposed stake: {nmr_text(self.amount)}."]
        lines += [f"- {b.explanation}" + (" (this sets the amount)" if b.name == self.binding
                                          else "") for b in self.bounds]
        if self.refusal:
            lines.append(self.refusal)
        return "\n".join(lines)


def propose_stake(figures: VaultFigures) -> StakeProposal:
    """total assets / 64 within the vault's round cap, at-stake cap and free idle NMR."""
    f = figures
    round_cap = f.exposed_value * f.max_round_bps // BPS
    at_stake_room = max(0, f.exposed_value * f.max_at_stake_bps // BPS - f.at_stake)
    free_idle = max(0, f.idle - f.reserves)
    bounds = (
        StakeBound("target", f.total_assets // ROUND_SHARE,
                   f"Numerai's usual share: total assets {nmr_text(f.total_assets)} / 64 = "
                   f"{nmr_text(f.total_assets // ROUND_SHARE)}."),
        StakeBound("round_cap", round_cap,
                   f"Round cap: {f.max_round_bps / 100:g}% of the exposed value "
                   f"{nmr_text(f.exposed_value)} = {nmr_text(round_cap)}."),
        StakeBound("at_stake_cap", at_stake_room,
                   f"At-stake cap: {f.max_at_stake_bps / 100:g}% of the exposed value, less "
                   f"{nmr_text(f.at_stake)} already at stake, leaves {nmr_text(at_stake_room)}."),
        StakeBound("free_idle", free_idle,
                   f"Free idle NMR: idle {nmr_text(f.idle)} less reserves "
                   f"{nmr_text(f.reserves)} (claims, final exits, fees, exiting lots) = "
                   f"{nmr_text(free_idle)}."),
    )
    binding = min(bounds, key=lambda b: b.limit)
    amount = binding.limit // STAKE_STEP * STAKE_STEP
    refusal = None
    if f.shut_down:
        refusal, amount = "The vault is shut down: it stakes no more rounds.", 0
    elif f.stalled:
        refusal, amount = "The vault is stalled: no new stakes until old rounds are settled.", 0
    elif amount <= 0:
        refusal = f"Nothing can be staked now: the {binding.name.replace('_', ' ')} is zero."
    return StakeProposal(amount, bounds, binding.name, refusal)


def stake_refusal(figures: VaultFigures, round_id: int, amount: int,
                  max_amount: int | None = None) -> str | None:
    """The first of `stake_round`'s own checks that `amount` would fail, or None."""
    f = figures
    if f.shut_down:
        return "The vault is shut down."
    if f.stalled:
        return "The vault is stalled."
    if not f.last_round_id < round_id <= MAX_ROUND_ID:
        return f"Round {round_id} is not newer than the last staked round {f.last_round_id}."
    if amount <= 0 or (max_amount is not None and amount > max_amount):
        return f"{nmr_text(amount)} is not a stake Numerai authorized."
    if amount > f.exposed_value * f.max_round_bps // BPS:
        return f"{nmr_text(amount)} is above the vault's round cap."
    if f.at_stake + amount > f.exposed_value * f.max_at_stake_bps // BPS:
        return f"{nmr_text(amount)} is above the vault's at-stake cap."
    if f.idle < f.reserves + amount:
        return f"{nmr_text(amount)} would eat the NMR reserved for exits, claims and fees."
    return None


# ---------------------------------------------------------------------------- calendar


class RoundState(enum.Enum):
    OPEN = "open"  # taking stakes; this vault has not staked it
    STAKED = "staked"  # staked; the round still takes stakes
    RESOLVING = "resolving"  # staking closed; Numerai has not resolved it
    RESOLVED = "resolved"  # resolved (or settled by Numerai); the vault has not booked it
    SETTLED = "settled"  # the vault recorded the result


@dataclass(frozen=True)
class SequenceFacts:
    """One staked round: the lens's `sequence(vault, j)` plus the staking contract's view."""

    seq: int
    round_id: int
    amount: int
    stake_time: int
    recorded: bool
    written_off: bool
    applied: bool
    received: int
    return_ray: int
    close_time: int  # the staking contract's round close time
    resolved: bool  # the staking contract's round is resolved
    position_settled: bool  # claimed or finalized at the staking contract


@dataclass(frozen=True)
class CalendarRow:
    round_id: int
    state: RoundState
    seq: int | None = None
    amount: int = 0
    received: int | None = None
    applied: bool = False
    written_off: bool = False
    close_time: int | None = None
    resolve_time: int | None = None  # Numerai's (expected) resolve time, if known
    next_step: str = ""


def round_state(facts: SequenceFacts, now: int) -> RoundState:
    if facts.recorded:
        return RoundState.SETTLED
    if facts.resolved or facts.position_settled:
        return RoundState.RESOLVED
    if now < facts.close_time:
        return RoundState.STAKED
    return RoundState.RESOLVING


def _next_step(facts: SequenceFacts, state: RoundState, next_to_apply: int) -> str:
    if state is RoundState.SETTLED:
        if facts.applied:
            return "Done."
        if facts.seq == next_to_apply:
            return "Recorded; waiting to be applied (apply)."
        return "Recorded; applies after the earlier rounds."
    if state is RoundState.RESOLVED:
        if facts.position_settled:
            return "Numerai paid it out; sync it (sync_round)."
        return "Settle it with Numerai's proof (settle_round)."
    if state is RoundState.RESOLVING:
        return "Waiting for Numerai to resolve it."
    return "Staked; staking closes at the round's close time."


def build_calendar(
    sequences: Sequence[SequenceFacts],
    now: int,
    *,
    applied_count: int,
    open_round: int | None = None,
    resolve_times: Mapping[int, int] | None = None,
    open_close_time: int | None = None,
) -> list[CalendarRow]:
    """Rows newest first: the open round (if this vault has not staked it), then every
    staked round with its state and the next step it waits for."""
    times = resolve_times or {}
    rows: list[CalendarRow] = []
    staked_ids = {s.round_id for s in sequences}
    if open_round is not None and open_round not in staked_ids:
        rows.append(CalendarRow(open_round, RoundState.OPEN, close_time=open_close_time,
                                resolve_time=times.get(open_round),
                                next_step="Open for stakes: stake this round."))
    for facts in sorted(sequences, key=lambda s: s.seq, reverse=True):
        state = round_state(facts, now)
        rows.append(CalendarRow(
            round_id=facts.round_id, state=state, seq=facts.seq, amount=facts.amount,
            received=facts.received if facts.recorded else None, applied=facts.applied,
            written_off=facts.written_off, close_time=facts.close_time,
            resolve_time=times.get(facts.round_id),
            next_step=_next_step(facts, state, applied_count + 1),
        ))
    return rows
