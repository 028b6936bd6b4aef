"""The portfolio's charts: its value round by round (pyqtgraph) and its allocation by vault.

    chart = ValueChart();  chart.show_points(view.history)      # core.portfolio.ValuePoint
    bars = AllocationBars();  bars.show_allocation([(name, Fraction share, wei value), ...])

The value chart draws the value of the staker's lots (net of charged fees) and the NMR put
in minus NMR taken out ("invested"), so the gap between the lines is the profit or loss.
Figures are plotted as floats (chart coordinates only); exact amounts are in the lot table.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

from numerbay_desktop.core.portfolio import ValuePoint
from numerbay_desktop.core.units import format_amount
from numerbay_desktop.ui.theme import current_palette

WEI_PER_NMR = 10**18
CHART_HEIGHT = 200
# Distinct, calm colours for up to eight vaults; more share the last one ("others").
SERIES = ("#3D5AFE", "#0E9F6E", "#B7791F", "#9B51E0", "#0891B2", "#D946EF", "#65A30D",
          "#8792A2")


def _nmr(wei: int) -> float:
    return wei / WEI_PER_NMR  # chart coordinates only


class ValueChart(QWidget):
    """Portfolio value and NMR invested after each of the account's events."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        self.plot.setMinimumHeight(CHART_HEIGHT)
        self.plot.setMaximumHeight(CHART_HEIGHT + 20)
        self.plot.setMinimumWidth(240)  # the plot's own hint is wide: let the card shrink
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=False, y=True, alpha=0.15)
        self.plot.setMouseEnabled(x=False, y=False)
        self.legend = QLabel()
        self.legend.setProperty("role", "faint")
        self.legend.setWordWrap(True)
        self.empty = QLabel(self.tr("No history yet: the chart starts with your first deposit."))
        self.empty.setProperty("role", "muted")
        self.empty.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.legend)
        self.value_item: pg.PlotDataItem | None = None
        self.invested_item: pg.PlotDataItem | None = None
        self._points: list[ValuePoint] = []
        self._style()

    def _style(self) -> None:
        palette = current_palette()
        self.plot.setBackground(palette.surface)
        item = self.plot.getPlotItem()
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(palette.border))
            axis.setTextPen(pg.mkPen(palette.text_muted))

    def show_points(self, points: Sequence[ValuePoint]) -> None:
        self._points = list(points)
        self.plot.clear()
        self.value_item = self.invested_item = None
        self.empty.setVisible(not self._points)
        self.plot.setVisible(bool(self._points))
        if not self._points:
            self.legend.clear()
            return
        palette = current_palette()
        xs = [float(p.timestamp) for p in self._points]
        # Steps: the value holds between events (it changes only when a round settles).
        self.invested_item = pg.PlotDataItem(
            xs, [_nmr(p.invested) for p in self._points], stepMode=None,
            pen=pg.mkPen(palette.text_faint, width=1.5, style=Qt.PenStyle.DashLine))
        self.value_item = pg.PlotDataItem(
            xs, [_nmr(p.value) for p in self._points],
            pen=pg.mkPen(palette.accent, width=2.2), antialias=True)
        tint = QColor(palette.accent)
        tint.setAlpha(40)
        self.value_item.setFillLevel(0)
        self.value_item.setBrush(tint)
        self.plot.addItem(self.value_item)
        self.plot.addItem(self.invested_item)
        self.plot.getPlotItem().setLabel("left", "NMR")
        last = self._points[-1]
        self.legend.setText(self.tr(
            "<span style='color:{a}'>━</span> value of your lots, before fees still owed "
            "&nbsp; <span style='color:{f}'>┅</span> NMR put in minus NMR taken out. "
            "Last point: {v} NMR for {i} NMR invested ({n} points replayed from your vault "
            "events)."
        ).format(a=palette.accent, f=palette.text_faint,
                 v=format_amount(last.value, places=2), i=format_amount(last.invested, places=2),
                 n=len(self._points)))

    @property
    def point_count(self) -> int:
        item = self.value_item
        return 0 if item is None or item.xData is None else len(item.xData)

    def refresh_theme(self) -> None:
        self._style()
        self.show_points(self._points)


class _Bar(QWidget):
    """One horizontal bar: a share of the width, in a colour, on a faint track."""

    def __init__(self, share: Fraction, colour: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.share = share
        self.colour = colour
        self.setFixedHeight(8)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def paintEvent(self, event: object) -> None:  # Qt's name
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        rect = QRectF(self.rect())
        painter.setBrush(QColor(current_palette().surface_alt))
        painter.drawRoundedRect(rect, 4, 4)
        width = rect.width() * float(self.share)
        if width > 0:
            painter.setBrush(QColor(self.colour))
            painter.drawRoundedRect(QRectF(rect.x(), rect.y(), max(width, 4.0), rect.height()),
                                    4, 4)
        painter.end()


class AllocationBars(QWidget):
    """Each vault's share of the value held: name, percent and value, and a bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setHorizontalSpacing(8)
        self.grid.setVerticalSpacing(3)
        self.rows: list[tuple[str, Fraction, int]] = []

    def show_allocation(self, rows: Sequence[tuple[str, Fraction, int]], limit: int = 7) -> None:
        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        ordered = sorted(rows, key=lambda r: r[1], reverse=True)
        if len(ordered) > limit:  # the rest in one line, so the card keeps its height
            rest = ordered[limit - 1:]
            others = (self.tr("{n} others").format(n=len(rest)),
                      sum((r[1] for r in rest), Fraction(0)), sum(r[2] for r in rest))
            ordered = [*ordered[:limit - 1], others]
        self.rows = ordered
        if not ordered:
            empty = QLabel(self.tr("Nothing held in a vault right now."))
            empty.setProperty("role", "muted")
            self.grid.addWidget(empty, 0, 0)
            return
        for i, (name, share, value) in enumerate(ordered):
            colour = SERIES[min(i, len(SERIES) - 1)]
            title = QLabel(name)
            title.setToolTip(name)
            percent = QLabel(f"{float(share) * 100:.1f}%  ·  {format_amount(value, places=0)}")
            percent.setProperty("role", "muted")
            percent.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.grid.addWidget(title, 2 * i, 0)
            self.grid.addWidget(percent, 2 * i, 1)
            self.grid.addWidget(_Bar(share, colour), 2 * i + 1, 0, 1, 2)
        self.grid.setRowStretch(2 * len(ordered), 1)

    def refresh_theme(self) -> None:
        self.show_allocation(self.rows)
