"""Typed bindings built from the bundled artifacts (resources/contracts/*.json).

- `ContractAbi.load(name)`: a compiled contract's ABI; `encode_call`, `decode_output`.
- `BoundContract`: an ABI at an address; `.read(fn, *args)` gives a `BoundRead` that both
  single reads and batched multicalls use, and that decodes its own result.
- `decode_revert`: Error(string), Panic(uint256) and custom errors of every bundled ABI.
- `decode_calldata`: which function of which bundled contract (or ERC-20) some calldata calls,
  with named arguments, for the review dialog.
- `ContractNames`: the human names of a network's known contracts.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.abi import decode, encode
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from numerbay_desktop.chain.abi_decode import decode_fast
from numerbay_desktop.chain.batch import Call, CallOutcome
from numerbay_desktop.chain.errors import AbiMismatch, CallReverted, ChainError, RpcRejected
from numerbay_desktop.chain.networks import Network
from numerbay_desktop.resource_paths import contract_artifact, resources_dir

AbiEntry = dict[str, Any]

ERROR_STRING_SELECTOR = bytes.fromhex("08c379a0")  # Error(string)
PANIC_SELECTOR = bytes.fromhex("4e487b71")  # Panic(uint256)
PANIC_CODES = {
    0x01: "assertion failed",
    0x11: "arithmetic overflow or underflow",
    0x12: "division by zero",
    0x21: "invalid enum value",
    0x31: "pop from an empty array",
    0x32: "array index out of bounds",
    0x41: "out of memory",
    0x51: "call to an uninitialised function",
}

# ERC-20 as every wallet knows it, plus NMR's `changeApproval`.
ERC20_ABI: list[AbiEntry] = [
    {"type": "function", "name": name, "stateMutability": mut,
     "inputs": [{"name": n, "type": t} for n, t in ins],
     "outputs": [{"name": "", "type": t} for t in outs]}
    for name, mut, ins, outs in [
        ("transfer", "nonpayable", [("to", "address"), ("amount", "uint256")], ["bool"]),
        ("transferFrom", "nonpayable",
         [("owner", "address"), ("to", "address"), ("amount", "uint256")], ["bool"]),
        ("approve", "nonpayable", [("spender", "address"), ("amount", "uint256")], ["bool"]),
        ("changeApproval", "nonpayable",
         [("spender", "address"), ("old_value", "uint256"), ("new_value", "uint256")], ["bool"]),
        ("balanceOf", "view", [("owner", "address")], ["uint256"]),
        ("allowance", "view", [("owner", "address"), ("spender", "address")], ["uint256"]),
        ("totalSupply", "view", [], ["uint256"]),
        ("decimals", "view", [], ["uint8"]),
        ("symbol", "view", [], ["string"]),
        ("name", "view", [], ["string"]),
    ]
]  # fmt: skip


def abi_type(param: AbiEntry) -> str:
    """The canonical type string of an ABI parameter, tuples spelled out: `(address,bool)[]`."""
    kind = str(param["type"])
    if kind.startswith("tuple"):
        inner = ",".join(abi_type(c) for c in param.get("components", []))
        return f"({inner}){kind[len('tuple'):]}"
    return kind


def signature(entry: AbiEntry) -> str:
    return f"{entry['name']}({','.join(abi_type(p) for p in entry.get('inputs', []))})"


def selector(entry: AbiEntry) -> bytes:
    return keccak(text=signature(entry))[:4]


@dataclass(frozen=True, slots=True)
class Function:
    """One ABI function with its selector and types."""

    name: str
    signature: str
    selector: bytes
    input_names: tuple[str, ...]
    input_types: tuple[str, ...]
    output_types: tuple[str, ...]
    mutability: str
    # Names of the outputs, or of the fields when the one output is a struct.
    output_fields: tuple[str, ...] = ()
    # Per input: the field names of a struct input (empty for other types).
    input_fields: tuple[tuple[str, ...], ...] = ()

    @classmethod
    def from_abi(cls, entry: AbiEntry) -> Function:
        inputs = entry.get("inputs", [])
        outputs = entry.get("outputs", [])
        if len(outputs) == 1 and str(outputs[0]["type"]) == "tuple":
            fields = tuple(str(c.get("name", "")) for c in outputs[0].get("components", []))
        else:
            fields = tuple(str(o.get("name", "")) for o in outputs)
        return cls(
            name=str(entry["name"]),
            signature=signature(entry),
            selector=selector(entry),
            input_names=tuple(str(p.get("name", "")) for p in inputs),
            input_types=tuple(abi_type(p) for p in inputs),
            output_types=tuple(abi_type(p) for p in entry.get("outputs", [])),
            mutability=str(entry.get("stateMutability", "nonpayable")),
            output_fields=fields,
            input_fields=tuple(
                tuple(str(c.get("name", "")) for c in p.get("components", [])) for p in inputs
            ),
        )

    def encode(self, *args: Any) -> bytes:
        if len(args) != len(self.input_types):
            raise AbiMismatch(
                f"{self.signature} takes {len(self.input_types)} arguments, not {len(args)}."
            )
        try:
            return self.selector + encode(list(self.input_types), list(args))
        except Exception as error:  # eth_abi's encoding errors have no common base
            raise AbiMismatch(f"The arguments do not fit {self.signature}: {error}") from None

    def decode_output(self, data: bytes) -> Any:
        """The returned value: one value for one output, a tuple for several, None for none."""
        if not self.output_types:
            return None
        try:
            values = decode_fast(self.output_types, data)
        except AbiMismatch:
            raise AbiMismatch(f"The result of {self.signature} does not decode.") from None
        return values[0] if len(values) == 1 else tuple(values)

    def decode_record(self, data: bytes) -> dict[str, Any]:
        """The result by name: a struct's fields, or the named outputs (`outputN` if unnamed)."""
        value = self.decode_output(data)
        single_struct = len(self.output_types) == 1 and self.output_types[0].startswith("(")
        values = value if single_struct or len(self.output_types) > 1 else (value,)
        names = [n or f"output{i}" for i, n in enumerate(self.output_fields)]
        return dict(zip(names, values, strict=True))

    def decode_input(self, data: bytes) -> tuple[Any, ...]:
        try:
            return decode_fast(self.input_types, data[4:])
        except AbiMismatch:
            raise AbiMismatch(f"The calldata does not fit {self.signature}.") from None


@dataclass(frozen=True, slots=True)
class ContractAbi:
    """The functions and errors of one contract."""

    name: str
    functions: tuple[Function, ...]
    errors: tuple[AbiEntry, ...]
    events: tuple[AbiEntry, ...] = ()

    @classmethod
    def from_abi(cls, name: str, abi: Sequence[AbiEntry]) -> ContractAbi:
        return cls(
            name=name,
            functions=tuple(Function.from_abi(e) for e in abi if e.get("type") == "function"),
            errors=tuple(e for e in abi if e.get("type") == "error"),
            events=tuple(e for e in abi if e.get("type") == "event"),
        )

    @classmethod
    def load(cls, name: str) -> ContractAbi:
        """The ABI from `resources/contracts/<name>.json`."""
        return _load_artifact_abi(name)

    def merged(self, other: ContractAbi) -> ContractAbi:
        """This ABI plus another's functions, errors and events (the vault and the VaultAdmin
        it delegatecalls share one address)."""
        return ContractAbi(
            name=self.name,
            functions=self.functions + other.functions,
            errors=self.errors + other.errors,
            events=self.events + other.events,
        )

    def function(self, name_or_signature: str) -> Function:
        matches = [
            f for f in self.functions if name_or_signature in (f.name, f.signature)
        ]
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise AbiMismatch(f"{self.name} has no function {name_or_signature}.")
        raise AbiMismatch(f"{self.name}.{name_or_signature} is overloaded; give its signature.")

    def by_selector(self, sel: bytes) -> Function | None:
        return next((f for f in self.functions if f.selector == sel), None)

    def at(self, address: str) -> BoundContract:
        return BoundContract(self, str(to_checksum_address(address)))


@cache
def _load_artifact_abi(name: str) -> ContractAbi:
    path = contract_artifact(name)
    try:
        artifact = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ChainError(
            f"The contract artifact {name} is missing; run `make contracts`."
        ) from None
    return ContractAbi.from_abi(name, artifact["abi"])


def deployment_data(name: str, *args: Any, blueprint: bool = False) -> bytes:
    """Initcode that deploys the bundled contract `name` with constructor `args`, or (with
    `blueprint`) deploys it as an EIP-5202 blueprint (no arguments then)."""
    try:
        artifact = json.loads(contract_artifact(name).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ChainError(
            f"The contract artifact {name} is missing; run `make contracts`."
        ) from None
    key = "blueprint_bytecode" if blueprint else "bytecode"
    code = artifact.get(key)
    if not isinstance(code, str):
        raise ChainError(f"The artifact {name} has no {key}.")
    if blueprint:
        return bytes.fromhex(code.removeprefix("0x"))
    constructor = next((e for e in artifact["abi"] if e.get("type") == "constructor"), None)
    types = [abi_type(p) for p in (constructor or {}).get("inputs", [])]
    if len(types) != len(args):
        raise AbiMismatch(f"{name}'s constructor takes {len(types)} arguments, not {len(args)}.")
    try:
        encoded = encode(types, list(args)) if types else b""
    except Exception as error:
        raise AbiMismatch(f"The arguments do not fit {name}'s constructor: {error}") from None
    return bytes.fromhex(code.removeprefix("0x")) + encoded


def bundled_contract_names() -> list[str]:
    """Names of every artifact in resources/contracts."""
    folder = resources_dir() / "contracts"
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


@dataclass(frozen=True, slots=True)
class BoundRead:
    """A view call ready to send alone or in a batch; decodes its own result."""

    target: str
    function: Function
    data: bytes

    def as_call(self, *, allow_failure: bool = True) -> Call:
        return Call(self.target, self.data, allow_failure)

    def decode(self, outcome: CallOutcome) -> Any:
        """The decoded value, or CallReverted (raised) when that read failed."""
        if not outcome.success:
            raise CallReverted(decode_revert(outcome.data), outcome.data, self.function.name)
        return self.function.decode_output(outcome.data)


@dataclass(frozen=True, slots=True)
class BoundContract:
    """A contract ABI at an address."""

    abi: ContractAbi
    address: str

    def calldata(self, function: str, *args: Any) -> bytes:
        return self.abi.function(function).encode(*args)

    def read(self, function: str, *args: Any) -> BoundRead:
        fn = self.abi.function(function)
        return BoundRead(self.address, fn, fn.encode(*args))


# ---------------------------------------------------------------------------- reverts


def decode_revert(data: bytes, extra_abis: Sequence[ContractAbi] = ()) -> str | None:
    """A readable revert reason from revert data, or None when there is none to read.
    Custom errors are looked up in `extra_abis` (e.g. a third-party contract's ABI), then in
    every bundled ABI."""
    if len(data) < 4:
        return None
    head, body = data[:4], data[4:]
    try:
        if head == ERROR_STRING_SELECTOR:
            return str(decode(["string"], body)[0])
        if head == PANIC_SELECTOR:
            code = int(decode(["uint256"], body)[0])
            return f"panic 0x{code:02x} ({PANIC_CODES.get(code, 'unknown panic')})"
    except Exception:
        return None
    for entry in [e for abi in extra_abis for e in abi.errors] + _all_custom_errors():
        if selector(entry) == head:
            types = [abi_type(p) for p in entry.get("inputs", [])]
            try:
                values = decode_fast(types, body)
            except Exception:  # noqa: S112 - a same-selector error of another shape
                continue
            names = [p.get("name") or f"arg{i}" for i, p in enumerate(entry.get("inputs", []))]
            args = ", ".join(f"{n}={_show(v)}" for n, v in zip(names, values, strict=True))
            return f"{entry['name']}({args})"
    return None


def _all_custom_errors() -> list[AbiEntry]:
    errors: list[AbiEntry] = []
    for name in bundled_contract_names():
        try:
            errors.extend(_load_artifact_abi(name).errors)
        except (ChainError, KeyError, ValueError):
            continue
    return errors


def revert_from_rpc(error: RpcRejected, target: str | None = None) -> ChainError:
    """CallReverted (reason decoded) when a node's eth_call/estimateGas error is a revert;
    otherwise the rejection itself."""
    message = error.node_message.lower()
    data = _revert_data(error.data)
    if error.code != 3 and "revert" not in message and data is None:
        return error
    reason = decode_revert(data) if data else None
    if reason is None and "execution reverted:" in message:
        reason = error.node_message.split(":", 1)[1].strip() or None
    return CallReverted(reason, data or b"", target)


def _revert_data(data: object) -> bytes | None:
    if isinstance(data, dict):  # some nodes nest it: {"data": "0x..."}
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x") and len(data) >= 10:
        try:
            return bytes.fromhex(data[2:])
        except ValueError:
            return None
    return None


# ---------------------------------------------------------------------------- calldata


@dataclass(frozen=True, slots=True)
class DecodedCall:
    """Calldata explained: which function, from which ABI, with which named arguments."""

    contract: str  # the ABI it was found in ("ERC-20" for the standard token functions)
    function: Function
    arguments: tuple[tuple[str, str, Any], ...]  # (name, type, value)


def decode_calldata(data: bytes, prefer: Iterable[str] = ()) -> DecodedCall | None:
    """Decode calldata by its selector across the bundled ABIs and ERC-20; None when unknown.
    ABIs named in `prefer` (e.g. the target's known contract) are tried first."""
    if len(data) < 4:
        return None
    names = list(prefer) + [n for n in bundled_contract_names() if n not in prefer]
    candidates: list[ContractAbi] = []
    for name in names:
        try:
            candidates.append(_load_artifact_abi(name))
        except (ChainError, KeyError, ValueError):
            continue
    candidates.append(ContractAbi.from_abi("ERC-20", ERC20_ABI))
    for abi in candidates:
        fn = abi.by_selector(data[:4])
        if fn is None:
            continue
        try:
            values = fn.decode_input(data)
        except AbiMismatch:
            continue
        named = tuple(
            (n or f"arg{i}", t, v)
            for i, (n, t, v) in enumerate(zip(fn.input_names, fn.input_types, values, strict=True))
        )
        return DecodedCall(abi.name, fn, named)
    return None


def _show(value: Any) -> str:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    return str(value)


# ---------------------------------------------------------------------------- names


@dataclass(frozen=True, slots=True)
class ContractNames:
    """Human names of a network's known contracts, by checksummed address."""

    names: dict[str, str]

    @classmethod
    def for_network(cls, network: Network, extra: dict[str, str] | None = None) -> ContractNames:
        known = {
            network.nmr: "Numeraire (NMR)",
            network.staking: "Numerai staking",
            network.factory: "NumerBay vault factory",
            network.multicall3: "Multicall3",
        }
        names = {str(to_checksum_address(a)): n for a, n in known.items() if a is not None}
        for address, name in (extra or {}).items():
            names[str(to_checksum_address(address))] = name
        return cls(names)

    def name_of(self, address: str) -> str | None:
        return self.names.get(str(to_checksum_address(address)))
