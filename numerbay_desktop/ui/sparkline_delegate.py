"""Paints a row's sparkline (the vault's index per settled round) straight with QPainter: one
polyline per visible cell, nothing built per row (no chart widget per row).

Each line is drawn once into a QImage (per points, size and colour) and blitted after. A
refresh's new lines are drawn ahead in the formatting thread (`prerender`, registered with
`marketplace_model.add_prerenderer`), so the repaint that follows only blits: QImage, unlike
QPixmap, may be painted outside the GUI thread."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from numerbay_desktop.ui.marketplace_model import SPARK_ROLE, PreparedRow, add_prerenderer
from numerbay_desktop.ui.theme import current_palette

PADDING_X = 8
PADDING_Y = 7
CACHE_SIZE = 4096


def _draw(points: tuple[float, ...], width: int, height: int, colour: QColor,
          ratio: float) -> QImage:
    pixmap = QImage(int(width * ratio), int(height * ratio),
                    QImage.Format.Format_ARGB32_Premultiplied)
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
    """Each sparkline is drawn once into an image (per size and colour) and blitted after:
    a table repaint then costs one drawImage per visible row."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._cache: dict[tuple[object, ...], QImage] = {}
        self._lock = threading.Lock()  # the formatting thread fills the cache too
        self._geometry: tuple[int, int, float] | None = None  # the last painted cell's
        add_prerenderer(self.prerender)

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
        colour = _colour(points)
        if option.state & QStyle.StateFlag.State_Selected:  # type: ignore[attr-defined]
            colour = current_palette().on_accent
        ratio = painter.device().devicePixelRatioF()
        self._geometry = (rect.width(), rect.height(), ratio)
        image = self._image(points, rect.width(), rect.height(), colour, ratio)
        painter.drawImage(rect.topLeft(), image)

    def prerender(self, rows: Sequence[PreparedRow]) -> None:
        """Draw the lines of freshly formatted rows at the last painted size (any thread)."""
        geometry = self._geometry
        if geometry is None:
            return  # nothing painted yet: the size is unknown
        width, height, ratio = geometry
        for row in rows[:CACHE_SIZE // 2]:
            if row.sparkline and len(row.sparkline) >= 2:
                self._image(row.sparkline, width, height, _colour(row.sparkline), ratio)

    def _image(self, points: tuple[float, ...], width: int, height: int, colour: str,
               ratio: float) -> QImage:
        key = (points, width, height, colour, ratio)
        image = self._cache.get(key)
        if image is None:
            image = _draw(points, width, height, QColor(colour), ratio)
            with self._lock:
                while len(self._cache) >= CACHE_SIZE:
                    self._cache.pop(next(iter(self._cache)))
                self._cache[key] = image
        return image

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(96, 30)


def _colour(points: tuple[float, ...]) -> str:
    palette = current_palette()
    return palette.success if points[-1] >= points[0] else palette.danger
