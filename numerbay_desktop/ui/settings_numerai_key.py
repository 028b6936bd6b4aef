"""The Settings card of the Numerai API key: which key is saved, where, and a button to enter,
replace or remove it (`ApiKeyDialog`).

    card = NumeraiKeyCard()
    card.set_context(ctx)          # data folder (the key store) and the Numerai API address
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from numerbay_desktop.core.errors import NumerbayError

if TYPE_CHECKING:
    from numerbay_desktop.ui.api_key_dialog import ApiKeyDialog
    from numerbay_desktop.wallet.api_keys import ApiKeyStore


class NumeraiKeyCard(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.ctx: Any = None
        self.store: ApiKeyStore | None = None
        self.dialog: ApiKeyDialog | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 20)
        layout.setSpacing(10)
        heading = QLabel(self.tr("Numerai API key"))
        heading.setObjectName("SectionTitle")
        note = QLabel(self.tr(
            "Your vaults' round work (staking and settling rounds) uses your Numerai API key "
            "with the web3_staking scope. It is entered once and kept in your system keyring, "
            "or in a password-protected file where there is none."))
        note.setProperty("role", "muted")
        note.setWordWrap(True)
        self.status = QLabel(self.tr("Open a data folder to manage the key."))
        self.status.setWordWrap(True)
        self.button = QPushButton(self.tr("Enter key…"))
        self.button.clicked.connect(self.open_dialog)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.button)
        layout.addWidget(heading)
        layout.addWidget(note)
        layout.addLayout(row)

    def set_context(self, ctx: Any) -> None:
        self.ctx = ctx
        self.bind(ctx.data_dir)
        ctx.connected.connect(self.refresh)

    def bind(self, data_dir: Path, store: ApiKeyStore | None = None) -> None:
        from numerbay_desktop.wallet.api_keys import ApiKeyStore

        self.store = store or ApiKeyStore(Path(data_dir))
        self.refresh()

    def numerai_url(self) -> str | None:
        return getattr(self.ctx, "numerai_url", None)

    def refresh(self) -> None:
        if self.store is None:
            return
        from numerbay_desktop.ui.api_key_dialog import DEFAULT_PROFILE

        try:
            info = (self.store.info(DEFAULT_PROFILE) if self.store.exists(DEFAULT_PROFILE)
                    else None)
        except NumerbayError as error:
            self.status.setText(str(error))
            return
        if info is None:
            self.status.setText(self.tr("No key saved."))
            self.button.setText(self.tr("Enter key…"))
        else:
            self.status.setText(self.tr("Key {id}, kept {where}.").format(
                id=info.public_id, where=info.where))
            self.button.setText(self.tr("Change or remove…"))

    def open_dialog(self) -> ApiKeyDialog | None:
        if self.store is None:
            return None
        from numerbay_desktop.ui.api_key_dialog import ApiKeyDialog

        self.dialog = ApiKeyDialog(self.store, self.numerai_url(), parent=self.window())
        self.dialog.saved.connect(lambda _info: self.refresh())
        self.dialog.removed.connect(self.refresh)
        self.dialog.open()
        return self.dialog
