"""Import an account: a recovery phrase (pick one of its first 5 addresses), a private key, or a
keystore file. Secrets are read from the fields only when the import starts and never logged.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.ui.account_forms import (
    FormDialog,
    StrengthHint,
    add_name_field,
    caption,
    error_label,
    hint,
    name_problem,
    password_field,
    password_problem,
    show_error,
)
from numerbay_desktop.wallet.accounts import AccountRegistry
from numerbay_desktop.wallet.hd import (
    ACCOUNT_PATH,
    DerivedAddress,
    discover_addresses,
    parse_path,
    validate_mnemonic,
)

DISCOVERED = 5
TAB_PHRASE, TAB_KEY, TAB_KEYSTORE = 0, 1, 2


class ImportAccountDialog(FormDialog):
    """Tabs for the three sources; emits `saved(AccountRecord)` once imported."""

    def __init__(self, registry: AccountRegistry, parent: QWidget | None = None) -> None:
        super().__init__(registry, self.tr("Import an account"), parent)
        self.setMinimumWidth(600)
        self.discovered: list[DerivedAddress] = []

        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(6)
        title = QLabel(self.tr("Import an account you already have"))
        title.setObjectName("SectionTitle")
        layout.addWidget(title)
        layout.addWidget(hint(self.tr(
            "Its key is saved encrypted on this computer; nothing is sent anywhere."
        )))
        layout.addSpacing(6)
        self.name_field, self.name_error = add_name_field(layout, self.tr("Name"))
        layout.addSpacing(4)

        self.tabs = QTabWidget()
        self.tabs.addTab(self._phrase_tab(), self.tr("Recovery phrase"))
        self.tabs.addTab(self._key_tab(), self.tr("Private key"))
        self.tabs.addTab(self._keystore_tab(), self.tr("Keystore file"))
        self.tabs.currentChanged.connect(self._tab_changed)
        layout.addWidget(self.tabs, 1)

        self.new_password = QWidget()
        pw_layout = QVBoxLayout(self.new_password)
        pw_layout.setContentsMargins(0, 6, 0, 0)
        pw_layout.setSpacing(6)
        pw_layout.addWidget(caption(self.tr("New password for this computer")))
        self.password_field = password_field(self.tr("at least 8 characters"))
        pw_layout.addWidget(self.password_field)
        pw_layout.addWidget(StrengthHint(self.password_field))
        self.again_field = password_field(self.tr("the same password again"))
        pw_layout.addWidget(self.again_field)
        self.password_error = error_label()
        pw_layout.addWidget(self.password_error)
        layout.addWidget(self.new_password)

        self.footer(layout)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        self.import_button = QPushButton(self.tr("Import"))
        self.import_button.setObjectName("PrimaryButton")
        self.import_button.clicked.connect(self.submit)
        self.lock_while_busy(self.cancel_button, self.import_button, self.show_button)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.import_button)
        layout.addLayout(buttons)

    # -- tabs -------------------------------------------------------------------------------
    def _phrase_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(6)
        layout.addWidget(caption(self.tr("Recovery phrase (12 to 24 words)")))
        self.phrase_field = QPlainTextEdit()
        self.phrase_field.setPlaceholderText(self.tr("word1 word2 word3 …"))
        self.phrase_field.setFixedHeight(64)
        self.phrase_field.textChanged.connect(self._phrase_edited)
        layout.addWidget(self.phrase_field)
        self.phrase_error = error_label()
        layout.addWidget(self.phrase_error)
        layout.addWidget(caption(self.tr("Derivation path")))
        row = QHBoxLayout()
        self.path_field = QLineEdit(ACCOUNT_PATH)
        self.path_field.textChanged.connect(self._phrase_edited)
        self.show_button = QPushButton(self.tr("Show addresses"))
        self.show_button.clicked.connect(self.show_addresses)
        row.addWidget(self.path_field, 1)
        row.addWidget(self.show_button)
        layout.addLayout(row)
        layout.addWidget(hint(self.tr(
            "MetaMask, Ledger Live and most wallets use m/44'/60'/0'/0. Pick the address you "
            "know from the list."
        )))
        self.address_list = QListWidget()
        self.address_list.setFixedHeight(150)
        self.address_list.setStyleSheet(
            "QListWidget { font-family: 'DejaVu Sans Mono', monospace; }"
            " QListWidget::item { padding: 4px 6px; }"
        )
        layout.addWidget(self.address_list)
        return tab

    def _key_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(6)
        layout.addWidget(caption(self.tr("Private key (64 hex characters)")))
        self.key_field = password_field("0x…")
        layout.addWidget(self.key_field)
        self.key_error = error_label()
        layout.addWidget(self.key_error)
        layout.addWidget(hint(self.tr("The key is hidden as you type and never shown again.")))
        layout.addStretch(1)
        return tab

    def _keystore_tab(self) -> QWidget:
        tab = QWidget()
        layout = QVBoxLayout(tab)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(6)
        layout.addWidget(caption(self.tr("Keystore file (JSON, from geth, MyEtherWallet, …)")))
        row = QHBoxLayout()
        self.file_field = QLineEdit()
        self.file_field.setPlaceholderText(self.tr("choose a file"))
        browse = QPushButton(self.tr("Browse…"))
        browse.clicked.connect(self._browse)
        row.addWidget(self.file_field, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        self.file_error = error_label()
        layout.addWidget(self.file_error)
        layout.addWidget(caption(self.tr("The keystore's password")))
        self.keystore_password = password_field()
        layout.addWidget(self.keystore_password)
        layout.addWidget(hint(self.tr(
            "The file is kept as it is, so it keeps opening with this same password."
        )))
        layout.addStretch(1)
        return tab

    def _tab_changed(self, index: int) -> None:
        self.new_password.setVisible(index != TAB_KEYSTORE)
        show_error(self.error, None)

    def _browse(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(
            self, self.tr("Choose a keystore file"), str(Path.home()),
            self.tr("Keystore files (*.json *);;All files (*)"),
        )
        if chosen:
            self.file_field.setText(chosen)

    # -- the phrase's addresses ---------------------------------------------------------------
    def _phrase_edited(self) -> None:
        self.discovered = []
        self.address_list.clear()

    def _phrase_checked(self) -> tuple[str, str] | None:
        """(normalized phrase, path base) or None with the problem shown."""
        try:
            phrase = validate_mnemonic(self.phrase_field.toPlainText())
        except NumerbayError as error:
            show_error(self.phrase_error, str(error))
            return None
        base = self.path_field.text().strip()
        try:
            parse_path(base)
        except NumerbayError as error:
            show_error(self.phrase_error, str(error))
            return None
        show_error(self.phrase_error, None)
        return phrase, base

    def show_addresses(self) -> None:
        checked = self._phrase_checked()
        if checked is None:
            return
        phrase, base = checked
        self.run_wallet_op(
            lambda: discover_addresses(phrase, DISCOVERED, base=base),
            self.tr("Finding the addresses"),
            on_done=self._list_addresses,
        )

    def _list_addresses(self, found: list[DerivedAddress]) -> None:
        self.discovered = found
        self.address_list.clear()
        for derived in found:
            item = QListWidgetItem(f"#{derived.index}   {derived.address}")
            item.setToolTip(derived.path)
            self.address_list.addItem(item)
        self.address_list.setCurrentRow(0)

    def shown_addresses(self) -> list[str]:
        return [d.address for d in self.discovered]

    # -- import -----------------------------------------------------------------------------
    def submit(self) -> None:
        name = self.name_field.text().strip()
        bad = show_error(self.name_error, name_problem(name, self.registry))
        tab = self.tabs.currentIndex()
        if tab != TAB_KEYSTORE:
            bad = show_error(self.password_error, password_problem(
                self.password_field.text(), self.again_field.text())) or bad
        password = self.password_field.text()
        if tab == TAB_PHRASE:
            checked = self._phrase_checked()
            if checked is None or bad:
                return
            if not self.discovered:
                self.show_addresses()  # the user picks one first
                return
            phrase = checked[0]
            path = self.discovered[max(self.address_list.currentRow(), 0)].path
            self.run_wallet_op(
                lambda: self.registry.import_mnemonic(name, phrase, password, path=path),
                self.tr("Importing the account"),
            )
        elif tab == TAB_KEY:
            key = self.key_field.text().strip().removeprefix("0x")
            valid = len(key) == 64 and all(c in "0123456789abcdefABCDEF" for c in key)
            if show_error(self.key_error, None if valid else self.tr(
                "A private key is 64 hexadecimal characters (0-9, a-f), optionally after 0x."
            )) or bad:
                return
            self.run_wallet_op(
                lambda: self.registry.import_private_key(name, key, password),
                self.tr("Importing the account"),
            )
        else:
            source = Path(self.file_field.text().strip()).expanduser()
            if show_error(self.file_error, None if source.is_file() else self.tr(
                "Choose an existing keystore file."
            )) or bad:
                return
            store_password = self.keystore_password.text()
            self.run_wallet_op(
                lambda: self.registry.import_keystore(name, source, store_password),
                self.tr("Opening the keystore"),
            )

    def done(self, result: int) -> None:
        self.phrase_field.clear()
        self.key_field.clear()
        self.password_field.clear()
        self.again_field.clear()
        self.keystore_password.clear()
        super().done(result)
