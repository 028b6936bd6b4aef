"""Event logs: fetched over block ranges in one JSON-RPC batch, decoded with the bundled ABIs.

Nodes cap `eth_getLogs` (by block span or result count), so a long history is asked for in
spans of `max_span` blocks, all spans in one batch; a span the node refuses as too large is
halved and asked again in the next batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from numerbay_desktop.chain.abi_decode import decode_fast
from numerbay_desktop.chain.contracts import (
    AbiEntry,
    ContractAbi,
    abi_type,
    bundled_contract_names,
)
from numerbay_desktop.chain.errors import BadResponse, ChainError
from numerbay_desktop.chain.rpc import JsonRpcTransport

MAX_SPLIT_ROUNDS = 12
ERC20_EVENTS: list[AbiEntry] = [
    {"type": "event", "name": "Transfer", "anonymous": False, "inputs": [
        {"name": "sender", "type": "address", "indexed": True},
        {"name": "receiver", "type": "address", "indexed": True},
        {"name": "value", "type": "uint256", "indexed": False}]},
    {"type": "event", "name": "Approval", "anonymous": False, "inputs": [
        {"name": "owner", "type": "address", "indexed": True},
        {"name": "spender", "type": "address", "indexed": True},
        {"name": "value", "type": "uint256", "indexed": False}]},
]  # fmt: skip


@dataclass(frozen=True, slots=True)
class Log:
    address: str
    topics: tuple[bytes, ...]
    data: bytes
    block_number: int
    block_hash: str
    tx_hash: str
    log_index: int
    removed: bool  # true when a reorg took it out of the chain


@dataclass(frozen=True, slots=True)
class DecodedEvent:
    contract: str  # the ABI it was found in
    name: str
    args: dict[str, Any]
    log: Log


def parse_log(raw: Any) -> Log:
    if not isinstance(raw, dict):
        raise BadResponse("The node gave an unusable log entry.")
    try:
        return Log(
            address=str(to_checksum_address(raw["address"])),
            topics=tuple(bytes.fromhex(t[2:]) for t in raw.get("topics", [])),
            data=bytes.fromhex(str(raw.get("data", "0x"))[2:]),
            block_number=int(raw["blockNumber"], 16),
            block_hash=str(raw.get("blockHash")),
            tx_hash=str(raw.get("transactionHash")),
            log_index=int(raw["logIndex"], 16),
            removed=bool(raw.get("removed", False)),
        )
    except (KeyError, TypeError, ValueError):
        raise BadResponse("The node gave an unusable log entry.") from None


async def fetch_logs(
    transport: JsonRpcTransport,
    *,
    addresses: Sequence[str],
    topics: Sequence[str | Sequence[str] | None] = (),
    from_block: int,
    to_block: int,
    max_span: int = 10_000,
) -> list[Log]:
    """Logs of `addresses` between two block numbers (inclusive), oldest first."""
    if to_block < from_block:
        return []
    filter_base: dict[str, Any] = {
        "address": [str(to_checksum_address(a)) for a in addresses],
        "topics": [t if t is None or isinstance(t, str) else list(t) for t in topics],
    }
    spans = [
        (start, min(start + max_span - 1, to_block))
        for start in range(from_block, to_block + 1, max_span)
    ]
    found: list[Log] = []
    for _ in range(MAX_SPLIT_ROUNDS):
        if not spans:
            break
        requests = [
            ("eth_getLogs", [{**filter_base, "fromBlock": hex(a), "toBlock": hex(b)}])
            for a, b in spans
        ]
        answers = await transport.batch(requests)
        retry: list[tuple[int, int]] = []
        for (start, end), answer in zip(spans, answers, strict=True):
            if answer.error is not None:
                if end == start:
                    raise answer.error
                middle = (start + end) // 2
                retry += [(start, middle), (middle + 1, end)]
                continue
            if not isinstance(answer.value, list):
                raise BadResponse("The node gave an unusable list of logs.")
            found.extend(parse_log(raw) for raw in answer.value)
        spans = retry
    if spans:
        raise ChainError("The node keeps refusing the log query, even for small block spans.")
    return sorted(found, key=lambda log: (log.block_number, log.log_index))


def _event_signature(entry: AbiEntry) -> str:
    return f"{entry['name']}({','.join(abi_type(p) for p in entry.get('inputs', []))})"


def event_topic(entry: AbiEntry) -> bytes:
    return keccak(text=_event_signature(entry))


def _known_events(prefer: Iterable[str]) -> list[tuple[str, AbiEntry]]:
    names = list(prefer) + [n for n in bundled_contract_names() if n not in prefer]
    events: list[tuple[str, AbiEntry]] = []
    for name in names:
        try:
            events += [(name, e) for e in ContractAbi.load(name).events]
        except (ChainError, KeyError, ValueError):
            continue
    events += [("ERC-20", e) for e in ERC20_EVENTS]
    return events


def decode_log(log: Log, prefer: Iterable[str] = ()) -> DecodedEvent | None:
    """The event a log carries, by its first topic across the bundled ABIs and ERC-20."""
    if not log.topics:
        return None
    for contract, entry in _known_events(prefer):
        if event_topic(entry) != log.topics[0]:
            continue
        inputs = entry.get("inputs", [])
        indexed = [p for p in inputs if p.get("indexed")]
        plain = [p for p in inputs if not p.get("indexed")]
        if len(indexed) != len(log.topics) - 1:
            continue
        try:
            plain_types = [abi_type(p) for p in plain]
            plain_values = decode_fast(plain_types, log.data)
            args: dict[str, Any] = {}
            for param, topic in zip(indexed, log.topics[1:], strict=True):
                kind = abi_type(param)
                if kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("("):
                    args[param["name"]] = topic  # only the hash of a dynamic value is logged
                else:
                    args[param["name"]] = decode_fast([kind], topic)[0]
            for param, value in zip(plain, plain_values, strict=True):
                args[param["name"]] = value
        except Exception:  # noqa: S112 - same topic, other layout: try the next ABI
            continue
        return DecodedEvent(contract, str(entry["name"]), args, log)
    return None
