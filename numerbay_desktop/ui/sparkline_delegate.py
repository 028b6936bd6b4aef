"""Paints a row's sparkline (the vault's index per settled round) straight with QPainter: one
polyline per visible cell, nothing built per row (no chart widget per row)."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QSize, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

from numerbay_desktop.ui.marketplace_model import SPARK_ROLE
from numerbay_desktop.ui.theme import current_palette

PADDING_X = 8
PADDING_Y = 7


class SparklineDelegate(QStyledItemDelegate):
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
        colour = QColor(palette.success if rising else palette.danger)
        if option.state & QStyle.StateFlag.State_Selected:  # type: ignore[attr-defined]
            colour = QColor(palette.on_accent)
        step = rect.width() / (len(points) - 1)
        bottom, height = rect.bottom(), rect.height()
        line = QPolygonF([
            QPointF(rect.left() + i * step, bottom - value * height)
            for i, value in enumerate(points)
        ])
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        pen = QPen(colour, 1.6)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        painter.setPen(pen)
        painter.drawPolyline(line)
        painter.setBrush(colour)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawEllipse(line.last(), 2.2, 2.2)
        painter.restore()

    def sizeHint(
        self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> QSize:
        return QSize(96, 30)
