"""The smaller account dialogs: watch an address, rename a label, change a password, add a
contact to the address book (with a look-alike warning from `core.risk`)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.core.risk import is_lookalike, short_address
from numerbay_desktop.ui.account_forms import (
    FormDialog,
    StrengthHint,
    caption,
    error_label,
    fit_height,
    hint,
    name_problem,
    password_field,
    password_problem,
    show_error,
)
from numerbay_desktop.ui.theme import current_palette
from numerbay_desktop.wallet.accounts import MAX_LABEL, AccountRecord, AccountRegistry
from numerbay_desktop.wallet.signer import checksum


def address_problem(text: str) -> str | None:
    """Why `text` is not a usable address (EIP-55 checked when mixed case), or None."""
    if not text:
        return QCoreApplication.translate(
            "AccountForms", "Paste the address: 0x followed by 40 hexadecimal characters.")
    try:
        checksum(text)
    except NumerbayError as error:
        return str(error)
    return None


class _SimpleForm(FormDialog):
    """Title, hint, fields, error line and Cancel / primary buttons."""

    def __init__(self, registry: AccountRegistry, title: str, intro: str, action: str,
                 parent: QWidget | None) -> None:
        super().__init__(registry, title, parent)
        self.setMinimumWidth(520)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(28, 24, 28, 20)
        self.body.setSpacing(6)
        heading = QLabel(title)
        heading.setObjectName("SectionTitle")
        self.body.addWidget(heading)
        self.body.addWidget(hint(intro))
        self.body.addSpacing(6)
        self.fields = QVBoxLayout()
        self.fields.setSpacing(6)
        self.body.addLayout(self.fields)
        self.body.addSpacing(6)
        self.footer(self.body)
        self.cancel_button = QPushButton(self.tr("Cancel"))
        self.cancel_button.clicked.connect(self.reject)
        self.ok_button = QPushButton(action)
        self.ok_button.setObjectName("PrimaryButton")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.submit)
        self.lock_while_busy(self.cancel_button, self.ok_button)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.cancel_button)
        row.addWidget(self.ok_button)
        self.body.addLayout(row)

    def field(self, title: str, widget: QLineEdit) -> QLabel:
        """Add a captioned field and return its error line."""
        self.fields.addWidget(caption(title))
        self.fields.addWidget(widget)
        error = error_label()
        self.fields.addWidget(error)
        return error

    def submit(self) -> None:
        raise NotImplementedError


class WatchDialog(_SimpleForm):
    """Watch an address without its key (balances and offline signing requests)."""

    def __init__(self, registry: AccountRegistry, parent: QWidget | None = None) -> None:
        super().__init__(
            registry, self.tr("Watch an address"),
            self.tr("A watch-only account shows an address's positions without its key. To "
                    "sign for it, use offline signing with the device that holds the key."),
            self.tr("Watch"), parent,
        )
        self.name_field = QLineEdit()
        self.name_field.setPlaceholderText(self.tr("e.g. cold-wallet"))
        self.name_error = self.field(self.tr("Name"), self.name_field)
        self.address_field = QLineEdit()
        self.address_field.setPlaceholderText("0x…")
        self.address_error = self.field(self.tr("Address"), self.address_field)
        self.label_field = QLineEdit()
        self.label_field.setPlaceholderText(self.tr("optional, e.g. Ledger in the safe"))
        self.label_error = self.field(self.tr("Label"), self.label_field)

    def submit(self) -> None:
        name = self.name_field.text().strip()
        address = self.address_field.text().strip()
        label = self.label_field.text().strip()
        bad = show_error(self.name_error, name_problem(name, self.registry))
        bad = show_error(self.address_error, address_problem(address)) or bad
        bad = show_error(self.label_error, None if len(label) <= MAX_LABEL else self.tr(
            "A label has at most 100 characters.")) or bad
        if not bad:
            self.run_wallet_op(lambda: self.registry.watch(name, address, label=label),
                               self.tr("Saving"))


class LabelDialog(_SimpleForm):
    def __init__(self, registry: AccountRegistry, record: AccountRecord,
                 parent: QWidget | None = None) -> None:
        super().__init__(
            registry, self.tr("Rename '{0}'").format(record.name),
            self.tr("The label is shown next to the account everywhere in the app."),
            self.tr("Save"), parent,
        )
        self.record = record
        self.label_field = QLineEdit(record.label)
        self.label_error = self.field(self.tr("Label"), self.label_field)

    def submit(self) -> None:
        label = self.label_field.text().strip()
        if not show_error(self.label_error, None if len(label) <= MAX_LABEL else self.tr(
                "A label has at most 100 characters.")):
            name = self.record.name
            self.run_wallet_op(lambda: self.registry.set_label(name, label), self.tr("Saving"))


class ChangePasswordDialog(_SimpleForm):
    def __init__(self, registry: AccountRegistry, record: AccountRecord,
                 parent: QWidget | None = None) -> None:
        super().__init__(
            registry, self.tr("Change the password of '{0}'").format(record.name),
            self.tr("The keystore is re-encrypted with the new password; the old file is "
                    "replaced only once the new one is written."),
            self.tr("Change password"), parent,
        )
        self.record = record
        self.old_field = password_field()
        self.old_error = self.field(self.tr("Current password"), self.old_field)
        self.new_field = password_field(self.tr("at least 8 characters"))
        self.fields.addWidget(caption(self.tr("New password")))
        self.fields.addWidget(self.new_field)
        self.fields.addWidget(StrengthHint(self.new_field))
        self.again_field = password_field()
        self.new_error = self.field(self.tr("New password again"), self.again_field)

    def submit(self) -> None:
        old, new = self.old_field.text(), self.new_field.text()
        bad = show_error(self.old_error, None if old else self.tr("Type the current password."))
        bad = show_error(self.new_error, password_problem(new, self.again_field.text())) or bad
        if not bad:
            name = self.record.name
            self.run_wallet_op(lambda: self.registry.change_password(name, old, new),
                               self.tr("Re-encrypting the keystore"))

    def done(self, result: int) -> None:
        for field in (self.old_field, self.new_field, self.again_field):
            field.clear()
        super().done(result)


class ContactDialog(_SimpleForm):
    """Add an address-book entry; warns when it imitates an address already known."""

    def __init__(self, registry: AccountRegistry, parent: QWidget | None = None) -> None:
        super().__init__(
            registry, self.tr("Add a contact"),
            self.tr("Addresses in the address book are recognized in every transaction review."),
            self.tr("Add contact"), parent,
        )
        self.name_field = QLineEdit()
        self.name_error = self.field(self.tr("Name"), self.name_field)
        self.address_field = QLineEdit()
        self.address_field.setPlaceholderText("0x…")
        self.address_error = self.field(self.tr("Address"), self.address_field)
        self.note_field = QLineEdit()
        self.note_field.setPlaceholderText(self.tr("optional"))
        self.note_error = self.field(self.tr("Note"), self.note_field)
        self.lookalike = QLabel()
        self.lookalike.setWordWrap(True)
        palette = current_palette()
        self.lookalike.setStyleSheet(
            f"color: {palette.danger}; border: 1px solid {palette.danger}; border-radius: 8px;"
            " padding: 8px;"
        )
        self.lookalike.hide()
        self.fields.addWidget(self.lookalike)
        self.address_field.textChanged.connect(self._check_lookalike)
        self._warned_for = ""

    def lookalike_of(self, address: str) -> list[str]:
        try:
            return sorted(a for a in self.registry.known_addresses() if is_lookalike(address, a))
        except ValueError:
            return []

    def _check_lookalike(self, text: str) -> None:
        similar = self.lookalike_of(text.strip())
        if similar:
            self.lookalike.setText(self.tr(
                "Careful: {0} looks like {1}, an address you already know, but it is a "
                "different address. Scammers plant such look-alikes in your history. Compare "
                "every character; press Add contact again if you are sure."
            ).format(short_address(text.strip()), ", ".join(short_address(a) for a in similar)))
        self.lookalike.setVisible(bool(similar))
        if similar:
            fit_height(self.lookalike, 460)

    def submit(self) -> None:
        name = self.name_field.text().strip()
        address = self.address_field.text().strip()
        note = self.note_field.text().strip()
        taken = any(c.name == name for c in self.registry.contacts())
        bad = show_error(self.name_error, self.tr("Give the contact a name.") if not name else (
            self.tr("A contact named '{0}' already exists.").format(name) if taken else None))
        bad = show_error(self.address_error, address_problem(address)) or bad
        bad = show_error(self.note_error, None if len(note) <= MAX_LABEL else self.tr(
            "A note has at most 100 characters.")) or bad
        if bad:
            return
        if self.lookalike_of(address) and self._warned_for != address.lower():
            self._warned_for = address.lower()  # the warning is on screen; a second press adds
            self._check_lookalike(address)
            return
        self.run_wallet_op(lambda: self.registry.add_contact(name, address, note=note),
                           self.tr("Saving"))
