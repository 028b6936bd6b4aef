"""The devnet panel (only on the devnet): mint play NMR to an account, move the sandbox forward
by days or rounds, and show the demo recovery phrase behind a button.

    panel = DevnetPanel(shell.devnet_info, parent)   # the JSON of `numerbay devnet up`
    panel.show()

Everything goes through the running devnet's control endpoint (services/devnet_control.py):
the world's round work (owners, stakers, the local Numerai) runs there, not in the app.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.services.devnet_control import (
    WEI_PER_NMR,
    DevnetControl,
    DevnetControlError,
    nmr_to_wei,
)
from numerbay_desktop.ui import cards
from numerbay_desktop.ui.settings_network import set_tone
from numerbay_desktop.ui.tasks import BackgroundOp

MAX_ADVANCE = 60  # more at once is better done from the CLI (`numerbay devnet advance`)


def _section(title: str, note: str) -> tuple[QFrame, QVBoxLayout]:
    return cards.card(title, note, margins=(20, 16, 20, 16))


def _nmr(wei: int) -> str:
    text = f"{Decimal(wei) / WEI_PER_NMR:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class DevnetPanel(QDialog):
    """Mint, advance, and the demo phrase. Not modal: the app stays usable beside it."""

    def __init__(self, info: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Devnet panel"))
        # Wrapped text in a dialog does not grow it by itself: give it room from the start.
        self.setMinimumSize(660, 640)
        self.resize(700, 660)
        self.info = info  # demo keys inside: never log it
        self.control = DevnetControl(str(info.get("control_url") or "http://127.0.0.1:1"))
        self._stop_advance = False
        self.advancing = False

        layout = QVBoxLayout(self)
        layout.setContentsMargins(22, 20, 22, 20)
        layout.setSpacing(14)
        banner = QLabel(
            self.tr("Play money only: everything here happens in the sandbox on this computer.")
        )
        banner.setWordWrap(True)
        set_tone(banner, "warning")
        layout.addWidget(banner)
        layout.addWidget(self._mint_section())
        layout.addWidget(self._advance_section())
        layout.addWidget(self._phrase_section())
        layout.addStretch(1)
        close_row = QHBoxLayout()
        close_row.addStretch(1)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.close)
        close_row.addWidget(close)
        layout.addLayout(close_row)

    # -- mint -------------------------------------------------------------------------------
    def _mint_section(self) -> QFrame:
        frame, layout = _section(
            self.tr("Mint NMR"),
            self.tr("Create play NMR in any account: one of the demo accounts or your own."),
        )
        self.account = QComboBox()
        self.account.setEditable(True)
        self.account.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.set_accounts([])
        line = self.account.lineEdit()
        if line is not None:
            line.setPlaceholderText("0x…")
        self.amount = QLineEdit()
        self.amount.setPlaceholderText(self.tr("Amount of NMR, e.g. 100"))
        self.amount.setText("100")
        self.mint_button = QPushButton(self.tr("Mint"))
        self.mint_button.setObjectName("PrimaryButton")
        self.mint_button.clicked.connect(self.mint)
        self.account.setMinimumWidth(420)
        account_row = QHBoxLayout()
        account_row.setSpacing(8)
        account_label = QLabel(self.tr("Account"))
        account_label.setFixedWidth(64)
        account_row.addWidget(account_label)
        account_row.addWidget(self.account, 1)
        layout.addLayout(account_row)
        row = QHBoxLayout()
        row.setSpacing(8)
        amount_label = QLabel(self.tr("Amount"))
        amount_label.setFixedWidth(64)
        self.amount.setMaximumWidth(220)
        row.addWidget(amount_label)
        row.addWidget(self.amount)
        row.addWidget(QLabel("NMR"))
        row.addStretch(1)
        row.addWidget(self.mint_button)
        layout.addLayout(row)
        self.mint_status = QLabel("")
        self.mint_status.setWordWrap(True)
        self.mint_status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.mint_status)
        return frame

    def set_accounts(self, accounts: list[tuple[str, str]]) -> None:
        """List the app's accounts by name (name, address) first, then the other demo
        addresses; the field still takes any address typed in."""
        typed = self.account.currentText()
        if self.account.findText(typed) >= 0:
            typed = ""  # a listed entry, not something typed in: the new list decides
        self.account.clear()
        listed: set[str] = set()
        for name, address in accounts:
            self.account.addItem(f"{name} · {address}", address)
            listed.add(address.lower())
        for entry in self.info.get("accounts") or []:
            address = str(entry["address"])
            if address.lower() not in listed:
                self.account.addItem(address, address)
        if typed and self.account.findText(typed) < 0:
            self.account.setEditText(typed)

    def chosen_address(self) -> str:
        """The address to mint to: a listed account's, or the text typed in."""
        text = self.account.currentText().strip()
        index = self.account.findText(text)
        data = self.account.itemData(index) if index >= 0 else None
        return str(data) if data else text

    def mint(self) -> BackgroundOp[dict[str, Any]] | None:
        from numerbay_desktop.chain.networks import checksum_address

        try:
            to = checksum_address(self.chosen_address(), "account")
            wei = nmr_to_wei(self.amount.text())
        except NumerbayError as error:
            self._say(self.mint_status, str(error), "danger")
            return None
        self.mint_button.setEnabled(False)
        self._say(self.mint_status, self.tr("Minting…"), None)

        def done(result: dict[str, Any]) -> None:
            self.mint_button.setEnabled(True)
            self._say(
                self.mint_status,
                self.tr("Minted {amount} NMR to {to}.").format(
                    amount=_nmr(int(result["amount_wei"])),
                    to=f"{result['to'][:8]}…{result['to'][-6:]}",
                ),
                "success",
            )

        async def send() -> dict[str, Any]:
            return await self.control.mint(to, wei)

        op = BackgroundOp[dict[str, Any]](self, send).success(done)
        op.failure(lambda error: self._failed(self.mint_status, self.mint_button, error))
        op.run()
        return op

    # -- advance ----------------------------------------------------------------------------
    def _advance_section(self) -> QFrame:
        frame, layout = _section(
            self.tr("Move time forward"),
            self.tr(
                "Rounds are daily, so a round and a day are the same step. Each step plays "
                "that day in full: Numerai's round, the owners' stakes and the resolutions."
            ),
        )
        row = QHBoxLayout()
        row.setSpacing(8)
        self.steps = QSpinBox()
        self.steps.setRange(1, MAX_ADVANCE)
        self.steps.setMinimumWidth(80)
        self.steps.setValue(1)
        self.unit = QComboBox()
        self.unit.addItem(self.tr("days"), "days")
        self.unit.addItem(self.tr("rounds"), "rounds")
        self.advance_button = QPushButton(self.tr("Advance"))
        self.advance_button.setObjectName("PrimaryButton")
        self.advance_button.clicked.connect(self.advance)
        self.stop_button = QPushButton(self.tr("Stop after this day"))
        self.stop_button.clicked.connect(self._request_stop)
        self.stop_button.hide()
        row.addWidget(self.steps)
        row.addWidget(self.unit)
        row.addStretch(1)
        row.addWidget(self.stop_button)
        row.addWidget(self.advance_button)
        layout.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.progress.hide()
        layout.addWidget(self.progress)
        self.advance_status = QLabel("")
        self.advance_status.setWordWrap(True)
        layout.addWidget(self.advance_status)
        return frame

    def advance(self) -> BackgroundOp[dict[str, Any]] | None:
        if self.advancing:
            return None
        total = self.steps.value()
        self.advancing = True
        self._stop_advance = False
        self.advance_button.setEnabled(False)
        self.stop_button.setVisible(total > 1)
        self.progress.setRange(0, total)
        self.progress.setValue(0)
        self.progress.setFormat(self.tr("%v of %m days played"))
        self.progress.show()
        self._say(self.advance_status, self.tr("Playing the next day…"), None)

        async def run() -> dict[str, Any]:
            last: dict[str, Any] = {}
            for played in range(1, total + 1):
                last = await self.control.advance(1)  # one at a time: real progress, stoppable
                last["played"] = played
                self.progress.setValue(played)
                if self._stop_advance:
                    break
            return last

        def done(result: dict[str, Any]) -> None:
            self._end_advance()
            self._say(
                self.advance_status,
                self.tr("Played {played} day(s); the sandbox is now in round {round}.").format(
                    played=result.get("played", 0), round=result.get("round", "?")
                ),
                "success",
            )

        op = BackgroundOp[dict[str, Any]](self, run).success(done)
        def failed(error: BaseException) -> None:
            self._end_advance()
            self._failed(self.advance_status, None, error)

        op.failure(failed)
        op.run()
        return op

    def _request_stop(self) -> None:
        self._stop_advance = True
        self.stop_button.setEnabled(False)

    def _end_advance(self) -> None:
        self.advancing = False
        self.advance_button.setEnabled(True)
        self.stop_button.hide()
        self.stop_button.setEnabled(True)

    # -- the demo phrase --------------------------------------------------------------------
    def _phrase_section(self) -> QFrame:
        frame, layout = _section(
            self.tr("Demo recovery phrase"),
            self.tr(
                "Every demo account comes from this phrase. It is public and for play money "
                "only: never send real NMR or ETH to these accounts, and never use this phrase "
                "on Ethereum mainnet."
            ),
        )
        row = QHBoxLayout()
        self.phrase = QLabel("")
        self.phrase.setProperty("role", "mono")
        self.phrase.setWordWrap(True)
        self.phrase.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.phrase.hide()
        self.show_phrase_button = QPushButton(self.tr("Show"))
        self.show_phrase_button.clicked.connect(self.toggle_phrase)
        row.addWidget(self.phrase, 1)
        row.addStretch(0)
        row.addWidget(self.show_phrase_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(row)
        return frame

    def toggle_phrase(self) -> None:
        showing = not self.phrase.isVisible()
        self.phrase.setText(str(self.info.get("mnemonic") or "") if showing else "")
        self.phrase.setVisible(showing)
        self.show_phrase_button.setText(self.tr("Hide") if showing else self.tr("Show"))

    # -- shared -----------------------------------------------------------------------------
    def begin_busy(self, _label: str) -> Callable[[], None]:
        """BackgroundOp's busy hook: each section shows its own progress, so nothing more."""
        return lambda: None

    def _say(self, label: QLabel, text: str, tone: str | None) -> None:
        label.setText(text)
        set_tone(label, tone)

    def _failed(self, label: QLabel, button: QPushButton | None, error: BaseException) -> None:
        if button is not None:
            button.setEnabled(True)
        if isinstance(error, (DevnetControlError, NumerbayError)):
            self._say(label, str(error), "danger")
        else:
            self._say(label, self.tr("Something went wrong; the details are in the log."),
                      "danger")

    def closeEvent(self, event: Any) -> None:
        self.phrase.setText("")  # the phrase does not linger in a hidden widget
        self.phrase.hide()
        self.show_phrase_button.setText(self.tr("Show"))
        super().closeEvent(event)
