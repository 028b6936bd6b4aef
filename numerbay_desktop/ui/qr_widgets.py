"""QR codes in and out: an animated QR that loops UR parts, and reading QR codes from an image.

    qr = AnimatedQr()
    qr.set_parts(request_to_ur(request))      # one frame per part, looped every 300 ms
    parts = decode_qr_image(Path("photo.png"))  # every QR text found (zxing-cpp)

A phone or another copy of the app scans the frames in any order (`URDecoder` reassembles
them). Each frame is segno's matrix as an image (one pixel per module, with the white quiet
zone a scanner needs), scaled by whole pixels without smoothing: crisp, also in the dark theme.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.ui.pyside_workarounds import pin_none
from numerbay_desktop.wallet.ur import qr_codes

FRAME_MS = 300
QUIET_ZONE = 4  # modules of white around the code (the QR standard's minimum)


def matrix_image(matrix: list[bytearray]) -> QImage:
    """The QR with its quiet zone as a 1-pixel-per-module grayscale image."""
    side = len(matrix) + 2 * QUIET_ZONE
    white = b"\xff"
    blank = white * side
    rows = [blank] * QUIET_ZONE
    for line in matrix:
        modules = bytes(0 if dark else 255 for dark in line)
        rows.append(white * QUIET_ZONE + modules + white * QUIET_ZONE)
    rows += [blank] * QUIET_ZONE
    data = b"".join(rows)
    return QImage(data, side, side, side, QImage.Format.Format_Grayscale8).copy()


class QrCanvas(QWidget):
    """One QR code, painted square, centred and unsmoothed (crisp module edges).

    The code is drawn as one image per frame: painting thousands of small rectangles
    through PySide6 (6.12) leaks references to None, which aborts Python at exit.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.setMinimumSize(220, 220)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(280, 280)

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.image is None:
            return
        side = min(self.width(), self.height())
        modules = self.image.width()
        side -= side % modules  # whole pixels per module: every module the same size
        left = (self.width() - side) // 2
        top = (self.height() - side) // 2
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        painter.drawImage(QRect(left, top, side, side), self.image)
        painter.end()


class AnimatedQr(QWidget):
    """Loops the QR codes of UR parts; a single part stays still."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        pin_none()  # it redraws forever: PySide6's None leak must not abort the app
        self.canvas = QrCanvas()
        self.caption = QLabel()
        self.caption.setProperty("role", "muted")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        self.caption.setWordWrap(True)
        self.parts: list[str] = []
        self._frames: list[QImage] = []
        self.index = 0
        self.timer = QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.next_frame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.caption)

    def set_parts(self, parts: list[str]) -> None:
        self.parts = list(parts)
        self._frames = [matrix_image(list(code.matrix)) for code in qr_codes(self.parts)]
        self.index = -1
        self.next_frame()
        if len(self.parts) > 1:
            self.timer.start()
        else:
            self.timer.stop()

    def clear(self) -> None:
        self.timer.stop()
        self.parts, self._frames, self.index = [], [], 0
        self.canvas.set_image(None)
        self.caption.clear()

    def frame_count(self) -> int:
        return len(self.parts)

    def current_part(self) -> str:
        return self.parts[self.index] if self.parts else ""

    def next_frame(self) -> None:
        if not self.parts:
            return
        self.index = (self.index + 1) % len(self.parts)
        self.canvas.set_image(self._frames[self.index])
        if len(self.parts) == 1:
            self.caption.setText(self.tr("One QR code: scan it with the other computer."))
        else:
            self.caption.setText(
                self.tr("Animated QR: frame {0} of {1}; keep scanning until it completes.")
                .format(self.index + 1, len(self.parts))
            )

    def hideEvent(self, event: object) -> None:
        self.timer.stop()  # no repaints for a page nobody sees
        super().hideEvent(event)  # type: ignore[arg-type]

    def showEvent(self, event: object) -> None:
        if len(self.parts) > 1:
            self.timer.start()
        super().showEvent(event)  # type: ignore[arg-type]


def decode_qr_image(path: Path) -> list[str]:
    """The texts of every QR code in the image at `path`; InvalidInput when there is none."""
    import numpy as np
    import zxingcpp

    image = QImage(str(path))
    if image.isNull():
        raise InvalidInput(QCoreApplication.translate(
            "QrWidgets", "{0} is not an image this app can open (PNG or JPEG).").format(path.name))
    return decode_qr_qimage(image, np, zxingcpp)


def decode_qr_qimage(image: QImage, np: object = None, zxing: object = None) -> list[str]:
    """As `decode_qr_image`, for an image in memory (a paste, a screenshot)."""
    if np is None or zxing is None:
        import numpy
        import zxingcpp

        np, zxing = numpy, zxingcpp
    gray = image.convertToFormat(QImage.Format.Format_Grayscale8)
    width, height, stride = gray.width(), gray.height(), gray.bytesPerLine()
    buffer = np.frombuffer(gray.constBits(), dtype=np.uint8,  # type: ignore[attr-defined]
                           count=stride * height)
    pixels = buffer.reshape(height, stride)[:, :width].copy()
    found = zxing.read_barcodes(pixels, formats=zxing.BarcodeFormat.QRCode)  # type: ignore[attr-defined]
    texts = [result.text for result in found if result.text]
    if not texts:
        raise InvalidInput(QCoreApplication.translate(
            "QrWidgets", "No QR code could be read in this image; try a sharper, straighter "
            "picture with the whole code in it."))
    return texts
