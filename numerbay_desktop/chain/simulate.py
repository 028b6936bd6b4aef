"""Simulating dependent transactions as one bundle (an approval, then the deposit), so an
offline signer crosses the air gap once and nothing is sent that would revert.

`simulate_bundle` uses `eth_simulateV1` (each call sees the state the previous ones left) in
one request. A node without it gets `SimulationUnsupported`; txflow then simulates the last
call with `eth_call` and a state override standing in for the earlier ones' effect (e.g. the
allowance an approval would set), which `ChainClient.call(..., state_override=...)` does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from numerbay_desktop.chain.contracts import decode_revert
from numerbay_desktop.chain.errors import BadResponse, CallReverted, ChainError, RpcRejected
from numerbay_desktop.chain.events import Log, parse_log

if TYPE_CHECKING:
    from numerbay_desktop.chain.client import BlockRef, ChainClient, StateOverride, TxRequest


class SimulationUnsupported(ChainError):
    """The node has no eth_simulateV1; simulate with eth_call and a state override instead."""


@dataclass(frozen=True, slots=True)
class SimulatedCall:
    """One call of a simulated bundle."""

    success: bool
    return_data: bytes
    gas_used: int
    logs: tuple[Log, ...]
    revert: CallReverted | None  # the decoded refusal when it failed

    def raise_for_revert(self) -> None:
        if self.revert is not None:
            raise self.revert


# JSON-RPC "method not found" and the messages nodes use for unknown methods.
_UNSUPPORTED_CODES = (-32601, -32600)


async def simulate_bundle(
    client: ChainClient,
    requests: Sequence[TxRequest],
    block: BlockRef = "latest",
    state_override: StateOverride | None = None,
) -> list[SimulatedCall]:
    """Every request's outcome, run in order on one simulated block on top of `block`."""
    from numerbay_desktop.chain.client import _override_rpc, block_tag

    state_calls: dict[str, Any] = {"calls": [r.to_rpc() for r in requests]}
    if state_override:
        state_calls["stateOverrides"] = _override_rpc(state_override)
    payload = {"blockStateCalls": [state_calls], "validation": False, "traceTransfers": False}
    try:
        blocks = await client.transport.call("eth_simulateV1", [payload, block_tag(block)])
    except RpcRejected as rejected:
        message = rejected.node_message.lower()
        unknown = ("not found", "not supported", "unsupported", "does not exist")
        if rejected.code in _UNSUPPORTED_CODES or any(text in message for text in unknown):
            raise SimulationUnsupported(
                "The node cannot simulate several transactions together (no eth_simulateV1)."
            ) from None
        raise
    try:
        calls = blocks[0]["calls"]
    except (TypeError, KeyError, IndexError):
        raise BadResponse("The node gave an unusable simulation result.") from None
    if not isinstance(calls, list) or len(calls) != len(requests):
        raise BadResponse("The node simulated a different number of calls.")
    return [_simulated(call, request.to) for call, request in zip(calls, requests, strict=True)]


def _simulated(raw: Any, target: str | None) -> SimulatedCall:
    try:
        data = bytes.fromhex(str(raw.get("returnData", "0x"))[2:])
        success = int(raw["status"], 16) == 1
        gas_used = int(raw["gasUsed"], 16)
        logs = tuple(parse_log(entry) for entry in raw.get("logs") or ())
    except (AttributeError, KeyError, TypeError, ValueError):
        raise BadResponse("The node gave an unusable simulation result.") from None
    revert = None if success else CallReverted(decode_revert(data), data, target)
    return SimulatedCall(success, data, gas_used, logs, revert)
