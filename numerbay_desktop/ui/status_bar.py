"""The status bar: network, chain id, latest block, Numerai API, offline mode, busy indicator."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QStatusBar, QWidget

from numerbay_desktop.ui.theme import current_palette

NETWORK_LABELS = {
    "devnet": "Devnet sandbox",
    "mainnet": "Ethereum mainnet",
    "sepolia": "Sepolia",
    "custom": "Custom network",
}


class ConnectionStatusBar(QStatusBar):
    """Shows where the app is connected; pages never write here directly, the app shell does."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizeGripEnabled(False)
        busy = QWidget()
        busy_layout = QHBoxLayout(busy)
        busy_layout.setContentsMargins(10, 0, 0, 0)
        busy_layout.setSpacing(8)
        self.busy_bar = QProgressBar()
        self.busy_bar.setObjectName("BusyBar")
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setFixedHeight(6)
        self.busy_label = QLabel()
        busy_layout.addWidget(self.busy_bar)
        busy_layout.addWidget(self.busy_label)
        self.busy = busy
        self.busy.hide()
        self.addWidget(busy)

        self.offline_label = QLabel(self.tr("Offline mode: no network connections"))
        self.offline_label.setObjectName("StatusOffline")
        self.offline_label.hide()
        self.network_label = QLabel()
        self.network_label.setObjectName("StatusNetwork")
        self.chain_label = QLabel()
        self.block_label = QLabel()
        self.numerai_label = QLabel()
        for label in (
            self.offline_label, self.network_label, self.chain_label, self.block_label,
            self.numerai_label,
        ):
            self.addPermanentWidget(label)
        self._busy_labels: list[str] = []
        self._network = "devnet"
        self._connected: bool | None = None
        self.show_network("devnet", None)
        self.show_block(None)
        self.show_numerai("not checked yet")

    # -- connection -------------------------------------------------------------------------
    def show_network(
        self, network: str, chain_id: int | None, connected: bool | None = None
    ) -> None:
        self._network = network
        self._connected = connected
        self._paint_network()
        self.show_chain_id(chain_id)

    def show_chain_id(self, chain_id: int | None) -> None:
        if chain_id is None:
            self.chain_label.setText(self.tr("Chain id —"))
        else:
            self.chain_label.setText(self.tr("Chain id {0}").format(chain_id))

    def show_block(self, number: int | None, problem: str | None = None) -> None:
        if number is not None:
            self.block_label.setText(self.tr("Block {0}").format(f"{number:,}"))
            self.block_label.setToolTip("")
            if self._connected is not True:
                self._connected = True
                self._paint_network()
        else:
            self.block_label.setText(self.tr("Block —"))
            self.block_label.setToolTip(problem or "")
            if problem and self._connected is not False:
                self._connected = False
                self._paint_network()

    def show_numerai(self, state: str) -> None:
        self.numerai_label.setText(self.tr("Numerai API: {0}").format(state))

    def show_offline(self, offline: bool) -> None:
        self.offline_label.setVisible(offline)

    def refresh_theme(self) -> None:
        self._paint_network()

    def _paint_network(self) -> None:
        palette = current_palette()
        colour = {True: palette.success, False: palette.danger, None: palette.text_faint}[
            self._connected
        ]
        name = NETWORK_LABELS.get(self._network, self._network)
        self.network_label.setText(f'<span style="color:{colour}">●</span>&nbsp;{name}')
        self.network_label.setToolTip(
            {True: "Connected", False: "Not reachable", None: "Not connected"}[self._connected]
        )

    # -- busy indicator (the BackgroundOp progress host) --------------------------------------
    def begin_busy(self, label: str) -> Callable[[], None]:
        """Show the busy indicator with `label`; call the returned function when done."""
        self._busy_labels.append(label)
        self._show_busy()
        done = False

        def finish() -> None:
            nonlocal done
            if done:
                return
            done = True
            self._busy_labels.remove(label)
            self._show_busy()

        return finish

    def busy_text(self) -> str:
        return "" if self.busy.isHidden() else self.busy_label.text()

    def _show_busy(self) -> None:
        if not self._busy_labels:
            self.busy.hide()
            return
        extra = len(self._busy_labels) - 1
        text = self._busy_labels[-1] + (self.tr(" (+{0} more)").format(extra) if extra else "")
        self.busy_label.setText(text)
        self.busy.show()
