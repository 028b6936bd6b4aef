"""Building blocks of the offline signing page: importing an envelope three ways, and showing
what the offline copy itself decodes from a request.

- `read_envelope(text)`: pasted text (JSON, or one or many `ur:` parts in any order) → JSON.
- `ImportBox`: "Open file…", "Open QR image…" and a paste box; hands the JSON to `accept`
  or shows why not (never clearing what the user pasted).
- `ReviewList`: one card per item; a summary that differs from the request's own is shown
  in red next to what the data actually does, with the findings coloured by severity.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import cbor2
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from numerbay_desktop.core.errors import InvalidInput, NumerbayError
from numerbay_desktop.core.risk import Severity
from numerbay_desktop.ui.qr_widgets import decode_qr_image
from numerbay_desktop.ui.theme import current_palette
from numerbay_desktop.wallet.offline import ItemReview, TxItem
from numerbay_desktop.wallet.ur import URDecoder

MAX_FILE_BYTES = 2_000_000


def _t(text: str) -> str:
    return QCoreApplication.translate("OfflineFlows", text)


def read_envelope(text: str) -> str:
    """The JSON envelope in `text`: JSON as is, or UR parts (one per line or space) decoded."""
    stripped = text.strip()
    if not stripped:
        raise InvalidInput(_t(
            "Nothing to import: paste the request or signature, or open a file."))
    if stripped.startswith("{"):
        return stripped
    parts = [p for p in stripped.split() if p.lower().startswith("ur:")]
    if not parts:
        raise InvalidInput(_t("This is neither a NumerBay file (JSON) nor QR text (ur:…)."))
    decoder = URDecoder()
    for part in parts:
        decoder.receive(part.lower())
    if not decoder.complete:
        raise InvalidInput(_t(
            "Only {0} of the QR code has been received; add the missing frames."
        ).format(f"{decoder.progress():.0%}"))
    kind, message = decoder.result()
    try:
        payload = cbor2.loads(message) if kind == "bytes" else None
        if not isinstance(payload, bytes):
            raise ValueError
        return payload.decode("utf-8")
    except Exception:  # cbor2 raises several types for hostile bytes
        raise InvalidInput(_t(
            "This QR code holds a '{0}', not a NumerBay request or signature.").format(kind)
        ) from None


def read_file(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInput(_t("{0} is too large to be a signing envelope.").format(
                path.name))
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidInput(_t("{0} is not a text file.").format(path.name)) from None
    except OSError as error:
        raise InvalidInput(_t("Cannot read {0}: {1}.").format(
            path.name, error.strerror)) from None


class ImportBox(QFrame):
    """Three ways in: a file, an image of the QR code, or pasted text."""

    def __init__(self, what: str, accept: Callable[[str], bool],
                 parent: QWidget | None = None) -> None:
        """`accept(json_text)` loads the envelope, or shows why not and returns False."""
        super().__init__(parent)
        self.accept = accept
        self.setObjectName("Card")
        self.what = what
        title = QLabel(self.tr("Import the {0}").format(what))
        title.setObjectName("SectionTitle")
        self.open_file = QPushButton(self.tr("Open file…"))
        self.open_image = QPushButton(self.tr("Open QR images…"))
        self.paste = QPlainTextEdit()
        self.paste.setPlaceholderText(self.tr("…or paste the JSON, or the ur:… text of "
                                              "every QR frame (any order)"))
        self.paste.setFixedHeight(72)
        self.import_pasted = QPushButton(self.tr("Import pasted text"))
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_file)
        buttons.addWidget(self.open_image)
        buttons.addStretch(1)
        buttons.addWidget(self.import_pasted)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(18, 14, 18, 14)
        layout.setSpacing(8)
        layout.addWidget(title)
        layout.addWidget(self.paste)
        layout.addLayout(buttons)
        layout.addWidget(self.error)
        self.open_file.clicked.connect(self._choose_file)
        self.open_image.clicked.connect(self._choose_image)
        self.import_pasted.clicked.connect(lambda: self.import_text(self.paste.toPlainText()))

    # programmatic entry points (the buttons end here too) -------------------------------

    def import_text(self, text: str) -> bool:
        return self._deliver(lambda: read_envelope(text))

    def import_file(self, path: Path) -> bool:
        return self._deliver(lambda: read_envelope(read_file(path)))

    def import_images(self, paths: list[Path]) -> bool:
        """Images of the QR: one, or one per frame of an animated QR (any order)."""
        return self._deliver(lambda: read_envelope("\n".join(
            text for path in paths for text in decode_qr_image(path))))

    def show_error(self, message: str) -> None:
        self.error.setText(message)
        self.error.setStyleSheet(f"color: {current_palette().danger};")
        self.error.show()

    def clear_error(self) -> None:
        self.error.clear()
        self.error.hide()

    def _deliver(self, read: object) -> bool:
        try:
            text = read()  # type: ignore[operator]
            json.loads(text)
        except NumerbayError as error:
            self.show_error(str(error))
            return False
        except ValueError:
            self.show_error(self.tr("This is not valid JSON; was the file cut short?"))
            return False
        self.clear_error()
        return self.accept(text)

    def _choose_file(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self, self.tr("Open the {0}").format(self.what), "",
            self.tr("NumerBay envelopes (*.json);;All files (*)"))
        if name:
            self.import_file(Path(name))

    def _choose_image(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Open images of the QR code (every frame of an animated one)"), "",
            self.tr("Images (*.png *.jpg *.jpeg *.bmp);;All files (*)"))
        if names:
            self.import_images([Path(name) for name in names])


class ReviewList(QWidget):
    """What the offline copy decodes, item by item."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(8)
        self.cards: list[QFrame] = []
        self.mismatch_labels: list[QLabel] = []

    def show_reviews(self, reviews: list[ItemReview]) -> None:
        for card in self.cards:
            card.deleteLater()
        self.cards, self.mismatch_labels = [], []
        palette = current_palette()
        for review in reviews:
            card = QFrame()
            card.setObjectName("Card")
            card.setProperty("matches", review.summary_matches)
            box = QVBoxLayout(card)
            box.setContentsMargins(16, 10, 16, 10)
            box.setSpacing(4)
            heading = QLabel(self._heading(review))
            heading.setObjectName("SectionTitle")
            box.addWidget(heading)
            own = QLabel(review.own_summary)
            own.setWordWrap(True)
            own.setToolTip(self.tr("What this copy of the app decodes from the data itself"))
            box.addWidget(own)
            if not review.summary_matches:
                claim = QLabel(self.tr("The request claims: {0}").format(review.item.summary))
                claim.setWordWrap(True)
                claim.setStyleSheet(f"color: {palette.danger}; font-weight: 600;")
                box.addWidget(claim)
                self.mismatch_labels.append(claim)
                card.setStyleSheet(f"QFrame#Card {{ border: 2px solid {palette.danger}; }}")
            for finding in review.findings:
                if finding.code == "summary_mismatch":
                    colour = palette.danger
                else:
                    colour = {Severity.DANGER: palette.danger,
                              Severity.WARNING: palette.warning}.get(finding.severity,
                                                                     palette.text_muted)
                line = QLabel(f"● {finding.message}")
                line.setWordWrap(True)
                line.setProperty("severity", finding.severity.name.lower())
                line.setStyleSheet(f"color: {colour};")
                box.addWidget(line)
            self.layout_.addWidget(card)
            self.cards.append(card)

    def _heading(self, review: ItemReview) -> str:
        item = review.item
        if isinstance(item, TxItem):
            fields = item.fields
            return self.tr("{0}. Transaction, nonce {1}, to {2}").format(
                review.index + 1, fields.nonce, fields.to or self.tr("(new contract)"))
        kind = {"message": self.tr("Message"), "typed_data": self.tr("Typed data")}[item.kind]
        return f"{review.index + 1}. {kind}"
