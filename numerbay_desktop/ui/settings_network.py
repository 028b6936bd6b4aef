"""The Settings page's network parts: URL checks and masking, the "Check" of one RPC URL, and
the editor of a network's ordered RPC URLs (add, remove, move up/down, check each).

    problem = rpc_url_problem("https://user:pw@node.example/v3/abcdef…")   # None when usable
    masked_url("https://user:pw@node.example/v3/0123456789abcdef0123")    # no secret shown
    result = await check_rpc_url(url, "sepolia")   # RpcCheckResult: chain id, latency, warning
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from pydantic import ValidationError
from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.store.settings import Settings
from numerbay_desktop.ui.tasks import BackgroundOp
from numerbay_desktop.ui.theme import current_palette

EXPECTED_CHAIN_IDS = {"devnet": 31337, "mainnet": 1, "sepolia": 11155111}
NETWORK_LABELS = {
    "devnet": QT_TRANSLATE_NOOP("SettingsNetwork", "Devnet sandbox"),
    "mainnet": QT_TRANSLATE_NOOP("SettingsNetwork", "Ethereum mainnet"),
    "sepolia": QT_TRANSLATE_NOOP("SettingsNetwork", "Sepolia"),
    "custom": QT_TRANSLATE_NOOP("SettingsNetwork", "Custom"),
}
RPC_SCHEMES = ("http", "https", "ws", "wss")
# A path segment or query value this long with letters and digits is probably an API key.
_KEY_LIKE = re.compile(r"^(?=.*\d)(?=.*[A-Za-z])[A-Za-z0-9_\-]{16,}$")
CHECK_TIMEOUT_S = 8.0


def _t(text: str) -> str:
    return QCoreApplication.translate("SettingsNetwork", text)


def url_problem(url: str, schemes: tuple[str, ...], what: str) -> str | None:
    """Why `url` cannot be used as `what`, in one sentence; None when it can."""
    url = url.strip()
    if not url:
        return _t("Enter the {0}.").format(what)
    if any(ch.isspace() for ch in url):
        return _t("The {0} must not contain spaces.").format(what)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _t("The {0} has a port that is not a number from 0 to 65535.").format(what)
    if parts.scheme.lower() not in schemes:
        wanted = _t(" or ").join(f"{scheme}://" for scheme in schemes)
        return _t("The {0} must start with {1}.").format(what, wanted)
    if not parts.hostname:
        return _t("The {0} must name a host, e.g. {1}.").format(
            what, f"{schemes[-1]}://node.example.com")
    if port == 0:
        return _t("The {0} has port 0, which no server listens on.").format(what)
    return None


def rpc_url_problem(url: str) -> str | None:
    """Why `url` cannot be an RPC URL (also refusing what the settings file refuses)."""
    problem = url_problem(url, RPC_SCHEMES, _t("node address"))
    if problem is not None:
        return problem
    try:
        Settings.model_validate({"rpc_urls": {"custom": [url.strip()]}})
    except ValidationError:
        return _t(
            "This address contains something shaped like a private key or API secret; "
            "use the address your provider gives for apps, not a key."
        )
    return None


def numerai_url_problem(url: str) -> str | None:
    return url_problem(url, ("http", "https"), _t("Numerai API address"))


def _mask_piece(piece: str) -> str:
    return piece[:4] + "…" if _KEY_LIKE.match(piece) else piece


def masked_url(url: str) -> str:
    """`url` safe to show: user and password hidden, key-looking path parts and query values
    shortened to their first four characters."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return _t("(unreadable address)")
    netloc = ("•••@" if parts.username or parts.password else "") + host
    if port is not None:
        netloc += f":{port}"
    path = "/".join(_mask_piece(piece) for piece in parts.path.split("/"))
    shown = f"{parts.scheme}://{netloc}{path}"
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        shown += "?" + "&".join(
            f"{key}={value[:4] + '…' if len(value) > 8 else value}" for key, value in pairs
        )
    return shown


@dataclass(frozen=True)
class RpcCheckResult:
    chain_id: int | None = None
    latency_ms: float | None = None
    warning: str | None = None  # the node answers, but for another chain than the network's
    error: str | None = None  # it could not be used (one sentence)

    def sentence(self) -> str:
        if self.error is not None:
            return self.error
        latency = self.latency_ms or 0.0
        shown = f"{latency:.0f}" if latency >= 10 else f"{latency:.1f}"
        text = _t("Chain id {0} · answered in {1} ms").format(self.chain_id, shown)
        return f"{text}. {self.warning}" if self.warning else text


async def check_rpc_url(url: str, network: str) -> RpcCheckResult:
    """Ask the node at `url` for its chain id and time one request; never raises for the
    node's failures (they come back as the result's `error`)."""
    from numerbay_desktop.chain.client import ChainClient
    from numerbay_desktop.chain.errors import WrongChain
    from numerbay_desktop.chain.networks import custom_network
    from numerbay_desktop.chain.rpc import RetryPolicy

    problem = rpc_url_problem(url)
    if problem is not None:
        return RpcCheckResult(error=problem)
    if urlsplit(url.strip()).scheme.lower() in ("ws", "wss"):
        return RpcCheckResult(error=_t(
            "The app talks to nodes over http(s) for now; add the node's https:// "
            "address to check it."))
    expected = EXPECTED_CHAIN_IDS.get(network)
    client = ChainClient(
        custom_network(expected or 1, [url.strip()]),
        timeout_s=CHECK_TIMEOUT_S,
        total_timeout_s=CHECK_TIMEOUT_S,
        retry=RetryPolicy(rounds=1),
    )
    warning: str | None = None
    try:
        try:
            chain_id = await client.connect()
        except WrongChain as wrong:
            # Still measure it: the user learns which chain the address really serves.
            chain_id = wrong.actual
            await client.close()
            client = ChainClient(
                custom_network(chain_id, [url.strip()]),
                timeout_s=CHECK_TIMEOUT_S,
                total_timeout_s=CHECK_TIMEOUT_S,
                retry=RetryPolicy(rounds=1),
            )
            await client.connect()
            if expected is not None:
                label = NETWORK_LABELS.get(network)
                name = _t(label) if label else network
                warning = _t("This node is not on {0} (chain id {1}): check the address."
                             ).format(name, expected)
        started = time.perf_counter()
        await client.block_number()
        latency_ms = (time.perf_counter() - started) * 1000
    except NumerbayError as error:
        return RpcCheckResult(error=str(error))
    finally:
        await client.close()
    return RpcCheckResult(chain_id=chain_id, latency_ms=latency_ms, warning=warning)


def set_tone(label: QLabel, tone: str | None) -> None:
    """Colour `label` as "danger", "warning" or "success" of the current theme (None: muted)."""
    palette = current_palette()
    colour = getattr(palette, tone) if tone else palette.text_muted
    label.setStyleSheet(f"color: {colour};")
    label.setProperty("tone", tone or "")


def _small_button(text: str, tip: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.setAccessibleName(tip)
    button.setStyleSheet("padding: 4px 10px;")
    return button


class RpcRow(QWidget):
    """One RPC URL: its masked address, move/remove buttons, a Check button and its result."""

    def __init__(self, url: str, index: int, count: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.url = url
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 2, 0, 2)
        layout.setSpacing(2)
        line = QHBoxLayout()
        line.setSpacing(6)
        order = QLabel(f"{index + 1}.")
        order.setProperty("role", "muted")
        order.setFixedWidth(18)
        self.address = QLabel(masked_url(url))
        self.address.setProperty("role", "mono")
        self.address.setToolTip(self.tr("The address, with anything secret hidden"))
        self.up = _small_button("↑", self.tr("Try this address earlier"))
        self.down = _small_button("↓", self.tr("Try this address later"))
        self.remove = _small_button(self.tr("Remove"), self.tr("Remove this address"))
        self.check = _small_button(self.tr("Check"), self.tr("Ask the node for its chain id"))
        self.up.setEnabled(index > 0)
        self.down.setEnabled(index < count - 1)
        line.addWidget(order)
        line.addWidget(self.address, 1)
        for button in (self.check, self.up, self.down, self.remove):
            line.addWidget(button)
        layout.addLayout(line)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        self.result.setContentsMargins(24, 0, 0, 0)
        self.result.hide()
        layout.addWidget(self.result)

    def show_result(self, text: str, tone: str | None) -> None:
        self.result.setText(text)
        set_tone(self.result, tone)
        self.result.show()


class RpcUrlEditor(QWidget):
    """Edits one network's ordered RPC URLs; `changed` fires after every edit."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.network = "devnet"
        self.urls: list[str] = []
        self.rows: list[RpcRow] = []
        self.last_results: dict[str, RpcCheckResult] = {}
        self.on_checked: Callable[[str, RpcCheckResult], None] | None = None
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        self.list_layout = QVBoxLayout()
        self.list_layout.setSpacing(4)
        self.empty = QLabel("")
        self.empty.setProperty("role", "muted")
        self.empty.setWordWrap(True)
        layout.addLayout(self.list_layout)
        layout.addWidget(self.empty)
        add_row = QHBoxLayout()
        add_row.setSpacing(8)
        self.new_url = QLineEdit()
        self.new_url.setPlaceholderText(self.tr("https://… or wss://… (the node address to add)"))
        self.new_url.returnPressed.connect(self.add_from_field)
        self.add_button = QPushButton(self.tr("Add"))
        self.add_button.clicked.connect(self.add_from_field)
        add_row.addWidget(self.new_url, 1)
        add_row.addWidget(self.add_button)
        layout.addLayout(add_row)
        self.error = QLabel("")
        self.error.setWordWrap(True)
        self.error.hide()
        layout.addWidget(self.error)

    def set_urls(self, network: str, urls: list[str]) -> None:
        self.network = network
        self.urls = list(urls)
        self.error.hide()
        self._rebuild()

    def add_from_field(self) -> bool:
        url = self.new_url.text().strip()
        problem = rpc_url_problem(url)
        if problem is None and url in self.urls:
            problem = self.tr("This address is already in the list.")
        if problem is not None:
            self.error.setText(problem)
            set_tone(self.error, "danger")
            self.error.show()
            return False
        self.error.hide()
        self.new_url.clear()
        self.urls.append(url)
        self._rebuild()
        self.changed.emit()
        return True

    def move_url(self, index: int, step: int) -> None:
        target = index + step
        if 0 <= index < len(self.urls) and 0 <= target < len(self.urls):
            self.urls[index], self.urls[target] = self.urls[target], self.urls[index]
            self._rebuild()
            self.changed.emit()

    def remove(self, index: int) -> None:
        if 0 <= index < len(self.urls):
            del self.urls[index]
            self._rebuild()
            self.changed.emit()

    def check(self, index: int) -> BackgroundOp[RpcCheckResult]:
        """Start checking the URL at `index`; the row shows the result when it comes."""
        row = self.rows[index]
        url, network = row.url, self.network
        row.check.setEnabled(False)
        row.show_result(self.tr("Checking…"), None)

        def done(result: RpcCheckResult) -> None:
            self.last_results[url] = result
            row.check.setEnabled(True)
            tone = "danger" if result.error else ("warning" if result.warning else "success")
            row.show_result(result.sentence(), tone)
            if self.on_checked is not None:
                self.on_checked(url, result)

        async def run_check() -> RpcCheckResult:
            return await check_rpc_url(url, network)

        op = BackgroundOp[RpcCheckResult](row, run_check).success(done)
        op.run()
        return op

    def _rebuild(self) -> None:
        for row in self.rows:
            self.list_layout.removeWidget(row)
            row.deleteLater()
        self.rows = []
        for index, url in enumerate(self.urls):
            row = RpcRow(url, index, len(self.urls))
            row.up.clicked.connect(lambda _c=False, i=index: self.move_url(i, -1))
            row.down.clicked.connect(lambda _c=False, i=index: self.move_url(i, 1))
            row.remove.clicked.connect(lambda _c=False, i=index: self.remove(i))
            row.check.clicked.connect(lambda _c=False, i=index: self.check(i))
            row.setCursor(Qt.CursorShape.ArrowCursor)
            self.list_layout.addWidget(row)
            self.rows.append(row)
        self.empty.setVisible(not self.urls)
        self.empty.setText(
            self.tr(
                "No node address yet. Add the address your provider gave you (for example "
                "https://ethereum-rpc.publicnode.com); the first one is tried first."
            )
        )
