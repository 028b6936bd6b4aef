"""Small line icons drawn with QPainter: crisp at any scale, tinted by the theme, no files to ship.

Drawing needs PySide6's `Qt` enum namespace, which takes 60-100 ms to load, so the window is
first painted with `blank_icon` placeholders (same size, nothing drawn) and the shell draws the
real icons right after the first paint (`MainWindow.build_all_pages`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6 import QtCore, QtGui
from PySide6.QtGui import QColor, QIcon, QPixmap

if TYPE_CHECKING:
    from PySide6.QtGui import QPen  # imported at draw time: not needed before the first paint

# The drawings (icon_drawings.py) work on a 24 x 24 canvas; the painter scales them.
TRANSPARENT = (0, 0, 0, 0)


def _pen(color: str, width: float) -> QPen:
    qt = QtCore.Qt
    pen = QtGui.QPen(QColor(color))
    pen.setWidthF(width)
    pen.setCapStyle(qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(qt.PenJoinStyle.RoundJoin)
    return pen


def _canvas(size: int, ratio: float) -> QPixmap:
    pixmap = QPixmap(int(size * ratio), int(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(QColor(*TRANSPARENT))
    return pixmap


def blank_icon(size: int) -> QIcon:
    """A transparent icon that reserves the space of a real one (safe before the first paint)."""
    return QIcon(_canvas(size, 2.0))


def icon_pixmap(name: str, color: str, size: int, device_pixel_ratio: float = 2.0) -> QPixmap:
    """The icon `name` in `color`, `size` logical pixels square."""
    from PySide6.QtGui import QBrush, QPainter

    from numerbay_desktop.ui.icon_drawings import DRAWINGS

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
    from PySide6.QtCore import QPointF, QRectF
    from PySide6.QtGui import QBrush, QPainter, QPainterPath, QPen

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
