"""Keeps the status bar current: chain id and latest block, and whether the Numerai API answers.

One small JSON-RPC batch (`eth_chainId`, `eth_blockNumber`) every few seconds and one tiny
GraphQL query a minute, on the qasync loop with aiohttp (imported in a worker thread the first
time, so the window never waits for it). Failures show in the status bar, never as dialogs.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
from collections.abc import Callable
from types import ModuleType
from typing import Any

from numerbay_desktop.ui.status_bar import ConnectionStatusBar
from numerbay_desktop.ui.tasks import keep

log = logging.getLogger(__name__)

BLOCK_INTERVAL_S = 4.0
NUMERAI_INTERVAL_S = 60.0
REQUEST_TIMEOUT_S = 5.0


async def load_aiohttp() -> ModuleType:
    return await asyncio.to_thread(importlib.import_module, "aiohttp")


async def fetch_chain_head(session: Any, rpc_url: str) -> tuple[int, int]:
    """(chain id, latest block number) from one JSON-RPC batch request."""
    batch = [
        {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
        {"jsonrpc": "2.0", "id": 2, "method": "eth_blockNumber", "params": []},
    ]
    async with session.post(rpc_url, json=batch) as response:
        response.raise_for_status()
        replies = await response.json(content_type=None)
    by_id = {reply.get("id"): reply for reply in replies if isinstance(reply, dict)}
    try:
        return int(by_id[1]["result"], 16), int(by_id[2]["result"], 16)
    except (KeyError, TypeError, ValueError):
        raise ValueError("the node's answer had no chain id or block number") from None


async def numerai_answers(session: Any, api_url: str) -> bool:
    """True when the Numerai GraphQL endpoint answers a trivial query."""
    async with session.post(api_url, json={"query": "{ __typename }"}) as response:
        if response.status >= 500:
            return False
        body = await response.json(content_type=None)
    return isinstance(body, dict) and "data" in body


class StatusPoller:
    """Polls in the background until `stop()`; one instance per connection."""

    def __init__(
        self,
        status: ConnectionStatusBar,
        rpc_url: str | None,
        numerai_url: str | None,
        block_interval: float = BLOCK_INTERVAL_S,
        numerai_interval: float = NUMERAI_INTERVAL_S,
        on_chain_id: Callable[[int], None] | None = None,
    ) -> None:
        self.status = status
        self.rpc_url = rpc_url
        self.numerai_url = numerai_url
        self.block_interval = block_interval
        self.numerai_interval = numerai_interval
        self.on_chain_id = on_chain_id  # called when the node first reports (or changes) its id
        self.chain_id: int | None = None
        self.block: int | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._session: Any = None

    def start(self) -> None:
        self._tasks.append(keep(asyncio.get_running_loop().create_task(self._run())))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _run(self) -> None:
        aiohttp = await load_aiohttp()
        timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
        self._session = aiohttp.ClientSession(timeout=timeout)
        loops = []
        if self.rpc_url:
            loops.append(self._poll_chain(self.rpc_url))
        if self.numerai_url:
            loops.append(self._poll_numerai(self.numerai_url))
        await asyncio.gather(*loops)

    async def _poll_chain(self, rpc_url: str) -> None:
        while True:
            try:
                chain_id, block = await fetch_chain_head(self._session, rpc_url)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                self.block = None
                problem = f"The node did not answer ({type(error).__name__})."
                self.status.show_block(None, problem=problem)
            else:
                if chain_id != self.chain_id:
                    self.chain_id = chain_id
                    self.status.show_chain_id(chain_id)
                    if self.on_chain_id is not None:
                        self.on_chain_id(chain_id)
                self.block = block
                self.status.show_block(block)
            await asyncio.sleep(self.block_interval)

    async def _poll_numerai(self, api_url: str) -> None:
        while True:
            try:
                ok = await numerai_answers(self._session, api_url)
            except asyncio.CancelledError:
                raise
            except Exception:
                ok = False
            self.status.show_numerai("online" if ok else "unreachable")
            await asyncio.sleep(self.numerai_interval)
