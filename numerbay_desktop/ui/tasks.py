"""Background operations for the UI, in the spirit of Anki's QueryOp.

    BackgroundOp(self, fetch_vaults).success(self.show_vaults).run()

`op` is a coroutine function (run on the qasync loop) or a plain function (run in a worker
thread, for blocking work such as numerapi calls or keystore decryption). The helper keeps a
strong reference to every task until it ends (asyncio only keeps weak ones), shows a progress
indicator only when the wait passes 300 ms, and sends every failure to the one place,
`errors_dialog.report_failure`: always logged; shown as a dialog unless a `.failure(...)`
callback handles it. Callbacks run on the GUI thread, and not at all once the parent widget
has been deleted or the operation was cancelled.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Generic, Protocol, TypeVar, cast

import shiboken6
from PySide6.QtWidgets import QProgressDialog, QWidget

from numerbay_desktop.ui.errors_dialog import report_failure

T = TypeVar("T")
log = logging.getLogger(__name__)

PROGRESS_DELAY_S = 0.3
_running: set[asyncio.Task[Any]] = set()


class BusyHost(Protocol):
    """A window that can show a busy indicator (the main window's status bar does)."""

    def begin_busy(self, label: str) -> Callable[[], None]: ...


def running_tasks() -> frozenset[asyncio.Task[Any]]:
    """The background tasks still running (each strongly referenced until it ends)."""
    return frozenset(_running)


def keep(task: asyncio.Task[T]) -> asyncio.Task[T]:
    """Hold a strong reference to `task` until it ends; for tasks made outside BackgroundOp."""
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task


CANCEL_WAIT_S = 3.0


async def cancel_all() -> None:
    """Cancel every running background task and wait for them (at shutdown)."""
    tasks = list(_running)
    for task in tasks:
        task.cancel()
    if tasks:  # a task that swallows its cancellation must not keep the app from quitting
        await asyncio.wait(tasks, timeout=CANCEL_WAIT_S)


def _alive(widget: QWidget | None) -> bool:
    return widget is None or shiboken6.isValid(widget)


class BackgroundOp(Generic[T]):
    """One operation: configure with success/failure/with_progress, then `run()` once."""

    def __init__(
        self,
        parent: QWidget | None,
        op: Callable[[], Awaitable[T]] | Callable[[], T],
        label: str = "Working…",
    ) -> None:
        self._parent = parent
        self._op = op
        self._label = label
        self._on_success: Callable[[T], object] | None = None
        self._on_failure: Callable[[BaseException], object] | None = None
        self.progress_shown = False
        self.task: asyncio.Task[None] | None = None

    def success(self, callback: Callable[[T], object]) -> BackgroundOp[T]:
        self._on_success = callback
        return self

    def failure(self, callback: Callable[[BaseException], object]) -> BackgroundOp[T]:
        """Handle failures yourself (they are still logged); no dialog is shown."""
        self._on_failure = callback
        return self

    def with_progress(self, label: str) -> BackgroundOp[T]:
        self._label = label
        return self

    def run(self) -> asyncio.Task[None]:
        """Start the operation on the running loop and return its (strongly held) task."""
        if self.task is not None:
            raise RuntimeError("a BackgroundOp runs only once")
        self.task = keep(asyncio.get_running_loop().create_task(self._main()))
        return self.task

    async def _main(self) -> None:
        loop = asyncio.get_running_loop()
        finish_progress: Callable[[], None] | None = None

        def show_progress() -> None:
            nonlocal finish_progress
            if _alive(self._parent):
                self.progress_shown = True
                finish_progress = self._begin_progress()

        timer = loop.call_later(PROGRESS_DELAY_S, show_progress)
        try:
            try:
                if inspect.iscoroutinefunction(self._op):
                    result = await cast(Callable[[], Awaitable[T]], self._op)()
                else:
                    result = await asyncio.to_thread(cast(Callable[[], T], self._op))
                    if inspect.isawaitable(result):  # a lambda returning a coroutine
                        result = await cast(Awaitable[T], result)
            finally:
                timer.cancel()
                if finish_progress is not None:
                    finish_progress()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self._fail(error)
            return
        if self._on_success is not None and _alive(self._parent):
            try:
                self._on_success(result)
            except Exception as error:
                report_failure(error, context=f"after {self._label}", parent=self._parent)

    def _fail(self, error: BaseException) -> None:
        if not _alive(self._parent):
            report_failure(error, context=self._label, show_dialog=False)
            return
        if self._on_failure is None:
            report_failure(error, context=self._label, parent=self._parent)
            return
        report_failure(error, context=self._label, show_dialog=False)
        try:
            self._on_failure(error)
        except Exception as callback_error:
            report_failure(callback_error, context=f"handling {self._label}", parent=self._parent)

    def _begin_progress(self) -> Callable[[], None]:
        window = self._parent.window() if self._parent is not None else None
        begin_busy = getattr(window, "begin_busy", None)
        if callable(begin_busy):
            return cast(Callable[[], None], begin_busy(self._label))
        dialog = QProgressDialog(self._label, "", 0, 0, self._parent)
        dialog.setCancelButton(None)
        dialog.setMinimumDuration(0)
        dialog.setWindowTitle("NumerBay")
        dialog.show()

        def close() -> None:
            if shiboken6.isValid(dialog):
                dialog.close()
                dialog.deleteLater()

        return close
