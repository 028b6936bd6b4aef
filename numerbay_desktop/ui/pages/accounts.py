"""Accounts: the user's Ethereum accounts, kept encrypted on this computer, and the address book.

The page works with the app's AppContext (`set_context`: its registry, unlocked keys and active
account; each card says which account is active and offers "Use for staking" on the others);
without one (a test), with `set_registry` or the data folder's registry. On the devnet with no
account yet it offers the public demo accounts in one click (ui/account_demo.py).
Every key operation (create, import, change password, unlock) runs in a worker thread through
the dialogs; reading the list is a small JSON file and happens on the GUI thread.

    page.open_create() / open_import() / open_watch()   -> the dialog, already open
    page.rename(name), change_password(name), export(name, destination=None), delete(name)
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QTimer
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.ui import cards
from numerbay_desktop.ui.pages.base import EmptyState, Page
from numerbay_desktop.ui.tasks import BackgroundOp, keep
from numerbay_desktop.ui.theme import current_palette
from numerbay_desktop.wallet.accounts import AccountRecord, AccountRegistry, Contact

if TYPE_CHECKING:
    from numerbay_desktop.ui.account_demo import DemoAccountsOffer
    from numerbay_desktop.ui.app_context import AppContext
    from numerbay_desktop.ui.unlock import SessionKeys

MONO = "font-family: 'DejaVu Sans Mono', 'Consolas', 'Menlo', monospace;"


def _label(text: str, role: str | None = None, name: str | None = None) -> QLabel:
    return cards.label(text, role, name=name)


def _badge(text: str, colour: str) -> QLabel:
    badge = QLabel(text)
    badge.setStyleSheet(
        f"color: {colour}; border: 1px solid {colour}; border-radius: 9px; "
        "padding: 1px 8px; font-size: 8.5pt; font-weight: 600;"
    )
    return badge


class AccountsPage(Page):
    KEY = "accounts"
    TITLE = QT_TRANSLATE_NOOP("AccountsPage", "Accounts")
    SUBTITLE = QT_TRANSLATE_NOOP(
        "AccountsPage", "Your Ethereum accounts and address book. Keys never leave this computer.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._registry: AccountRegistry | None = None
        self._session: SessionKeys | None = None
        self._ctx: AppContext | None = None
        self.demo_offer: DemoAccountsOffer | None = None
        self.use_buttons: dict[str, QPushButton] = {}
        self._listed: tuple[tuple[str, str, str], ...] | None = None
        self.dialog: QDialog | None = None  # the dialog the page opened last
        self.confirm_box: QMessageBox | None = None
        self.cards: dict[str, QFrame] = {}
        self.contact_rows: dict[str, QFrame] = {}

        toolbar = QHBoxLayout()
        toolbar.setSpacing(8)
        self.create_button = QPushButton(self.tr("Create account"))
        self.create_button.setObjectName("PrimaryButton")
        self.create_button.clicked.connect(self.open_create)
        self.import_button = QPushButton(self.tr("Import"))
        self.import_button.clicked.connect(self.open_import)
        self.watch_button = QPushButton(self.tr("Watch an address"))
        self.watch_button.clicked.connect(self.open_watch)
        for button in (self.create_button, self.import_button, self.watch_button):
            toolbar.addWidget(button)
        toolbar.addStretch(1)
        self.content.addLayout(toolbar)

        body = QWidget()
        self.body = QVBoxLayout(body)
        self.body.setContentsMargins(0, 0, 8, 0)
        self.body.setSpacing(10)
        self.accounts_box = QVBoxLayout()
        self.accounts_box.setSpacing(10)
        self.body.addLayout(self.accounts_box)
        self.body.addSpacing(16)
        book_header = QHBoxLayout()
        book_title = _label(self.tr("Address book"), name="SectionTitle")
        self.add_contact_button = QPushButton(self.tr("Add contact"))
        self.add_contact_button.clicked.connect(self.open_add_contact)
        book_header.addWidget(book_title)
        book_header.addStretch(1)
        book_header.addWidget(self.add_contact_button)
        self.body.addLayout(book_header)
        self.body.addWidget(_label(self.tr(
            "People and contracts you send to. The review of every transaction recognizes "
            "them and warns about addresses that imitate them."), role="muted"))
        self.contacts_box = QVBoxLayout()
        self.contacts_box.setSpacing(6)
        self.body.addLayout(self.contacts_box)
        self.body.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        self.content.addWidget(scroll, 1)
        self._loaded = False

    # -- wiring -----------------------------------------------------------------------------
    @property
    def registry(self) -> AccountRegistry:
        if self._registry is None:
            from numerbay_desktop.store.datadir import resolve_data_dir

            self._registry = AccountRegistry(resolve_data_dir())
        return self._registry

    def set_registry(self, registry: AccountRegistry) -> None:
        self._registry = registry
        self.reload()

    @property
    def session(self) -> SessionKeys:
        """The app's unlocked keys (ui/unlock.py SessionKeys), made on first use."""
        if self._session is None:
            from numerbay_desktop.ui.unlock import SessionKeys

            session = SessionKeys(parent=self)
            session.locked.connect(self._key_locked)
            self._session = session
        return self._session

    def set_session(self, session: SessionKeys) -> None:
        if session is not self._session:
            if self._session is not None:
                self._session.locked.disconnect(self._key_locked)
            self._session = session
            session.locked.connect(self._key_locked)
        self.reload()

    def _key_locked(self, _name: str) -> None:
        self.reload()

    def set_context(self, ctx: AppContext) -> None:
        """The app's registry, unlocked keys and active account (the window calls this)."""
        if self._ctx is not None:
            for signal in (self._ctx.active_account_changed, self._ctx.connected):
                signal.disconnect(self._context_changed)
        self._ctx = ctx
        ctx.active_account_changed.connect(self._context_changed)
        ctx.connected.connect(self._context_changed)
        self._registry = ctx.registry
        self.set_session(ctx.session)

    def _context_changed(self, *_args: object) -> None:
        if self._loaded:
            self.reload()

    def _accounts_changed(self) -> None:
        self._listed = None  # the page's own change: always tell the others
        self.reload()

    @property
    def active_name(self) -> str | None:
        """The account the staking and owner pages act as (None without a context)."""
        if self._ctx is None:
            return None
        record = self._ctx.active_account
        return record.name if record is not None else None

    def use_account(self, name: str) -> None:
        """Make `name` the account the staking and owner pages act as."""
        if self._ctx is not None:
            self._ctx.set_active_account(name)

    def showEvent(self, event: QShowEvent) -> None:
        if not self._loaded:
            self.reload()
        super().showEvent(event)

    # -- the list ---------------------------------------------------------------------------
    def reload(self) -> None:
        """Rebuild the cards from the registry (a small JSON file)."""
        self._loaded = True
        try:
            records = self.registry.accounts()
            contacts = self.registry.contacts()
        except NumerbayError as error:
            records, contacts = [], []
            self._clear(self.accounts_box)
            self.accounts_box.addWidget(self._notice(str(error)))
            return
        self._clear(self.accounts_box)
        self.cards = {}
        self.empty_state = None
        self.demo_offer = None
        self.use_buttons = {}
        if not records:
            self.demo_offer = self._demo_offer()
            if self.demo_offer is not None:
                self.accounts_box.addWidget(self.demo_offer)
            else:
                self.empty_state = self._empty_state()
                self.accounts_box.addWidget(self.empty_state)
        active = self.active_name
        for record in records:
            card = self._account_card(record, active)
            self.cards[record.name] = card
            self.accounts_box.addWidget(card)
        listed = tuple((r.name, r.label, r.kind) for r in records)
        if listed != self._listed:  # added, renamed or removed outside the page's own dialogs
            self._listed = listed
            if self._ctx is not None:
                self._ctx.accounts_changed.emit()
        self._clear(self.contacts_box)
        self.contact_rows = {}
        if not contacts:
            self.contacts_box.addWidget(_label(self.tr("No contacts yet."), role="faint"))
        for contact in contacts:
            row = self._contact_row(contact)
            self.contact_rows[contact.name] = row
            self.contacts_box.addWidget(row)

    @staticmethod
    def _clear(layout: QVBoxLayout) -> None:
        while layout.count():
            item = layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
                widget.deleteLater()

    def _empty_state(self) -> EmptyState:
        empty = EmptyState(
            "accounts",
            self.tr("No accounts yet"),
            self.tr(
                "Your accounts will be listed here. Import the one you already use (recovery "
                "phrase, private key or keystore file), or watch an address without its key."
            ),
            self.tr(
                "Create a new account, or import the one you already use. Each is locked "
                "with a password and stays on this computer."
            ),
            self.tr("Create account"),
        )
        empty.setMaximumWidth(16777215)
        empty.action_clicked.connect(self.open_create)
        empty.refresh_theme()
        return empty

    def _demo_offer(self) -> DemoAccountsOffer | None:
        """On the devnet sandbox only: its public demo accounts in one click."""
        ctx = self._ctx
        info = ctx.devnet_info if ctx is not None and ctx.is_devnet else None
        mnemonic = info.get("mnemonic") if info else None
        if ctx is None or not isinstance(mnemonic, str):
            return None
        from numerbay_desktop.ui.account_demo import DEMO_STAKER, DemoAccountsOffer

        offer = DemoAccountsOffer(self.registry, self.session, mnemonic)

        def imported(names: list[str]) -> None:
            if DEMO_STAKER in names:
                ctx.set_active_account(DEMO_STAKER)
            self._accounts_changed()
            ctx.notice.emit(self.tr("Demo accounts imported and unlocked: {0} is active.")
                            .format(self.active_name or ""))

        offer.imported.connect(imported)
        return offer

    def _notice(self, text: str) -> QFrame:
        card = QFrame()
        card.setObjectName("Card")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(20, 16, 20, 16)
        label = _label(text, role="muted")
        label.setWordWrap(True)
        layout.addWidget(label)
        return card

    def _copy_button(self, address: str) -> QPushButton:
        button = QPushButton(self.tr("Copy"))
        button.setToolTip(self.tr("Copy the address"))

        def copy() -> None:
            QGuiApplication.clipboard().setText(address)
            button.setText(self.tr("Copied"))
            # The button as context: no callback once a reload has deleted it.
            QTimer.singleShot(1500, button, lambda: button.setText(self.tr("Copy")))

        button.clicked.connect(copy)
        return button

    def _account_card(self, record: AccountRecord, active: str | None = None) -> QFrame:
        palette = current_palette()
        card = QFrame()
        card.setObjectName("Card")
        layout = QHBoxLayout(card)
        layout.setContentsMargins(20, 14, 16, 14)
        layout.setSpacing(14)

        text = QVBoxLayout()
        text.setSpacing(4)
        title_row = QHBoxLayout()
        title_row.setSpacing(8)
        title = QLabel(record.label or record.name)
        title.setStyleSheet("font-size: 11.5pt; font-weight: 700;")
        title_row.addWidget(title)
        if record.label:
            title_row.addWidget(_label(record.name, role="faint"))
        if record.can_sign:
            title_row.addWidget(_badge(self.tr("hot wallet"), palette.accent))
            unlocked = self._is_unlocked(record.name)
            state = self.tr("unlocked") if unlocked else self.tr("locked")
            title_row.addWidget(
                _badge(state, palette.success if unlocked else palette.text_faint)
            )
        else:
            title_row.addWidget(_badge(self.tr("watch-only"), palette.warning))
        if active is not None and record.name == active:
            badge = _badge(self.tr("active"), palette.success)
            badge.setToolTip(self.tr(
                "The marketplace, portfolio and my vaults pages act as this account"))
            title_row.addWidget(badge)
        title_row.addStretch(1)
        text.addLayout(title_row)
        address_row = QHBoxLayout()
        address_row.setSpacing(8)
        address = QLabel(record.address)
        address.setObjectName("AccountAddress")
        address.setStyleSheet(MONO + f"color: {palette.text_muted};")
        address_row.addWidget(address)
        address_row.addWidget(self._copy_button(record.address))
        address_row.addStretch(1)
        text.addLayout(address_row)
        if record.hd_path:
            text.addWidget(_label(self.tr("Derivation path {0}").format(record.hd_path), "faint"))
        layout.addLayout(text, 1)

        if active is not None and record.name != active:
            use = QPushButton(self.tr("Use for staking"))
            use.setToolTip(self.tr(
                "The marketplace, portfolio and my vaults pages act as this account"))
            use.clicked.connect(lambda _c=False, n=record.name: self.use_account(n))
            self.use_buttons[record.name] = use
            layout.addWidget(use)
        if record.can_sign:
            lock = QPushButton(
                self.tr("Lock") if self._is_unlocked(record.name) else self.tr("Unlock")
            )
            lock.clicked.connect(lambda _c=False, n=record.name: self.toggle_lock(n))
            layout.addWidget(lock)
        more = QPushButton(self.tr("More"))
        menu = QMenu(more)
        name = record.name
        menu.addAction(self.tr("Rename…")).triggered.connect(lambda: self.rename(name))
        if record.can_sign:
            menu.addAction(self.tr("Change password…")).triggered.connect(
                lambda: self.change_password(name))
            menu.addAction(self.tr("Export keystore…")).triggered.connect(
                lambda: self.export(name))
        menu.addAction(self.tr("Delete…")).triggered.connect(lambda: self.delete(name))
        more.setMenu(menu)
        layout.addWidget(more)
        return card

    def _contact_row(self, contact: Contact) -> QFrame:
        row = QFrame()
        row.setObjectName("Card")
        layout = QHBoxLayout(row)
        layout.setContentsMargins(16, 8, 12, 8)
        layout.setSpacing(12)
        name = QLabel(contact.name)
        name.setStyleSheet("font-weight: 600;")
        name.setMinimumWidth(140)
        layout.addWidget(name)
        address = QLabel(contact.address)
        address.setStyleSheet(MONO + f"color: {current_palette().text_muted};")
        layout.addWidget(address)
        layout.addWidget(self._copy_button(contact.address))
        layout.addWidget(_label(contact.note, role="faint"), 1)
        remove = QPushButton(self.tr("Remove"))
        remove.clicked.connect(lambda _c=False, n=contact.name: self.remove_contact(n))
        layout.addWidget(remove)
        return row

    def _is_unlocked(self, name: str) -> bool:
        return self._session is not None and self._session.is_unlocked(name)

    # -- actions ----------------------------------------------------------------------------
    def _open(self, dialog: QDialog) -> QDialog:
        saved = getattr(dialog, "saved", None)
        if saved is not None:
            saved.connect(lambda _result: self._accounts_changed())
        self.dialog = dialog
        dialog.open()
        return dialog

    def open_create(self) -> QDialog:
        from numerbay_desktop.ui.account_create import CreateAccountDialog

        return self._open(CreateAccountDialog(self.registry, self))

    def open_import(self) -> QDialog:
        from numerbay_desktop.ui.account_import import ImportAccountDialog

        return self._open(ImportAccountDialog(self.registry, self))

    def open_watch(self) -> QDialog:
        from numerbay_desktop.ui.accounts_dialogs import WatchDialog

        return self._open(WatchDialog(self.registry, self))

    def open_add_contact(self) -> QDialog:
        from numerbay_desktop.ui.accounts_dialogs import ContactDialog

        return self._open(ContactDialog(self.registry, self))

    def rename(self, name: str) -> QDialog:
        from numerbay_desktop.ui.accounts_dialogs import LabelDialog

        return self._open(LabelDialog(self.registry, self.registry.get(name), self))

    def change_password(self, name: str) -> QDialog:
        from numerbay_desktop.ui.accounts_dialogs import ChangePasswordDialog

        return self._open(ChangePasswordDialog(self.registry, self.registry.get(name), self))

    def toggle_lock(self, name: str) -> None:
        if self._is_unlocked(name):
            self.session.lock(name)
            self.reload()
            return
        from numerbay_desktop.ui.unlock import unlock_account

        async def unlock() -> None:
            await unlock_account(self, self.registry, self.registry.get(name), self.session)
            self.reload()

        keep(asyncio.get_running_loop().create_task(unlock()))

    def export(self, name: str, destination: Path | None = None) -> None:
        """Write the encrypted keystore to `destination` (asked with a file dialog if None)."""
        if destination is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self, self.tr("Export the keystore of '{0}'").format(name),
                str(Path.home() / f"{name}.keystore.json"), self.tr("Keystore (*.json)"),
            )
            if not chosen:
                return
            destination = Path(chosen)
        target = destination
        BackgroundOp(self, lambda: self.registry.export(name, target)).success(
            lambda path: self._tell(self.tr(
                "The keystore was saved to {0}. It opens with the account's password."
            ).format(path))
        ).with_progress(self.tr("Exporting the keystore")).run()

    def delete(self, name: str) -> QMessageBox:
        """Ask first; a hot account's keystore goes to the trash folder (recoverable)."""
        record = self.registry.get(name)
        if record.can_sign:
            detail = self.tr(
                "Its keystore file is moved to the trash folder inside the data folder, from "
                "where it can be restored. Make sure you have its recovery phrase or an export."
            )
        else:
            detail = self.tr("It is only watched: no key is involved.")
        box = QMessageBox(
            QMessageBox.Icon.Warning, self.tr("Delete '{0}'?").format(name),
            self.tr("Delete the account '{0}' ({1})?").format(name, record.address),
            QMessageBox.StandardButton.Cancel, self,
        )
        box.setInformativeText(detail)
        delete_button = box.addButton(self.tr("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)

        def finished(_result: int) -> None:
            if box.clickedButton() is delete_button:
                BackgroundOp(self, lambda: self.registry.delete(name)).success(
                    lambda _trashed: self._accounts_changed()
                ).run()

        box.finished.connect(finished)
        self.confirm_box = box
        box.open()
        return box

    def remove_contact(self, name: str) -> None:
        self.registry.remove_contact(name)
        self._accounts_changed()

    def _tell(self, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Information, "NumerBay", text,
                          QMessageBox.StandardButton.Ok, self)
        self.confirm_box = box
        box.open()

    def refresh_theme(self) -> None:
        super().refresh_theme()
        if self._loaded:
            self.reload()  # badges and monospace colours come from the palette
