"""Accounts: the user's Ethereum accounts, kept encrypted on this computer."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from numerbay_desktop.ui.pages.base import EmptyState, Page


class AccountsPage(Page):
    KEY = "accounts"
    TITLE = "Accounts"
    SUBTITLE = "Your Ethereum accounts and address book. Keys never leave this computer."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.set_empty_state(
            EmptyState(
                "accounts",
                self.tr("No accounts yet"),
                self.tr(
                    "Your accounts will be listed here with their NMR and ETH balances. You "
                    "will be able to create a new one, import a recovery phrase, a private key "
                    "or a keystore file, or watch an address without its key."
                ),
                self.tr(
                    "Create a new account, or import the one you already use. Each is locked "
                    "with a password and stays on this computer."
                ),
            ),
        )
