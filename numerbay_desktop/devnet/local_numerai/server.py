"""The local Numerai GraphQL API: graphql-core behind aiohttp on 127.0.0.1.

It answers like api-tournament.numer.ai: POST a JSON body {"query", "variables"} to `/`;
GraphQL errors come back with HTTP 200 as {"errors": [{"message", "path", "extensions"}],
"data": null} (numerapi turns that into a ValueError with the message); a body that is not
JSON is a 400. The server runs on its own event loop in a daemon thread, so synchronous
callers (tests, the CLI, the devnet world) can use it; every request is executed in a worker
thread so a slow chain read never stalls the loop.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from importlib.resources import files
from typing import Any

from aiohttp import web
from graphql import GraphQLSchema, build_schema, graphql_sync

from numerbay_desktop.core.errors import ConfigurationError
from numerbay_desktop.devnet.local_numerai.population import ApiKey
from numerbay_desktop.devnet.local_numerai.resolvers import TOURNAMENT_FIELDS, RequestContext
from numerbay_desktop.devnet.local_numerai.round_driver import RoundDriver
from numerbay_desktop.devnet.local_numerai.staking_fields import STAKING_FIELDS
from numerbay_desktop.devnet.local_numerai.tournament import Tournament

log = logging.getLogger(__name__)
INVALID_KEY = "Your API key is invalid: check its public id and secret."


def load_schema() -> GraphQLSchema:
    sdl = files("numerbay_desktop.devnet.local_numerai").joinpath("schema.graphql").read_text()
    return build_schema(sdl)


ROOT: dict[str, Any] = {**TOURNAMENT_FIELDS, **STAKING_FIELDS}


class LocalNumeraiServer:
    """Serves a `Tournament` (and, with a desk, Atomic staking) until `stop()`."""

    def __init__(
        self,
        tournament: Tournament,
        *,
        desk: Any | None = None,
        driver: RoundDriver | None = None,
        clock: Callable[[], float] = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.tournament = tournament
        self.desk = desk
        self.driver = driver
        self.clock = clock
        self.host = host
        self.port = port
        self.schema = load_schema()
        self.keys: dict[str, ApiKey] = {
            k.public_id: k for a in tournament.accounts for k in a.api_keys
        }
        self.requests_served = 0
        self._tick_lock = threading.Lock()
        self._ticked_at: int | None = None
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="local-numerai")
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None

    # ---------------------------------------------------------------- life cycle
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> str:
        """Bind, serve in a background thread, return the URL."""
        ready = threading.Event()
        failure: list[BaseException] = []

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._bind())
            except BaseException as error:  # reported to the caller of start()
                failure.append(error)
                ready.set()
                loop.close()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._unbind())
            loop.close()

        self._thread = threading.Thread(target=run, name="local-numerai-http", daemon=True)
        self._thread.start()
        ready.wait(30)
        if failure:
            raise ConfigurationError(
                f"The local Numerai could not listen on {self.host}:{self.port}: {failure[0]}"
            )
        return self.url

    async def _bind(self) -> None:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_post("/", self._handle)
        app.router.add_post("/graphql", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None
        sockets = getattr(server, "sockets", None) or []
        self.port = sockets[0].getsockname()[1]

    async def _unbind(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self) -> None:
        loop, thread = self._loop, self._thread
        if loop is not None and thread is not None and thread.is_alive():
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> LocalNumeraiServer:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- requests
    async def _handle(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return _errors_response("The request body must be JSON.", status=400)
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return _errors_response("The request body needs a GraphQL query string.", status=400)
        variables = body.get("variables") or {}
        if not isinstance(variables, dict):
            return _errors_response("variables must be a JSON object.", status=400)
        auth = request.headers.get("Authorization")
        loop = asyncio.get_running_loop()
        payload = await loop.run_in_executor(
            self._pool, self.execute, body["query"], variables, auth
        )
        return web.json_response(payload)

    def now(self) -> float:
        """The tournament's time: the chain's when connected; rounds due by then are driven.

        The driver ticks once per distinct time (chain time only moves with blocks); a tick
        that fails is logged and retried on the next request, which is still answered.
        """
        now = self.clock()
        if self.driver is not None and int(now) != self._ticked_at:
            with self._tick_lock:
                try:
                    self.driver.tick(int(now))
                    self._ticked_at = int(now)
                except Exception as error:  # the chain refused: answer anyway, retry later
                    log.warning("the round driver could not catch up: %s", error)
        return now

    def forget_tick(self) -> None:
        """After a rollback (evm_revert) the same time must be driven again."""
        self._ticked_at = None

    def authenticate(self, header: str | None) -> tuple[ApiKey | None, str | None]:
        if not header:
            return None, None
        scheme, _, token = header.partition(" ")
        public_id, sep, secret = token.partition("$")
        key = self.keys.get(public_id.strip())
        if scheme != "Token" or not sep or key is None:
            return None, INVALID_KEY
        if not hmac.compare_digest(key.secret.encode(), secret.strip().encode()):
            return None, INVALID_KEY
        return key, None

    def execute(
        self, query: str, variables: dict[str, Any], auth: str | None = None
    ) -> dict[str, Any]:
        """Run one GraphQL request (also usable in-process, without HTTP)."""
        self.requests_served += 1
        key, problem = self.authenticate(auth)
        context = RequestContext(
            tournament=self.tournament,
            now=self.now(),
            key=key,
            key_problem=problem,
            extras={"desk": self.desk, "driver": self.driver},
        )
        result = graphql_sync(
            self.schema,
            query,
            root_value=ROOT,
            context_value=context,
            variable_values=variables,
        )
        if result.errors:
            return {"errors": [error.formatted for error in result.errors], "data": None}
        return {"data": result.data}


def _errors_response(message: str, status: int) -> web.Response:
    return web.json_response({"errors": [{"message": message}], "data": None}, status=status)
