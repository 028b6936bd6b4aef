"""A JSON-RPC proxy on 127.0.0.1 that forwards to a real node and injects faults on demand.

Modes (set `proxy.mode`; `proxy.faults_left` limits how many requests are faulted before it
passes again, None = forever; `proxy.only_methods` limits faults to requests with them):
- "pass": forward as is;
- "hang": never answer (the client's timeout must fire);
- "rate_limit": HTTP 429 with `Retry-After: proxy.retry_after`;
- "unavailable": HTTP 503 with `Retry-After`;
- "error_5xx": HTTP 502;
- "garbage": HTTP 200 with a body that is not JSON;
- "stale_head": eth_blockNumber and "latest" block lookups answer `proxy.frozen_head`
  (frozen at the first such request unless set);
- "lose_reply": forward the request, then answer 502 as if the reply were lost on the way;
- "wrong_chain": eth_chainId answers `proxy.fake_chain_id`, everything else is forwarded
  (so a client that skipped the check would really send).
It counts HTTP requests and JSON-RPC calls per method, and records every forwarded
eth_sendRawTransaction.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from typing import Any

import aiohttp
from aiohttp import web


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.mode = "pass"
        self.faults_left: int | None = None
        self.retry_after = "1"
        self.frozen_head: int | None = None
        self.fake_chain_id = 1
        self.only_methods: set[str] = set()  # when set, only requests with these are faulted
        self.unknown_methods: set[str] = set()  # answered "method not found", as old nodes do
        self.http_requests = 0
        self.methods: Counter[str] = Counter()
        self.forwarded_sends: list[str] = []
        self._released = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    async def start(self) -> FaultProxy:
        app = web.Application()
        app.router.add_post("/", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/"
        self._session = aiohttp.ClientSession()
        return self

    async def stop(self) -> None:
        self._released.set()
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    def set(self, mode: str, faults: int | None = None) -> None:
        self.mode, self.faults_left = mode, faults

    def reset_counts(self) -> None:
        self.http_requests = 0
        self.methods.clear()

    # ------------------------------------------------------------------ handling

    def _faulting(self, methods: set[str]) -> str:
        if self.mode == "pass" or (self.only_methods and not methods & self.only_methods):
            return "pass"
        if self.faults_left is None:
            return self.mode
        if self.faults_left <= 0:
            return "pass"
        self.faults_left -= 1
        return self.mode

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        self.http_requests += 1
        raw = await request.read()
        payload = json.loads(raw)
        entries = payload if isinstance(payload, list) else [payload]
        for entry in entries:
            self.methods[entry.get("method", "?")] += 1
        mode = self._faulting({str(e.get("method")) for e in entries})
        if mode == "hang":
            # Until the proxy stops: the client must give up on its own before that.
            await self._released.wait()
            return web.Response(status=504)
        if mode in ("rate_limit", "unavailable"):
            status = 429 if mode == "rate_limit" else 503
            return web.Response(status=status, headers={"Retry-After": self.retry_after})
        if mode == "error_5xx":
            return web.Response(status=502, text="bad gateway")
        if mode == "garbage":
            return web.Response(status=200, text="<html>not json", content_type="text/html")
        answers = [await self._answer(entry, mode) for entry in entries]
        if mode == "lose_reply":
            return web.Response(status=502, text="reply lost")
        body = answers if isinstance(payload, list) else answers[0]
        return web.json_response(body)

    async def _answer(self, entry: dict[str, Any], mode: str) -> dict[str, Any]:
        method = entry.get("method")
        params = list(entry.get("params") or [])
        reply_id = entry.get("id")
        if method in self.unknown_methods:
            error = {"code": -32601, "message": f"the method {method} does not exist"}
            return {"jsonrpc": "2.0", "id": reply_id, "error": error}
        if mode == "wrong_chain" and method == "eth_chainId":
            return {"jsonrpc": "2.0", "id": reply_id, "result": hex(self.fake_chain_id)}
        if mode == "stale_head":
            if self.frozen_head is None:
                self.frozen_head = int((await self._forward("eth_blockNumber", []))["result"], 16)
            if method == "eth_blockNumber":
                return {"jsonrpc": "2.0", "id": reply_id, "result": hex(self.frozen_head)}
            if method == "eth_getBlockByNumber" and params and params[0] == "latest":
                params[0] = hex(self.frozen_head)
        if method == "eth_sendRawTransaction":
            self.forwarded_sends.append(str(params[0]))
        reply = await self._forward(str(method), params)
        reply["id"] = reply_id
        return reply

    async def _forward(self, method: str, params: list[Any]) -> dict[str, Any]:
        assert self._session is not None
        body = {"jsonrpc": "2.0", "id": 1, "method": method, "params": params}
        async with self._session.post(self.upstream, json=body) as response:
            reply: dict[str, Any] = await response.json(content_type=None)
            return reply
