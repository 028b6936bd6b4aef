"""The Numerai API key dialog: enter the public id and secret once, see where they are kept
and what the key may do, or remove it.

    dialog = ApiKeyDialog(ApiKeyStore(data_dir), numerai_url, parent=self)
    dialog.open()                                   # or: await dialog.check_and_save()
    dialog.saved.connect(...)                       # StoredKey (no secret) after a save
    dialog.removed.connect(...)

Where the key goes is the store's choice (`ApiKeyStore.where()`): the OS keyring when a
secure one exists, else an encrypted file protected by a password typed here; the dialog
says which before anything is typed. Before saving, the key asks Numerai for its own scopes
(`account { apiTokens }`): a key Numerai refuses is not saved; the scopes are shown as the
features they allow (round work needs `web3_staking`). The secret never reaches a label, a
log line or an error message, and the fields are emptied after a save.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.errors import InvalidInput, NumerbayError
from numerbay_desktop.ui.tasks import keep
from numerbay_desktop.ui.theme import current_palette

if TYPE_CHECKING:
    from numerbay_desktop.wallet.api_key_scopes import ScopeReport
    from numerbay_desktop.wallet.api_keys import ApiKeyStore, NumeraiApiKey, StoredKey

DEFAULT_PROFILE = "default"
DIALOG_WIDTH = 620
API_TOKENS_QUERY = "query { account { username apiTokens { name public_id scopes } } }"
REFUSED = ("Numerai refused this key: the public id and the secret do not belong together, "
           "or the key was deleted on numer.ai. Nothing was saved; check both and try again.")


async def check_key_scopes(numerai_url: str, key: NumeraiApiKey) -> ScopeReport:
    """Ask Numerai, with the key itself, which scopes it has (NumeraiAuthError if refused)."""
    from numerbay_desktop.numerai.client import NumeraiClient
    from numerbay_desktop.wallet.api_key_scopes import describe_scopes, scopes_of_key

    public_id, secret = key.credentials()
    client = NumeraiClient(numerai_url, public_id=public_id, secret=secret, timeout=20)
    del secret
    try:
        data = await client.query(API_TOKENS_QUERY, auth=True)
    finally:
        client.close()
    return describe_scopes(scopes_of_key(data.get("account"), key.public_id))


def where_text(store: ApiKeyStore) -> str:
    """One sentence for the user: where a new key will be kept."""
    if store.needs_password():
        return ("This computer has no secure system keyring, so the key is kept in a file in "
                "your data folder, encrypted like a wallet keystore with a password you "
                "choose here.")
    return f"The key will be kept {store.where()}; the app never writes the secret to a file."


class ApiKeyDialog(QDialog):
    saved = Signal(object)  # StoredKey
    removed = Signal()

    def __init__(self, store: ApiKeyStore, numerai_url: str | None, *,
                 profile: str = DEFAULT_PROFILE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.numerai_url = numerai_url
        self.profile = profile
        self.report: ScopeReport | None = None
        self.task: asyncio.Task[bool] | None = None
        self.setWindowTitle(self.tr("Numerai API key"))
        self.setFixedWidth(DIALOG_WIDTH)

        intro = QLabel(self.tr(
            "Vault round work (staking and settling rounds) needs your Numerai API key with "
            "the web3_staking scope. Create one on numer.ai under Account, API keys, and "
            "enter it once here."))
        intro.setWordWrap(True)
        self.where_label = QLabel(where_text(store))
        self.where_label.setWordWrap(True)
        self.where_label.setProperty("role", "muted")
        self.current_label = QLabel()
        self.current_label.setWordWrap(True)
        self.current_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.public_field = QLineEdit()
        self.public_field.setPlaceholderText(self.tr("32 capital letters and digits"))
        self.secret_field = QLineEdit()
        self.secret_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.secret_field.setPlaceholderText(self.tr("64 characters, or PUBLIC_ID$SECRET"))
        self.password_field = QLineEdit()
        self.password_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_field.setPlaceholderText(self.tr("at least 8 characters"))
        self.confirm_field = QLineEdit()
        self.confirm_field.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.setHorizontalSpacing(14)
        form.setVerticalSpacing(8)
        form.addRow(self.tr("Public id"), self.public_field)
        form.addRow(self.tr("Secret"), self.secret_field)
        self._needs_password = store.needs_password()
        if self._needs_password:
            form.addRow(self.tr("File password"), self.password_field)
            form.addRow(self.tr("Repeat password"), self.confirm_field)
        else:
            self.password_field.hide()
            self.confirm_field.hide()

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.scopes_box = QFrame()
        self.scopes_box.setObjectName("ScopesBox")
        self.scopes_layout = QVBoxLayout(self.scopes_box)
        self.scopes_layout.setContentsMargins(12, 10, 12, 10)
        self.scopes_layout.setSpacing(4)
        self.scopes_box.hide()

        self.save_button = QPushButton(self.tr("Check with Numerai and save"))
        self.save_button.setObjectName("PrimaryButton")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self._save_clicked)
        self.remove_button = QPushButton(self.tr("Remove key"))
        self.remove_button.clicked.connect(self.remove_key)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.accept)
        buttons = QHBoxLayout()
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(12)
        layout.addWidget(intro)
        layout.addWidget(self.where_label)
        layout.addWidget(self.current_label)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.scopes_box)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.show_current()

    # -- state -----------------------------------------------------------------------------
    def stored(self) -> StoredKey | None:
        try:
            return self.store.info(self.profile) if self.store.exists(self.profile) else None
        except NumerbayError:
            return None

    def show_current(self) -> None:
        info = self.stored()
        if info is None:
            self.current_label.setText(self.tr("No key is saved yet."))
        else:
            self.current_label.setText(self.tr(
                "Saved key {id}, kept {where}. Enter a new key below to replace it.").format(
                    id=info.public_id, where=info.where))
        self.remove_button.setEnabled(info is not None)

    def _say(self, text: str, tone: str = "muted") -> None:
        palette = current_palette()
        colour = {"error": palette.danger, "ok": palette.success}.get(tone, palette.text_muted)
        self.message.setStyleSheet(f"color: {colour};")
        self.message.setText(text)
        self._grow()

    # -- save ------------------------------------------------------------------------------
    def _save_clicked(self) -> None:
        if self.task is None or self.task.done():
            self.task = keep(asyncio.ensure_future(self.check_and_save()))

    def _entered_key(self) -> NumeraiApiKey:
        from numerbay_desktop.wallet.api_keys import NumeraiApiKey

        secret = self.secret_field.text().strip()
        public_id = self.public_field.text().strip()
        if "$" in secret:
            key = NumeraiApiKey.from_token(secret)
            if public_id and public_id != key.public_id:
                raise InvalidInput("The public id differs from the one inside the pasted key.")
            return key
        if not public_id and not secret:
            raise InvalidInput("Enter the key's public id and secret.")
        return NumeraiApiKey.parse(public_id, secret)

    def _entered_password(self) -> str | None:
        if not self._needs_password:
            return None
        password = self.password_field.text()
        if len(password) < 8:
            raise InvalidInput("Choose a file password of at least 8 characters.")
        if password != self.confirm_field.text():
            raise InvalidInput("The two passwords differ; type the same password twice.")
        return password

    async def check_and_save(self) -> bool:
        """Check the entered key with Numerai, then save it; True when saved."""
        from numerbay_desktop.numerai.errors import NumeraiAuthError, NumeraiUnavailable

        self.scopes_box.hide()
        try:
            key = self._entered_key()
            password = self._entered_password()
        except InvalidInput as error:
            self._say(str(error), "error")
            return False
        self.save_button.setEnabled(False)
        self._say(self.tr("Asking Numerai which scopes this key has…"))
        report: ScopeReport | None = None
        note = ""
        try:
            if self.numerai_url:
                try:
                    report = await check_key_scopes(self.numerai_url, key)
                except NumeraiAuthError:
                    self._say(REFUSED, "error")
                    return False
                except NumeraiUnavailable:
                    note = " Numerai could not be reached, so its scopes are not checked yet."
            else:
                note = " No Numerai API address is set, so its scopes are not checked yet."
            try:
                info = await asyncio.to_thread(self.store.save, self.profile, key, password)
            except NumerbayError as error:
                self._say(str(error), "error")
                return False
        finally:
            self.save_button.setEnabled(True)
        self.secret_field.clear()
        self.password_field.clear()
        self.confirm_field.clear()
        self.public_field.clear()
        self._say(self.tr("Checked with Numerai and saved {where}.").format(where=info.where)
                  + note, "ok")
        if report is not None:
            self.show_report(report)
        self.show_current()
        self.saved.emit(info)
        return True

    def show_report(self, report: ScopeReport) -> None:
        self.report = report
        while self.scopes_layout.count():
            item = self.scopes_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        palette = current_palette()
        self.scopes_box.setStyleSheet(
            f"QFrame#ScopesBox {{ background: {palette.surface_alt}; border-radius: 8px; }}")
        scopes = ", ".join(report.scopes) if report.scopes else self.tr("none listed")
        title = QLabel(self.tr("Scopes: {scopes}").format(scopes=scopes))
        title.setWordWrap(True)
        title.setStyleSheet("font-weight: 600;")
        summary = QLabel(report.summary)
        summary.setWordWrap(True)
        self.scopes_layout.addWidget(title)
        self.scopes_layout.addWidget(summary)
        for feature in report.features:
            mark = "✓" if feature.available else "✗"
            colour = palette.success if feature.available else palette.danger
            line = QLabel(f"<span style='color:{colour}; font-weight:700'>{mark}</span>&nbsp; "
                          f"{feature.explanation}")
            line.setWordWrap(True)
            line.setObjectName(f"scope_{feature.name}")
            self.scopes_layout.addWidget(line)
        self.scopes_box.show()
        self._grow()

    def _grow(self) -> None:
        """Word-wrapped text changed: make room once the new labels are polished."""
        QTimer.singleShot(0, self, self.fit_height)

    def fit_height(self) -> None:
        """The height the word-wrapped labels need at the dialog's fixed width."""
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        height = layout.totalHeightForWidth(self.width())
        if height > 0:
            self.setMinimumHeight(height)
            self.resize(self.width(), height)

    # -- remove ----------------------------------------------------------------------------
    def remove_key(self) -> bool:
        """Remove the saved key from the keyring or its file (no confirmation: the user can
        enter it again; it is never lost on numer.ai)."""
        try:
            removed = self.store.delete(self.profile)
        except NumerbayError as error:
            self._say(str(error), "error")
            return False
        self.scopes_box.hide()
        self._say(self.tr("The key was removed.") if removed
                  else self.tr("No key was saved."), "ok" if removed else "muted")
        self.show_current()
        if removed:
            self.removed.emit()
        return removed
