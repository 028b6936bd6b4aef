"""Settings: appearance, the network and its ordered node addresses (each checkable), the
Numerai API address, where data and logs live, and (on the devnet) the devnet panel.

The shell hands the page its settings object with `bind_settings(data_dir, settings)`; Save
validates every field, assigns them to that same object (so the shell's copy stays current)
and writes it atomically. Network changes are used from the next start.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.store.settings import NETWORKS, Settings, save_settings
from numerbay_desktop.ui import cards
from numerbay_desktop.ui.pages.base import Page
from numerbay_desktop.ui.settings_network import (
    RpcUrlEditor,
    numerai_url_problem,
    rpc_url_problem,
    set_tone,
)
from numerbay_desktop.ui.settings_numerai_key import NumeraiKeyCard
from numerbay_desktop.ui.theme import current_palette

# Marked for translation here, translated where shown (self.tr in the "SettingsPage" context).
NETWORK_NAMES = {
    "devnet": QT_TRANSLATE_NOOP("SettingsPage", "Devnet sandbox (play money)"),
    "mainnet": QT_TRANSLATE_NOOP("SettingsPage", "Ethereum mainnet"),
    "sepolia": QT_TRANSLATE_NOOP("SettingsPage", "Sepolia test network"),
    "custom": QT_TRANSLATE_NOOP("SettingsPage", "Your own network"),
}
NETWORK_NOTES = {
    "devnet": QT_TRANSLATE_NOOP(
        "SettingsPage", "Choosing Ethereum mainnet, Sepolia or your own node: pick it above, "
        "add its node address, Save, and restart the app. The devnet sandbox needs none of "
        "that: it starts its own node on this computer (“make demo”)."),
    "mainnet": QT_TRANSLATE_NOOP(
        "SettingsPage", "Real money. Numerai has not yet published the vault factory on "
        "Ethereum mainnet, so the vault pages have nothing to show there until it does."),
    "sepolia": QT_TRANSLATE_NOOP(
        "SettingsPage", "Ethereum's public test network: its NMR and ETH have no value."),
    "custom": QT_TRANSLATE_NOOP(
        "SettingsPage",
        "Any Ethereum-compatible node, for example a fork of mainnet you run yourself."),
}
DATA_DIR_RULE = QT_TRANSLATE_NOOP(
    "SettingsPage", "The folder is chosen when the app starts: the --data-dir option if "
    "given, else the NUMERBAY_DATA_DIR environment variable, else the standard place for app "
    "data on this computer. Moving it means starting the app with one of those.")


def _card(title: str, note: str | None = None) -> tuple[QFrame, QVBoxLayout]:
    return cards.card(title, note, margins=(24, 20, 24, 20), spacing=10)


def _value_label(text: str = "", role: str | None = None) -> QLabel:
    return cards.label(text, role, wrap=True, selectable=True)


def _scroll_bar_style() -> str:
    palette = current_palette()
    return (
        "QScrollBar:vertical { background: transparent; width: 8px; margin: 0; }"
        f"QScrollBar::handle:vertical {{ background: {palette.border}; border-radius: 4px;"
        " min-height: 40px; }"
        f"QScrollBar::handle:vertical:hover {{ background: {palette.text_faint}; }}"
        "QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical { height: 0; }"
        "QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical { background: none; }"
    )


def _caption(text: str) -> QLabel:
    caption = QLabel(text)
    caption.setProperty("role", "muted")
    return caption


class SettingsPage(Page):
    KEY = "settings"
    TITLE = QT_TRANSLATE_NOOP("SettingsPage", "Settings")
    SUBTITLE = QT_TRANSLATE_NOOP(
        "SettingsPage", "How the app looks, which network it uses, and where it keeps your data.")

    theme_selected = Signal(str)
    settings_saved = Signal(object)  # the Settings just written

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir: Path | None = None
        self.settings = Settings()
        self.devnet_info: dict[str, Any] | None = None  # demo keys: never log it
        self.devnet_panel: Any = None  # DevnetPanel, made on first open
        self.ctx: Any = None  # the AppContext (set_context)
        self._log_file: Path | None = None
        self._editing: dict[str, list[str]] = {n: [] for n in NETWORKS}

        column = QVBoxLayout()
        column.setSpacing(16)
        column.addWidget(self._appearance_card())
        column.addWidget(self._network_card())
        self.numerai_key_card = NumeraiKeyCard()
        column.addWidget(self.numerai_key_card)
        column.addWidget(self._devnet_card())
        column.addWidget(self._data_card())
        column.addStretch(1)

        wrapper = QWidget()
        wrapper.setMaximumWidth(780)
        wrapper.setLayout(column)
        inner = QWidget()
        holder = QHBoxLayout(inner)
        holder.setContentsMargins(0, 0, 12, 0)
        holder.addWidget(wrapper, 1)
        holder.addStretch(0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        scroll.setMaximumWidth(800)  # the scroll bar sits beside the cards, not far away
        self.scroller = scroll
        scroll.setStyleSheet(_scroll_bar_style())
        beside = QHBoxLayout()
        beside.setContentsMargins(0, 0, 0, 0)
        beside.addWidget(scroll, 1)
        beside.addStretch(0)  # takes what is left once the scroll area reaches its width
        self.content.addLayout(beside, 1)
        self.show_network("devnet", None, None)
        self.show_theme("light")
        self._load_fields()

    # -- cards ------------------------------------------------------------------------------
    def _appearance_card(self) -> QFrame:
        appearance, layout = _card(self.tr("Appearance"))
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
        layout.addLayout(row)
        return appearance

    def _network_card(self) -> QFrame:
        card, layout = _card(self.tr("Network"))
        now = QGridLayout()
        now.setHorizontalSpacing(24)
        now.setVerticalSpacing(6)
        self.network_value = _value_label()
        self.rpc_value = _value_label(role="mono")
        self.numerai_value = _value_label(role="mono")
        for index, (name, value) in enumerate(
            (
                (self.tr("In use now"), self.network_value),
                (self.tr("Node"), self.rpc_value),
                (self.tr("Numerai API"), self.numerai_value),
            )
        ):
            now.addWidget(_caption(name), index, 0, Qt.AlignmentFlag.AlignTop)
            now.addWidget(value, index, 1)
        now.setColumnStretch(1, 1)
        layout.addLayout(now)
        layout.addSpacing(6)

        choose = QHBoxLayout()
        choose.setSpacing(12)
        choose.addWidget(QLabel(self.tr("Network to use")))
        self.network_choice = QComboBox()
        for key in NETWORKS:
            self.network_choice.addItem(self.tr(NETWORK_NAMES[key]), key)
        self.network_choice.currentIndexChanged.connect(self._network_chosen)
        choose.addWidget(self.network_choice, 1)
        layout.addLayout(choose)
        self.network_note = QLabel("")
        self.network_note.setWordWrap(True)
        layout.addWidget(self.network_note)

        layout.addWidget(_caption(self.tr("Node addresses, in the order they are tried")))
        self.rpc_editor = RpcUrlEditor()
        self.rpc_editor.changed.connect(self._urls_edited)
        layout.addWidget(self.rpc_editor)

        layout.addSpacing(6)
        layout.addWidget(_caption(self.tr("Numerai API address")))
        self.numerai_field = QLineEdit()
        self.numerai_field.setPlaceholderText("https://api-tournament.numer.ai")
        self.numerai_error = QLabel("")
        self.numerai_field.textEdited.connect(lambda _text: self.numerai_error.hide())
        layout.addWidget(self.numerai_field)
        self.numerai_error.setWordWrap(True)
        self.numerai_error.hide()
        layout.addWidget(self.numerai_error)

        actions = QHBoxLayout()
        self.save_status = QLabel("")
        self.save_status.setWordWrap(True)
        self.save_button = QPushButton(self.tr("Save"))
        self.save_button.setObjectName("PrimaryButton")
        self.save_button.clicked.connect(self.save)
        actions.addWidget(self.save_status, 1)
        actions.addWidget(self.save_button, 0, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(actions)
        return card

    def _devnet_card(self) -> QFrame:
        card, layout = _card(
            self.tr("Devnet sandbox"),
            self.tr(
                "Mint play NMR to an account, move the sandbox forward by days or rounds, or "
                "see its demo recovery phrase."
            ),
        )
        row = QHBoxLayout()
        self.devnet_button = QPushButton(self.tr("Open the devnet panel…"))
        self.devnet_button.clicked.connect(self.open_devnet_panel)
        row.addWidget(self.devnet_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.devnet_card = card
        card.hide()
        return card

    def _data_card(self) -> QFrame:
        card, layout = _card(
            self.tr("Your data"),
            self.tr(
                "Settings, encrypted keys, caches and logs all live in one folder on this "
                "computer. Logs never contain keys or recovery phrases."
            ),
        )
        grid = QGridLayout()
        grid.setHorizontalSpacing(24)
        grid.setVerticalSpacing(8)
        self.data_dir_value = _value_label(role="mono")
        self.log_file_value = _value_label(role="mono")
        self.open_data_button = QPushButton(self.tr("Open folder"))
        self.open_data_button.clicked.connect(lambda: self._open_folder(self.data_dir))
        self.open_logs_button = QPushButton(self.tr("Open logs folder"))
        self.open_logs_button.clicked.connect(
            lambda: self._open_folder(self._log_file.parent if self._log_file else None)
        )
        middle = Qt.AlignmentFlag.AlignVCenter
        grid.addWidget(_caption(self.tr("Folder")), 0, 0, middle)
        grid.addWidget(self.data_dir_value, 0, 1, middle)
        grid.addWidget(self.open_data_button, 0, 2, middle)
        rule = QLabel(self.tr(DATA_DIR_RULE))
        rule.setProperty("role", "faint")
        rule.setWordWrap(True)
        grid.addWidget(rule, 1, 1, 1, 2)
        grid.addWidget(_caption(self.tr("Log file")), 2, 0, middle)
        grid.addWidget(self.log_file_value, 2, 1, middle)
        grid.addWidget(self.open_logs_button, 2, 2, middle)
        grid.setColumnStretch(1, 1)
        layout.addLayout(grid)
        self.data_rule = rule
        return card

    # -- what the shell tells the page -----------------------------------------------------
    def bind_settings(self, data_dir: Path, settings: Settings) -> None:
        """Edit `settings` (the shell's own object) and save it into `data_dir`."""
        self.data_dir = data_dir
        self.settings = settings
        self._load_fields()

    def set_context(self, ctx: Any) -> None:
        """The app's context: the Numerai API key card manages its data folder's key; the
        devnet panel lists its accounts by name."""
        self.ctx = ctx
        self.numerai_key_card.set_context(ctx)

    def set_devnet_info(self, info: dict[str, Any] | None) -> None:
        """The running devnet's JSON (control URL, demo accounts): shows the devnet card."""
        self.devnet_info = info
        self.devnet_card.setVisible(info is not None)

    def empty_text(self) -> str:
        return self.network_note.text()

    def show_theme(self, name: str) -> None:
        button = self.theme_buttons.get(name)
        if button is not None:
            button.setChecked(True)

    def show_network(self, network: str, chain_id: int | None, rpc_url: str | None) -> None:
        from numerbay_desktop.ui.settings_network import masked_url

        name = self.tr(NETWORK_NAMES.get(network, network))
        if chain_id is not None:
            name += self.tr("  ·  chain id {0}").format(chain_id)
        self.network_value.setText(name)
        self.rpc_value.setText(masked_url(rpc_url) if rpc_url else self.tr("not connected"))
        self.devnet_card.setVisible(network == "devnet" and self.devnet_info is not None)

    def show_numerai_url(self, url: str) -> None:
        self.numerai_value.setText(url)

    def show_paths(self, data_dir: Path, log_file: Path) -> None:
        if self.data_dir is None:
            self.data_dir = data_dir
        self._log_file = log_file
        self.data_dir_value.setText(str(data_dir))
        self.log_file_value.setText(str(log_file))

    def refresh_theme(self) -> None:
        super().refresh_theme()
        self._show_network_note()
        self.scroller.setStyleSheet(_scroll_bar_style())
        for label in (self.numerai_error, self.save_status, self.rpc_editor.error):
            set_tone(label, str(label.property("tone") or "") or None)
        for row in self.rpc_editor.rows:
            set_tone(row.result, str(row.result.property("tone") or "") or None)

    # -- editing ----------------------------------------------------------------------------
    def _load_fields(self) -> None:
        self._editing = {n: self.settings.rpc_urls_for(n) for n in NETWORKS}
        self.numerai_field.setText(self.settings.numerai_api_url)
        self.numerai_error.hide()
        index = self.network_choice.findData(self.settings.network)
        self.network_choice.blockSignals(True)
        self.network_choice.setCurrentIndex(max(index, 0))
        self.network_choice.blockSignals(False)
        self._network_chosen()

    def chosen_network(self) -> str:
        return str(self.network_choice.currentData())

    def select_network(self, network: str) -> None:
        self.network_choice.setCurrentIndex(self.network_choice.findData(network))

    def _network_chosen(self, _index: int = 0) -> None:
        network = self.chosen_network()
        self.rpc_editor.set_urls(network, self._editing.get(network, []))
        self._show_network_note()

    def _show_network_note(self) -> None:
        network = self.chosen_network()
        self.network_note.setText(self.tr(NETWORK_NOTES[network]))
        set_tone(self.network_note, "warning" if network == "mainnet" else None)

    def _urls_edited(self) -> None:
        self._editing[self.rpc_editor.network] = list(self.rpc_editor.urls)
        self.save_status.setText(self.tr("Changes not saved yet."))
        set_tone(self.save_status, None)

    def problems(self) -> list[str]:
        """Every field's problem, one sentence each (empty: Save will work)."""
        found: list[str] = []
        numerai = numerai_url_problem(self.numerai_field.text())
        self.numerai_error.setVisible(numerai is not None)
        if numerai is not None:
            self.numerai_error.setText(numerai)
            set_tone(self.numerai_error, "danger")
            found.append(numerai)
        for network, urls in self._editing.items():
            for url in urls:
                problem = rpc_url_problem(url)
                if problem is not None:
                    found.append(f"{self.tr(NETWORK_NAMES[network])}: {problem}")
        pending = self.rpc_editor.new_url.text().strip()
        if pending:
            found.append(
                self.tr("The node address typed under the list is not added yet: press Add "
                        "or clear it.")
            )
        return found

    def save(self) -> Path | None:
        """Validate every field and write the settings; None (with messages shown) if not."""
        problems = self.problems()
        if not problems and self.data_dir is None:
            problems = [self.tr("The data folder is not known yet; try again in a moment.")]
        if problems:
            self.save_status.setText(self.tr("Not saved: ") + " ".join(problems))
            set_tone(self.save_status, "danger")
            return None
        try:
            # Keys are the network names (NETWORKS); pydantic validates the assignment.
            self.settings.rpc_urls = {
                n: list(urls) for n, urls in self._editing.items()  # type: ignore[misc]
            }
            self.settings.numerai_api_url = self.numerai_field.text().strip()
            self.settings.network = self.chosen_network()  # type: ignore[assignment]
            assert self.data_dir is not None
            path = save_settings(self.data_dir, self.settings)
        except (ValueError, OSError) as error:
            reason = getattr(error, "strerror", None) or self.tr("a value was refused")
            self.save_status.setText(self.tr("Not saved: ") + str(reason) + ".")
            set_tone(self.save_status, "danger")
            return None
        self.save_status.setText(
            self.tr("Saved. A change of network or node is used from the next start.")
        )
        set_tone(self.save_status, "success")
        self.settings_saved.emit(self.settings)
        return path

    # -- actions ------------------------------------------------------------------------------
    def _open_folder(self, folder: Path | None) -> None:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def open_devnet_panel(self) -> QWidget | None:
        if self.devnet_info is None:
            return None
        from numerbay_desktop.ui.devnet_panel import DevnetPanel

        if self.devnet_panel is None:
            self.devnet_panel = DevnetPanel(self.devnet_info, self.window())
        if self.ctx is not None:
            self.devnet_panel.set_accounts(
                [(r.name, r.address) for r in self.ctx.registry.accounts()])
        self.devnet_panel.show()
        self.devnet_panel.raise_()
        return self.devnet_panel
