"""Small line icons drawn with QPainter: crisp at any scale, tinted by the theme, no files to ship.

Drawing needs PySide6's `Qt` enum namespace, which takes 60-100 ms to load, so the window is
first painted with `blank_icon` placeholders (same size, nothing drawn) and the shell draws the
real icons right after the first paint (`MainWindow.build_all_pages`).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6 import QtCore
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

# Every drawing works on a 24 x 24 canvas; the painter scales it to the requested size.
Drawing = Callable[[QPainter], None]
TRANSPARENT = (0, 0, 0, 0)


def _pen(color: str, width: float) -> QPen:
    qt = QtCore.Qt
    pen = QPen(QColor(color))
    pen.setWidthF(width)
    pen.setCapStyle(qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(qt.PenJoinStyle.RoundJoin)
    return pen


def _canvas(size: int, ratio: float) -> QPixmap:
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(QColor(*TRANSPARENT))
    return pixmap


def _marketplace(p: QPainter) -> None:
    # A storefront: awning with scallops, a body and a door.
    p.drawLine(QPointF(4, 9), QPointF(20, 9))
    p.drawRoundedRect(QRectF(5, 9, 14, 11), 1.5, 1.5)
    path = QPainterPath(QPointF(3, 9))
    path.lineTo(5, 4)
    path.lineTo(19, 4)
    path.lineTo(21, 9)
    p.drawPath(path)
    p.drawRect(QRectF(10, 14, 4, 6))


def _portfolio(p: QPainter) -> None:
    # A pie chart with one wedge pulled out.
    p.drawArc(QRectF(3, 4, 16, 16), 90 * 16, 270 * 16)
    path = QPainterPath(QPointF(11, 12))
    path.lineTo(11, 4)
    p.drawPath(path)
    p.drawLine(QPointF(11, 12), QPointF(19, 12))
    wedge = QPainterPath(QPointF(13, 10))
    wedge.lineTo(13, 2.5)
    wedge.arcTo(QRectF(5.5, 2.5, 15, 15), 90, -90)
    wedge.closeSubpath()
    p.drawPath(wedge)


def _my_vaults(p: QPainter) -> None:
    # A safe: body, dial and handle spokes, feet.
    p.drawRoundedRect(QRectF(3, 4, 18, 15), 2.5, 2.5)
    p.drawEllipse(QPointF(12, 11.5), 4, 4)
    for angle in (0, 90, 180, 270):
        rad = math.radians(angle)
        p.drawLine(
            QPointF(12 + 1.2 * math.cos(rad), 11.5 + 1.2 * math.sin(rad)),
            QPointF(12 + 4 * math.cos(rad), 11.5 + 4 * math.sin(rad)),
        )
    p.drawLine(QPointF(6, 19), QPointF(6, 21))
    p.drawLine(QPointF(18, 19), QPointF(18, 21))


def _accounts(p: QPainter) -> None:
    # A person: head and shoulders.
    p.drawEllipse(QPointF(12, 8.5), 4, 4)
    path = QPainterPath(QPointF(4, 20.5))
    path.cubicTo(4.5, 15, 8, 13.8, 12, 13.8)
    path.cubicTo(16, 13.8, 19.5, 15, 20, 20.5)
    p.drawPath(path)


def _offline_signing(p: QPainter) -> None:
    # A QR code: three finder squares and a few modules.
    for x, y in ((3, 3), (14, 3), (3, 14)):
        p.drawRect(QRectF(x, y, 7, 7))
        p.fillRect(QRectF(x + 2.5, y + 2.5, 2, 2), p.pen().color())
    for x, y in ((14, 14), (18, 14), (16, 17), (14, 19), (19, 19)):
        p.fillRect(QRectF(x, y, 2, 2), p.pen().color())


def _settings(p: QPainter) -> None:
    # A gear: eight teeth around a ring.
    for index in range(8):
        rad = math.radians(index * 45)
        p.drawLine(
            QPointF(12 + 6.5 * math.cos(rad), 12 + 6.5 * math.sin(rad)),
            QPointF(12 + 9 * math.cos(rad), 12 + 9 * math.sin(rad)),
        )
    p.drawEllipse(QPointF(12, 12), 6.5, 6.5)
    p.drawEllipse(QPointF(12, 12), 2.5, 2.5)


DRAWINGS: dict[str, Drawing] = {
    "marketplace": _marketplace,
    "portfolio": _portfolio,
    "my_vaults": _my_vaults,
    "accounts": _accounts,
    "offline_signing": _offline_signing,
    "settings": _settings,
}


def blank_icon(size: int) -> QIcon:
    """A transparent icon that reserves the space of a real one (safe before the first paint)."""
    return QIcon(_canvas(size, 2.0))


def icon_pixmap(name: str, color: str, size: int, device_pixel_ratio: float = 2.0) -> QPixmap:
    """The icon `name` in `color`, `size` logical pixels square."""
    pixmap = _canvas(size, device_pixel_ratio)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 24, size / 24)
    painter.setPen(_pen(color, 1.7))
    painter.setBrush(QBrush())  # no fill
    DRAWINGS[name](painter)
    painter.end()
    return pixmap


def nav_icon(name: str, normal: str, active: str, size: int = 20) -> QIcon:
    """An icon whose checked state uses the `active` colour."""
    icon = QIcon()
    active_pixmap = icon_pixmap(name, active, size)
    icon.addPixmap(icon_pixmap(name, normal, size), QIcon.Mode.Normal, QIcon.State.Off)
    icon.addPixmap(active_pixmap, QIcon.Mode.Normal, QIcon.State.On)
    icon.addPixmap(active_pixmap, QIcon.Mode.Active, QIcon.State.Off)
    return icon


def brand_pixmap(accent: str, on_accent: str, size: int = 34) -> QPixmap:
    """The app mark: a rounded square with a rising line, like a staked index growing."""
    ratio = 2.0
    pixmap = _canvas(size, ratio)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.scale(size / 24, size / 24)
    painter.setPen(QPen(QColor(*TRANSPARENT)))
    painter.setBrush(QColor(accent))
    painter.drawRoundedRect(QRectF(0, 0, 24, 24), 6, 6)
    painter.setPen(_pen(on_accent, 2.2))
    painter.setBrush(QBrush())
    line = QPainterPath(QPointF(5, 16.5))
    line.lineTo(9.5, 12)
    line.lineTo(13, 14.5)
    line.lineTo(19, 7.5)
    painter.drawPath(line)
    painter.drawLine(QPointF(15.5, 7.5), QPointF(19, 7.5))
    painter.drawLine(QPointF(19, 7.5), QPointF(19, 11))
    painter.end()
    return pixmap
