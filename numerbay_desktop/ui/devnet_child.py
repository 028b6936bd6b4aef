"""`numerbay-desktop --devnet`: run `numerbay devnet up` as a child process and read its JSON line.

The child owns anvil (and later the local Numerai) and cleans them up itself when it gets
SIGTERM or dies; this side only starts it, reads the first stdout line, keeps draining its
output so a full pipe never blocks it, and stops it on quit. The JSON line holds demo private
keys: it is never logged.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections import deque
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QProcess, Signal

from numerbay_desktop.core.errors import ConfigurationError
from numerbay_desktop.store.logfiles import redact

# Generous: the first start builds the demo world (minutes on a slow machine); later starts
# load it from the cache.
START_TIMEOUT_S = 600.0
STOP_TIMEOUT_MS = 8000


class DevnetStartError(ConfigurationError):
    """The devnet child did not come up; the message says why in one sentence."""


def devnet_command(data_dir: Path) -> tuple[str, list[str]]:
    """The program and arguments that start the devnet for `data_dir`."""
    arguments = ["--data-dir", str(data_dir), "devnet", "up"]
    if getattr(sys, "frozen", False):  # the native bundle ships the CLI beside the window
        return str(Path(sys.executable).with_name("numerbay")), arguments
    return sys.executable, ["-m", "numerbay_desktop.cli", *arguments]


def parse_devnet_line(line: str) -> dict[str, Any]:
    """The devnet's announcement, checked for the fields the app needs."""
    try:
        info = json.loads(line)
    except json.JSONDecodeError:
        raise DevnetStartError(
            "The devnet printed something other than its connection details."
        ) from None
    if not isinstance(info, dict) or not isinstance(info.get("rpc_url"), str):
        raise DevnetStartError("The devnet's connection details have no RPC address.")
    if not isinstance(info.get("chain_id"), int):
        raise DevnetStartError("The devnet's connection details have no chain id.")
    if not str(info["rpc_url"]).startswith(("http://127.0.0.1:", "http://localhost:")):
        raise DevnetStartError("The devnet must listen on this computer (127.0.0.1) only.")
    return info


class DevnetChild(QObject):
    """The devnet child process. `await start()` returns its connection details."""

    ready = Signal(dict)
    failed = Signal(str)

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.info: dict[str, Any] | None = None
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        self.process.readyReadStandardOutput.connect(self._read_stdout)
        self.process.readyReadStandardError.connect(self._read_stderr)
        self.process.finished.connect(self._finished)
        self.process.errorOccurred.connect(self._error)
        self._stdout = b""
        self._stderr_tail: deque[str] = deque(maxlen=20)
        self._waiter: asyncio.Future[dict[str, Any]] | None = None
        self._stopping = False

    async def start(self, timeout: float = START_TIMEOUT_S) -> dict[str, Any]:  # noqa: ASYNC109
        program, arguments = devnet_command(self.data_dir)
        self._waiter = asyncio.get_running_loop().create_future()
        self.process.start(program, arguments)
        try:
            return await asyncio.wait_for(asyncio.shield(self._waiter), timeout)
        except TimeoutError:
            self.stop()
            raise DevnetStartError(
                f"The devnet did not start within {timeout:.0f} seconds."
            ) from None
        except asyncio.CancelledError:
            self._waiter.cancel()  # nobody will read its outcome now
            raise

    def running(self) -> bool:
        return self.process.state() != QProcess.ProcessState.NotRunning

    def stop(self) -> None:
        """Ask the child to stop (SIGTERM; it stops anvil itself), then insist."""
        if not self.running():
            return
        self._stopping = True
        self.process.terminate()
        if not self.process.waitForFinished(STOP_TIMEOUT_MS):
            self.process.kill()
            self.process.waitForFinished(2000)

    # -- process events ---------------------------------------------------------------------
    def _read_stdout(self) -> None:
        data = bytes(self.process.readAllStandardOutput().data())
        if self.info is not None:
            return  # later output is drained and dropped
        self._stdout += data
        if b"\n" not in self._stdout:
            return
        line, _, _ = self._stdout.partition(b"\n")
        self._stdout = b""
        try:
            info = parse_devnet_line(line.decode("utf-8", "replace"))
        except DevnetStartError as error:
            self._fail(str(error))
            return
        self.info = info
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(info)
        self.ready.emit(info)

    def _read_stderr(self) -> None:
        text = bytes(self.process.readAllStandardError().data()).decode("utf-8", "replace")
        for line in text.splitlines():
            if line.strip():
                self._stderr_tail.append(redact(line.strip()))

    def _finished(self, exit_code: int, _status: QProcess.ExitStatus) -> None:
        self._read_stdout()
        self._read_stderr()
        if self._stopping:
            return  # we asked it to stop: not a failure
        if self.info is None:
            self._fail(self._explain(exit_code))
        else:
            self.failed.emit("The devnet stopped unexpectedly; restart the app to start it again.")

    def _error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart:
            self._fail("The devnet could not be started: the app's Python was not found.")

    def _fail(self, message: str) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(DevnetStartError(message))
        self.failed.emit(message)

    def _explain(self, exit_code: int) -> str:
        last = self._stderr_tail[-1] if self._stderr_tail else ""
        if "invalid choice: 'devnet'" in last or "invalid choice: 'up'" in last:
            return (
                "The devnet could not start: this build has no `numerbay devnet` command yet."
            )
        last = last.removeprefix("numerbay: ").rstrip(".")
        if last:
            return f"The devnet could not start: {last}."
        return f"The devnet stopped before it was ready (exit code {exit_code})."
