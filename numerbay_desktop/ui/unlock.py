"""Unlocking a hot account: the password dialog and the session's unlocked keys.

    keys = SessionKeys(idle_timeout_s=300)            # one per app; keys.lock_all() at quit
    if not keys.is_unlocked(record.name):
        if not await unlock_account(self, registry, record, keys):
            return                                    # cancelled
    signer = KeySigner(keys.key(record.name))         # restarts the idle timer

`SessionKeys` keeps each unlocked private key in a bytearray for an idle timeout (5 minutes
by default, restarted on every use) and overwrites it with zeros on timeout, `lock()`,
`lock_all()` and when the application quits. A `KeySigner` built from `key()` holds the
same bytearray, so once the key is wiped a signer made from it can no longer sign.

The dialog shows the account's name and address, never echoes the password, runs the ~1 s
scrypt unlock in a worker thread (`BackgroundOp`) with a busy bar, and says "Wrong
password." under the field when it is wrong. Python strings cannot be wiped: the password
text is cleared from the field as soon as it has been read.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.ui.tasks import BackgroundOp
from numerbay_desktop.ui.theme import current_palette
from numerbay_desktop.wallet.accounts import AccountRecord, AccountRegistry
from numerbay_desktop.wallet.keystore import WrongPassword, wipe

DEFAULT_IDLE_TIMEOUT_S = 300.0


class AccountLocked(NumerbayError):
    def __init__(self, name: str) -> None:
        super().__init__(f"'{name}' is locked; unlock it with its password to sign.")


class SessionKeys(QObject):
    """Unlocked keys of this session, each wiped after `idle_timeout_s` without use."""

    locked = Signal(str)  # the account name, whenever its key was wiped

    def __init__(self, idle_timeout_s: float = DEFAULT_IDLE_TIMEOUT_S,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.idle_timeout_ms = max(1, int(idle_timeout_s * 1000))
        self._keys: dict[str, bytearray] = {}
        self._timers: dict[str, QTimer] = {}
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.lock_all)

    def store(self, name: str, key: bytearray) -> None:
        """Keep `key` (the caller hands it over: it is wiped here later) and start its timer."""
        if name in self._keys and self._keys[name] is not key:
            wipe(self._keys[name])
        self._keys[name] = key
        timer = self._timers.get(name)
        if timer is None:
            timer = QTimer(self)
            timer.setSingleShot(True)
            timer.timeout.connect(lambda n=name: self.lock(n))
            self._timers[name] = timer
        timer.start(self.idle_timeout_ms)

    def is_unlocked(self, name: str) -> bool:
        return name in self._keys

    def unlocked(self) -> list[str]:
        return sorted(self._keys)

    def key(self, name: str) -> bytearray:
        """The unlocked key (not a copy: do not keep it), restarting the idle timer."""
        key = self._keys.get(name)
        if key is None:
            raise AccountLocked(name)
        self.touch(name)
        return key

    def touch(self, name: str) -> None:
        """Restart the idle timer (the account was just used)."""
        timer = self._timers.get(name)
        if timer is not None and name in self._keys:
            timer.start(self.idle_timeout_ms)

    def remaining_ms(self, name: str) -> int:
        timer = self._timers.get(name)
        return timer.remainingTime() if timer is not None and name in self._keys else 0

    def lock(self, name: str) -> None:
        """Wipe `name`'s key now."""
        key = self._keys.pop(name, None)
        timer = self._timers.get(name)
        if timer is not None:
            timer.stop()
        if key is not None:
            wipe(key)
            self.locked.emit(name)

    def lock_all(self) -> None:
        for name in list(self._keys):
            self.lock(name)


class UnlockDialog(QDialog):
    """Password prompt for one hot account; on success the key goes into `session`."""

    def __init__(self, registry: AccountRegistry, record: AccountRecord, session: SessionKeys,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Unlock account"))
        self.setModal(True)
        self.registry = registry
        self.record = record
        self.session = session
        self.operation: BackgroundOp[bytearray] | None = None
        self._abandoned = threading.Event()  # set on cancel: the worker wipes what it unlocks
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 18)
        layout.setSpacing(10)

        title = self.title = QLabel(self.tr("Unlock {0}").format(record.name))
        title.setObjectName("SectionTitle")
        address = self.address = QLabel(record.address)
        address.setProperty("role", "mono")
        address.setToolTip(record.address)
        explain = QLabel(self.tr("Enter this account's password to sign. It stays unlocked "
                                 "until it has not been used for {0}.").format(
            _minutes(session.idle_timeout_ms)))
        explain.setProperty("role", "muted")
        explain.setWordWrap(True)
        self.error = QLabel()
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("Password"))
        self.password.returnPressed.connect(self.submit)
        self.password.textEdited.connect(lambda _text: self.error.hide())
        self.error.setObjectName("FieldError")
        self.error.setStyleSheet(f"color: {current_palette().danger}; font-weight: 600;")
        self.error.hide()
        self.busy = QProgressBar()
        self.busy.setObjectName("BusyBar")
        self.busy.setRange(0, 0)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.status = QLabel(self.tr("Unlocking…"))
        self.status.setProperty("role", "muted")
        self.status.hide()

        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        self.unlock_button = QPushButton(self.tr("Unlock"))
        self.unlock_button.setObjectName("PrimaryButton")
        self.unlock_button.setDefault(True)
        self.unlock_button.clicked.connect(self.submit)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.unlock_button)

        for widget in (title, address, explain, self.password, self.error):
            layout.addWidget(widget)
        busy_row = QHBoxLayout()
        busy_row.addWidget(self.busy, 1)
        busy_row.addWidget(self.status)
        layout.addLayout(busy_row)
        layout.addLayout(buttons)
        self.setMinimumWidth(440)
        palette = current_palette()  # the theme has no disabled look for the primary button
        self.setStyleSheet(
            f"QPushButton#PrimaryButton:disabled {{ background: {palette.surface_alt}; "
            f"color: {palette.text_faint}; border-color: {palette.border}; }}")

    def submit(self) -> None:
        """Start the unlock in a worker thread (ignored while one is running)."""
        if self.operation is not None and self.operation.task is not None \
                and not self.operation.task.done():
            return
        password = self.password.text()
        if not password:
            self._show_error(self.tr("Enter the password."))
            return
        self.password.clear()
        self._set_busy(True)
        name, registry, abandoned = self.record.name, self.registry, self._abandoned

        def unlock() -> bytearray:
            key = registry.unlock(name, password)
            if abandoned.is_set():  # the dialog was closed meanwhile: nobody takes the key
                wipe(key)
                raise asyncio.CancelledError
            return key

        self.operation = (
            BackgroundOp(self, unlock, "Unlocking…")
            .success(self._unlocked)
            .failure(self._failed)
        )
        self.operation.run()

    def _unlocked(self, key: bytearray) -> None:
        self._set_busy(False)
        self.session.store(self.record.name, key)
        self.accept()

    def _failed(self, error: BaseException) -> None:
        self._set_busy(False)
        if isinstance(error, WrongPassword):
            self._show_error(self.tr("Wrong password."))
        elif isinstance(error, NumerbayError):
            self._show_error(str(error))
        else:
            self._show_error(self.tr("The account could not be unlocked; see the log for details."))
        self.password.setFocus()

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def _set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.status.setVisible(busy)
        self.password.setEnabled(not busy)
        self.unlock_button.setEnabled(not busy)

    def reject(self) -> None:
        if self.operation is not None and self.operation.task is not None \
                and not self.operation.task.done():
            self._abandoned.set()
            self.operation.task.cancel()
        super().reject()


def _minutes(ms: int) -> str:
    seconds = ms // 1000
    if seconds >= 60:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    return f"{max(seconds, 1)} second{'s' if seconds != 1 else ''}"


async def unlock_account(
    parent: QWidget | None,
    registry: AccountRegistry,
    record: AccountRecord,
    session: SessionKeys,
    *,
    on_dialog: Callable[[UnlockDialog], object] | None = None,
) -> bool:
    """Ask for the password unless the account is unlocked already; True once unlocked."""
    if session.is_unlocked(record.name):
        session.touch(record.name)
        return True
    from numerbay_desktop.ui.review_dialog import show_dialog

    dialog = UnlockDialog(registry, record, session, parent)
    if on_dialog is not None:
        asyncio.get_running_loop().call_soon(on_dialog, dialog)
    try:
        await show_dialog(dialog)
    finally:
        dialog.deleteLater()
    return session.is_unlocked(record.name)
