"""Batched reads: Multicall3 `aggregate3` chunks sent together in one JSON-RPC batch.

Loading N contracts' state costs O(1) HTTP requests: the calls are packed into aggregate3
chunks (each under the node's `eth_call` gas cap and under Multicall3's call-count bound) and
all chunks go out as one JSON-RPC batch. A chunk the node refuses (out of gas, say) is split
in halves and retried in the next batch. Without a Multicall3 on the network, each call is
its own `eth_call` inside the JSON-RPC batch (still one HTTP request per batch).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from numerbay_desktop.chain.errors import AbiMismatch, BadResponse, CallReverted, ChainError
from numerbay_desktop.chain.rpc import JsonRpcTransport

AGGREGATE3_SELECTOR = bytes.fromhex("82ad56cb")
# Bounds of the bundled Vyper Multicall3 (contracts/Multicall3.vy); canonical has none.
MAX_CALLS_PER_CHUNK = 128
MAX_CALLDATA_BYTES = 1028
MAX_RETURNDATA_BYTES = 2048  # longer results fail with "Multicall3: return data too long"
# aggregate3 of the Vyper Multicall3 pays ~0.4M gas of memory for its static bounds.
MULTICALL_FIXED_GAS = 450_000
DEFAULT_CALL_GAS = 60_000  # a view reading a handful of cold slots
DEFAULT_CALL_GAS_CAP = 25_000_000  # below the usual eth_call caps (anvil 30M, geth 50M)
MAX_SPLIT_ROUNDS = 8


class MulticallMissing(ChainError):
    """The network's Multicall3 address has no contract; reads fall back to JSON-RPC batches."""


@dataclass(frozen=True, slots=True)
class Call:
    """One read: `data` (selector and arguments) sent to `target`."""

    target: str
    data: bytes
    allow_failure: bool = True
    gas_hint: int = DEFAULT_CALL_GAS  # what the call may cost; sizes the chunks


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """The result of one read: `data` is the return data, or the revert data on failure."""

    success: bool
    data: bytes


# aggregate3's encoding is written out by hand: eth_abi's generic coder took most of the time
# of a 400-read batch. Unit tests check both directions against eth_abi.


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _padded(data: bytes) -> bytes:
    return data + b"\x00" * (-len(data) % 32)


def encode_aggregate3(calls: Sequence[Call]) -> bytes:
    """Calldata of `aggregate3((address,bool,bytes)[])`, ABI-encoded."""
    tuples = []
    for call in calls:
        target = bytes.fromhex(call.target[2:])
        if len(target) != 20:
            raise AbiMismatch(f"{call.target} is not a 20-byte address.")
        tuples.append(
            b"\x00" * 12 + target + _word(int(call.allow_failure)) + _word(96)
            + _word(len(call.data)) + _padded(call.data)
        )
    offsets = []
    position = 32 * len(tuples)
    for encoded in tuples:
        offsets.append(_word(position))
        position += len(encoded)
    return b"".join(
        [AGGREGATE3_SELECTOR, _word(32), _word(len(tuples)), *offsets, *tuples]
    )


def decode_aggregate3(data: bytes) -> list[CallOutcome]:
    """The `(bool,bytes)[]` that aggregate3 returns; BadResponse when malformed."""

    def word(at: int) -> int:
        if at < 0 or at + 32 > len(data):
            raise BadResponse("Multicall3 returned data that does not decode.")
        return int.from_bytes(data[at : at + 32], "big")

    array = word(0)
    count = word(array)
    base = array + 32
    if count > len(data) // 64:
        raise BadResponse("Multicall3 returned data that does not decode.")
    out = []
    for i in range(count):
        start = base + word(base + 32 * i)
        success = word(start)
        length_at = start + word(start + 32)
        length = word(length_at)
        if success > 1 or length_at + 32 + length > len(data):
            raise BadResponse("Multicall3 returned data that does not decode.")
        out.append(CallOutcome(success == 1, data[length_at + 32 : length_at + 32 + length]))
    return out


def plan_chunks(
    calls: Sequence[Call],
    *,
    gas_cap: int = DEFAULT_CALL_GAS_CAP,
    max_calls: int = MAX_CALLS_PER_CHUNK,
    fixed_gas: int = MULTICALL_FIXED_GAS,
) -> list[list[Call]]:
    """Consecutive chunks, each with ≤ `max_calls` calls and estimated gas ≤ 80% of the cap."""
    budget = gas_cap * 8 // 10 - fixed_gas
    chunks: list[list[Call]] = []
    current: list[Call] = []
    spent = 0
    for call in calls:
        if len(call.data) > MAX_CALLDATA_BYTES:
            raise AbiMismatch(
                f"A batched call carries {len(call.data)} bytes; Multicall3 takes at most "
                f"{MAX_CALLDATA_BYTES}."
            )
        cost = call.gas_hint + 16 * len(call.data)
        if current and (len(current) >= max_calls or spent + cost > budget):
            chunks.append(current)
            current, spent = [], 0
        current.append(call)
        spent += cost
    if current:
        chunks.append(current)
    return chunks


def _eth_call_params(to: str, data: bytes, block_tag: str, gas: int | None) -> list[Any]:
    request: dict[str, str] = {"to": to, "data": "0x" + data.hex()}
    if gas is not None:
        request["gas"] = hex(gas)
    return [request, block_tag]


async def multicall(
    transport: JsonRpcTransport,
    multicall_address: str,
    calls: Sequence[Call],
    block_tag: str,
    *,
    gas_cap: int = DEFAULT_CALL_GAS_CAP,
) -> list[CallOutcome]:
    """Every call's outcome, in order, read at `block_tag` through aggregate3 chunks sent in
    one JSON-RPC batch per round (one round unless a chunk had to be split)."""
    from numerbay_desktop.chain.contracts import revert_from_rpc

    outcomes: list[CallOutcome | None] = [None] * len(calls)
    pending: list[tuple[int, list[Call]]] = []
    offset = 0
    for chunk in plan_chunks(calls, gas_cap=gas_cap):
        pending.append((offset, chunk))
        offset += len(chunk)
    for _ in range(MAX_SPLIT_ROUNDS):
        if not pending:
            break
        requests = [
            (
                "eth_call",
                _eth_call_params(multicall_address, encode_aggregate3(c), block_tag, gas_cap),
            )
            for _, c in pending
        ]
        answers = await transport.batch(requests)
        retry: list[tuple[int, list[Call]]] = []
        for (start, chunk), answer in zip(pending, answers, strict=True):
            if answer.error is not None:
                reverted = revert_from_rpc(answer.error, target="Multicall3")
                if isinstance(reverted, CallReverted) and _is_strict_failure(reverted):
                    raise reverted
                if len(chunk) == 1:
                    raise reverted
                half = len(chunk) // 2
                retry += [(start, chunk[:half]), (start + half, chunk[half:])]
                continue
            returned = _hex_bytes(answer.value)
            if not returned:  # a call to an address without code "succeeds" with nothing
                raise MulticallMissing(
                    f"There is no Multicall3 at {multicall_address} on this network."
                )
            rows = decode_aggregate3(returned)
            if len(rows) != len(chunk):
                raise BadResponse("Multicall3 returned a different number of results.")
            for i, row in enumerate(rows):
                outcomes[start + i] = row
        pending = retry
    if pending:
        raise BadResponse("The node kept refusing the batched reads, even in small chunks.")
    return [o for o in outcomes if o is not None]


def _is_strict_failure(error: CallReverted) -> bool:
    return error.reason is not None and "Multicall3: call failed" in error.reason


async def batched_calls(
    transport: JsonRpcTransport, calls: Sequence[Call], block_tag: str
) -> list[CallOutcome]:
    """Every call as its own `eth_call` in JSON-RPC batches (no Multicall3 needed)."""
    from numerbay_desktop.chain.contracts import revert_from_rpc

    answers = await transport.batch(
        [("eth_call", _eth_call_params(c.target, c.data, block_tag, None)) for c in calls]
    )
    out: list[CallOutcome] = []
    for call, answer in zip(calls, answers, strict=True):
        if answer.error is None:
            out.append(CallOutcome(True, _hex_bytes(answer.value)))
            continue
        reverted = revert_from_rpc(answer.error)
        if not isinstance(reverted, CallReverted):
            raise reverted
        if not call.allow_failure:
            raise reverted
        out.append(CallOutcome(False, reverted.data))
    return out


def _hex_bytes(value: Any) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x"):
        raise BadResponse("The node returned call data that is not hex.")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise BadResponse("The node returned call data that is not hex.") from None

