"""What a model owner asks of the chain: the factory's bounds (checked before anything is
sent, each failure with the factory's own reason), and the transactions (`TxIntent`s) of
creating and running a vault. Reads live in `vault_admin_reads.py`.

    problems = params_problems(params)                  # [] when the factory would accept it
    intent = create_vault_intent(network.factory, params)
    intents = allowlist_intents(vault, add=[...], remove=[...])   # <= 50 addresses each
    parsed = parse_addresses(pasted_text)               # valid (checksummed) and bad, with why

The owner functions live in VaultAdmin and are called ON THE VAULT's address (its fallback
delegatecalls the admin extension), so their calldata is encoded with VaultAdmin's ABI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from eth_utils.address import is_checksum_address, is_hex_address, to_checksum_address

from numerbay_desktop.chain.contracts import ContractAbi
from numerbay_desktop.chain.txflow import TxIntent
from numerbay_desktop.core.abs import model_id_bytes32
from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.services.models import CommitmentOption, TierTerms

# The factory's bounds (contracts/VaultFactory.vy constants).
NMR = 10**18
DAY = 86_400
MAX_TIERS = 8
MAX_COMMITMENTS = 4
MAX_FIXED_FEE_BPS = 1_000
MAX_PROFIT_SHARE_BPS = 5_000
MAX_DISCOUNT_BPS = 10_000
MAX_DURATION = 365 * DAY
MAX_TIER_MIN_NMR = 2**32 - 1
MAX_ROUND_BPS = 2_000
MAX_AT_STAKE_BPS = 9_500
MIN_SETTLE_DELAY = 150 * DAY
MAX_SETTLE_DELAY = 3_650 * DAY
MIN_SCHEDULE_DELAY = 7 * DAY
MAX_SCHEDULE_DELAY = 365 * DAY
MIN_DEPOSIT_FLOOR = NMR
MAX_AMOUNT = 2**96 - 1
MAX_NAME_LENGTH = 64
MAX_BATCH = 50  # VaultAdmin's set_allowed and roll take at most 50 entries per call


@dataclass(frozen=True)
class Problem:
    """One value the factory would refuse: where (`field`, `row` for a tier or commitment),
    what to do about it (`reason`), and the factory's revert reason it stands for."""

    field: str
    reason: str
    row: int | None = None
    revert: str = ""

    def __str__(self) -> str:
        return self.reason


@dataclass(frozen=True)
class VaultParams:
    """Everything `VaultFactory.create_vault` takes. Amounts in wei, delays in seconds."""

    model_name: str
    numerai_model_id: str  # Numerai's UUID text
    tiers: tuple[TierTerms, ...]
    commitments: tuple[CommitmentOption, ...]
    capacity: int
    min_deposit: int
    max_round_bps: int
    max_at_stake_bps: int
    max_settle_delay: int = 180 * DAY
    schedule_delay: int = 14 * DAY


def _pct(bps: int) -> str:
    return f"{Decimal(bps) / 100:g} %"


def schedule_problems(
    tiers: Sequence[TierTerms], commitments: Sequence[CommitmentOption]
) -> list[Problem]:
    """Every way `validate_schedule` would refuse this ladder, in the factory's order."""
    found: list[Problem] = []
    if not tiers:
        found.append(Problem("tiers", "Add at least one tier.", None, "no tiers"))
    elif len(tiers) > MAX_TIERS:
        found.append(Problem("tiers", f"At most {MAX_TIERS} tiers.", None, "too many"))
    elif tiers[0].min_stake != 0:
        found.append(Problem("tiers", "The first tier must start at 0 NMR, so every stake "
                             "has a tier.", 0, "first tier not at 0"))
    previous = -1
    for row, tier in enumerate(tiers[:MAX_TIERS]):
        if row > 0 and tier.min_stake <= previous:
            found.append(Problem("min_stake", f"Tier {row + 1} must start above tier {row}'s "
                                 "minimum (tiers ascend).", row, "tiers not ascending"))
        if tier.min_stake % NMR:
            found.append(Problem("min_stake", f"Tier {row + 1}'s minimum must be a whole "
                                 "number of NMR.", row, "tier min not whole NMR"))
        if tier.min_stake // NMR > MAX_TIER_MIN_NMR:
            found.append(Problem("min_stake", f"Tier {row + 1}'s minimum is too large.", row,
                                 "tier min too large"))
        if not 0 <= tier.fixed_fee_bps <= MAX_FIXED_FEE_BPS:
            found.append(Problem("fixed_fee_bps", f"Tier {row + 1}'s fixed fee must be between "
                                 f"0 and {_pct(MAX_FIXED_FEE_BPS)} a year.", row,
                                 "fixed fee too high"))
        if not 0 <= tier.profit_share_bps <= MAX_PROFIT_SHARE_BPS:
            found.append(Problem("profit_share_bps", f"Tier {row + 1}'s profit share must be "
                                 f"between 0 and {_pct(MAX_PROFIT_SHARE_BPS)}.", row,
                                 "profit share too high"))
        previous = tier.min_stake
    if not commitments:
        found.append(Problem("commitments", "Add at least one commitment option (0 days: "
                             "stakers may leave at any time).", None, "no commitments"))
    elif len(commitments) > MAX_COMMITMENTS:
        found.append(Problem("commitments", f"At most {MAX_COMMITMENTS} commitment options.",
                             None, "too many"))
    previous = -1
    for row, option in enumerate(commitments[:MAX_COMMITMENTS]):
        if row > 0 and option.duration <= previous:
            found.append(Problem("duration", f"Commitment {row + 1} must be longer than "
                                 f"commitment {row} (they ascend).", row,
                                 "commitments not ascending"))
        if not 0 <= option.duration <= MAX_DURATION:
            found.append(Problem("duration", f"Commitment {row + 1} may last at most 365 "
                                 "days.", row, "commitment too long"))
        if not 0 <= option.discount_bps <= MAX_DISCOUNT_BPS:
            found.append(Problem("discount_bps", f"Commitment {row + 1}'s discount must be "
                                 "between 0 and 100 %.", row, "discount too high"))
        previous = option.duration
    return found


def params_problems(params: VaultParams) -> list[Problem]:
    """Every way `create_vault` would refuse `params` (the schedule's problems included)."""
    found: list[Problem] = []
    name = params.model_name.strip()
    if not name:
        found.append(Problem("model_name", "Pick or type your model's name.", None,
                             "no model name"))
    elif len(name.encode()) > MAX_NAME_LENGTH:
        found.append(Problem("model_name", "The model name is longer than 64 bytes.", None,
                             "model name"))
    try:
        if not int.from_bytes(model_id_bytes32(params.numerai_model_id), "big"):
            raise InvalidInput("zero")
    except (InvalidInput, ValueError):
        found.append(Problem("model_id", "The model id must be Numerai's UUID of the model "
                             "(pick the model from your account, or paste its id).", None,
                             "no model id"))
    if params.min_deposit < MIN_DEPOSIT_FLOOR or params.min_deposit > MAX_AMOUNT:
        found.append(Problem("min_deposit", "The minimum deposit must be at least 1 NMR.",
                             None, "min deposit below 1 NMR"))
    if params.capacity < params.min_deposit or params.capacity > MAX_AMOUNT:
        found.append(Problem("capacity", "The capacity must be at least the minimum deposit "
                             "(and below 79 billion NMR).", None, "bad capacity"))
    if not 1 <= params.max_round_bps <= MAX_ROUND_BPS:
        found.append(Problem("max_round_bps", "The largest round stake must be between 0.01 % "
                             f"and {_pct(MAX_ROUND_BPS)} of the vault's assets.", None,
                             "bad max round bps"))
    if not params.max_round_bps <= params.max_at_stake_bps <= MAX_AT_STAKE_BPS:
        found.append(Problem("max_at_stake_bps", "The most at stake at once must be at least "
                             f"the round stake and at most {_pct(MAX_AT_STAKE_BPS)}.", None,
                             "bad max at-stake bps"))
    if not MIN_SETTLE_DELAY <= params.max_settle_delay <= MAX_SETTLE_DELAY:
        found.append(Problem("max_settle_delay", "The settlement deadline must be between "
                             "150 and 3,650 days.", None, "bad settle delay"))
    if not MIN_SCHEDULE_DELAY <= params.schedule_delay <= MAX_SCHEDULE_DELAY:
        found.append(Problem("schedule_delay", "The notice before a fee change must be between "
                             "7 and 365 days.", None, "bad schedule delay"))
    return found + schedule_problems(params.tiers, params.commitments)


# ----------------------------------------------------------------------- transactions

def _factory_abi() -> ContractAbi:
    return ContractAbi.load("VaultFactory")


def _admin_abi() -> ContractAbi:
    return ContractAbi.load("VaultAdmin")


def _tiers_arg(tiers: Iterable[TierTerms]) -> list[tuple[int, int, int]]:
    return [(t.min_stake, t.fixed_fee_bps, t.profit_share_bps) for t in tiers]


def _commitments_arg(commitments: Iterable[CommitmentOption]) -> list[tuple[int, int]]:
    return [(c.duration, c.discount_bps) for c in commitments]


def _refuse(problems: list[Problem]) -> None:
    if problems:
        raise InvalidInput(" ".join(p.reason for p in problems[:3]))


def create_vault_intent(factory: str, params: VaultParams) -> TxIntent:
    _refuse(params_problems(params))
    data = _factory_abi().at(factory).calldata(
        "create_vault", params.model_name.strip(), model_id_bytes32(params.numerai_model_id),
        _tiers_arg(params.tiers), _commitments_arg(params.commitments), params.capacity,
        params.min_deposit, params.max_round_bps, params.max_at_stake_bps,
        params.max_settle_delay, params.schedule_delay)
    return TxIntent(factory, data, label=f"Create the vault of {params.model_name.strip()}")


def _admin(vault: str, label: str, function: str, *args: object) -> TxIntent:
    return TxIntent(vault, _admin_abi().at(vault).calldata(function, *args), label=label)


def propose_schedule_intent(vault: str, tiers: Sequence[TierTerms],
                            commitments: Sequence[CommitmentOption]) -> TxIntent:
    _refuse(schedule_problems(tiers, commitments))
    return _admin(vault, "Propose a new fee schedule", "propose_schedule",
                  _tiers_arg(tiers), _commitments_arg(commitments))


def cancel_schedule_intent(vault: str) -> TxIntent:
    return _admin(vault, "Cancel the proposed fee schedule", "cancel_schedule")


def activate_schedule_intent(vault: str) -> TxIntent:
    return _admin(vault, "Activate the proposed fee schedule", "activate_schedule")


def set_paused_intent(vault: str, paused: bool) -> TxIntent:
    label = "Pause new deposits" if paused else "Accept deposits again"
    return _admin(vault, label, "set_paused", paused)


def set_capacity_intent(vault: str, capacity: int) -> TxIntent:
    if not 0 <= capacity <= MAX_AMOUNT:
        raise InvalidInput("The capacity must be below 79 billion NMR.")
    return _admin(vault, "Set the vault's capacity", "set_capacity", capacity)


def set_min_deposit_intent(vault: str, min_deposit: int) -> TxIntent:
    if not MIN_DEPOSIT_FLOOR <= min_deposit <= MAX_AMOUNT:
        raise InvalidInput("The minimum deposit must be at least 1 NMR.")
    return _admin(vault, "Set the minimum deposit", "set_min_deposit", min_deposit)


def set_allowlist_enabled_intent(vault: str, enabled: bool) -> TxIntent:
    label = "Only allowlisted stakers may deposit" if enabled else "Anyone may deposit"
    return _admin(vault, label, "set_allowlist_enabled", enabled)


def claim_fees_intent(vault: str) -> TxIntent:
    return _admin(vault, "Claim the vault's fees", "claim_fees")


def batches(items: Sequence[object], size: int = MAX_BATCH) -> list[list[object]]:
    return [list(items[i:i + size]) for i in range(0, len(items), size)]


def allowlist_intents(vault: str, *, add: Sequence[str] = (),
                      remove: Sequence[str] = ()) -> list[TxIntent]:
    """`set_allowed` calls, at most MAX_BATCH addresses each: additions first, then removals."""
    intents: list[TxIntent] = []
    for allowed, accounts in ((True, add), (False, remove)):
        chunks = batches([str(to_checksum_address(a)) for a in accounts])
        for n, chunk in enumerate(chunks, 1):
            verb = "Allow" if allowed else "Remove"
            part = f" (part {n} of {len(chunks)})" if len(chunks) > 1 else ""
            intents.append(_admin(vault, f"{verb} {len(chunk)} stakers{part}", "set_allowed",
                                  chunk, allowed))
    return intents


def roll_intents(vault: str, lot_ids: Sequence[int]) -> list[TxIntent]:
    """`roll` calls for lots whose commitment ended, at most MAX_BATCH lots each."""
    return [_admin(vault, f"Roll {len(chunk)} lots onto the current terms", "roll", chunk)
            for chunk in batches(sorted(set(lot_ids)))]


# ----------------------------------------------------------------------- pasted addresses

_TOKEN = re.compile(r"[\s,;]+")


@dataclass
class ParsedAddresses:
    valid: list[str] = field(default_factory=list)  # checksummed, in paste order, unique
    bad: list[tuple[str, str]] = field(default_factory=list)  # (as pasted, why)
    duplicates: int = 0


def parse_addresses(text: str) -> ParsedAddresses:
    """Addresses separated by spaces, commas, semicolons or lines. A mixed-case address must
    carry a correct EIP-55 checksum (a typo then shows); all-lower/upper case has none."""
    parsed = ParsedAddresses()
    seen: set[str] = set()
    for token in (t for t in _TOKEN.split(text) if t):
        if not is_hex_address(token):
            parsed.bad.append((token, "not an address (0x and 40 hex digits)"))
            continue
        body = token[2:]
        mixed = body != body.lower() and body != body.upper()
        if mixed and not is_checksum_address(token):
            parsed.bad.append((token, "wrong checksum (a mistyped letter?)"))
            continue
        address = str(to_checksum_address(token))
        if address in seen:
            parsed.duplicates += 1
            continue
        seen.add(address)
        parsed.valid.append(address)
    return parsed


# ----------------------------------------------------------------------- units at the edge

def nmr_to_wei(text: str, what: str) -> int:
    """'1,250.5' NMR as wei; InvalidInput naming `what` otherwise."""
    try:
        value = Decimal(text.replace(",", "").replace("_", "").strip() or "x")
    except ArithmeticError:
        raise InvalidInput(f"{what}: type an amount of NMR, like 250 or 12.5.") from None
    if not value.is_finite() or value < 0:
        raise InvalidInput(f"{what}: type an amount of NMR, like 250 or 12.5.")
    wei = value * NMR
    if wei != wei.to_integral_value():
        raise InvalidInput(f"{what}: at most 18 decimals.")
    return int(wei)


def percent_to_bps(text: str, what: str) -> int:
    """'12.5' (%) as 1250 basis points; InvalidInput naming `what` otherwise."""
    try:
        value = Decimal(text.replace("%", "").strip() or "x")
    except ArithmeticError:
        raise InvalidInput(f"{what}: type a percentage, like 10 or 2.5.") from None
    if not value.is_finite():
        raise InvalidInput(f"{what}: type a percentage, like 10 or 2.5.")
    bps = value * 100
    if bps != bps.to_integral_value():
        raise InvalidInput(f"{what}: at most two decimals (0.01 % steps).")
    return int(bps)


def days_to_seconds(text: str, what: str) -> int:
    try:
        value = Decimal(text.replace("days", "").replace("d", "").strip() or "x")
    except ArithmeticError:
        raise InvalidInput(f"{what}: type a number of days.") from None
    if not value.is_finite() or value != value.to_integral_value():
        raise InvalidInput(f"{what}: type a whole number of days.")
    return int(value) * DAY
