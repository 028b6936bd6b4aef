"""The status bar: the active account (a picker), network, chain id, latest block, Numerai
API, offline mode, busy indicator.

    status.bind_accounts(ctx)    # the picker lists ctx.registry, picks with set_active_account
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStatusBar,
    QWidget,
)

from numerbay_desktop.ui.theme import current_palette

if TYPE_CHECKING:
    from numerbay_desktop.ui.app_context import AppContext

NETWORK_LABELS = {
    "devnet": QT_TRANSLATE_NOOP("ConnectionStatusBar", "Devnet sandbox"),
    "mainnet": QT_TRANSLATE_NOOP("ConnectionStatusBar", "Ethereum mainnet"),
    "sepolia": QT_TRANSLATE_NOOP("ConnectionStatusBar", "Sepolia"),
    "custom": QT_TRANSLATE_NOOP("ConnectionStatusBar", "Custom network"),
}

# What the shell and the poller say of the Numerai API (translated where shown).
NUMERAI_STATES = (
    QT_TRANSLATE_NOOP("ConnectionStatusBar", "not checked yet"),
    QT_TRANSLATE_NOOP("ConnectionStatusBar", "checking"),
    QT_TRANSLATE_NOOP("ConnectionStatusBar", "online"),
    QT_TRANSLATE_NOOP("ConnectionStatusBar", "unreachable"),
    QT_TRANSLATE_NOOP("ConnectionStatusBar", "off (offline mode)"),
    QT_TRANSLATE_NOOP("ConnectionStatusBar", "waiting for the devnet"),
    QT_TRANSLATE_NOOP("ConnectionStatusBar", "not part of this devnet yet"),
)


class AccountPicker(QWidget):
    """"Acting as [Staker ▾]": the account the staking and owner pages use, from any page.

    The list is read again when it opens and whenever the Accounts page changes an account;
    with no account yet it is a button to the Accounts page."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx: AppContext | None = None
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 6, 0)
        layout.setSpacing(6)
        self.caption = QLabel(self.tr("Acting as"))
        self.caption.setProperty("role", "muted")
        self.combo = _RefreshingCombo(self.refresh)
        self.combo.setObjectName("AccountPicker")
        self.combo.setToolTip(self.tr(
            "The account the marketplace, portfolio and my vaults pages act as"))
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.combo.setMaximumWidth(220)  # the list drops down wider; the bar stays calm
        self.combo.activated.connect(self._picked)
        self.add_button = QPushButton(self.tr("Add an account"))
        self.add_button.setObjectName("LinkButton")
        self.add_button.setFlat(True)
        self.add_button.clicked.connect(self._to_accounts)
        for widget in (self.caption, self.combo, self.add_button):
            layout.addWidget(widget)
        self.hide()

    def bind(self, ctx: AppContext) -> None:
        if self.ctx is not None:
            for signal in (self.ctx.active_account_changed, self.ctx.accounts_changed):
                signal.disconnect(self.refresh)
        self.ctx = ctx
        ctx.active_account_changed.connect(self.refresh)
        ctx.accounts_changed.connect(self.refresh)
        self.show()
        self.refresh()

    def refresh(self, *_args: object) -> None:
        """List the registry's accounts with the active one selected."""
        if self.ctx is None:
            return
        records = self.ctx.registry.accounts()
        active = self.ctx.active_account
        self.combo.blockSignals(True)
        self.combo.clear()
        for record in records:
            text = record.label or record.name
            if not record.can_sign:
                text = self.tr("{0} (watch-only)").format(text)
            self.combo.addItem(text, record.name)
        if active is not None:
            self.combo.setCurrentIndex(self.combo.findData(active.name))
        self.combo.blockSignals(False)
        self.combo.setVisible(bool(records))
        self.caption.setVisible(bool(records))
        self.add_button.setVisible(not records)

    def current_name(self) -> str | None:
        data = self.combo.currentData()
        return data if isinstance(data, str) and self.combo.isVisible() else None

    def _picked(self, index: int) -> None:
        name = self.combo.itemData(index)
        if self.ctx is not None and isinstance(name, str):
            active = self.ctx.active_account
            if active is None or active.name != name:
                self.ctx.set_active_account(name)

    def _to_accounts(self) -> None:
        if self.ctx is not None:
            self.ctx.navigate.emit("accounts")


class _RefreshingCombo(QComboBox):
    """Reads the account list again just before it drops down (another window may have
    changed it: the command line, a second page)."""

    def __init__(self, refresh: Callable[[], None]) -> None:
        super().__init__()
        self._refresh = refresh

    def showPopup(self) -> None:
        self._refresh()
        super().showPopup()


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
        self.account_picker = AccountPicker()
        for label in (
            self.account_picker, self.offline_label, self.network_label, self.chain_label,
            self.block_label, self.numerai_label,
        ):
            self.addPermanentWidget(label)
        self._busy_labels: list[str] = []
        self._network = "devnet"
        self._connected: bool | None = None
        self.show_network("devnet", None)
        self.show_block(None)
        self.show_numerai("not checked yet")

    def bind_accounts(self, ctx: AppContext) -> None:
        """Show the active account picker for the app's context."""
        self.account_picker.bind(ctx)

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
        shown = self.tr(state) if state in NUMERAI_STATES else state
        self.numerai_label.setText(self.tr("Numerai API: {0}").format(shown))

    def show_offline(self, offline: bool) -> None:
        self.offline_label.setVisible(offline)

    def refresh_theme(self) -> None:
        self._paint_network()

    def _paint_network(self) -> None:
        palette = current_palette()
        colour = {True: palette.success, False: palette.danger, None: palette.text_faint}[
            self._connected
        ]
        label = NETWORK_LABELS.get(self._network)
        name = QCoreApplication.translate("ConnectionStatusBar", label) if label else self._network
        self.network_label.setText(f'<span style="color:{colour}">●</span>&nbsp;{name}')
        self.network_label.setToolTip({
            True: self.tr("Connected"), False: self.tr("Not reachable"),
            None: self.tr("Not connected"),
        }[self._connected])

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
