"""The icon drawings (24 x 24 line art), imported only when icons are drawn (after the paint)."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QPainter, QPainterPath

Drawing = Callable[[QPainter], None]


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
