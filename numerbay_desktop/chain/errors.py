"""Errors of the chain layer: each says what went wrong with the node or the call, in words a
user can act on. Messages name the endpoint by host only (an RPC URL can carry an API key in
its path or query) and never carry a raw library error."""

from __future__ import annotations

from urllib.parse import urlsplit

from numerbay_desktop.core.errors import NumerbayError


def endpoint_label(url: str) -> str:
    """The host (and port) of an RPC URL, safe to show: paths and queries may hold API keys."""
    parts = urlsplit(url)
    host = parts.hostname or "the node"
    return f"{host}:{parts.port}" if parts.port else host


class ChainError(NumerbayError):
    """Root of the chain layer's errors."""


class RpcUnavailable(ChainError):
    """No configured node answered usefully (refused, reset, 5xx, or every URL failed)."""


class RpcTimeout(RpcUnavailable):
    """A node did not answer within the time limit."""


class RateLimited(RpcUnavailable):
    """The node keeps answering 429/503 "slow down" beyond the retry budget."""

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class StaleHead(RpcUnavailable):
    """The node's latest block is too old or behind a block already seen: it is not in sync."""


class BlockNotAvailable(RpcUnavailable):
    """The node lacks the block asked for: not synced that far yet, or pruned it already."""


class BadResponse(ChainError):
    """The node answered something that is not valid JSON-RPC or not the expected shape."""


class WrongChain(ChainError):
    """The node serves another chain than the network chosen; nothing is sent to it."""

    def __init__(self, url: str, expected: int, actual: int) -> None:
        super().__init__(
            f"The node at {endpoint_label(url)} serves chain {actual}, not chain {expected}; "
            "nothing was sent to it. Check the RPC URL in the network settings."
        )
        self.expected = expected
        self.actual = actual


class RpcRejected(ChainError):
    """The node answered the request with a JSON-RPC error (for example "nonce too low")."""

    def __init__(self, method: str, code: int, node_message: str, data: object = None) -> None:
        clean = node_message.strip()[:200] or "no reason given"
        super().__init__(f"The node refused {method}: {clean} (code {code}).")
        self.method = method
        self.code = code
        self.node_message = clean
        self.data = data  # the error's `data` member: revert data for eth_call/estimateGas


class CallReverted(ChainError):
    """A contract call reverted; `reason` is the decoded revert reason when there is one."""

    def __init__(self, reason: str | None, data: bytes = b"", target: str | None = None) -> None:
        where = f" ({target})" if target else ""
        if reason:
            text = f"The contract call{where} was refused: {reason}."
        else:
            text = f"The contract call{where} was refused without a reason."
        super().__init__(text)
        self.reason = reason
        self.data = data
        self.target = target


class AbiMismatch(ChainError):
    """A call or its result does not fit the contract's ABI (wrong arguments, unknown function)."""
