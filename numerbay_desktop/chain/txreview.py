"""The review model: what the review dialog shows before anything is signed.

Plain frozen dataclasses, no Qt: every call of a batch decoded from the bundled ABIs (function,
named arguments in human units, contract names), its value, gas limit and simulated gas,
the fee chosen and the presets offered, the maximum cost (gas limit × max fee + value,
summed over the batch), the simulation's result and the risk findings of `core/risk.py`.
`build_review` is pure (the pipeline passes in what it fetched).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any, Literal

from eth_utils.address import to_checksum_address

from numerbay_desktop.chain.contracts import (
    ERC20_ABI,
    ContractAbi,
    ContractNames,
    bundled_contract_names,
    decode_calldata,
)
from numerbay_desktop.chain.errors import ChainError
from numerbay_desktop.chain.fees import FeeChoice, FeePresets
from numerbay_desktop.chain.networks import Network
from numerbay_desktop.core.risk import Finding, Severity, review_transaction
from numerbay_desktop.core.units import format_amount, format_gwei

SimulationMethod = Literal["eth_call", "eth_simulateV1", "state_override"]

# Arguments of these functions that are NMR amounts (the vault's asset is NMR).
_TOKEN_AMOUNT_FUNCTIONS = {"approve", "transfer", "transferFrom", "changeApproval", "mint",
                           "burn", "increaseAllowance", "decreaseAllowance"}
_VAULT_AMOUNT_ARGS = {"assets", "amount", "payout", "burn", "capacity", "min_deposit", "max_amount"}


@dataclass(frozen=True, slots=True)
class Argument:
    name: str
    abi_type: str
    value: Any
    display: str  # human units: "10 NMR", "12.5 %", "0xAbc… (Numeraire (NMR))"


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """How the batch was simulated and what each call did (in order)."""

    method: SimulationMethod
    gas_used: tuple[int, ...]
    gas_limits: tuple[int, ...]
    return_data: tuple[bytes, ...]  # a batch that reverts raises TxWouldRevert instead


@dataclass(frozen=True, slots=True)
class CallReview:
    """One transaction of the batch, as the user reads it."""

    index: int
    nonce: int
    to: str | None
    to_name: str | None  # "Numeraire (NMR)", "Vault model-3", None when unknown
    abi_name: str | None  # which bundled ABI decoded the calldata ("MockNMR", "ERC-20" ...)
    function: str | None  # None when the selector is unknown (or a plain ETH transfer)
    signature: str | None
    arguments: tuple[Argument, ...]
    value: int
    value_display: str
    summary: str  # one line: "deposit(assets=10 NMR, …) on Vault model-3"
    gas_limit: int
    gas_used: int  # simulated
    max_cost: int  # gas_limit × max fee + value, wei
    max_cost_display: str
    findings: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class TxReview:
    """The whole batch (one transaction, or an approval then a deposit) for one signature
    session."""

    network_name: str
    chain_id: int
    sender: str
    calls: tuple[CallReview, ...]
    fee: FeeChoice
    presets: FeePresets
    fee_display: str  # "market: max 2.1 gwei, priority 0.1 gwei"
    max_cost: int  # wei, the whole batch
    max_cost_display: str
    simulation: SimulationResult
    sender_balance: int | None = None  # ETH, wei, when the pipeline read it
    batch_findings: tuple[Finding, ...] = ()  # about the batch as a whole (funds)

    @property
    def findings(self) -> list[tuple[int, Finding]]:
        """Every finding with the index of its call, most serious first."""
        found = [(0, f) for f in self.batch_findings]
        found += [(c.index, f) for c in self.calls for f in c.findings]
        return sorted(found, key=lambda pair: -pair[1].severity)

    @property
    def worst_severity(self) -> Severity | None:
        found = self.findings
        return found[0][1].severity if found else None


@cache
def known_selectors() -> frozenset[bytes]:
    """Selectors of every bundled ABI and ERC-20: what the review can decode."""
    selectors = {f.selector for f in ContractAbi.from_abi("ERC-20", ERC20_ABI).functions}
    for name in bundled_contract_names():
        try:
            selectors |= {f.selector for f in ContractAbi.load(name).functions}
        except (ChainError, KeyError, ValueError):
            continue
    return frozenset(selectors)


def fee_display(fee: FeeChoice) -> str:
    return (f"{fee.name}: max {format_gwei(fee.max_fee_per_gas)}, "
            f"priority {format_gwei(fee.max_priority_fee_per_gas)}")


def build_review(
    *,
    network: Network,
    sender: str,
    calls: Sequence[tuple[int, str | None, bytes, int]],  # (nonce, to, data, value)
    fee: FeeChoice,
    presets: FeePresets,
    simulation: SimulationResult,
    names: ContractNames,
    known_addresses: Iterable[str] = (),
    trusted_contracts: Iterable[str] = (),
    chain_id: int | None = None,
    sender_balance: int | None = None,
) -> TxReview:
    """The review of a simulated batch. `chain_id` is the transactions' chain (normally the
    network's; a mismatch shows as a wrong-chain finding)."""
    tx_chain = network.chain_id if chain_id is None else chain_id
    known = list(known_addresses)
    trusted = [*names.names.keys(), *trusted_contracts]
    reviews = []
    for index, (nonce, to, data, value) in enumerate(calls):
        gas_limit = simulation.gas_limits[index]
        findings = review_transaction(
            to=to, data=data, chain_id=tx_chain, expected_chain_id=network.chain_id,
            known_addresses=known, known_selectors=known_selectors(),
            trusted_contracts=trusted,
        )
        reviews.append(
            _call_review(index, nonce, to, data, value, gas_limit, simulation.gas_used[index],
                         fee, names, network, tuple(findings))
        )
    total = sum(c.max_cost for c in reviews)
    batch_findings: tuple[Finding, ...] = ()
    if sender_balance is not None and sender_balance < total:
        batch_findings = (Finding(
            "insufficient_funds", Severity.DANGER,
            f"The account holds {format_amount(sender_balance, symbol='ETH')}, but this may "
            f"cost up to {format_amount(total, symbol='ETH')} (value and fees). Add ETH or "
            "choose a lower fee, or it may not be mined.",
        ),)
    return TxReview(
        network_name=network.name, chain_id=tx_chain,
        sender=str(to_checksum_address(sender)), calls=tuple(reviews), fee=fee,
        presets=presets, fee_display=fee_display(fee), max_cost=total,
        max_cost_display=format_amount(total, symbol="ETH"), simulation=simulation,
        sender_balance=sender_balance, batch_findings=batch_findings,
    )


def _call_review(
    index: int, nonce: int, to: str | None, data: bytes, value: int, gas_limit: int,
    gas_used: int, fee: FeeChoice, names: ContractNames, network: Network,
    findings: tuple[Finding, ...],
) -> CallReview:
    to_name = names.name_of(to) if to else None
    decoded = decode_calldata(data, _preferred_abis(to, network)) if data and to else None
    value_text = format_amount(value, symbol="ETH")
    arguments: tuple[Argument, ...] = ()
    if decoded is not None:
        fields = decoded.function.input_fields
        arguments = tuple(
            Argument(n, t, v, _display(decoded.contract, decoded.function.name, n, t, v,
                                       names, to, network,
                                       fields[i] if i < len(fields) else ()))
            for i, (n, t, v) in enumerate(decoded.arguments)
        )
    where = to_name or (to if to else "a new contract")
    if to is None:
        summary = f"Deploy a contract ({len(data)} bytes), sending {value_text}"
    elif not data:
        summary = f"Send {value_text} to {where}"
    elif decoded is None:
        summary = f"Call unknown function 0x{data[:4].hex()} on {where}, sending {value_text}"
    else:
        shown = ", ".join(f"{a.name}={a.display}" for a in arguments)
        summary = f"{decoded.function.name}({shown}) on {where}"
        if value:
            summary += f", sending {value_text}"
    max_cost = fee.max_cost(gas_limit, value)
    return CallReview(
        index=index, nonce=nonce, to=to, to_name=to_name,
        abi_name=decoded.contract if decoded else None,
        function=decoded.function.name if decoded else None,
        signature=decoded.function.signature if decoded else None,
        arguments=arguments, value=value, value_display=value_text, summary=summary,
        gas_limit=gas_limit, gas_used=gas_used, max_cost=max_cost,
        max_cost_display=format_amount(max_cost, symbol="ETH"), findings=findings,
    )


def _preferred_abis(to: str | None, network: Network) -> list[str]:
    if to is not None and network.nmr is not None and _same(to, network.nmr):
        return ["MockNMR"]
    if to is not None and network.factory is not None and _same(to, network.factory):
        return ["VaultFactory"]
    return ["NumerBayVault", "VaultAdmin"]


def _display(
    abi_name: str, function: str, name: str, abi_type: str, value: Any,
    names: ContractNames, to: str | None, network: Network, fields: tuple[str, ...] = (),
) -> str:
    if abi_type.endswith("]") and isinstance(value, (list, tuple)):
        inner = abi_type[: abi_type.rindex("[")]
        items = [_display(abi_name, function, name, inner, v, names, to, network, fields)
                 for v in value[:MAX_LIST_SHOWN]]
        more = f"\n… and {len(value) - MAX_LIST_SHOWN} more" if len(value) > MAX_LIST_SHOWN else ""
        return f"{len(value)} item(s)" + "".join(f"\n• {item}" for item in items) + more
    if abi_type.startswith("(") and isinstance(value, (list, tuple)):
        parts = []
        for i, (kind, item) in enumerate(zip(_tuple_types(abi_type), value, strict=False)):
            field = fields[i] if i < len(fields) and fields[i] else f"field {i + 1}"
            shown = _display(abi_name, function, field, kind, item, names, to, network)
            parts.append(f"{field.replace('_', ' ')}: {shown}")
        return "\n".join(parts)
    if abi_type == "address":
        address = str(to_checksum_address(value))
        label = names.name_of(address)
        return f"{address} ({label})" if label else address
    if abi_type == "uint256" and isinstance(value, int):
        to_nmr = to is not None and network.nmr is not None and _same(to, network.nmr)
        token_call = function in _TOKEN_AMOUNT_FUNCTIONS and (
            to_nmr or abi_name in ("ERC-20", "MockNMR")
        )
        vault_amount = abi_name in ("NumerBayVault", "VaultAdmin") and name in _VAULT_AMOUNT_ARGS
        if token_call or vault_amount:
            if value >= 2**255:
                return "unlimited NMR"
            return format_amount(value, symbol="NMR")
        if name.endswith("_bps"):
            return format_amount(value, 2, symbol="%")
        if name in _TIME_ARGS and 0 < value < 2**40:
            when = datetime.fromtimestamp(value, tz=UTC).strftime("%d %b %Y %H:%M UTC")
            return f"{when} ({value})"
        return str(value)
    if isinstance(value, bytes):
        if len(value) >= 32:  # a hash, signature or blob: the ends identify it and fit a line
            return f"0x{value[:6].hex()}…{value[-6:].hex()} ({len(value)} bytes)"
        return "0x" + value.hex()
    return str(value)


def _tuple_types(abi_type: str) -> list[str]:
    """The component types of "(uint256,(address,bool)[],bytes)" at the top level."""
    inner, depth, start, out = abi_type[1:abi_type.rindex(")")], 0, 0, []
    for i, char in enumerate(inner):
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "," and depth == 0:
            out.append(inner[start:i])
            start = i + 1
    if inner:
        out.append(inner[start:])
    return out


MAX_LIST_SHOWN = 4
_TIME_ARGS = {"deadline", "eta", "expires_at", "unlock_time"}


def _same(a: str, b: str) -> bool:
    return a.lower() == b.lower()
