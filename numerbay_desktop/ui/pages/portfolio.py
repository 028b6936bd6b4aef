"""Portfolio: the user's stakes, their value, profit and loss, fees and unlock dates."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from numerbay_desktop.ui.pages.base import EmptyState, Page


class PortfolioPage(Page):
    KEY = "portfolio"
    TITLE = "Portfolio"
    SUBTITLE = "What you have staked, what it is worth now, and when you can take it out."

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.set_empty_state(
            EmptyState(
                "portfolio",
                self.tr("You have no stakes yet"),
                self.tr(
                    "Your stakes will appear here, grouped by vault: their value after fees, "
                    "profit and loss, the fees you pay, and the date each one unlocks. A chart "
                    "follows your portfolio's value round by round."
                ),
                self.tr(
                    "Pick a model in the Marketplace and preview exactly what you would pay "
                    "before you stake anything."
                ),
                self.tr("Browse the marketplace"),
            ),
            target="marketplace",
        )
