"""Reads and log queries of one screen in ONE JSON-RPC batch, pinned to one block.

The chain client batches reads (Multicall3 chunks) and log spans separately; a marketplace
refresh needs both at the same step (the vault list and the settlement events), so this
adapter packs aggregate3 chunks and `eth_getLogs` spans into the same batch with the chain
layer's own encoders. A chunk or span the node refuses is retried through the client's
ordinary paths (which split it), so a refusal costs requests, never correctness.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_utils.address import to_checksum_address

from numerbay_desktop.chain.batch import (
    Call,
    CallOutcome,
    decode_aggregate3,
    encode_aggregate3,
    plan_chunks,
)
from numerbay_desktop.chain.client import ChainClient
from numerbay_desktop.chain.errors import BadResponse
from numerbay_desktop.chain.events import Log, parse_log
from numerbay_desktop.chain.rpc import RpcResult

GET_BLOCK_TIMESTAMP = bytes.fromhex("0f28c97d")  # Multicall3.getCurrentBlockTimestamp()


@dataclass(frozen=True)
class LogQuery:
    """`eth_getLogs` between two blocks (inclusive). `addresses` None: any contract (the
    caller filters by address afterwards: one query covers vaults not yet known)."""

    topics: tuple[str | tuple[str, ...] | None, ...]
    from_block: int
    to_block: int
    addresses: tuple[str, ...] | None = None
    max_span: int = 10_000

    def spans(self) -> list[tuple[int, int]]:
        if self.to_block < self.from_block:
            return []
        return [
            (start, min(start + self.max_span - 1, self.to_block))
            for start in range(self.from_block, self.to_block + 1, self.max_span)
        ]

    def params(self, start: int, end: int) -> list[dict[str, Any]]:
        query: dict[str, Any] = {
            "fromBlock": hex(start),
            "toBlock": hex(end),
            "topics": [t if t is None or isinstance(t, str) else list(t) for t in self.topics],
        }
        if self.addresses is not None:
            query["address"] = [str(to_checksum_address(a)) for a in self.addresses]
        return [query]


def block_timestamp_call(client: ChainClient) -> Call | None:
    """Multicall3's own view of the block time (rides in the batch; no header request)."""
    multicall3 = client.network.multicall3
    return Call(multicall3, GET_BLOCK_TIMESTAMP, allow_failure=False) if multicall3 else None


async def read_together(
    client: ChainClient,
    block: int,
    calls: Sequence[Call],
    queries: Sequence[LogQuery] = (),
) -> tuple[list[CallOutcome], list[list[Log]]]:
    """Every call's outcome (in order) and every query's logs (oldest first), at `block`,
    in one JSON-RPC batch when the network has Multicall3."""
    multicall3 = client.network.multicall3
    if multicall3 is None:  # plain eth_calls in a batch, logs in another
        plain = await client.multicall(calls, block)
        return plain, [await _logs_alone(client, q) for q in queries]
    chunks, requests = await asyncio.to_thread(
        _call_requests, calls, multicall3, block, client.call_gas_cap
    )
    spans = [(i, span) for i, q in enumerate(queries) for span in q.spans()]
    requests += [("eth_getLogs", queries[i].params(*span)) for i, span in spans]
    answers = await client.batch(requests) if requests else []

    # Decoding thousands of results is CPU work: a worker thread keeps the UI's loop free.
    decoded, parsed = await asyncio.to_thread(
        _decode_answers, chunks, answers[: len(chunks)], answers[len(chunks) :]
    )
    outcomes: list[CallOutcome] = []
    for chunk, rows in zip(chunks, decoded, strict=True):
        if rows is None:  # refused or unreadable: the client's path splits and retries
            rows = await client.multicall(chunk, block)
        outcomes.extend(rows)

    found: list[list[Log]] = [[] for _ in queries]
    for (i, (start, end)), logs in zip(spans, parsed, strict=True):
        if logs is not None:
            found[i].extend(logs)
        else:  # e.g. "too many results": asked again in halves
            found[i].extend(await _logs_alone(client, _narrowed(queries[i], start, end)))
    for entries in found:
        entries.sort(key=lambda entry: (entry.block_number, entry.log_index))
    return outcomes, found


def _call_requests(
    calls: Sequence[Call], multicall3: str, block: int, gas_cap: int
) -> tuple[list[list[Call]], list[tuple[str, Sequence[Any]]]]:
    """aggregate3 chunks and their eth_call requests (CPU work for thousands of calls)."""
    chunks = plan_chunks(calls, gas_cap=gas_cap) if calls else []
    requests: list[tuple[str, Sequence[Any]]] = [
        (
            "eth_call",
            [
                {"to": multicall3, "data": "0x" + encode_aggregate3(chunk).hex(),
                 "gas": hex(gas_cap)},
                hex(block),
            ],
        )
        for chunk in chunks
    ]
    return chunks, requests


def _decode_answers(
    chunks: Sequence[Sequence[Call]],
    call_answers: Sequence[RpcResult],
    log_answers: Sequence[RpcResult],
) -> tuple[list[list[CallOutcome] | None], list[list[Log] | None]]:
    decoded: list[list[CallOutcome] | None] = []
    for chunk, answer in zip(chunks, call_answers, strict=True):
        rows: list[CallOutcome] | None = None
        if answer.error is None and isinstance(answer.value, str):
            try:
                rows = decode_aggregate3(bytes.fromhex(answer.value[2:]))
            except (BadResponse, ValueError):
                rows = None
        decoded.append(rows if rows is not None and len(rows) == len(chunk) else None)
    parsed: list[list[Log] | None] = []
    for answer in log_answers:
        ok = answer.error is None and isinstance(answer.value, list)
        parsed.append([parse_log(raw) for raw in answer.value] if ok else None)
    return decoded, parsed


def _narrowed(query: LogQuery, start: int, end: int) -> LogQuery:
    return LogQuery(query.topics, start, end, query.addresses, max(1, (end - start + 1) // 2))


async def _logs_alone(client: ChainClient, query: LogQuery) -> list[Log]:
    if query.addresses is not None:
        return await client.get_logs(
            query.addresses, from_block=query.from_block, to_block=query.to_block,
            topics=query.topics, max_span=query.max_span,
        )
    found: list[Log] = []
    pending = query.spans()
    while pending:
        answers = await client.batch(
            [("eth_getLogs", query.params(a, b)) for a, b in pending]
        )
        retry: list[tuple[int, int]] = []
        for (a, b), answer in zip(pending, answers, strict=True):
            if answer.error is None and isinstance(answer.value, list):
                found.extend(parse_log(raw) for raw in answer.value)
            elif a == b:
                raise answer.error or BadResponse("The node gave an unusable list of logs.")
            else:
                middle = (a + b) // 2
                retry += [(a, middle), (middle + 1, b)]
        pending = retry
    return sorted(found, key=lambda log: (log.block_number, log.log_index))
