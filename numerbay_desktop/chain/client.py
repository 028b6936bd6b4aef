"""The app's Ethereum client: reads pinned to one block, batched reads, and the write path
(estimate, fees, send, receipts) that txflow builds on.

    async with ChainClient(network) as client:
        await client.connect()                      # refuses a node on another chain
        session = await client.pin_latest()         # one block per screen refresh
        values = await session.read_many([nmr.read("balanceOf", a) for a in accounts])

Transport (JSON-RPC over aiohttp, timeouts, retries, failover, chain-id gating) is rpc.py;
Multicall3 chunking is batch.py.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from eth_utils.crypto import keccak

from numerbay_desktop.chain.batch import (
    DEFAULT_CALL_GAS_CAP,
    Call,
    CallOutcome,
    MulticallMissing,
    batched_calls,
    multicall,
    plan_chunks,
)
from numerbay_desktop.chain.contracts import BoundRead, revert_from_rpc
from numerbay_desktop.chain.errors import BadResponse, CallReverted, RpcRejected, StaleHead
from numerbay_desktop.chain.events import Log, fetch_logs
from numerbay_desktop.chain.hexvalues import hex_data, hex_quantity
from numerbay_desktop.chain.networks import Network, checksum_address
from numerbay_desktop.chain.rpc import JsonRpcTransport, RetryPolicy, RpcResult, RpcStats
from numerbay_desktop.chain.simulate import SimulatedCall, simulate_bundle

BlockRef = int | str  # a number, or "latest" / "pending" / "safe" / "finalized" / "earliest"
# address -> {"balance": int, "nonce": int, "code": bytes, "state"/"stateDiff": {slot: value}}
StateOverride = dict[str, dict[str, Any]]


def block_tag(block: BlockRef) -> str:
    if isinstance(block, int):
        if block < 0:
            raise ValueError("block numbers are not negative")
        return hex(block)
    return block


@dataclass(frozen=True, slots=True)
class BlockHeader:
    number: int
    hash: str
    timestamp: int
    base_fee_per_gas: int | None
    gas_limit: int


@dataclass(frozen=True, slots=True)
class TxRequest:
    """A call or transaction as eth_call / eth_estimateGas take it. Amounts in wei."""

    to: str | None
    data: bytes = b""
    sender: str | None = None
    value: int = 0
    gas: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None

    def to_rpc(self) -> dict[str, str]:
        request: dict[str, str] = {"data": "0x" + self.data.hex()}
        if self.to is not None:
            request["to"] = checksum_address(self.to, "recipient address")
        if self.sender is not None:
            request["from"] = checksum_address(self.sender, "sender address")
        if self.value:
            request["value"] = hex(self.value)
        if self.gas is not None:
            request["gas"] = hex(self.gas)
        if self.max_fee_per_gas is not None:
            request["maxFeePerGas"] = hex(self.max_fee_per_gas)
        if self.max_priority_fee_per_gas is not None:
            request["maxPriorityFeePerGas"] = hex(self.max_priority_fee_per_gas)
        return request


@dataclass(frozen=True, slots=True)
class FeeHistory:
    oldest_block: int
    base_fees: tuple[int, ...]  # one more than the blocks: the next block's base fee last
    gas_used_ratios: tuple[float, ...]  # a ratio, not money
    rewards: tuple[tuple[int, ...], ...]  # per block, one per requested percentile


@dataclass(frozen=True, slots=True)
class Receipt:
    tx_hash: str
    block_number: int
    block_hash: str
    status: int  # 1 success, 0 reverted
    gas_used: int
    effective_gas_price: int
    contract_address: str | None
    logs: tuple[dict[str, Any], ...]

    @property
    def succeeded(self) -> bool:
        return self.status == 1


class ChainClient:
    """Async access to one network's nodes. Close it (or use `async with`)."""

    def __init__(
        self,
        network: Network,
        *,
        timeout_s: float = 10.0,
        total_timeout_s: float = 30.0,
        retry: RetryPolicy | None = None,
        max_batch_size: int = 100,
        call_gas_cap: int = DEFAULT_CALL_GAS_CAP,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.network = network
        self.transport = JsonRpcTransport(
            network.rpc_urls,
            network.chain_id,
            timeout_s=timeout_s,
            total_timeout_s=total_timeout_s,
            retry=retry,
            max_batch_size=max_batch_size,
        )
        self.call_gas_cap = call_gas_cap
        self._multicall3 = network.multicall3  # None once found missing
        self._clock = clock
        self._highest_block = -1

    @property
    def stats(self) -> RpcStats:
        return self.transport.stats

    async def __aenter__(self) -> ChainClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        await self.transport.close()

    async def connect(self) -> int:
        """Check that a node answers and serves the network's chain (WrongChain otherwise)."""
        return await self.transport.connect()

    # ------------------------------------------------------------------ raw access

    async def rpc(self, method: str, params: Sequence[Any] = ()) -> Any:
        return await self.transport.call(method, params)

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[RpcResult]:
        return await self.transport.batch(calls)

    # ------------------------------------------------------------------ blocks

    async def block_number(self) -> int:
        return (await self.latest_block()).number

    async def latest_block(self) -> BlockHeader:
        """The head block, refused when it is behind one seen before or older than the
        network allows (`max_head_age_s`); a stale node is skipped for the next in order."""
        problem: StaleHead | None = None
        for _ in range(len(self.network.rpc_urls)):
            header = await self.get_block("latest")
            problem = self._staleness(header.number, header.timestamp)
            if problem is None:
                self._highest_block = max(self._highest_block, header.number)
                return header
            if not self.transport.skip_current():
                break
        assert problem is not None
        raise problem

    def _staleness(self, number: int, timestamp: int) -> StaleHead | None:
        if number < self._highest_block:
            return StaleHead(
                f"The node is behind: its latest block is {number}, but block "
                f"{self._highest_block} was already seen. Try again or use another RPC URL."
            )
        max_age = self.network.max_head_age_s
        if max_age is not None:
            age = self._clock() - timestamp
            if age > max_age:
                return StaleHead(
                    f"The node is out of sync: its latest block is {int(age)} seconds old. "
                    "Try again later or use another RPC URL."
                )
        return None

    async def get_block(self, block: BlockRef = "latest") -> BlockHeader:
        raw = await self.transport.call("eth_getBlockByNumber", [block_tag(block), False])
        if not isinstance(raw, dict):
            raise BadResponse(f"The node does not know block {block}.")
        return _header(raw)

    async def pin_latest(self) -> ReadSession:
        """A read session at the current head: every read in it sees the same block."""
        return ReadSession(self, await self.latest_block())

    def pinned(self, block: int | BlockHeader) -> ReadSession:
        return ReadSession(self, block)

    async def pin_and_read(self, reads: Sequence[BoundRead]) -> tuple[ReadSession, list[Any]]:
        """Pin the head and make the first reads in ONE request: Multicall3 reports the block
        it ran in, so the pin costs no request of its own (when the reads fit one aggregate3
        chunk; otherwise the pin and the reads take one request each). Values as
        `ReadSession.try_read_many` gives them."""
        multicall3 = self._multicall3
        if multicall3 is not None:
            calls = [
                Call(multicall3, _GET_BLOCK_NUMBER, allow_failure=False),
                Call(multicall3, _GET_BLOCK_TIMESTAMP, allow_failure=False),
                *(r.as_call() for r in reads),
            ]
            if len(plan_chunks(calls, gas_cap=self.call_gas_cap)) == 1:
                outcomes = await self.multicall(calls, "latest")
                if self._multicall3 is None:  # it was missing: these are not its results
                    session = await self.pin_latest()
                    return session, await session.try_read_many(reads)
                number = int.from_bytes(outcomes[0].data[:32], "big")
                timestamp = int.from_bytes(outcomes[1].data[:32], "big")
                if self._staleness(number, timestamp) is None:
                    self._highest_block = max(self._highest_block, number)
                    values = _decoded_or_reverted(reads, outcomes[2:])
                    return ReadSession(self, number), values
        session = await self.pin_latest()
        return session, await session.try_read_many(reads)

    # ------------------------------------------------------------------ reads

    async def call(
        self,
        request: TxRequest,
        block: BlockRef = "latest",
        state_override: StateOverride | None = None,
    ) -> bytes:
        """eth_call; a revert raises CallReverted with its decoded reason. `state_override`
        (address -> {"balance", "nonce", "code", "state", "stateDiff"}) simulates on changed
        state, e.g. an allowance a not-yet-sent approval would set."""
        params: list[Any] = [request.to_rpc(), block_tag(block)]
        if state_override:
            params.append(_override_rpc(state_override))
        try:
            result = await self.transport.call("eth_call", params)
        except RpcRejected as rejected:
            raise revert_from_rpc(rejected, request.to) from None
        return hex_data(result)

    async def read(self, bound: BoundRead, block: BlockRef = "latest") -> Any:
        return bound.function.decode_output(
            await self.call(TxRequest(bound.target, bound.data), block)
        )

    async def multicall(
        self, calls: Sequence[Call], block: BlockRef = "latest"
    ) -> list[CallOutcome]:
        """Many reads in O(1) HTTP requests: Multicall3 chunks in one JSON-RPC batch when the
        network has Multicall3, else one eth_call per read in one JSON-RPC batch."""
        if not calls:
            return []
        if self._multicall3 is not None:
            try:
                return await multicall(
                    self.transport, self._multicall3, calls, block_tag(block),
                    gas_cap=self.call_gas_cap,
                )
            except MulticallMissing:
                # A custom network without Multicall3 where one was configured: batch the
                # plain eth_calls from now on (still one HTTP request per batch).
                self._multicall3 = None
        return await batched_calls(self.transport, calls, block_tag(block))

    async def get_balance(self, address: str, block: BlockRef = "latest") -> int:
        params = [checksum_address(address), block_tag(block)]
        return hex_quantity(await self.transport.call("eth_getBalance", params))

    async def get_code(self, address: str, block: BlockRef = "latest") -> bytes:
        account = checksum_address(address)
        return hex_data(await self.transport.call("eth_getCode", [account, block_tag(block)]))

    async def get_transaction_count(self, address: str, block: BlockRef = "pending") -> int:
        account = checksum_address(address)
        params = [account, block_tag(block)]
        return hex_quantity(await self.transport.call("eth_getTransactionCount", params))

    async def get_logs(
        self,
        addresses: Sequence[str],
        *,
        from_block: int,
        to_block: int | None = None,
        topics: Sequence[str | Sequence[str] | None] = (),
        max_span: int = 10_000,
    ) -> list[Log]:
        """Logs between two blocks (to the pinned head when `to_block` is None), in spans
        sent as one JSON-RPC batch; oldest first."""
        end = to_block if to_block is not None else await self.block_number()
        return await fetch_logs(
            self.transport, addresses=addresses, topics=topics,
            from_block=from_block, to_block=end, max_span=max_span,
        )

    # ------------------------------------------------------------------ the write path

    async def estimate_gas(
        self,
        request: TxRequest,
        block: BlockRef = "latest",
        state_override: StateOverride | None = None,
    ) -> int:
        """eth_estimateGas; a revert raises CallReverted with its decoded reason."""
        params: list[Any] = [request.to_rpc(), block_tag(block)]
        if state_override:
            params.append(_override_rpc(state_override))
        try:
            return hex_quantity(await self.transport.call("eth_estimateGas", params))
        except RpcRejected as rejected:
            raise revert_from_rpc(rejected, request.to) from None

    async def fee_history(
        self,
        block_count: int,
        newest: BlockRef = "latest",
        reward_percentiles: Sequence[float] = (10.0, 50.0, 90.0),
    ) -> FeeHistory:
        raw = await self.transport.call(
            "eth_feeHistory", [hex(block_count), block_tag(newest), list(reward_percentiles)]
        )
        if not isinstance(raw, dict):
            raise BadResponse("The node gave an unusable fee history.")
        return FeeHistory(
            oldest_block=hex_quantity(raw.get("oldestBlock")),
            base_fees=tuple(hex_quantity(v) for v in raw.get("baseFeePerGas", [])),
            gas_used_ratios=tuple(float(v) for v in raw.get("gasUsedRatio", [])),
            rewards=tuple(tuple(hex_quantity(v) for v in row) for row in raw.get("reward") or []),
        )

    async def max_priority_fee(self) -> int:
        return hex_quantity(await self.transport.call("eth_maxPriorityFeePerGas", []))

    async def send_raw_transaction(self, raw_tx: bytes) -> str:
        """Broadcast a signed transaction and return its hash; the node's chain id is checked
        again right before. Idempotent: when a retry (after a lost reply) or a second send
        meets "already known" / "nonce too low" and the node knows this very transaction,
        its hash is returned. Other refusals raise RpcRejected."""
        tx_hash = "0x" + keccak(raw_tx).hex()  # the hash of a signed (typed or legacy) tx
        try:
            result = await self.transport.call(
                "eth_sendRawTransaction", ["0x" + raw_tx.hex()], recheck_chain=True
            )
        except RpcRejected as rejected:
            if _ALREADY_SENT.search(rejected.node_message) and await self.get_transaction(
                tx_hash
            ):
                return tx_hash
            raise
        if not isinstance(result, str) or result.lower() != tx_hash:
            raise BadResponse("The node did not return the transaction's hash.")
        return tx_hash

    async def get_transaction_receipt(self, tx_hash: str) -> Receipt | None:
        raw = await self.transport.call("eth_getTransactionReceipt", [tx_hash])
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise BadResponse("The node gave an unusable receipt.")
        return Receipt(
            tx_hash=str(raw.get("transactionHash")),
            block_number=hex_quantity(raw.get("blockNumber")),
            block_hash=str(raw.get("blockHash")),
            status=hex_quantity(raw.get("status")),
            gas_used=hex_quantity(raw.get("gasUsed")),
            effective_gas_price=hex_quantity(raw.get("effectiveGasPrice", "0x0")),
            contract_address=raw.get("contractAddress"),
            logs=tuple(raw.get("logs") or ()),
        )

    async def simulate_bundle(
        self,
        requests: Sequence[TxRequest],
        block: BlockRef = "latest",
        state_override: StateOverride | None = None,
    ) -> list[SimulatedCall]:
        """Dependent transactions simulated in order in one request (eth_simulateV1);
        SimulationUnsupported when the node lacks it. See simulate.py."""
        return await simulate_bundle(self, requests, block, state_override)

    async def get_transaction(self, tx_hash: str) -> dict[str, Any] | None:
        raw = await self.transport.call("eth_getTransactionByHash", [tx_hash])
        if raw is not None and not isinstance(raw, dict):
            raise BadResponse("The node gave an unusable transaction.")
        return raw


class ReadSession:
    """Reads that all see one block: build one per screen refresh."""

    def __init__(self, client: ChainClient, block: int | BlockHeader) -> None:
        self.client = client
        self.header = block if isinstance(block, BlockHeader) else None
        self.block_number = block.number if isinstance(block, BlockHeader) else block

    async def call(self, request: TxRequest) -> bytes:
        return await self.client.call(request, self.block_number)

    async def read(self, bound: BoundRead) -> Any:
        return await self.client.read(bound, self.block_number)

    async def multicall(self, calls: Sequence[Call]) -> list[CallOutcome]:
        return await self.client.multicall(calls, self.block_number)

    async def read_many(self, reads: Sequence[BoundRead]) -> list[Any]:
        """Decoded values in order; a failed read raises its CallReverted."""
        outcomes = await self.multicall([r.as_call() for r in reads])
        return [r.decode(o) for r, o in zip(reads, outcomes, strict=True)]

    async def try_read_many(self, reads: Sequence[BoundRead]) -> list[Any]:
        """Like read_many, but a failed read gives its CallReverted in place of a value."""
        outcomes = await self.multicall([r.as_call() for r in reads])
        return _decoded_or_reverted(reads, outcomes)

    async def get_balance(self, address: str) -> int:
        return await self.client.get_balance(address, self.block_number)


_ALREADY_SENT = re.compile(
    r"already known|known transaction|already imported|nonce too low|"
    r"transaction already exists",
    re.IGNORECASE,
)


_GET_BLOCK_NUMBER = bytes.fromhex("42cbb15c")  # Multicall3.getBlockNumber()
_GET_BLOCK_TIMESTAMP = bytes.fromhex("0f28c97d")  # Multicall3.getCurrentBlockTimestamp()


def _decoded_or_reverted(reads: Sequence[BoundRead], outcomes: Sequence[CallOutcome]) -> list[Any]:
    values: list[Any] = []
    for read, outcome in zip(reads, outcomes, strict=True):
        try:
            values.append(read.decode(outcome))
        except CallReverted as reverted:
            values.append(reverted)
    return values


def _override_rpc(override: StateOverride) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for address, fields in override.items():
        encoded: dict[str, Any] = {}
        for key, value in fields.items():
            if isinstance(value, int):
                encoded[key] = hex(value)
            elif isinstance(value, bytes):
                encoded[key] = "0x" + value.hex()
            else:
                encoded[key] = value
        out[checksum_address(address, "override address")] = encoded
    return out






def _header(raw: dict[str, Any]) -> BlockHeader:
    base_fee = raw.get("baseFeePerGas")
    return BlockHeader(
        number=hex_quantity(raw.get("number")),
        hash=str(raw.get("hash")),
        timestamp=hex_quantity(raw.get("timestamp")),
        base_fee_per_gas=hex_quantity(base_fee) if base_fee is not None else None,
        gas_limit=hex_quantity(raw.get("gasLimit")),
    )
