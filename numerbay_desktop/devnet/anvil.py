"""The anvil process behind the devnet and the integration tests.

anvil comes from the npm package `@foundry-rs/anvil`, whose per-platform optional dependency
ships the binary; we call that binary directly. The process gets its own process group (so a
stop takes its children too) and, on Linux, a parent-death signal, so that even a launcher
killed with SIGKILL leaves no anvil behind. Its output is drained by a thread: a full pipe
would otherwise block it.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import platform
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

from numerbay_desktop.core.errors import ConfigurationError

ANVIL_ENV = "NUMERBAY_ANVIL"
DEFAULT_MNEMONIC = "test test test test test test test test test test test junk"
_LISTENING = re.compile(r"Listening on 127\.0\.0\.1:(\d+)")
_PR_SET_PDEATHSIG = 1


def find_anvil_binary() -> Path:
    """The anvil binary: $NUMERBAY_ANVIL, the bundled copy, the project's npm install, then PATH."""
    override = os.environ.get(ANVIL_ENV)
    if override:
        if Path(override).is_file() and os.access(override, os.X_OK):
            return Path(override)
        raise ConfigurationError(
            f"{ANVIL_ENV} points to {override}, which is not an executable file."
        )
    candidates: list[Path] = []
    bundle_root = getattr(sys, "_MEIPASS", None)
    if bundle_root:
        candidates.append(Path(bundle_root) / "anvil" / "anvil")
    repo = Path(__file__).resolve().parents[2]
    npm_dir = repo / "node_modules" / "@foundry-rs" / f"anvil-{_npm_platform()}" / "bin"
    candidates.append(npm_dir / ("anvil.exe" if os.name == "nt" else "anvil"))
    for candidate in candidates:
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    on_path = _which("anvil")
    if on_path:
        return on_path
    raise ConfigurationError(
        "The anvil binary was not found: run `make setup` (it installs the npm package "
        "@foundry-rs/anvil into the project) or set NUMERBAY_ANVIL to its path."
    )


def _which(name: str) -> Path | None:
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        path = Path(folder) / name
        if path.is_file() and os.access(path, os.X_OK):
            return path
    return None


def _npm_platform() -> str:
    system = {"linux": "linux", "darwin": "darwin"}.get(sys.platform, sys.platform)
    machine = platform.machine().lower()
    arch = "arm64" if machine in ("arm64", "aarch64") else "amd64"
    return f"{system}-{arch}"


def _die_with_parent() -> None:
    """Runs in the child before exec: ask the kernel to SIGKILL it when its parent dies."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


class Anvil:
    """One running anvil on 127.0.0.1. Use `Anvil.start(...)`, then `.stop()` or a `with` block.

    The parent-death signal fires when the *thread* that started anvil exits, so start it from
    a thread that lives as long as the node should (the main thread, normally).
    """

    def __init__(self, process: subprocess.Popen[str], port: int, chain_id: int, mnemonic: str):
        self.process = process
        self.port = port
        self.chain_id = chain_id
        self.mnemonic = mnemonic
        self.rpc_url = f"http://127.0.0.1:{port}"

    @classmethod
    def start(
        cls,
        *,
        port: int = 0,
        chain_id: int = 31337,
        mnemonic: str = DEFAULT_MNEMONIC,
        accounts: int = 10,
        balance_eth: int = 10_000,
        load_state: Path | None = None,
        dump_state: Path | None = None,
        extra_args: Sequence[str] = (),
        timeout_s: float = 20.0,
    ) -> Anvil:
        binary = find_anvil_binary()
        args = [
            str(binary), "--host", "127.0.0.1", "--port", str(port),
            "--chain-id", str(chain_id), "--mnemonic", mnemonic,
            "--accounts", str(accounts), "--balance", str(balance_eth),
        ]
        if load_state is not None:
            args += ["--load-state", str(load_state)]
        if dump_state is not None:
            args += ["--dump-state", str(dump_state)]
        args += list(extra_args)
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # for the parent-death signal
        )
        found = _wait_for_port(process, timeout_s)
        node = cls(process, found, chain_id, mnemonic)
        try:
            node.wait_ready(timeout_s)
        except BaseException:
            node.stop()
            raise
        return node

    def wait_ready(self, timeout_s: float) -> None:
        """Wait until the node answers eth_chainId."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if self.rpc("eth_chainId") == hex(self.chain_id):
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ConfigurationError(f"anvil started but did not answer on {self.rpc_url}.")
            time.sleep(0.02)

    def rpc(self, method: str, params: list[object] | None = None) -> object:
        """A plain synchronous JSON-RPC call (for setup and tests; the app uses chain/client.py)."""
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
        request = urllib.request.Request(  # noqa: S310 - always http://127.0.0.1
            self.rpc_url, data=body.encode(), headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            reply = json.loads(response.read())
        if "error" in reply:
            raise ConfigurationError(f"anvil refused {method}: {reply['error'].get('message')}")
        return reply["result"]

    def is_running(self) -> bool:
        return self.process.poll() is None

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL if it lingers."""
        if self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout_s)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout_s)

    def __enter__(self) -> Anvil:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _wait_for_port(process: subprocess.Popen[str], timeout_s: float) -> int:
    """Read anvil's output until it says where it listens, then drain the rest in a thread."""
    assert process.stdout is not None
    stdout = process.stdout
    found: list[int] = []
    seen: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        for line in stdout:
            if not found:
                seen.append(line)
                match = _LISTENING.search(line)
                if match:
                    found.append(int(match.group(1)))
                    ready.set()
        ready.set()

    threading.Thread(target=pump, name="anvil-output", daemon=True).start()
    ready.wait(timeout_s)
    if found:
        return found[0]
    output = "".join(seen)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(5)
    if "address already in use" in output.lower() or "addrinuse" in output.lower():
        raise ConfigurationError(
            "The devnet port is already in use on 127.0.0.1: choose another with --port, "
            "or use --port 0 for a free one."
        )
    last_line = output.strip().splitlines()[-1] if output.strip() else "no output"
    raise ConfigurationError(f"anvil did not start ({last_line}).")
