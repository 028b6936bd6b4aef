"""First run: a short welcome that asks where to start, then how to add an account.

    dialog = show_welcome(window, data_dir)     # opens it; the choice opens the account dialog

Where to start: the devnet sandbox (play money, recommended to try), Ethereum mainnet with the
user's own RPC URL, or Sepolia. The choice is saved in settings (`network`, the URL first in
`rpc_urls[network]`, `first_run_done=True`) as soon as the user picks what to do next; it can be
changed later in Settings. Nothing here touches the network.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError
from PySide6.QtCore import QT_TRANSLATE_NOOP, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.store.settings import Network, Settings, load_settings, save_settings
from numerbay_desktop.ui.account_forms import error_label, show_error
from numerbay_desktop.ui.theme import current_palette

if TYPE_CHECKING:
    from numerbay_desktop.ui.main_window import MainWindow

# (network, title, description, needs an RPC URL); translated where shown (self.tr)
CHOICES: tuple[tuple[Network, str, str, bool], ...] = (
    ("devnet", QT_TRANSLATE_NOOP("WelcomeDialog", "Devnet sandbox"),
     QT_TRANSLATE_NOOP("WelcomeDialog",
                       "A private Ethereum and Numerai running only on this computer, with "
                       "play money. Nothing is real, so try anything."), False),
    ("mainnet", QT_TRANSLATE_NOOP("WelcomeDialog", "Ethereum mainnet"),
     QT_TRANSLATE_NOOP("WelcomeDialog",
                       "Real NMR and ETH. Needs the address (RPC URL) of your own node or of "
                       "a provider."), True),
    ("sepolia", QT_TRANSLATE_NOOP("WelcomeDialog", "Sepolia test network"),
     QT_TRANSLATE_NOOP("WelcomeDialog",
                       "Ethereum's public test network with free test ETH. Needs an RPC URL."),
     True),
)
ACTIONS = ("demo", "create", "import", "watch", "")
WIDTH = 660
TEXT_WIDTH = WIDTH - 64 - 32 - 24  # dialog margins, card margins, the radio's indent


class WelcomeDialog(QDialog):
    """Emits `chosen(network, action)` once the choice is saved; action in ACTIONS."""

    chosen = Signal(str, str)

    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir = data_dir
        self.setWindowTitle(self.tr("Welcome to NumerBay"))
        self.setModal(True)
        self.setFixedWidth(WIDTH)
        self.action = ""
        self.radios: dict[str, QRadioButton] = {}
        self.url_fields: dict[str, QLineEdit] = {}
        self.url_errors: dict[str, QLabel] = {}
        self.url_holders: dict[str, QWidget] = {}
        self.group = QButtonGroup(self)
        palette = current_palette()
        # Fusion's radio indicator barely shows on the dark theme: draw it in theme colours.
        self.setStyleSheet(
            f"QRadioButton::indicator {{ width: 14px; height: 14px; border-radius: 8px;"
            f" border: 1px solid {palette.text_faint}; background: {palette.surface}; }}"
            f" QRadioButton::indicator:checked {{ border: 4px solid {palette.accent};"
            f" background: {palette.on_accent}; width: 8px; height: 8px; }}"
        )

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(8)
        title = QLabel(self.tr("Welcome to NumerBay"))
        title.setObjectName("PageTitle")
        layout.addWidget(title)
        intro = QLabel(self.tr(
            "Stake NMR on Numerai models through on-chain vaults. Two quick choices and you "
            "are ready."
        ))
        intro.setProperty("role", "muted")
        intro.setWordWrap(True)
        intro.setMinimumHeight(intro.heightForWidth(WIDTH - 64))
        layout.addWidget(intro)
        layout.addSpacing(10)
        layout.addWidget(self._section(self.tr("1. Where do you want to start?")))
        for network, name, description, needs_url in CHOICES:
            layout.addWidget(self._choice(network, self.tr(name), self.tr(description), needs_url))
        layout.addSpacing(10)
        layout.addWidget(self._section(self.tr("2. Add an account")))
        # On the devnet: its public demo accounts (play money), offered on the Accounts page.
        self.demo_row = QWidget()
        demo_layout = QHBoxLayout(self.demo_row)
        demo_layout.setContentsMargins(0, 0, 0, 4)
        demo_layout.setSpacing(12)
        self.demo_button = self._action_button(self.tr("Use the demo accounts"), "demo")
        demo_note = QLabel(self.tr(
            "Play money from the devnet's public phrase, with NMR and vaults: stake at once."))
        demo_note.setProperty("role", "muted")
        demo_note.setWordWrap(True)
        demo_layout.addWidget(self.demo_button)
        demo_layout.addWidget(demo_note, 1)
        layout.addWidget(self.demo_row)
        buttons = QHBoxLayout()
        buttons.setSpacing(8)
        self.create_button = self._action_button(self.tr("Create a new account"), "create")
        self.import_button = self._action_button(self.tr("Import one I have"), "import")
        self.watch_button = self._action_button(self.tr("Watch an address"), "watch")
        for button in (self.create_button, self.import_button, self.watch_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.radios["devnet"].setChecked(True)
        self._update_urls()
        self.error = error_label()
        layout.addWidget(self.error)
        layout.addSpacing(6)
        footer = QHBoxLayout()
        note = QLabel(self.tr("You can change the network any time in Settings."))
        note.setProperty("role", "faint")
        footer.addWidget(note, 1)
        self.later_button = self._action_button(self.tr("Skip for now"), "")
        footer.addWidget(self.later_button)
        layout.addLayout(footer)

    def _section(self, text: str) -> QLabel:
        label = QLabel(text)
        label.setObjectName("SectionTitle")
        return label

    def _choice(self, network: str, name: str, description: str, needs_url: bool) -> QFrame:
        card = QFrame()
        card.setObjectName("Card")
        layout = QVBoxLayout(card)
        layout.setContentsMargins(16, 10, 16, 10)
        layout.setSpacing(4)
        row = QHBoxLayout()
        radio = QRadioButton(name)
        radio.setStyleSheet("font-weight: 700; font-size: 10.5pt;")
        radio.toggled.connect(lambda _on: self._update_urls())
        self.group.addButton(radio)
        self.radios[network] = radio
        row.addWidget(radio)
        if network == "devnet":
            palette = current_palette()
            badge = QLabel(self.tr("recommended to try"))
            badge.setStyleSheet(
                f"color: {palette.success}; border: 1px solid {palette.success}; "
                "border-radius: 9px; padding: 1px 8px; font-size: 8.5pt; font-weight: 600;"
            )
            badge.setMinimumHeight(22)  # room for its rounded border next to the radio
            row.addWidget(badge)
        row.addStretch(1)
        layout.addLayout(row)
        text = QLabel(description)
        text.setProperty("role", "muted")
        text.setWordWrap(True)
        text.setContentsMargins(24, 0, 0, 0)
        layout.addWidget(text)
        text.setMinimumHeight(text.heightForWidth(TEXT_WIDTH + 24))
        if needs_url:
            field = QLineEdit()
            field.setPlaceholderText(self.tr("RPC URL, e.g. http://127.0.0.1:8545"))
            error = error_label()
            holder = QWidget()
            holder_layout = QVBoxLayout(holder)
            holder_layout.setContentsMargins(24, 4, 0, 0)
            holder_layout.setSpacing(2)
            holder_layout.addWidget(field)
            holder_layout.addWidget(error)
            layout.addWidget(holder)
            self.url_fields[network] = field
            self.url_holders[network] = holder
            self.url_errors[network] = error
        return card

    def _action_button(self, text: str, action: str) -> QPushButton:
        button = QPushButton(text)
        button.clicked.connect(lambda _c=False: self.choose(action))
        return button

    def _update_urls(self) -> None:
        for network, holder in self.url_holders.items():
            holder.setVisible(self.radios[network].isChecked())
        if hasattr(self, "demo_button"):  # the radios toggle while they are being built
            devnet = self.radios["devnet"].isChecked()
            self.demo_row.setVisible(devnet)
            for button, primary in ((self.demo_button, devnet), (self.create_button, not devnet)):
                button.setObjectName("PrimaryButton" if primary else "")
                button.style().unpolish(button)
                button.style().polish(button)
        self.adjustSize()

    def network(self) -> Network:
        for network, _name, _description, _needs_url in CHOICES:
            if self.radios[network].isChecked():
                return network
        return "devnet"

    def choose(self, action: str) -> bool:
        """Validate, save the choice, close and emit `chosen`; False with the problem shown."""
        network = self.network()
        settings = load_settings(self.data_dir)
        try:
            updated = Settings.model_validate(
                {**settings.model_dump(), "network": network, "first_run_done": True}
            )
            if network in self.url_fields:
                url = self.url_fields[network].text().strip()
                if show_error(self.url_errors[network], None if url else self.tr(
                    "Enter the RPC URL of your node or provider (http://, https://, ws://, "
                    "wss://), or start with the devnet sandbox."
                )):
                    error_line = self.url_errors[network]
                    error_line.setMinimumHeight(error_line.heightForWidth(TEXT_WIDTH))
                    self.adjustSize()
                    return False
                urls = [url] + [u for u in updated.rpc_urls_for(network) if u != url]
                updated.rpc_urls = {**updated.rpc_urls, network: urls}
                show_error(self.url_errors[network], None)
        except ValidationError as error:
            reason = error.errors()[0].get("msg", "invalid value").removeprefix("Value error, ")
            target = self.url_errors.get(network, self.error)
            show_error(target, self.tr("This URL cannot be used: {0}.").format(reason))
            target.setMinimumHeight(target.heightForWidth(TEXT_WIDTH))
            self.adjustSize()
            return False
        save_settings(self.data_dir, updated)
        self.action = action
        self.accept()
        self.chosen.emit(network, action)
        return True


def show_welcome(window: MainWindow, data_dir: Path) -> WelcomeDialog:
    """Open the welcome over `window`; the chosen action opens the Accounts page's dialog."""
    dialog = WelcomeDialog(data_dir, window)

    def chosen(_network: str, action: str) -> None:
        if not action:
            return
        window.show_page("accounts")
        if action == "demo":  # the page offers them once the devnet is connected
            return
        page = window.page("accounts")
        opener = {"create": "open_create", "import": "open_import", "watch": "open_watch"}
        getattr(page, opener[action])()

    dialog.chosen.connect(chosen)
    dialog.open()
    return dialog


async def run_welcome(window: MainWindow, data_dir: Path) -> str | None:
    """Show the welcome and wait: the chosen network once saved, or None if it was closed
    (then it shows again at the next start)."""
    import asyncio

    dialog = show_welcome(window, data_dir)
    done: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()

    def finished(_result: int) -> None:
        if not done.done():
            done.set_result(dialog.network() if dialog.result() == 1 else None)

    dialog.finished.connect(finished)
    try:
        return await done
    finally:
        dialog.deleteLater()
