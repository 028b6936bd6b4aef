"""Simulating what the pipeline is about to sign: one call, or a dependent batch as ONE bundle.

- One call: `eth_call` and `eth_estimateGas` in one JSON-RPC batch (one HTTP request).
- A batch (an approval, then the deposit it enables): `eth_simulateV1` where the node has it
  (each call sees the state the previous left; `ChainClient.simulate_bundle`); else every
  call is run with `eth_call` + `eth_estimateGas` under a state override that stands in for
  the earlier calls' effect. The override path understands approvals (ERC-20 `approve`,
  `increaseAllowance`, NMR's `changeApproval`): the allowance's storage slot is found by
  probing the token (Vyper and Solidity mapping layouts, slots 0-15, in one batch) and
  written directly. Other dependencies on such a node raise `BundleNotSimulable`.

A revert anywhere raises `TxWouldRevert` (a CallReverted) with the call's index and its
decoded reason; nothing is signed then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from numerbay_desktop.chain.client import ChainClient, TxRequest
from numerbay_desktop.chain.contracts import ERC20_ABI, ContractAbi, revert_from_rpc
from numerbay_desktop.chain.errors import CallReverted, ChainError
from numerbay_desktop.chain.hexvalues import hex_data, hex_quantity
from numerbay_desktop.chain.simulate import SimulationUnsupported
from numerbay_desktop.chain.txreview import SimulationResult
from numerbay_desktop.core.risk import approval_amount

PROBE_SLOTS = 16
_PROBE_MARKER = int.from_bytes(keccak(b"numerbay allowance probe"), "big")
_ALLOWANCE = ContractAbi.from_abi("ERC-20", ERC20_ABI).function("allowance")


class TxWouldRevert(CallReverted):
    """A transaction of the batch reverts in simulation; nothing was signed."""

    def __init__(self, index: int, count: int, reverted: CallReverted) -> None:
        super().__init__(reverted.reason, reverted.data, reverted.target)
        which = "The transaction" if count == 1 else f"Transaction {index + 1} of {count}"
        why = reverted.reason or "no reason given"
        self.args = (f"{which} would fail: {why}. Nothing was signed.",)
        self.index = index


class BundleNotSimulable(ChainError):
    """The node cannot simulate these dependent transactions together."""


@dataclass(frozen=True, slots=True)
class AllowanceSlot:
    layout: str  # "vyper": keccak(slot . key); "solidity": keccak(key . slot)
    slot: int

    def key(self, owner: str, spender: str) -> bytes:
        inner = _mapping_key(self.layout, self.slot.to_bytes(32, "big"), owner)
        return _mapping_key(self.layout, inner, spender)


def _mapping_key(layout: str, position: bytes, address: str) -> bytes:
    key = bytes.fromhex(address[2:].lower()).rjust(32, b"\0")
    return bytes(keccak(position + key if layout == "vyper" else key + position))


def gas_limit_for(estimate: int, has_data: bool) -> int:
    """A limit with room for state changes between simulation and mining (+20% for contract
    calls; a plain transfer's 21,000 is exact)."""
    return estimate + estimate // 5 if has_data else estimate


class Simulator:
    """Simulates for one client; remembers whether the node has eth_simulateV1 and where
    tokens keep their allowances."""

    def __init__(self, client: ChainClient, *, use_simulate_v1: bool | None = None) -> None:
        self.client = client
        self.use_simulate_v1 = use_simulate_v1  # None: try it, and remember the answer
        self._slots: dict[str, AllowanceSlot] = {}

    async def simulate(self, requests: Sequence[TxRequest]) -> SimulationResult:
        if len(requests) == 1:
            data, gas = await self._call_and_estimate(requests[0], 0, 1, None)
            limit = gas_limit_for(gas, bool(requests[0].data))
            return SimulationResult("eth_call", (gas,), (limit,), (data,))
        if self.use_simulate_v1 is not False:
            try:
                result = await self._simulate_v1(requests)
            except SimulationUnsupported:
                self.use_simulate_v1 = False
            else:
                self.use_simulate_v1 = True
                return result
        return await self._simulate_with_overrides(requests)

    async def _simulate_v1(self, requests: Sequence[TxRequest]) -> SimulationResult:
        outcomes = await self.client.simulate_bundle(requests)
        for index, outcome in enumerate(outcomes):
            if outcome.revert is not None:
                raise TxWouldRevert(index, len(requests), outcome.revert)
        # The first call runs on the real state: estimate it exactly; later ones from the
        # simulated gas, with room for refunds and the 63/64 rule.
        first = await self._estimate(requests[0], 0, len(requests), None)
        used = [first] + [o.gas_used for o in outcomes[1:]]
        limits = [gas_limit_for(first, bool(requests[0].data))]
        limits += [g + g // 2 for g in used[1:]]
        return SimulationResult(
            "eth_simulateV1", tuple(used), tuple(limits), tuple(o.return_data for o in outcomes)
        )

    async def _simulate_with_overrides(self, requests: Sequence[TxRequest]) -> SimulationResult:
        override: dict[str, dict[str, Any]] = {}
        used: list[int] = []
        returned: list[bytes] = []
        for index, request in enumerate(requests):
            data, gas = await self._call_and_estimate(
                request, index, len(requests), override or None
            )
            used.append(gas)
            returned.append(data)
            if index + 1 < len(requests):
                await self._add_effect(request, override)
        limits = tuple(gas_limit_for(g, bool(r.data)) for g, r in zip(used, requests, strict=True))
        return SimulationResult("state_override", tuple(used), limits, tuple(returned))

    async def _add_effect(self, request: TxRequest, override: dict[str, dict[str, Any]]) -> None:
        approval = approval_amount(request.data)
        if approval is None or request.to is None or request.sender is None:
            raise BundleNotSimulable(
                "This node cannot simulate these transactions together (it has no "
                "eth_simulateV1); send them one at a time, or use another RPC URL."
            )
        spender, amount = approval
        token = str(to_checksum_address(request.to))
        slot = await self.allowance_slot(token, request.sender, spender)
        key = "0x" + slot.key(request.sender, spender).hex()
        state = override.setdefault(token, {"stateDiff": {}})["stateDiff"]
        state[key] = "0x" + amount.to_bytes(32, "big").hex()

    async def allowance_slot(self, token: str, owner: str, spender: str) -> AllowanceSlot:
        """Where `token` stores allowance[owner][spender]: probed once per token."""
        token = str(to_checksum_address(token))
        if token in self._slots:
            return self._slots[token]
        candidates = [AllowanceSlot(layout, slot)
                      for layout in ("vyper", "solidity") for slot in range(PROBE_SLOTS)]
        call = TxRequest(token, _ALLOWANCE.encode(owner, spender)).to_rpc()
        marker = "0x" + _PROBE_MARKER.to_bytes(32, "big").hex()
        answers = await self.client.batch([
            ("eth_call", [call, "latest",
                          {token: {"stateDiff": {"0x" + c.key(owner, spender).hex(): marker}}}])
            for c in candidates
        ])
        for candidate, answer in zip(candidates, answers, strict=True):
            if answer.error is None and hex_quantity(answer.value) == _PROBE_MARKER:
                self._slots[token] = candidate
                return candidate
        raise BundleNotSimulable(
            "This node cannot simulate the approval and the next transaction together, and "
            "the token's allowance storage was not found; send them one at a time."
        )

    async def _call_and_estimate(
        self, request: TxRequest, index: int, count: int, override: dict[str, Any] | None
    ) -> tuple[bytes, int]:
        params: list[Any] = [request.to_rpc(), "latest"]
        if override:
            params.append(override)
        call, estimate = await self.client.batch(
            [("eth_call", params), ("eth_estimateGas", params)]
        )
        for answer in (call, estimate):
            if answer.error is not None:
                raise _refusal(answer.error, request, index, count)
        return hex_data(call.value), hex_quantity(estimate.value)

    async def _estimate(
        self, request: TxRequest, index: int, count: int, override: dict[str, Any] | None
    ) -> int:
        try:
            return await self.client.estimate_gas(request, state_override=override)
        except CallReverted as reverted:
            raise TxWouldRevert(index, count, reverted) from None


def _refusal(error: Any, request: TxRequest, index: int, count: int) -> ChainError:
    refused = revert_from_rpc(error, request.to)
    if isinstance(refused, CallReverted):
        return TxWouldRevert(index, count, refused)
    return refused




