"""Shared parts of the account dialogs: inline field errors, password checks, a form dialog base.

Every field shows its own problem in a small red line under it, and a dialog never clears what
the user typed when something is wrong. Slow wallet work (scrypt, ~1 s) runs through
`FormDialog.run_wallet_op`, in a worker thread; its failure lands in the dialog's error line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, Signal
from PySide6.QtWidgets import (
    QDialog,
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
from numerbay_desktop.wallet.accounts import AccountRegistry
from numerbay_desktop.wallet.keystore import validate_alias

MIN_PASSWORD = 8


def _t(text: str) -> str:
    """Translated in the "AccountForms" context (functions here have no widget to ask)."""
    return QCoreApplication.translate("AccountForms", text)


def error_label() -> QLabel:
    """A red line under a field, hidden while there is nothing to say."""
    label = QLabel()
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {current_palette().danger}; font-size: 9pt;")
    label.hide()
    return label


def show_error(label: QLabel, text: str | None) -> bool:
    """Show `text` (or hide the label when None); True when there was an error."""
    label.setText(text or "")
    label.setVisible(bool(text))
    return bool(text)


def fit_height(label: QLabel, width: int) -> None:
    """Reserve the height a word-wrapped label needs at `width` (dialogs do not ask for it)."""
    label.setMinimumHeight(label.heightForWidth(max(label.width(), width)))


def caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: 600;")
    return label


def hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "faint")
    label.setWordWrap(True)
    return label


def password_field(placeholder: str = "") -> QLineEdit:
    field = QLineEdit()
    field.setEchoMode(QLineEdit.EchoMode.Password)
    field.setPlaceholderText(placeholder)
    return field


def add_name_field(layout: QVBoxLayout, caption_text: str) -> tuple[QLineEdit, QLabel]:
    """The account-name field of the create and import dialogs: caption, field, error line."""
    layout.addWidget(caption(caption_text))
    field = QLineEdit()
    field.setPlaceholderText(field.tr("e.g. main or staking-1"))
    error = error_label()
    layout.addWidget(field)
    layout.addWidget(error)
    return field, error


def name_problem(name: str, registry: AccountRegistry) -> str | None:
    """Why `name` cannot name a new account, or None."""
    if not name.strip():
        return _t("Give the account a name, e.g. main or staking-1.")
    try:
        validate_alias(name)
    except NumerbayError as error:
        return str(error)
    if any(record.name == name for record in registry.accounts()):
        return _t("An account named '{0}' already exists; choose another name.").format(name)
    return None


def password_problem(password: str, again: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return _t("Choose a password of at least {0} characters.").format(MIN_PASSWORD)
    if password != again:
        return _t("The two passwords differ; type the same password twice.")
    return None


def password_strength(password: str) -> tuple[str, str]:
    """(words, palette colour name) for the hint under a new password."""
    if not password:
        return (_t("At least 8 characters; a few unrelated words make a strong one."),
                "text_faint")
    classes = sum(
        any(test(c) for c in password)
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    score = len(password) // 4 + classes
    if len(password) < MIN_PASSWORD:
        return (_t("Too short: at least 8 characters."), "danger")
    if score < 5:
        return (_t("Weak: longer is stronger; add words, digits or symbols."), "warning")
    if score < 7:
        return (_t("Fair: a few more characters would make it strong."), "warning")
    return (_t("Strong password."), "success")


class StrengthHint(QLabel):
    """Follows a password field and says how strong the password is, in words and colour."""

    def __init__(self, field: QLineEdit, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        field.textChanged.connect(self.update_for)
        self.update_for("")

    def update_for(self, password: str) -> None:
        words, colour = password_strength(password)
        self.setText(words)
        self.setStyleSheet(
            f"color: {getattr(current_palette(), colour)}; font-size: 9pt;"
        )


class FormDialog(QDialog):
    """A dialog with a busy bar, a dialog-wide error line and a wallet operation in a thread."""

    saved = Signal(object)  # what the operation returned (an AccountRecord, a Contact, ...)

    def __init__(self, registry: AccountRegistry, title: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.registry = registry
        self.setWindowTitle(title)
        self.setModal(True)
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("BusyBar")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.hide()
        self.error = error_label()
        self.operation: BackgroundOp[Any] | None = None
        self._buttons: list[QPushButton] = []

    def footer(self, layout: QVBoxLayout) -> None:
        """Add the error line and the busy bar at the bottom of `layout`."""
        layout.addWidget(self.error)
        layout.addWidget(self.busy_bar)

    def lock_while_busy(self, *buttons: QPushButton) -> None:
        self._buttons.extend(buttons)

    @property
    def busy(self) -> bool:
        return self.busy_bar.isVisible()

    def run_wallet_op(
        self, op: Callable[[], Any], label: str, on_done: Callable[[Any], None] | None = None
    ) -> None:
        """Run `op` in a worker thread; on success emit `saved` and close (or call on_done)."""
        self._set_busy(True)
        show_error(self.error, None)

        def succeeded(result: Any) -> None:
            self._set_busy(False)
            if on_done is not None:
                on_done(result)
                return
            self.saved.emit(result)
            self.accept()

        def failed(error: BaseException) -> None:
            self._set_busy(False)
            message = str(error) if isinstance(error, NumerbayError) else _t(
                "Something went wrong; the details are in the log file.")
            show_error(self.error, message)

        self.operation = BackgroundOp(self, op).success(succeeded).failure(failed)
        self.operation.with_progress(label).run()

    def reject(self) -> None:
        if self.busy:
            return  # a key is being written: closing now would hide whether it was saved
        super().reject()

    def begin_busy(self, label: str) -> Callable[[], None]:
        """BackgroundOp's progress hook: this dialog shows its own busy bar already."""
        return lambda: None

    def _set_busy(self, busy: bool) -> None:
        self.busy_bar.setVisible(busy)
        for button in self._buttons:
            button.setEnabled(not busy)
