"""My vaults: the vaults this user runs as a model owner, and their round work."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from numerbay_desktop.ui.pages.base import EmptyState, Page


class MyVaultsPage(Page):
    KEY = "my_vaults"
    TITLE = "My vaults"
    SUBTITLE = "Open your Numerai model to stakers and run its daily round work."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.set_empty_state(
            EmptyState(
                "my_vaults",
                self.tr("You don't run a vault yet"),
                self.tr(
                    "If you have a Numerai model, a vault lets others stake on it and share "
                    "the profit. Here you will set its fees, commitments and capacity, and "
                    "stake and settle each round by hand or with a keeper."
                ),
                self.tr(
                    "Add the Ethereum account that owns your model in Accounts; then create "
                    "your vault from here."
                ),
                self.tr("Go to Accounts"),
            ),
            target="accounts",
        )
