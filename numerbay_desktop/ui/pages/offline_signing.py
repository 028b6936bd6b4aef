"""Offline signing: prepare on an online computer, sign on one that never goes online.

Three modes, chosen with a segmented control:

- Prepare (online, watch-only): an unsigned request, from a file or handed over by the
  review dialog (`show_request(request, prepared=, pipeline=)`), shown as a file to save and
  as an animated QR.
- Sign (offline): a request from a file, pasted UR text or an image of the QR; the offline
  copy decodes every item itself (`review_request`), a summary that lies is flagged in red
  and signing is refused; the account is unlocked with its password; the signature is shown
  as a file to save and as an animated QR.
- Broadcast (online): the signature (file, paste, image) is checked against the request
  (`parse_response`), then sent through the pipeline (when the request came from this
  session) or the node directly, and tracked until mined.

Every refusal is shown as the envelope's own reason, verbatim; bad input never clears what
was loaded before.

    page.configure(data_dir=..., session=SessionKeys(), network=DEVNET, client=ChainClient)
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.chain.networks import DEVNET, MAINNET, SEPOLIA, Network
from numerbay_desktop.core.errors import NumerbayError
from numerbay_desktop.services.tx_signing import abi_registry
from numerbay_desktop.store.atomic import write_text_atomic
from numerbay_desktop.ui import cards
from numerbay_desktop.ui.offline_flows import ImportBox, ReviewList
from numerbay_desktop.ui.pages.base import EmptyState, Page
from numerbay_desktop.ui.qr_widgets import AnimatedQr
from numerbay_desktop.ui.tasks import keep
from numerbay_desktop.ui.theme import current_palette
from numerbay_desktop.wallet.calldata import AbiRegistry
from numerbay_desktop.wallet.offline import (
    SignRequest,
    SignResponse,
    parse_request,
    parse_response,
    review_request,
    sign_request,
)
from numerbay_desktop.wallet.offline_qr import request_to_ur, response_to_ur

MODES = ("prepare", "sign", "broadcast")
KNOWN_NETWORKS = {n.chain_id: n for n in (MAINNET, SEPOLIA, DEVNET)}


def _card() -> tuple[QFrame, QVBoxLayout]:
    return cards.card()


def _message(parent: QVBoxLayout) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.hide()
    parent.addWidget(label)
    return label


def _say(label: QLabel, text: str, tone: str = "text") -> None:
    palette = current_palette()
    colour = {"danger": palette.danger, "success": palette.success}.get(tone, palette.text)
    label.setStyleSheet(f"color: {colour};")
    label.setProperty("tone", tone)
    label.setText(text)
    label.setVisible(bool(text))


def _enable_primary(button: QPushButton, enabled: bool) -> None:
    """The theme has no disabled primary look: a disabled action drops to a plain button."""
    button.setEnabled(enabled)
    button.setObjectName("PrimaryButton" if enabled else "")
    button.style().unpolish(button)
    button.style().polish(button)


class ExportPanel(QFrame):
    """An envelope as a file (save dialog) and an animated QR, side by side."""

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Card")
        self.what = what
        self.text = ""
        self.title = QLabel()
        self.title.setObjectName("SectionTitle")
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setProperty("role", "muted")
        self.save_button = QPushButton(self.tr("Save as file…"))
        self.save_button.setObjectName("PrimaryButton")
        self.save_button.clicked.connect(self._choose_path)
        self.saved = QLabel()
        self.saved.setWordWrap(True)
        self.saved.setProperty("role", "muted")
        self.qr = AnimatedQr()
        left = QVBoxLayout()
        left.setSpacing(8)
        left.addWidget(self.title)
        left.addWidget(self.details)
        left.addStretch(1)
        left.addWidget(self.saved)
        row = QHBoxLayout()
        row.addWidget(self.save_button)
        row.addStretch(1)
        left.addLayout(row)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(18)
        layout.addLayout(left, 3)
        layout.addWidget(self.qr, 2)
        self.setMinimumHeight(300)
        self.hide()

    def show_envelope(self, title: str, details: str, text: str, parts: list[str]) -> None:
        self.title.setText(title)
        self.details.setText(details)
        self.text = text
        self.saved.clear()
        self.qr.set_parts(parts)
        self.show()

    def save_to(self, path: Path) -> Path:
        write_text_atomic(path, self.text)
        self.saved.setText(self.tr("Saved to {0}").format(path))
        return path

    def _choose_path(self) -> None:
        name, _ = QFileDialog.getSaveFileName(
            self, self.tr("Save the {0}").format(self.what), f"numerbay-{self.what}.json",
            self.tr("NumerBay envelopes (*.json)"))
        if name:
            try:
                self.save_to(Path(name))
            except OSError as error:
                self.saved.setText(self.tr("Could not save: {0}.").format(error.strerror))


def _breakable(text: str) -> str:
    """Let long calls wrap after "(" and "=" too (zero-width spaces, for display only)."""
    return text.replace("(", "(\u200b").replace("=", "=\u200b")


def _request_details(request: SignRequest) -> str:
    lines = [f"{n}. {_breakable(item.summary)}" for n, item in enumerate(request.items, start=1)]
    return "\n".join([
        _t("Account {0} on chain {1}").format(request.account, request.chain_id),
        "",
        *lines,
        "",
        _t("Valid until {0} UTC").format(f"{request.expires_at:%Y-%m-%d %H:%M}"),
    ])


def _t(text: str) -> str:
    return QCoreApplication.translate("OfflineSigningPage", text)


def _state_text(raw: str) -> str:
    """A tracked state ("included in block 12") in the user's language, for display only."""
    word, _, block = raw.partition(" in block ")
    shown = _t(word) if word in TRACKED_STATES else word
    return _t("{0} in block {1}").format(shown, block) if block else shown


_C = "OfflineSigningPage"
TRACKED_STATES = (
    QT_TRANSLATE_NOOP(_C, "sent"), QT_TRANSLATE_NOOP(_C, "pending"),
    QT_TRANSLATE_NOOP(_C, "included"), QT_TRANSLATE_NOOP(_C, "confirmed"),
    QT_TRANSLATE_NOOP(_C, "finalized"), QT_TRANSLATE_NOOP(_C, "failed"),
    QT_TRANSLATE_NOOP(_C, "replaced"), QT_TRANSLATE_NOOP(_C, "dropped"))


class OfflineSigningPage(Page):
    KEY = "offline_signing"
    TITLE = QT_TRANSLATE_NOOP("OfflineSigningPage", "Offline signing")
    SUBTITLE = QT_TRANSLATE_NOOP(
        "OfflineSigningPage", "Keep your key on a computer that never connects, and still stake.")

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data_dir: Path | None = None
        self.session: Any = None  # ui.unlock.SessionKeys, created on first use
        self.accounts: Any = None  # the app's AccountRegistry (set_context), else the folder's
        self.network: Network | None = None
        self.names: dict[str, str] = {}
        self.client: Any = None  # chain.client.ChainClient when connected
        self.pipeline: Any = None  # chain.txflow.TxPipeline, with `prepared` below
        self.prepared: Any = None
        self.request: SignRequest | None = None  # Prepare/Broadcast: the request made online
        self.offline_request: SignRequest | None = None  # Sign: the imported request
        self.response: SignResponse | None = None
        self.sent: list[str] = []

        self.segments = QButtonGroup(self)
        bar = QHBoxLayout()
        bar.setSpacing(0)
        labels = (self.tr("Prepare (online, watch-only)"), self.tr("Sign (offline)"),
                  self.tr("Broadcast (online)"))
        self.mode_buttons: dict[str, QPushButton] = {}
        for index, (mode, text) in enumerate(zip(MODES, labels, strict=True)):
            button = QPushButton(text)
            button.setObjectName("SegmentButton")
            button.setCheckable(True)
            button.setProperty("segment", {0: "first", 2: "last"}.get(index, "middle"))
            bold = button.font()
            bold.setBold(True)  # the checked segment is bold: leave room so it never clips
            width = QFontMetrics(bold).horizontalAdvance(text) + 6
            button.setStyleSheet(f"min-width: {width}px;")  # QSS min-width: the text's box
            self.segments.addButton(button, index)
            self.mode_buttons[mode] = button
            bar.addWidget(button)
        bar.addStretch(1)
        self.stack = QStackedWidget()
        self.stack.addWidget(self._scrolled(self._build_prepare()))
        self.stack.addWidget(self._scrolled(self._build_sign()))
        self.stack.addWidget(self._scrolled(self._build_broadcast()))
        self.segments.idClicked.connect(self.stack.setCurrentIndex)
        self.content.addLayout(bar)
        self.content.addWidget(self.stack, 1)
        self.set_mode("prepare")

    # ------------------------------------------------------------------ setup

    def configure(self, *, data_dir: Path | None = None, session: Any = None,
                  network: Network | None = None, names: dict[str, str] | None = None,
                  client: Any = None, pipeline: Any = None) -> None:
        """What the page works with; None leaves a setting as it is."""
        if data_dir is not None and self.accounts is not None and (
                Path(data_dir) != self.accounts.data_dir):
            self.accounts = None  # another data folder: its own registry
        self.data_dir = data_dir or self.data_dir
        self.session = session or self.session
        self.network = network or self.network
        self.names = names if names is not None else self.names
        self.client = client or self.client
        self.pipeline = pipeline or self.pipeline

    def set_context(self, ctx: Any) -> None:
        """The app's registry and unlocked keys; its pipeline arrives with each connection."""
        self.accounts = ctx.registry
        self.configure(data_dir=ctx.data_dir, session=ctx.session)

    def set_mode(self, mode: str) -> None:
        index = MODES.index(mode)
        self.mode_buttons[mode].setChecked(True)
        self.stack.setCurrentIndex(index)

    def mode(self) -> str:
        return MODES[self.stack.currentIndex()]

    def registry_for(self, chain_id: int) -> AbiRegistry:
        network = self.network if self.network and self.network.chain_id == chain_id else (
            KNOWN_NETWORKS.get(chain_id, DEVNET))
        return abi_registry(network, self.names)

    def _scrolled(self, widget: QWidget) -> QScrollArea:
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # text wraps
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(widget)
        return area

    def _column(self, intro: str) -> tuple[QWidget, QVBoxLayout]:
        widget = QWidget()
        widget.setObjectName("PageRoot")
        layout = QVBoxLayout(widget)
        layout.setContentsMargins(0, 4, 8, 4)
        layout.setSpacing(12)
        text = QLabel(intro)
        text.setWordWrap(True)
        text.setProperty("role", "muted")
        layout.addWidget(text)
        return widget, layout

    # ------------------------------------------------------------------ Prepare

    def _build_prepare(self) -> QWidget:
        widget, layout = self._column(self.tr(
            "An unsigned request holds everything to sign (one or several transactions, in "
            "nonce order). Take it to the offline computer as a file or by scanning the QR."))
        self.request_import = ImportBox(self.tr("unsigned request"), self._request_loaded)
        self.request_export = ExportPanel("request")
        layout.addWidget(self.request_import)
        layout.addWidget(self.request_export)
        # Until a request is loaded: what this page is for and the first step.
        self.empty_state = EmptyState(
            "offline_signing",
            self.tr("Nothing to sign"),
            self.tr(
                "The online copy of the app prepares a request as a file or a QR code; the "
                "offline copy shows exactly what it does and signs it; the online copy "
                "checks the signature and sends it."
            ),
            self.tr(
                "On the online computer, add your account as watch-only (its address, no "
                "key). On the offline one, start the app with \u2011\u2011offline and import "
                "the key."
            ),
            self.tr("Go to Accounts"),
        )
        self.empty_target = "accounts"
        compact = self.empty_state.layout()
        compact.setContentsMargins(32, 20, 32, 20)  # below the import box: fit the window
        compact.setSpacing(8)
        self.empty_state.icon.hide()  # the segmented control above already shows where we are
        self.empty_state.action_clicked.connect(self._empty_action)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.empty_state, 3)
        row.addStretch(1)
        layout.addSpacing(8)
        layout.addLayout(row)
        layout.addStretch(1)
        return widget

    def show_request(self, request: SignRequest, *, prepared: Any = None,
                     pipeline: Any = None) -> None:
        """An unsigned request made online (by the review dialog: with its `prepared` batch
        and `pipeline`, so Broadcast can journal and track it)."""
        self.request = request
        self.prepared = prepared
        self.pipeline = pipeline or self.pipeline
        self.response = None
        count = len(request.items)
        self.request_export.show_envelope(
            self.tr("Unsigned request: {0} item(s)").format(count),
            _request_details(request), request.to_json(), request_to_ur(request))
        _say(self.broadcast_status, "")
        _say(self.verified_label, "")
        self.empty_state.hide()
        self.set_mode("prepare")
        self._reveal(self.request_export)

    def _request_loaded(self, text: str) -> bool:
        try:
            request = parse_request(text)
        except NumerbayError as error:
            self.request_import.show_error(str(error))
            return False
        self.show_request(request)
        return True

    # ------------------------------------------------------------------ Sign

    def _build_sign(self) -> QWidget:
        widget, layout = self._column(self.tr(
            "On the offline computer: import the request, read what this copy of the app "
            "decodes from it (not what the request says about itself), then sign."))
        self.sign_import = ImportBox(self.tr("unsigned request"), self.load_offline_request)
        card, box = _card()
        self.sign_title = QLabel(self.tr("Nothing imported yet"))
        self.sign_title.setObjectName("SectionTitle")
        self.account_line = QLabel()
        self.account_line.setWordWrap(True)
        self.reviews = ReviewList()
        box.addWidget(self.sign_title)
        box.addWidget(self.account_line)
        box.addWidget(self.reviews)
        self.sign_status = _message(box)
        row = QHBoxLayout()
        row.addStretch(1)
        self.sign_button = QPushButton(self.tr("Unlock and sign"))
        self.sign_button.setObjectName("PrimaryButton")
        _enable_primary(self.sign_button, False)
        self.sign_button.clicked.connect(self._sign_clicked)
        row.addWidget(self.sign_button)
        box.addLayout(row)
        self.sign_card = card
        card.hide()
        self.signature_export = ExportPanel("signature")
        layout.addWidget(self.sign_import)
        layout.addWidget(card)
        layout.addWidget(self.signature_export)
        layout.addStretch(1)
        return widget

    def load_offline_request(self, text: str) -> bool:
        try:
            request = parse_request(text)
        except NumerbayError as error:
            self.sign_import.show_error(str(error))
            return False
        self.offline_request = request
        reviews = review_request(request, self.registry_for(request.chain_id),
                                 known_addresses=self._accounts().known_addresses())
        self.reviews.show_reviews(reviews)
        self.signature_export.hide()
        self.sign_title.setText(self.tr("{0} item(s) to sign on chain {1}").format(
            len(request.items), request.chain_id))
        record = self._accounts().find_by_address(request.account)
        mismatched = [r for r in reviews if not r.summary_matches]
        if record is None or not record.can_sign:
            self.account_line.setText(self.tr(
                "Signer {0}: this computer holds no key for it; import it in Accounts."
            ).format(request.account))
        else:
            self.account_line.setText(self.tr("Signer: {0} ({1})").format(
                record.name, request.account))
        if mismatched:
            _say(self.sign_status, self.tr(
                "Signing refused: item {0}'s summary does not match what its data does "
                "(shown in red). Make a fresh request online.").format(mismatched[0].index + 1),
                "danger")
        else:
            _say(self.sign_status, "")
        _enable_primary(self.sign_button,
                        not mismatched and record is not None and record.can_sign)
        self.sign_card.show()
        self.set_mode("sign")
        return True

    def sign_with_key(self, key: bytes | bytearray) -> SignResponse | None:
        """Sign the imported request (refused with the reason when its summary lies)."""
        request = self.offline_request
        if request is None:
            return None
        try:
            response = sign_request(request, key, self.registry_for(request.chain_id))
        except NumerbayError as error:
            _say(self.sign_status, self.tr("Signing refused: {0}").format(error), "danger")
            return None
        self.response = response
        _say(self.sign_status, self.tr("Signed. Take the signature back to the online "
                                       "computer."), "success")
        self.signature_export.show_envelope(
            self.tr("Signature for {0} item(s)").format(len(response.items)),
            self.tr("Request {0}\nSigned by {1}").format(request.request_id, request.account),
            response.to_json(), response_to_ur(response))
        _enable_primary(self.sign_button, False)  # signed once; import again to re-sign
        self._reveal(self.signature_export)
        return response

    def _reveal(self, widget: QWidget) -> None:
        area = self.stack.currentWidget()
        if isinstance(area, QScrollArea):
            area.widget().adjustSize()
            area.ensureWidgetVisible(widget, 0, 0)

    def _sign_clicked(self) -> None:
        keep(asyncio.ensure_future(self.unlock_and_sign()))

    async def unlock_and_sign(self) -> SignResponse | None:
        from numerbay_desktop.ui.unlock import SessionKeys, unlock_account

        request = self.offline_request
        if request is None:
            return None
        record = self._accounts().find_by_address(request.account)
        if record is None or not record.can_sign:
            return None
        if self.session is None:
            self.session = SessionKeys(parent=self)
        if not await unlock_account(self, self._accounts(), record, self.session):
            _say(self.sign_status, self.tr("Not signed: the account stayed locked."))
            return None
        return self.sign_with_key(self.session.key(record.name))

    def _accounts(self) -> Any:
        from numerbay_desktop.store.datadir import resolve_data_dir
        from numerbay_desktop.wallet.accounts import AccountRegistry

        if self.accounts is not None:
            return self.accounts
        if self.data_dir is None:
            self.data_dir = resolve_data_dir(None)
        return AccountRegistry(self.data_dir)

    # ------------------------------------------------------------------ Broadcast

    def _build_broadcast(self) -> QWidget:
        widget, layout = self._column(self.tr(
            "Back online: import the signature. It is checked against the request made in "
            "Prepare (same request, same account, same transactions) before anything is sent."))
        self.response_import = ImportBox(self.tr("signature"), self.load_response)
        card, box = _card()
        title = QLabel(self.tr("Broadcast and track"))
        title.setObjectName("SectionTitle")
        box.addWidget(title)
        self.verified_label = _message(box)
        self.broadcast_status = _message(box)
        self.tracking = QLabel()
        self.tracking.setProperty("role", "mono")
        self.tracking.setWordWrap(True)
        box.addWidget(self.tracking)
        row = QHBoxLayout()
        row.addStretch(1)
        self.broadcast_button = QPushButton(self.tr("Broadcast"))
        self.broadcast_button.setObjectName("PrimaryButton")
        _enable_primary(self.broadcast_button, False)
        self.broadcast_button.clicked.connect(
            lambda: keep(asyncio.ensure_future(self.broadcast())))
        row.addWidget(self.broadcast_button)
        box.addLayout(row)
        layout.addWidget(self.response_import)
        layout.addWidget(card)
        layout.addStretch(1)
        return widget

    def load_response(self, text: str) -> bool:
        if self.request is None:
            self.response_import.show_error(self.tr(
                "First load the request this signature answers (Prepare), so it can be "
                "checked."))
            return False
        try:
            response = parse_response(text, self.request)
        except NumerbayError as error:
            self.response_import.show_error(str(error))
            return False
        self.response = response
        _say(self.verified_label, self.tr(
            "✓ Signature verified: {0} item(s) signed by {1} for this request.").format(
                len(response.items), response.account), "success")
        _say(self.broadcast_status, "")
        connected = self.client is not None or self.pipeline is not None
        _enable_primary(self.broadcast_button, connected)
        self.tracking.setText("" if connected else self.tr("Connect to a network to broadcast."))
        self.set_mode("broadcast")
        return True

    async def broadcast(self) -> list[str]:
        """Send the verified transactions and follow them until mined; the hashes sent."""
        response = self.response
        if response is None:
            return []
        raws = [i.raw_transaction for i in response.items if i.raw_transaction is not None]
        _enable_primary(self.broadcast_button, False)
        try:
            if self.pipeline is not None and self.prepared is not None:
                slots = await self.pipeline.send(
                    await self.pipeline.attach_signed(self.prepared, raws))
                self.sent = [slot.hashes[-1] for slot in slots]
                await self._track_pipeline(slots)
            else:
                client = self.client or self.pipeline.client
                self.sent = [await client.send_raw_transaction(raw) for raw in raws]
                await self._track_client(client)
        except NumerbayError as error:
            _say(self.broadcast_status, str(error), "danger")
            _enable_primary(self.broadcast_button, True)
        return self.sent

    async def _track_pipeline(self, slots: list[Any]) -> None:
        from numerbay_desktop.chain.tracking import TxState

        states = {slot.hashes[-1]: "sent" for slot in slots}
        for slot in slots:
            async for status in self.pipeline.track(slot, until=TxState.INCLUDED,
                                                    timeout_s=120):
                block = f" in block {status.block_number}" if status.block_number else ""
                states[slot.hashes[-1]] = f"{status.state.value}{block}"
                self._show_states(states)

    async def _track_client(self, client: Any) -> None:
        states = dict.fromkeys(self.sent, "sent")
        self._show_states(states)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 120
        while any(s == "sent" for s in states.values()) and loop.time() < deadline:
            for tx_hash in self.sent:
                receipt = await client.get_transaction_receipt(tx_hash)
                if receipt is not None:
                    block = f" in block {receipt.block_number}"
                    states[tx_hash] = ("included" if receipt.succeeded else "failed") + block
            self._show_states(states)
            await asyncio.sleep(0.5)

    def _show_states(self, states: dict[str, str]) -> None:
        self.tracking.setText("\n".join(
            f"{n}. {h[:10]}…{h[-8:]}  {_state_text(s)}"
            for n, (h, s) in enumerate(states.items(), start=1)))
        words = [s.split()[0] for s in states.values()]
        if all(w in ("included", "confirmed", "finalized") for w in words):
            _say(self.broadcast_status, self.tr("All {0} transaction(s) are on chain.")
                 .format(len(states)), "success")
        elif any(w in ("failed", "replaced", "dropped") for w in words):
            _say(self.broadcast_status, self.tr("A transaction did not go through; see "
                                                "its state below."), "danger")
