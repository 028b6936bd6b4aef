"""The running devnet's control endpoint on 127.0.0.1 (used by `numerbay devnet advance/mint`).

The world lives in the `devnet up` process (anvil, the local Numerai's desk and round driver),
so commands that move it ask that process over a tiny HTTP API instead of touching the chain
themselves (which would leave the simulator's memory behind):

    GET  /devnet/status                      -> the world's JSON (as printed by `devnet up`)
    POST /devnet/advance {"days": N}         -> {"chain_time", "round", "days": [per-day counts]}
    POST /devnet/mint {"to": "0x..", "amount_wei": "123"} -> {"to", "amount_wei"}

Errors come back as {"error": "<one sentence>"} with status 400 (bad input) or 500.
Requests are served one at a time (the world has one lock anyway).
"""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import TYPE_CHECKING, Any

from eth_utils import is_address, to_checksum_address

from numerbay_desktop.core.errors import ConfigurationError, InvalidInput, NumerbayError

if TYPE_CHECKING:  # `request` is used by light CLI commands: no world import for them
    from numerbay_desktop.devnet.world import DevnetWorld

MAX_ADVANCE_DAYS = 400


class ControlServer:
    def __init__(self, world: DevnetWorld, port: int = 0) -> None:
        self.world = world
        server = HTTPServer(("127.0.0.1", port), _handler_for(self))
        self._server = server
        self.port = server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None

    def start(self) -> str:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="devnet-control", daemon=True
        )
        self._thread.start()
        return self.url

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # ---------------------------------------------------------------- actions
    def handle(self, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        if method == "GET" and path == "/devnet/status":
            return self.world.describe(control_url=self.url)
        if method == "POST" and path == "/devnet/advance":
            days = body.get("days")
            if not isinstance(days, int) or not 1 <= days <= MAX_ADVANCE_DAYS:
                raise InvalidInput(f"days must be a whole number from 1 to {MAX_ADVANCE_DAYS}.")
            reports = self.world.advance(days)
            return {"chain_time": self.world.chain_time(),
                    "round": self.world.current_round(), "days": reports}
        if method == "POST" and path == "/devnet/mint":
            to, amount = body.get("to"), body.get("amount_wei")
            if not isinstance(to, str) or not is_address(to):
                raise InvalidInput("to must be an Ethereum address (0x and 40 hex digits).")
            try:
                wei = int(str(amount))
            except ValueError:
                raise InvalidInput("amount_wei must be a whole number of wei.") from None
            if wei <= 0:
                raise InvalidInput("amount_wei must be positive.")
            self.world.mint(to, wei)
            return {"to": to_checksum_address(to), "amount_wei": str(wei)}
        raise LookupError(path)


def _handler_for(control: ControlServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _serve(self, method: str) -> None:
            try:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                if not isinstance(body, dict):
                    raise InvalidInput("The request body must be a JSON object.")
                self._reply(200, control.handle(method, self.path, body))
            except LookupError:
                self._reply(404, {"error": f"No such devnet action: {self.path}"})
            except (InvalidInput, ValueError) as error:
                self._reply(400, {"error": str(error)})
            except NumerbayError as error:
                self._reply(500, {"error": str(error)})

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:
            return  # quiet: the CLI prints what matters

    return Handler


def request(control_url: str, method: str, path: str, body: dict[str, Any] | None = None,
            timeout_s: float = 600.0) -> dict[str, Any]:
    """Call a running devnet's control endpoint; its refusals become ConfigurationError."""
    data = json.dumps(body or {}).encode() if method == "POST" else None
    req = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
        control_url + path, data=data, method=method,
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout_s) as response:  # noqa: S310
            result: dict[str, Any] = json.loads(response.read())
            return result
    except urllib.error.HTTPError as error:
        try:
            message = json.loads(error.read()).get("error") or str(error)
        except ValueError:
            message = str(error)
        raise ConfigurationError(f"The devnet refused: {message}") from None
    except OSError:
        raise ConfigurationError(
            "The devnet is not answering: is `numerbay devnet up` still running?"
        ) from None
