"""Paints a row's sparkline (the vault's index per settled round) straight with QPainter: one
polyline per visible cell, nothing built per row (no chart widget per row)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap, QPolygonF
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from numerbay_desktop.ui.marketplace_model import SPARK_ROLE
from numerbay_desktop.ui.theme import current_palette

PADDING_X = 8
PADDING_Y = 7
CACHE_SIZE = 4096


def _draw(points: tuple[float, ...], width: int, height: int, colour: QColor,
          ratio: float) -> QPixmap:
    pixmap = QPixmap(int(width * ratio), int(height * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    step = (width - 1) / (len(points) - 1)
    inset = 2.5  # room for the end dot
    span = height - 2 * inset
    line = QPolygonF([
        QPointF(i * step, inset + (1 - value) * span) for i, value in enumerate(points)
    ])
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    pen = QPen(colour, 1.6)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    painter.setPen(pen)
    painter.drawPolyline(line)
    painter.setBrush(colour)
    painter.setPen(Qt.PenStyle.NoPen)
    last = line.last()
    painter.drawEllipse(QPointF(min(last.x(), width - inset), last.y()), 2.2, 2.2)
    painter.end()
    return pixmap


class SparklineDelegate(QStyledItemDelegate):
    """Each sparkline is drawn once into a pixmap (per size and colour) and blitted after:
    a table repaint then costs one drawPixmap per visible row."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cache: dict[tuple[object, ...], QPixmap] = {}

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        # The background (selection, hover, stripes) as any other cell, without text.
        super().paint(painter, option, index)
        points = index.data(SPARK_ROLE)
        if not points or len(points) < 2:
            return
        rect = option.rect.adjusted(PADDING_X, PADDING_Y, -PADDING_X, -PADDING_Y)  # type: ignore[attr-defined]
        if rect.width() < 4 or rect.height() < 4:
            return
        palette = current_palette()
        rising = points[-1] >= points[0]
        colour = palette.success if rising else palette.danger
        if option.state & QStyle.StateFlag.State_Selected:  # type: ignore[attr-defined]
            colour = palette.on_accent
        ratio = painter.device().devicePixelRatioF()
        key = (points, rect.width(), rect.height(), colour, ratio)
        pixmap = self._cache.get(key)
        if pixmap is None:
            pixmap = _draw(points, rect.width(), rect.height(), QColor(colour), ratio)
            if len(self._cache) >= CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = pixmap
        painter.drawPixmap(rect.topLeft(), pixmap)

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(96, 30)
