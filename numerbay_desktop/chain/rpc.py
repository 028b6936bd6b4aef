"""JSON-RPC over HTTP with aiohttp: timeouts, retries, failover, chain-id gating, batching.

Why plain aiohttp and not web3's AsyncHTTPProvider: the app needs, on every request, (1) a
chain-id check of each endpoint *before* anything else is sent to it, (2) retries that honour
`Retry-After`, (3) failover across an ordered list of URLs, (4) JSON-RPC batches whose entries
fail one by one (a reverted call in a batch must not fail its neighbours) and (5) an exact
count of HTTP requests. web3 8 gives each of these only partly (its retry middleware ignores
`Retry-After`, a provider has one URL, a batch raises on the first error), and the app's
reads are a handful of methods whose encoding eth_abi already does. So this module speaks
JSON-RPC itself; `ChainClient` (client.py) builds the Ethereum methods on top.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp

from numerbay_desktop.chain.errors import (
    BadResponse,
    BlockNotAvailable,
    ChainError,
    RateLimited,
    RpcRejected,
    RpcTimeout,
    RpcUnavailable,
    WrongChain,
    endpoint_label,
)

MAX_TIMEOUT_S = 30.0
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to try: `rounds` passes over all endpoints, backing off between passes."""

    rounds: int = 4
    base_delay_s: float = 0.2
    max_delay_s: float = 5.0
    max_retry_after_s: float = 20.0  # a longer Retry-After ends the attempt with RateLimited

    def delay(self, round_index: int, rng: random.Random, retry_after_s: float | None) -> float:
        """Capped exponential backoff with jitter, at least what the server asked for."""
        backoff = min(self.max_delay_s, self.base_delay_s * float(1 << round_index))
        delay = backoff * (0.5 + rng.random() / 2)
        if retry_after_s is not None:
            delay = max(delay, retry_after_s)
        return delay


@dataclass(slots=True)
class RpcStats:
    """What went over the wire; tests and benchmarks read it."""

    http_requests: int = 0
    rpc_calls: int = 0
    retries: int = 0
    failovers: int = 0


@dataclass(frozen=True, slots=True)
class RpcResult:
    """One answer of a batch: `error` is set when the node refused this entry alone."""

    value: Any = None
    error: RpcRejected | None = None

    def unwrap(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.value


@dataclass(slots=True)
class _Endpoint:
    url: str
    verified: bool = False
    refused: ChainError | None = None  # wrong chain: never used again by this transport


class _Transient(Exception):
    """An attempt failed in a way that another try or another endpoint may fix."""

    def __init__(self, error: ChainError, retry_after_s: float | None = None) -> None:
        super().__init__(str(error))
        self.error = error
        self.retry_after_s = retry_after_s


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    try:
        seconds = float(text)
        return max(0.0, seconds)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class JsonRpcTransport:
    """Sends JSON-RPC requests to the first healthy endpoint serving `chain_id`."""

    def __init__(
        self,
        urls: Sequence[str],
        chain_id: int,
        *,
        timeout_s: float = 10.0,
        total_timeout_s: float = MAX_TIMEOUT_S,
        retry: RetryPolicy | None = None,
        max_batch_size: int = 100,
        rng: random.Random | None = None,
    ) -> None:
        if not urls:
            raise RpcUnavailable("No RPC URL is configured for this network.")
        self._endpoints = [_Endpoint(url) for url in urls]
        self._preferred = 0
        self.chain_id = chain_id
        self.timeout_s = min(timeout_s, MAX_TIMEOUT_S)
        self.total_timeout_s = min(total_timeout_s, MAX_TIMEOUT_S)
        self.retry = retry or RetryPolicy()
        self.max_batch_size = max_batch_size
        self.stats = RpcStats()
        self._rng = rng or random.Random()
        self._ids = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None
        self._verifying = asyncio.Lock()

    @property
    def current_url(self) -> str:
        return self._endpoints[self._preferred].url

    def skip_current(self) -> bool:
        """Prefer the next usable endpoint (the current one is out of sync); False if none."""
        usable = [i for i, e in enumerate(self._endpoints) if e.refused is None]
        later = [i for i in usable if i > self._preferred]
        if not later:
            return False
        self._preferred = later[0]
        self.stats.failovers += 1
        return True

    def problems(self) -> dict[str, ChainError]:
        """Endpoints refused for good (wrong chain), by URL."""
        return {e.url: e.refused for e in self._endpoints if e.refused is not None}

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=8),
                headers={"Content-Type": "application/json"},
            )
        return self._session

    # ------------------------------------------------------------------ public calls

    async def connect(self) -> int:
        """Check (again) that a node answers and serves `chain_id`; WrongChain if none does."""
        await self._run([], recheck_chain=True)
        return self.chain_id

    async def call(self, method: str, params: Sequence[Any], *, recheck_chain: bool = False) -> Any:
        """One request; raises RpcRejected when the node answers with an error."""
        results = await self._run([(method, params)], recheck_chain=recheck_chain)
        return results[0].unwrap()

    async def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[RpcResult]:
        """Many requests in as few HTTP requests as the batch size allows (one if it fits,
        else several sent at once); each entry succeeds or fails on its own."""
        if len(calls) <= self.max_batch_size:
            return await self._run(calls) if calls else []
        parts = await asyncio.gather(
            *(
                self._run(calls[start : start + self.max_batch_size])
                for start in range(0, len(calls), self.max_batch_size)
            ),
            return_exceptions=True,  # wait for all: no request is left running unobserved
        )
        out: list[RpcResult] = []
        for part in parts:
            if isinstance(part, BaseException):
                raise part
            out.extend(part)
        return out

    # ------------------------------------------------------------------ machinery

    async def _run(
        self, calls: Sequence[tuple[str, Sequence[Any]]], *, recheck_chain: bool = False
    ) -> list[RpcResult]:
        try:
            async with asyncio.timeout(self.total_timeout_s):
                return await self._with_retries(calls, recheck_chain)
        except TimeoutError:
            raise RpcTimeout(
                f"No node answered within {self.total_timeout_s:g} seconds "
                f"(last tried {endpoint_label(self.current_url)}). Check the connection or "
                "the RPC URLs in the network settings."
            ) from None

    async def _with_retries(
        self, calls: Sequence[tuple[str, Sequence[Any]]], recheck_chain: bool
    ) -> list[RpcResult]:
        last: _Transient | None = None
        for round_index in range(self.retry.rounds):
            order = self._endpoint_order()
            if not order:
                break
            for position, endpoint in enumerate(order):
                if position > 0:
                    self.stats.failovers += 1
                try:
                    if recheck_chain:
                        await self._verify_chain(endpoint)
                    elif not endpoint.verified:
                        async with self._verifying:  # concurrent sub-batches check once
                            if not endpoint.verified:
                                await self._verify_chain(endpoint)
                    if endpoint.refused is not None:
                        continue
                    results = await self._post_calls(endpoint.url, calls) if calls else []
                except WrongChain as refused:
                    endpoint.refused = refused
                    continue
                except _Transient as transient:
                    last = transient
                    continue
                self._preferred = self._endpoints.index(endpoint)
                return results
            if round_index + 1 < self.retry.rounds and self._endpoint_order():
                retry_after = last.retry_after_s if last else None
                if retry_after is not None and retry_after > self.retry.max_retry_after_s:
                    break
                self.stats.retries += 1
                await asyncio.sleep(self.retry.delay(round_index, self._rng, retry_after))
        refusals = [e.refused for e in self._endpoints if e.refused is not None]
        if last is None and refusals:
            raise refusals[0]
        if last is not None:
            raise last.error
        raise RpcUnavailable("No RPC endpoint is usable for this network.")

    def _endpoint_order(self) -> list[_Endpoint]:
        rotated = self._endpoints[self._preferred :] + self._endpoints[: self._preferred]
        return [e for e in rotated if e.refused is None]

    async def _verify_chain(self, endpoint: _Endpoint) -> None:
        result = (await self._post_calls(endpoint.url, [("eth_chainId", [])]))[0]
        if result.error is not None:
            raise _Transient(result.error)
        try:
            actual = _parse_quantity(result.value, "eth_chainId")
        except BadResponse as bad:
            raise _Transient(bad) from None
        if actual != self.chain_id:
            raise WrongChain(endpoint.url, self.chain_id, actual)
        endpoint.verified = True

    async def _post_calls(
        self, url: str, calls: Sequence[tuple[str, Sequence[Any]]]
    ) -> list[RpcResult]:
        ids = [next(self._ids) for _ in calls]
        entries = [
            {"jsonrpc": "2.0", "id": i, "method": m, "params": list(p)}
            for i, (m, p) in zip(ids, calls, strict=True)
        ]
        payload: Any = entries[0] if len(entries) == 1 else entries
        body = await self._post(url, payload)
        if isinstance(body, dict) and len(entries) > 1:
            # A node without batch support answers a batch with one error object.
            error = _rejection("batch", body.get("error"))
            raise _Transient(error or BadResponse(_bad(url, "a batch answered with one object")))
        answers = [body] if isinstance(body, dict) else body
        if not isinstance(answers, list):
            raise _Transient(BadResponse(_bad(url, "the answer is not a JSON-RPC object")))
        by_id: dict[Any, Any] = {a.get("id"): a for a in answers if isinstance(a, dict)}
        results = []
        for request_id, (method, _) in zip(ids, calls, strict=True):
            answer = by_id.get(request_id)
            if answer is None:
                raise _Transient(BadResponse(_bad(url, f"no answer for {method}")))
            if "error" in answer and answer["error"] is not None:
                rejection = _rejection(method, answer["error"])
                if rejection is None:
                    raise _Transient(BadResponse(_bad(url, f"a malformed error for {method}")))
                if _is_rate_limit_code(rejection.code):
                    raise _Transient(RateLimited(_slow_down(url)))
                if _MISSING_BLOCK.search(rejection.node_message):
                    # A lagging or pruned node: another endpoint (or a moment later) may have it.
                    raise _Transient(
                        BlockNotAvailable(
                            f"The node at {endpoint_label(url)} does not have the block asked "
                            "for (not synced that far, or pruned). Refresh to read a newer block."
                        )
                    )
                results.append(RpcResult(error=rejection))
            elif "result" in answer:
                results.append(RpcResult(value=answer["result"]))
            else:
                raise _Transient(BadResponse(_bad(url, f"neither result nor error for {method}")))
        self.stats.rpc_calls += len(calls)
        return results

    async def _post(self, url: str, payload: Any) -> Any:
        self.stats.http_requests += 1
        timeout = aiohttp.ClientTimeout(total=self.timeout_s)
        label = endpoint_label(url)
        try:
            async with self._http().post(
                url, data=json.dumps(payload), timeout=timeout, allow_redirects=False
            ) as response:
                if response.status in (429, 503):
                    wait = parse_retry_after(response.headers.get("Retry-After"))
                    raise _Transient(RateLimited(_slow_down(url), wait), wait)
                if response.status >= 500:
                    raise _Transient(
                        RpcUnavailable(f"The node at {label} failed (HTTP {response.status}).")
                    )
                if response.status in (401, 403):
                    raise _Transient(
                        RpcUnavailable(
                            f"The node at {label} refused access (HTTP {response.status}); "
                            "check the API key in its RPC URL."
                        )
                    )
                raw = await _read_capped(response)
        except TimeoutError:
            raise _Transient(
                RpcTimeout(f"The node at {label} did not answer within {self.timeout_s:g} s.")
            ) from None
        except aiohttp.ClientError:
            raise _Transient(RpcUnavailable(f"Could not reach the node at {label}.")) from None
        if len(raw) > MAX_RESPONSE_BYTES:
            raise _Transient(BadResponse(_bad(url, "the answer is too large")))
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise _Transient(BadResponse(_bad(url, "the answer is not JSON"))) from None


async def _read_capped(response: aiohttp.ClientResponse) -> bytes:
    """The whole body, but no more than MAX_RESPONSE_BYTES + 1 (a hostile node can't fill
    memory)."""
    parts: list[bytes] = []
    size = 0
    async for part in response.content.iter_chunked(1 << 16):
        parts.append(part)
        size += len(part)
        if size > MAX_RESPONSE_BYTES:
            break
    return b"".join(parts)


def _bad(url: str, what: str) -> str:
    return f"The node at {endpoint_label(url)} gave an unusable answer: {what}."


def _slow_down(url: str) -> str:
    return (
        f"The node at {endpoint_label(url)} asks to slow down (rate limit). Wait a moment, "
        "or add another RPC URL in the network settings."
    )


# geth "header not found", erigon/nethermind "unknown block", anvil "BlockOutOfRangeError",
# and "missing trie node" for state a non-archive node pruned.
_MISSING_BLOCK = re.compile(
    r"header not found|unknown block|block not found|BlockOutOfRange|missing trie node",
    re.IGNORECASE,
)


def _is_rate_limit_code(code: int) -> bool:
    # -32005: "limit exceeded" (Infura and others); 429 used by some gateways in the body.
    return code in (-32005, 429)


def _rejection(method: str, error: Any) -> RpcRejected | None:
    if not isinstance(error, dict) or not isinstance(error.get("code"), int):
        return None
    return RpcRejected(method, error["code"], str(error.get("message", "")), error.get("data"))


def _parse_quantity(value: Any, what: str) -> int:
    if isinstance(value, str) and value.startswith("0x"):
        try:
            return int(value, 16)
        except ValueError:
            pass
    raise BadResponse(f"The node gave an unusable answer: {what} is not a hex number.")
