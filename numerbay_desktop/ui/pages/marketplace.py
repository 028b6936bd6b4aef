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
        # (headline, first step, button, target page) before and after a network connects.
        self._not_connected = (
            self.tr("No vaults to show yet"),
            self.tr(
                "Connect to a network. The devnet sandbox lets you try everything with "
                "play money; Ethereum mainnet uses your real NMR. Choose in Settings."
            ),
            self.tr("Choose a network"),
            "settings",
        )
        self._connected = (
            self.tr("No vaults on this network yet"),
            self.tr(
                "Vaults appear here as soon as model owners open them. Meanwhile, set up the "
                "account you will stake from."
            ),
            self.tr("Set up an account"),
            "accounts",
        )
        headline, first_step, button, target = self._not_connected
        self.set_empty_state(
            EmptyState(
                "marketplace",
                headline,
                self.tr(
                    "Here you will compare Numerai models you can stake on: how they have "
                    "scored round after round, what a vault earned its stakers, the fees at "
                    "each stake size, and how much room is left."
                ),
                first_step,
                button,
            ),
            target=target,
        )

    def network_changed(self, network: str, chain_id: int | None) -> None:
        empty = self.empty_state
        if empty is None or empty.action is None:
            return
        headline, first_step, button, target = (
            self._connected if chain_id is not None else self._not_connected
        )
        empty.headline.setText(headline)
        empty.first_step.setText(first_step)
        empty.action.setText(button)
        self.empty_target = target
