"""Marketplace: every model that accepts stakers, to compare and pick from."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from numerbay_desktop.ui.pages.base import EmptyState, Page


class MarketplacePage(Page):
    KEY = "marketplace"
    TITLE = "Marketplace"
    SUBTITLE = "Models that accept stakers, with their track record, returns, fees and room left."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.set_empty_state(
            EmptyState(
                "marketplace",
                self.tr("No vaults to show yet"),
                self.tr(
                    "Here you will compare Numerai models you can stake on: how they have "
                    "scored round after round, what a vault earned its stakers, the fees at "
                    "each stake size, and how much room is left."
                ),
                self.tr(
                    "Connect to a network. The devnet sandbox lets you try everything with "
                    "play money; Ethereum mainnet uses your real NMR. Choose in Settings."
                ),
                self.tr("Choose a network"),
            ),
            target="settings",
        )
