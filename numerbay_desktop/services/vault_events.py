"""Vault events decoded with the bundled ABIs (vault + VaultAdmin), and an incremental
block-keyed store of them in the SQLite cache.

Events are kept as JSON-able `VaultEvent`s (bytes as 0x hex, ints as ints). The store
remembers the last block it scanned; a later scan starts `REORG_MARGIN` blocks before it
and replaces what it had from there, so a short reorg never leaves a stale event behind.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_utils.crypto import keccak

from numerbay_desktop.chain.abi_decode import decode_fast
from numerbay_desktop.chain.contracts import AbiEntry, ContractAbi, abi_type
from numerbay_desktop.chain.events import Log
from numerbay_desktop.store.cache import Cache

REORG_MARGIN = 64  # blocks re-read below the last scanned block


@dataclass(frozen=True)
class VaultEvent:
    name: str
    vault: str  # checksummed
    args: dict[str, Any]
    block_number: int
    log_index: int
    tx_hash: str

    def to_json(self) -> list[Any]:
        return [self.name, self.vault, self.args, self.block_number, self.log_index,
                self.tx_hash]

    @classmethod
    def from_json(cls, raw: Any) -> VaultEvent:
        name, vault, args, block, index, tx_hash = raw
        return cls(str(name), str(vault), dict(args), int(block), int(index), str(tx_hash))

    @property
    def source(self) -> str:
        return f"event {self.name} (block {self.block_number}, tx {self.tx_hash})"


@dataclass(frozen=True)
class _EventShape:
    name: str
    indexed: tuple[tuple[str, str], ...]
    plain: tuple[tuple[str, str], ...]


def _signature(entry: AbiEntry) -> str:
    return f"{entry['name']}({','.join(abi_type(p) for p in entry.get('inputs', []))})"


@cache
def _shapes() -> dict[bytes, _EventShape]:
    abi = ContractAbi.load("NumerBayVault").merged(ContractAbi.load("VaultAdmin"))
    shapes: dict[bytes, _EventShape] = {}
    for entry in abi.events:
        inputs = entry.get("inputs", [])
        shapes[keccak(text=_signature(entry))] = _EventShape(
            str(entry["name"]),
            tuple((str(p["name"]), abi_type(p)) for p in inputs if p.get("indexed")),
            tuple((str(p["name"]), abi_type(p)) for p in inputs if not p.get("indexed")),
        )
    return shapes


def topic(name: str) -> str:
    """The 0x topic of a vault event by name."""
    for key, shape in _shapes().items():
        if shape.name == name:
            return "0x" + key.hex()
    raise KeyError(name)


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def decode(log: Log) -> VaultEvent | None:
    """The vault event a log carries; None for another contract's log or a removed one."""
    if log.removed or not log.topics:
        return None
    shape = _shapes().get(log.topics[0])
    if shape is None or len(shape.indexed) != len(log.topics) - 1:
        return None
    try:
        args: dict[str, Any] = {}
        for (name, kind), word in zip(shape.indexed, log.topics[1:], strict=True):
            args[name] = _plain(decode_fast([kind], word)[0])
        values = decode_fast([kind for _, kind in shape.plain], log.data)
        for (name, _), value in zip(shape.plain, values, strict=True):
            args[name] = _plain(value)
    except Exception:  # same topic, other layout: not ours
        return None
    return VaultEvent(shape.name, log.address, args, log.block_number, log.log_index, log.tx_hash)


def decode_all(logs: Iterable[Log], vaults: set[str] | None = None) -> list[VaultEvent]:
    out = []
    for log in logs:
        if vaults is not None and log.address not in vaults:
            continue
        event = decode(log)
        if event is not None:
            out.append(event)
    return out


class EventStore:
    """Events of one scope (a chain and a filter) cached by block in SQLite."""

    def __init__(self, cache: Cache | None, key: str, start_block: int = 0) -> None:
        self.cache = cache
        self.key = f"services|events|{key}"
        self.start_block = start_block
        self.cursor = start_block - 1  # last block scanned
        self.events: list[VaultEvent] = []
        self._load()

    def _load(self) -> None:
        hit = self.cache.get(self.key) if self.cache is not None else None
        if hit is None or not isinstance(hit.value, dict):
            return
        try:
            self.cursor = int(hit.value["cursor"])
            self.events = [VaultEvent.from_json(e) for e in hit.value["events"]]
        except (KeyError, TypeError, ValueError):
            self.cursor, self.events = self.start_block - 1, []

    def next_range(self, head: int) -> tuple[int, int]:
        """The blocks a scan up to `head` must read (re-reading the reorg margin). A head
        below the last scan (a reverted devnet, a node on another fork) rescans it all."""
        if head < self.cursor:
            return self.start_block, head
        start = max(self.start_block, self.cursor + 1 - REORG_MARGIN)
        return start, head

    def merge(self, from_block: int, head: int, fresh: Sequence[VaultEvent]) -> None:
        """Replace everything from `from_block` on with `fresh` and remember `head`."""
        kept = [e for e in self.events if e.block_number < from_block]
        self.events = kept + sorted(fresh, key=lambda e: (e.block_number, e.log_index))
        self.cursor = head
        if self.cache is not None:
            self.cache.put(
                self.key, {"cursor": head, "events": [e.to_json() for e in self.events]}
            )
