"""Decoding calldata into human summaries from ABIs the caller passes in.

The offline signer never trusts a request's own summary: it rebuilds the summary here from
the raw calldata and the ABIs it has (the bundled resources/contracts/*.json, handed in by
the caller, plus the ERC-20 functions built in below) and compares. `describe_transaction`
is deterministic, so the online copy and the offline copy produce the same text from the
same ABIs; any difference is flagged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_abi.abi import decode as abi_decode
from eth_abi.abi import encode as abi_encode
from eth_utils.abi import function_signature_to_4byte_selector

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.core.units import format_amount
from numerbay_desktop.wallet.signer import TxFields, checksum


def _fn(name: str, *inputs: tuple[str, str]) -> dict[str, Any]:
    return {
        "type": "function",
        "name": name,
        "inputs": [{"name": n, "type": t} for n, t in inputs],
        "outputs": [{"name": "", "type": "bool"}],
        "stateMutability": "nonpayable",
    }


# The ERC-20 writes a staker signs, and NMR's changeApproval (reset-safe approval).
ERC20_ABI: list[dict[str, Any]] = [
    _fn("approve", ("spender", "address"), ("amount", "uint256")),
    _fn("transfer", ("to", "address"), ("amount", "uint256")),
    _fn("transferFrom", ("from", "address"), ("to", "address"), ("amount", "uint256")),
    _fn("increaseAllowance", ("spender", "address"), ("addedValue", "uint256")),
    _fn("decreaseAllowance", ("spender", "address"), ("subtractedValue", "uint256")),
    _fn("changeApproval", ("spender", "address"), ("oldValue", "uint256"), ("newValue", "uint256")),
]
_ERC20_AMOUNT_FUNCTIONS = {
    "approve", "transfer", "transferFrom", "increaseAllowance", "decreaseAllowance",
    "changeApproval",
}


@dataclass(frozen=True)
class ContractInfo:
    """What the app knows about one address: a name, an ABI and, for tokens, symbol/decimals."""

    name: str
    abi: Sequence[Mapping[str, Any]]
    token_symbol: str | None = None
    token_decimals: int = 18


@dataclass(frozen=True)
class DecodedCall:
    contract_name: str | None
    function_name: str
    signature: str
    arguments: list[tuple[str, str, Any]]  # (name, abi type, python value)
    problem: str | None = None  # set when the arguments could not be decoded exactly


@dataclass
class AbiRegistry:
    """Address → contract, plus selector → function for calls to addresses not listed."""

    contracts: dict[str, ContractInfo] = field(default_factory=dict)
    _by_address: dict[str, dict[bytes, Mapping[str, Any]]] = field(default_factory=dict)
    _by_selector: dict[bytes, Mapping[str, Any]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        contracts: Mapping[str, ContractInfo] | None = None,
        *,
        extra_abis: Iterable[Sequence[Mapping[str, Any]]] = (),
        include_erc20: bool = True,
    ) -> AbiRegistry:
        registry = cls()
        if include_erc20:
            registry.add_abi(ERC20_ABI)
        for abi in extra_abis:
            registry.add_abi(abi)
        for address, info in (contracts or {}).items():
            registry.add_contract(address, info)
        return registry

    def add_abi(self, abi: Sequence[Mapping[str, Any]]) -> None:
        for selector, entry in _functions(abi).items():
            self._by_selector.setdefault(selector, entry)

    def add_contract(self, address: str, info: ContractInfo) -> None:
        key = checksum(address, "contract address")
        self.contracts[key] = info
        self._by_address[key] = _functions(info.abi)
        self.add_abi(info.abi)

    def known_selectors(self) -> set[bytes]:
        return set(self._by_selector) | {s for fns in self._by_address.values() for s in fns}

    def decode(self, to: str | None, data: bytes) -> DecodedCall | None:
        """The call `data` makes on `to`, or None if no ABI covers its selector."""
        if len(data) < 4 or to is None:
            return None
        selector = bytes(data[:4])
        address = checksum(to, "recipient")
        info = self.contracts.get(address)
        entry = self._by_address.get(address, {}).get(selector) or self._by_selector.get(selector)
        if entry is None:
            return None
        types = [_abi_type(i) for i in entry.get("inputs", [])]
        names = [str(i.get("name") or f"arg{n}") for n, i in enumerate(entry.get("inputs", []))]
        signature = f"{entry['name']}({','.join(types)})"
        try:
            values = abi_decode(types, bytes(data[4:]))
            exact = abi_encode(types, values) == bytes(data[4:])
        except Exception:  # eth-abi raises many decoding error types for hostile input
            return DecodedCall(
                info.name if info else None, str(entry["name"]), signature, [],
                "its arguments do not decode",
            )
        arguments = [(n, t, v) for n, t, v in zip(names, types, values, strict=True)]
        problem = None if exact else "its data has extra or non-standard bytes"
        return DecodedCall(info.name if info else None, str(entry["name"]), signature, arguments,
                           problem)

    def describe(self, tx: TxFields) -> str:
        return describe_transaction(tx, self)


def describe_transaction(tx: TxFields, registry: AbiRegistry) -> str:
    """One deterministic plain-English line: what this transaction does."""
    value = format_amount(tx.value, symbol="ETH")
    if tx.to is None:
        return f"Deploy a new contract ({len(tx.data)} bytes of code), sending {value}"
    if not tx.data:
        return f"Send {value} to {tx.to}"
    call = registry.decode(tx.to, tx.data)
    if call is None:
        return (
            f"Call unknown function 0x{tx.data[:4].hex()} on {tx.to} with "
            f"{len(tx.data)} bytes of data, sending {value}"
        )
    info = registry.contracts.get(tx.to)
    where = f"{call.contract_name} ({tx.to})" if call.contract_name else tx.to
    if call.problem:
        return f"Call {call.signature} on {where}, but {call.problem}, sending {value}"
    token = info.token_symbol if info else None
    decimals = info.token_decimals if info else 18
    rendered = []
    for name, abi_type, arg in call.arguments:
        amount_like = call.function_name in _ERC20_AMOUNT_FUNCTIONS and abi_type == "uint256"
        if amount_like and token:
            text = format_amount(arg, decimals, symbol=token)
        else:
            text = _render(abi_type, arg)
        rendered.append(f"{name}={text}")
    return f"Call {call.function_name}({', '.join(rendered)}) on {where}, sending {value}"


def _render(abi_type: str, value: Any) -> str:
    if abi_type == "address":
        return checksum(str(value))
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_render(abi_type.rstrip("[]0123456789"), v) for v in value) + "]"
    return str(value)


def _abi_type(entry: Mapping[str, Any]) -> str:
    kind = str(entry.get("type", ""))
    if kind.startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in entry.get("components", []))
        return f"({inner}){kind[5:]}"
    return kind


def _functions(abi: Sequence[Mapping[str, Any]]) -> dict[bytes, Mapping[str, Any]]:
    if not isinstance(abi, Sequence) or isinstance(abi, str | bytes):
        raise InvalidInput("An ABI is a list of entries.")
    found: dict[bytes, Mapping[str, Any]] = {}
    for entry in abi:
        if not isinstance(entry, Mapping) or entry.get("type", "function") != "function":
            continue
        types = ",".join(_abi_type(i) for i in entry.get("inputs", []))
        selector = bytes(function_signature_to_4byte_selector(f"{entry['name']}({types})"))
        found[selector] = entry
    return found
