"""Fast synchronous access to the devnet's anvil for the world builder.

The builder sends thousands of transactions, so it avoids web3's per-call machinery: one
keep-alive HTTP connection, JSON-RPC batches, transactions sent from anvil's unlocked
mnemonic accounts with explicit nonces and gas (no signing in Python, no gas estimation),
and receipts fetched in one batch per step. Any reverted transaction stops the build with
its label and decoded revert reason, so a broken scenario never passes silently.

`ContractCodec` encodes calls and decodes results from a bundled artifact's ABI.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_utils import collapse_if_tuple, get_abi_output_types, keccak
from web3.providers.base import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from numerbay_desktop.core.errors import ConfigurationError, NumerbayError
from numerbay_desktop.resource_paths import contract_artifact

DEFAULT_GAS = 4_000_000
_ERROR_SELECTOR = "0x08c379a0"  # Error(string)


class DevnetBuildError(NumerbayError):
    """A step of the devnet world failed (a transaction reverted, the node refused a call)."""


@dataclass(frozen=True)
class Tx:
    """One transaction from an unlocked devnet account; `label` names it in errors."""

    sender: str
    to: str | None
    data: str
    label: str
    value: int = 0
    gas: int = DEFAULT_GAS


def load_artifact(name: str) -> dict[str, Any]:
    path = contract_artifact(name)
    try:
        artifact: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigurationError(
            f"The contract artifact {path.name} is missing: run `make contracts`."
        ) from error
    return artifact


class ContractCodec:
    """Calldata and return values of one contract ABI (no address, no connection).

    Encoding goes straight to eth_abi with precomputed selectors (web3's `encode_abi`
    re-validates the whole ABI on every call, far too slow for thousands of transactions).
    Vyper emits one ABI entry per arity for default arguments: the arity picks the entry.
    """

    def __init__(self, abi: list[dict[str, Any]]) -> None:
        self.abi = abi
        self._inputs: dict[tuple[str, int], tuple[bytes, list[str]]] = {}
        self._outputs: dict[str, list[str]] = {}
        for entry in abi:
            if entry.get("type") != "function":
                continue
            types = [collapse_if_tuple(dict(item)) for item in entry["inputs"]]
            selector = keccak(text=f"{entry['name']}({','.join(types)})")[:4]
            self._inputs[(entry["name"], len(types))] = (selector, types)
            self._outputs.setdefault(
                entry["name"], get_abi_output_types(entry)  # type: ignore[arg-type]
            )

    @classmethod
    def of(cls, *artifact_names: str) -> ContractCodec:
        """The merged ABI of several artifacts (e.g. a vault with its admin extension)."""
        merged: dict[str, dict[str, Any]] = {}
        for name in artifact_names:
            for entry in load_artifact(name)["abi"]:
                if entry.get("type") in ("function", "event"):
                    merged.setdefault(json.dumps(entry, sort_keys=True), entry)
        return cls(list(merged.values()))

    def encode(self, function: str, *args: Any) -> str:
        try:
            selector, types = self._inputs[(function, len(args))]
        except KeyError:
            raise DevnetBuildError(f"No function {function} with {len(args)} arguments.") from None
        return "0x" + (selector + abi_encode(types, list(args))).hex()

    def decode(self, function: str, data: bytes) -> tuple[Any, ...]:
        return tuple(abi_decode(self._outputs[function], data))

    def decode_one(self, function: str, data: bytes) -> Any:
        return self.decode(function, data)[0]


class NodeRpc:
    """One keep-alive JSON-RPC connection to anvil; thread-safe by a lock."""

    def __init__(self, rpc_url: str, timeout_s: float = 120.0) -> None:
        parsed = urlparse(rpc_url)
        self.rpc_url = rpc_url
        self._host = parsed.hostname or "127.0.0.1"
        self._port = parsed.port or 8545
        self._timeout_s = timeout_s
        self._connection: http.client.HTTPConnection | None = None
        self._lock = threading.RLock()
        self._nonces: dict[str, int] = {}
        # Mine each `send` as one block (anvil then needs a block gas limit that fits it).
        self.one_block_per_send = False

    # ---------------------------------------------------------------- raw JSON-RPC
    def _post(self, payload: object) -> Any:
        return json.loads(self.post_raw(json.dumps(payload).encode()))

    def post_raw(self, body: bytes) -> bytes:
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = http.client.HTTPConnection(
                    self._host, self._port, timeout=self._timeout_s
                )
            try:
                self._connection.request(
                    "POST", "/", body, {"Content-Type": "application/json"}
                )
                return self._connection.getresponse().read()
            except (OSError, http.client.HTTPException):
                self._connection.close()
                self._connection = None
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def call(self, method: str, params: Sequence[Any] = ()) -> Any:
        with self._lock:
            reply = self._post({"jsonrpc": "2.0", "id": 1, "method": method, "params": params})
        if "error" in reply:
            raise DevnetBuildError(f"anvil refused {method}: {reply['error'].get('message')}")
        return reply["result"]

    def batch(self, calls: Sequence[tuple[str, Sequence[Any]]]) -> list[Any]:
        """Results in call order; an error in any call raises (with its method and message)."""
        if not calls:
            return []
        payload = [
            {"jsonrpc": "2.0", "id": i, "method": method, "params": list(params)}
            for i, (method, params) in enumerate(calls)
        ]
        with self._lock:
            replies = self._post(payload)
        by_id = {reply["id"]: reply for reply in replies}
        results = []
        for i, (method, _) in enumerate(calls):
            reply = by_id[i]
            if "error" in reply:
                message = reply["error"].get("message")
                raise DevnetBuildError(f"anvil refused {method}: {message}")
            results.append(reply["result"])
        return results

    # ---------------------------------------------------------------- reads
    def eth_calls(self, calls: Sequence[tuple[str, str]], block: str = "latest") -> list[bytes]:
        results = self.batch(
            [("eth_call", [{"to": to, "data": data}, block]) for to, data in calls]
        )
        return [bytes.fromhex(result[2:]) for result in results]

    def eth_call(self, to: str, data: str) -> bytes:
        return self.eth_calls([(to, data)])[0]

    def block_timestamp(self, block: str = "latest") -> int:
        return int(self.call("eth_getBlockByNumber", [block, False])["timestamp"], 16)

    # ---------------------------------------------------------------- clock
    def set_time(self, timestamp: int) -> None:
        """Move the clock to `timestamp` and mine a block there (chain time is the clock).

        `anvil_setTime` moves anvil's own clock (which otherwise follows the wall clock, even
        backwards after a state load), then the block is mined at that time.
        """
        self.call("anvil_setTime", [timestamp])
        self.call("evm_mine")

    # ---------------------------------------------------------------- transactions
    def forget_nonces(self) -> None:
        """After an evm_revert or a load, nonces must be read from the node again."""
        with self._lock:
            self._nonces.clear()

    def _next_nonces(self, senders: Iterable[str]) -> None:
        missing = sorted({s for s in senders if s not in self._nonces})
        counts = self.batch(
            [("eth_getTransactionCount", [sender, "pending"]) for sender in missing]
        )
        for sender, count in zip(missing, counts, strict=True):
            self._nonces[sender] = int(count, 16)

    def send(self, txs: Sequence[Tx]) -> list[dict[str, Any]]:
        """Send all, then wait for every receipt; a revert raises with the tx's label."""
        if not txs:
            return []
        with self._lock:
            self._next_nonces(tx.sender for tx in txs)
            calls: dict[int, tuple[str, list[Any]]] = {}
            for i, tx in enumerate(txs):
                fields: dict[str, Any] = {
                    "from": tx.sender, "data": tx.data, "gas": hex(tx.gas),
                    "nonce": hex(self._nonces[tx.sender]), "value": hex(tx.value),
                }
                if tx.to is not None:
                    fields["to"] = tx.to
                self._nonces[tx.sender] += 1
                calls[i] = ("eth_sendTransaction", [fields])
            hashes: dict[int, str] = {}
            if self.one_block_per_send:
                self.call("evm_setAutomine", [False])
            try:
                # anvil may take a batch's calls in any order: a sender's later nonce
                # arriving first can stall its pool, so each batch holds at most one
                # transaction per sender, and the next batch goes once this one is in.
                for wave in _waves(txs):
                    for i, tx_hash in zip(wave, self.batch([calls[i] for i in wave]),
                                          strict=True):
                        hashes[i] = tx_hash
            except DevnetBuildError:
                self._nonces.clear()
                raise
            finally:
                if self.one_block_per_send:
                    self.call("evm_mine")
                    self.call("evm_setAutomine", [True])
            receipts = self._receipts([hashes[i] for i in range(len(txs))])
        for tx, receipt in zip(txs, receipts, strict=True):
            if int(receipt["status"], 16) != 1:
                self.forget_nonces()
                raise DevnetBuildError(f"{tx.label} reverted: {self._revert_reason(tx, receipt)}")
        return receipts

    def _receipts(self, hashes: Sequence[str]) -> list[dict[str, Any]]:
        deadline = time.monotonic() + self._timeout_s
        found: dict[str, dict[str, Any]] = {}
        while True:
            waiting = [h for h in hashes if h not in found]
            if not waiting:
                return [found[h] for h in hashes]
            for tx_hash, receipt in zip(
                waiting,
                self.batch([("eth_getTransactionReceipt", [h]) for h in waiting]),
                strict=True,
            ):
                if receipt is not None:
                    found[tx_hash] = receipt
            if len(found) < len(hashes):
                if time.monotonic() > deadline:
                    raise DevnetBuildError("anvil did not mine the devnet's transactions.")
                time.sleep(0.005)

    def _revert_reason(self, tx: Tx, receipt: dict[str, Any]) -> str:
        """Replay the call on the state before its block to read the reason."""
        parent = hex(int(receipt["blockNumber"], 16) - 1)
        fields = {"from": tx.sender, "to": tx.to, "data": tx.data, "gas": hex(tx.gas)}
        with self._lock:
            reply = self._post(
                {"jsonrpc": "2.0", "id": 1, "method": "eth_call", "params": [fields, parent]}
            )
        error = reply.get("error") or {}
        data = error.get("data")
        if isinstance(data, str) and data.startswith(_ERROR_SELECTOR):
            with contextlib.suppress(Exception):  # a malformed reason: the message below
                return str(abi_decode(["string"], bytes.fromhex(data[10:]))[0])
        return str(error.get("message") or "no reason (out of gas?)")


class NodeProvider(JSONBaseProvider):
    """A web3 provider over a `NodeRpc` connection (keep-alive, chain id asked once).

    The staking desk talks web3; giving it this provider instead of `HTTPProvider` cuts each
    of its calls from a new `requests` round trip to one write on an open socket.
    """

    def __init__(self, rpc: NodeRpc) -> None:
        super().__init__()
        self.rpc = rpc
        self._chain_id: RPCResponse | None = None

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        if method == "eth_chainId" and self._chain_id is not None:
            return self._chain_id
        with self.rpc._lock:
            raw = self.rpc.post_raw(self.encode_rpc_request(method, params))
        response = self.decode_rpc_response(raw)
        if method == "eth_chainId" and "result" in response:
            self._chain_id = response
        return response

    def is_connected(self, show_traceback: bool = False) -> bool:
        return True


def _waves(txs: Sequence[Tx]) -> list[list[int]]:
    """Indices of `txs` in batches with at most one per sender, keeping each sender's order."""
    waves: list[list[int]] = []
    depth: dict[str, int] = {}
    for i, tx in enumerate(txs):
        level = depth.get(tx.sender, 0)
        depth[tx.sender] = level + 1
        if level == len(waves):
            waves.append([])
        waves[level].append(i)
    return waves
