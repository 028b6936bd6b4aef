"""The one place every failure goes: the log, and (unless the caller handled it) a readable dialog.

Background operations, the global excepthook, the asyncio loop's exception handler and worker
threads all call `report_failure(...)`. A `NumerbayError` is shown as its own message (written
for the user, never holding a secret); anything else as one generic sentence, with the details
in the log file only. The text shown is redacted anyway, as a second line of defence.
"""

from __future__ import annotations

import logging
from collections import deque
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.store.logfiles import redact

log = logging.getLogger("numerbay_desktop.failures")

UNEXPECTED = (
    "Something unexpected went wrong. The app is still running; the details were written "
    "to the log file."
)


def user_message(error: BaseException) -> str:
    """The sentence a user sees for `error`."""
    if isinstance(error, NumerbayError):
        return redact(str(error)) or UNEXPECTED
    return UNEXPECTED


class ErrorReporter(QObject):
    """Logs failures and shows at most one error dialog at a time (later ones are counted)."""

    _from_other_thread = Signal(object, str, bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_file: Path | None = None
        self.dialog: QMessageBox | None = None
        # The latest messages shown or handled, oldest first (for tests and a future log view).
        self.reported: deque[str] = deque(maxlen=100)
        self._extra = 0
        self._from_other_thread.connect(self._report_here)

    def report(
        self,
        error: BaseException,
        context: str = "",
        show_dialog: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        """Log `error` and, if `show_dialog`, show it. Safe to call from any thread."""
        app = QApplication.instance()
        if app is not None and QThread.currentThread() is not app.thread():
            self._from_other_thread.emit(error, context, show_dialog)
            return
        self._report_here(error, context, show_dialog, parent)

    def _report_here(
        self,
        error: BaseException,
        context: str,
        show_dialog: bool,
        parent: QWidget | None = None,
    ) -> None:
        message = user_message(error)
        where = f"{context}: " if context else ""
        if isinstance(error, NumerbayError):
            log.warning("%s%s", where, message)
        else:
            log.error(
                "%sunexpected %s", where, type(error).__name__,
                exc_info=(type(error), error, error.__traceback__),
            )
        self.reported.append(message)
        if show_dialog and QApplication.instance() is not None:
            self._show(message, isinstance(error, NumerbayError), parent)

    def _show(self, message: str, expected: bool, parent: QWidget | None) -> None:
        if self.dialog is not None and self.dialog.isVisible():
            self._extra += 1
            self.dialog.setInformativeText(
                self.tr("{0} more problem(s) happened meanwhile; see the log file.").format(
                    self._extra
                )
            )
            return
        self._extra = 0
        if parent is None:
            parent = QApplication.activeWindow()
        box = QMessageBox(parent)
        box.setWindowTitle(self.tr("NumerBay"))
        box.setIcon(QMessageBox.Icon.Warning if expected else QMessageBox.Icon.Critical)
        box.setText(message)
        if not expected and self.log_file is not None:
            box.setDetailedText(self.tr("Log file: {0}").format(self.log_file))
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        ok = box.button(QMessageBox.StandardButton.Ok)
        if ok is not None:
            ok.setObjectName("PrimaryButton")
            ok.setMinimumWidth(90)
            ok.style().unpolish(ok)  # the stylesheet matched it before it had this name
            ok.style().polish(ok)
        box.finished.connect(self._dialog_closed)
        self.dialog = box
        box.open()  # window-modal but non-blocking: the event loop keeps running

    def _dialog_closed(self) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None


_reporter: ErrorReporter | None = None


def error_reporter() -> ErrorReporter:
    """The app's single reporter (created on first use, on the GUI thread)."""
    global _reporter
    if _reporter is None:
        _reporter = ErrorReporter()
    return _reporter


def report_failure(
    error: BaseException, context: str = "", show_dialog: bool = True, parent: QWidget | None = None
) -> None:
    error_reporter().report(error, context, show_dialog, parent)
