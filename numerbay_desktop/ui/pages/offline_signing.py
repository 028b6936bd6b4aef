"""Offline signing: prepare on an online computer, sign on one that never goes online."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from numerbay_desktop.ui.pages.base import EmptyState, Page


class OfflineSigningPage(Page):
    KEY = "offline_signing"
    TITLE = "Offline signing"
    SUBTITLE = "Keep your key on a computer that never connects, and still stake."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.set_empty_state(
            EmptyState(
                "offline_signing",
                self.tr("Nothing to sign"),
                self.tr(
                    "The online copy of the app prepares a request as a file or a QR code; the "
                    "offline copy shows exactly what it does and signs it; the online copy "
                    "checks the signature and sends it."
                ),
                self.tr(
                    "On the online computer, add your account as watch-only (its address, no "
                    "key). On the offline one, start the app with --offline and import the key."
                ),
                self.tr("Go to Accounts"),
            ),
            target="accounts",
        )
