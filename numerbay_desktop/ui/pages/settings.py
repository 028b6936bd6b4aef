"""Settings: appearance and where data lives now; network choice and RPC checks come later."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.ui.pages.base import Page

NETWORK_NAMES = {
    "devnet": "Devnet sandbox (play money)",
    "mainnet": "Ethereum mainnet",
    "sepolia": "Sepolia test network",
    "custom": "Your own network",
}


def _card(title: str, note: str | None = None) -> tuple[QFrame, QVBoxLayout]:
    card = QFrame()
    card.setObjectName("Card")
    layout = QVBoxLayout(card)
    layout.setContentsMargins(24, 20, 24, 20)
    layout.setSpacing(10)
    heading = QLabel(title)
    heading.setObjectName("SectionTitle")
    layout.addWidget(heading)
    if note:
        text = QLabel(note)
        text.setProperty("role", "muted")
        text.setWordWrap(True)
        layout.addWidget(text)
    return card, layout


def _value_label(text: str = "", role: str | None = None) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if role:
        label.setProperty("role", role)
    return label


class SettingsPage(Page):
    KEY = "settings"
    TITLE = "Settings"
    SUBTITLE = "How the app looks, which network it uses, and where it keeps your data."

    theme_selected = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        column = QVBoxLayout()
        column.setSpacing(16)

        appearance, appearance_layout = _card(self.tr("Appearance"))
        row = QHBoxLayout()
        row.setSpacing(0)
        row.addWidget(QLabel(self.tr("Theme")))
        row.addSpacing(24)
        self.theme_buttons: dict[str, QPushButton] = {}
        self._theme_group = QButtonGroup(self)
        self._theme_group.setExclusive(True)
        for name, text, segment in (
            ("light", self.tr("Light"), "first"), ("dark", self.tr("Dark"), "last")
        ):
            button = QPushButton(text)
            button.setObjectName("SegmentButton")
            button.setProperty("segment", segment)
            button.setCheckable(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _checked=False, n=name: self.theme_selected.emit(n))
            self._theme_group.addButton(button)
            self.theme_buttons[name] = button
            row.addWidget(button)
        row.addStretch(1)
        appearance_layout.addLayout(row)
        column.addWidget(appearance)

        network, network_layout = _card(self.tr("Network"))
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(8)
        self.network_value = _value_label()
        self.rpc_value = _value_label(role="mono")
        self.numerai_value = _value_label(role="mono")
        for index, (name, value) in enumerate(
            (
                (self.tr("Network"), self.network_value),
                (self.tr("Node address"), self.rpc_value),
                (self.tr("Numerai API"), self.numerai_value),
            )
        ):
            caption = QLabel(name)
            caption.setProperty("role", "muted")
            grid.addWidget(caption, index, 0, Qt.AlignmentFlag.AlignTop)
            grid.addWidget(value, index, 1)
        grid.setColumnStretch(1, 1)
        network_layout.addLayout(grid)
        self.network_note = QLabel(
            self.tr(
                "Choosing Ethereum mainnet, Sepolia or your own node will be here, with the node "
                "addresses in the order to try them and a button to check each one. Until then "
                "the app uses the devnet sandbox: start it with “make demo”."
            )
        )
        self.network_note.setProperty("role", "faint")
        self.network_note.setWordWrap(True)
        network_layout.addWidget(self.network_note)
        column.addWidget(network)

        data, data_layout = _card(
            self.tr("Your data"),
            self.tr(
                "Settings, encrypted keys, caches and logs all live in one folder on this "
                "computer. Logs never contain keys or recovery phrases."
            ),
        )
        data_grid = QGridLayout()
        data_grid.setHorizontalSpacing(24)
        data_grid.setVerticalSpacing(8)
        self.data_dir_value = _value_label(role="mono")
        self.log_file_value = _value_label(role="mono")
        for index, (name, value) in enumerate(
            ((self.tr("Folder"), self.data_dir_value), (self.tr("Log file"), self.log_file_value))
        ):
            caption = QLabel(name)
            caption.setProperty("role", "muted")
            data_grid.addWidget(caption, index, 0, Qt.AlignmentFlag.AlignTop)
            data_grid.addWidget(value, index, 1)
        data_grid.setColumnStretch(1, 1)
        data_layout.addLayout(data_grid)
        column.addWidget(data)
        column.addStretch(1)

        holder = QHBoxLayout()
        holder.setContentsMargins(0, 0, 0, 0)
        holder.addLayout(column, 1)
        holder.addStretch(0)
        wrapper = QWidget()
        wrapper.setMaximumWidth(760)
        wrapper.setLayout(holder)
        self.content.addWidget(wrapper, 1)
        self.show_network("devnet", None, None)
        self.show_theme("light")

    def empty_text(self) -> str:
        return self.network_note.text()

    def show_theme(self, name: str) -> None:
        button = self.theme_buttons.get(name)
        if button is not None:
            button.setChecked(True)

    def show_network(self, network: str, chain_id: int | None, rpc_url: str | None) -> None:
        name = NETWORK_NAMES.get(network, network)
        if chain_id is not None:
            name += f"  ·  chain id {chain_id}"
        self.network_value.setText(name)
        self.rpc_value.setText(rpc_url or self.tr("not connected"))

    def show_numerai_url(self, url: str) -> None:
        self.numerai_value.setText(url)

    def show_paths(self, data_dir: Path, log_file: Path) -> None:
        self.data_dir_value.setText(str(data_dir))
        self.log_file_value.setText(str(log_file))
