"""The model page's charts, in pyqtgraph: Numerai's per-round scores and the vault's own record
(its index, the return of each settled round, and how much was at stake vs not staked).

    chart = ScoresChart();  chart.show_scores([(round, payout score), ...])
    vault = VaultCharts();  vault.show_history(history)     # services.vault_history.VaultHistory
    vault.point_counts()    # {"index": n, "returns": n, "at_stake": n, "not_staked": n}

Every plot is made by `new_plot` and every line by `line`: clip to the visible range, peak
downsampling chosen from the pixels available, and no antialiasing for a big series, so a
100,000-point redraw stays within a frame (tests/bench/bench_chart.py measures it).
Figures are plotted as floats (a chart's coordinates); the exact values are in the tables and
the verification panel.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyqtgraph as pg
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QStackedWidget, QWidget
from PySide6.QtWidgets import QVBoxLayout as QVBox

from numerbay_desktop.ui.theme import current_palette

if TYPE_CHECKING:
    from numerbay_desktop.services.vault_history import VaultHistory

RAY = 10**27
WEI_PER_NMR = 10**18
BIG_SERIES = 2_000  # above this many points a line is drawn without antialiasing
CHART_HEIGHT = 210
DOWNSAMPLE_FACTOR = 1.0


def new_plot(*, dates: bool = False, height: int = CHART_HEIGHT) -> pg.PlotWidget:
    """A themed plot with the fast settings: clip to view, automatic peak downsampling."""
    axes = {"bottom": pg.DateAxisItem(orientation="bottom")} if dates else None
    plot = pg.PlotWidget(axisItems=axes)
    plot.setFixedHeight(height)  # inside a scrolling page a chart would grow without end
    item = plot.getPlotItem()
    item.setClipToView(True)
    item.setDownsampling(auto=True, mode="peak")
    for name in ("left", "bottom"):
        item.getAxis(name).enableAutoSIPrefix(False)  # no re-labelling on every range change
    item.setMenuEnabled(False)
    item.hideButtons()
    item.showGrid(x=False, y=True, alpha=0.15)
    plot.setMouseEnabled(x=True, y=False)
    style_plot(plot)
    return plot


def style_plot(plot: pg.PlotWidget) -> None:
    palette = current_palette()
    plot.setBackground(palette.surface)
    item = plot.getPlotItem()
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen(palette.border))
        axis.setTextPen(pg.mkPen(palette.text_muted))


def line(plot: pg.PlotWidget, x: Sequence[float], y: Sequence[float], colour: str, *,
         fill: bool = False, width: float = 2.0, name: str = "") -> pg.PlotDataItem:
    """A line with the settings that keep big series fast (antialias only when small)."""
    big = len(x) > BIG_SERIES
    item = pg.PlotDataItem(
        list(x), list(y), pen=pg.mkPen(colour, width=1 if big else width),
        antialias=not big, name=name or None, skipFiniteCheck=True,
    )  # clipping and downsampling come from the plot (new_plot) when the item is added
    # Peak downsampling to about one min/max pair per pixel column (pyqtgraph's default, 5,
    # keeps five times as many points as the screen can show).
    item.opts["autoDownsampleFactor"] = DOWNSAMPLE_FACTOR
    if fill:
        tint = pg.mkColor(colour)
        tint.setAlpha(45)
        item.setFillLevel(0)
        item.setBrush(tint)
    plot.addItem(item)
    return item


def bars(plot: pg.PlotWidget, x: Sequence[float], heights: Sequence[float],
         up: str, down: str, width: float = 0.7) -> pg.BarGraphItem:
    brushes = [pg.mkBrush(up if h >= 0 else down) for h in heights]
    item = pg.BarGraphItem(x=list(x), height=list(heights), width=width, brushes=brushes,
                           pen=pg.mkPen(None))
    plot.addItem(item)
    return item


def _bar_count(item: pg.BarGraphItem | None) -> int:
    return 0 if item is None else len(item.opts["x"])


def _line_count(item: pg.PlotDataItem | None) -> int:
    return 0 if item is None or item.xData is None else len(item.xData)


class ScoresChart(QWidget):
    """Numerai's payout score of each resolved round (0.5 CORR + 2 MMC), as bars."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = new_plot()
        self.item: pg.BarGraphItem | None = None
        self.empty = QLabel(self.tr("No resolved rounds with scores yet."))
        self.empty.setProperty("role", "muted")
        self.empty.hide()
        layout = QVBox(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.plot)
        layout.addWidget(self.empty)
        self._scores: list[tuple[int, float]] = []

    def show_scores(self, scores: Sequence[tuple[int, float]]) -> None:
        self._scores = list(scores)
        self.plot.clear()
        self.item = None
        self.empty.setVisible(not self._scores)
        if not self._scores:
            return
        palette = current_palette()
        self.item = bars(self.plot, [r for r, _ in self._scores], [s for _, s in self._scores],
                         palette.success, palette.danger)
        self.plot.getPlotItem().setLabel("bottom", "round")
        self.plot.getPlotItem().setLabel("left", "payout score")

    @property
    def point_count(self) -> int:
        return _bar_count(self.item)

    def refresh_theme(self) -> None:
        style_plot(self.plot)
        self.show_scores(self._scores)


class VaultCharts(QFrame):
    """The vault's record from its RoundSettled events, one chart at a time (segment buttons)."""

    VIEWS = (("index", "Index"), ("returns", "Returns"), ("stake", "At stake vs idle"))

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.buttons: dict[str, QPushButton] = {}
        switch = QHBoxLayout()
        switch.setSpacing(0)
        for position, (key, title) in enumerate(self.VIEWS):
            button = QPushButton(self.tr(title))
            button.setObjectName("SegmentButton")
            button.setCheckable(True)
            button.setAutoExclusive(True)
            if position == 0:
                button.setProperty("segment", "first")
            elif position == len(self.VIEWS) - 1:
                button.setProperty("segment", "last")
            else:
                button.setStyleSheet("border-left: none;")  # no double line between segments
            button.clicked.connect(lambda _=False, k=key: self.show_view(k))
            self.buttons[key] = button
            switch.addWidget(button)
        switch.addStretch(1)
        self.index_plot = new_plot(dates=True)
        self.returns_plot = new_plot()
        self.stake_plot = new_plot(dates=True)
        self.stack = QStackedWidget()
        self.stack.setFixedHeight(CHART_HEIGHT)
        for plot in (self.index_plot, self.returns_plot, self.stake_plot):
            self.stack.addWidget(plot)
        self.caption = QLabel()
        self.caption.setProperty("role", "faint")
        self.caption.setWordWrap(True)
        layout = QVBox(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(switch)
        layout.addWidget(self.stack)
        layout.addWidget(self.caption)
        layout.addStretch(1)
        self.index_item: pg.PlotDataItem | None = None
        self.returns_item: pg.BarGraphItem | None = None
        self.at_stake_item: pg.PlotDataItem | None = None
        self.not_staked_item: pg.PlotDataItem | None = None
        self._history: VaultHistory | None = None
        self._view = "index"
        self.show_view("index")

    def show_view(self, key: str) -> None:
        self._view = key
        self.buttons[key].setChecked(True)
        self.stack.setCurrentIndex([k for k, _ in self.VIEWS].index(key))
        self._caption()

    def _caption(self) -> None:
        count = len(self._history.settled) if self._history is not None else 0
        captions = {
            "index": "Growth of 1 NMR staked through the vault since its start, after each "
                     f"settled round ({count} RoundSettled events: index_ray / 10²⁷).",
            "returns": "Return of the exposed value in each settled round, in % "
                       "(RoundSettled.return_ray); green gained, red lost.",
            "stake": "NMR at stake in each settled round (accent) and the exposed value it did "
                     "not put at stake (grey), from RoundSettled.principal and exposed_value.",
        }
        self.caption.setText(self.tr(captions[self._view]))

    def show_history(self, history: VaultHistory) -> None:
        self._history = history
        palette = current_palette()
        settled = history.settled
        for plot in (self.index_plot, self.returns_plot, self.stake_plot):
            plot.clear()
        times = [float(s.timestamp) for s in settled]
        self.index_item = line(self.index_plot, times,
                               [s.index_ray / RAY for s in settled], palette.accent)
        self.returns_item = bars(self.returns_plot, [float(s.round_id) for s in settled],
                                 [s.return_ray * 100 / RAY for s in settled],
                                 palette.success, palette.danger)
        points = history.stake_points
        self.not_staked_item = line(self.stake_plot, times,
                                    [p.exposed_value / WEI_PER_NMR for p in points],
                                    palette.text_faint, fill=True, name="exposed")
        self.at_stake_item = line(self.stake_plot, times,
                                  [p.at_stake / WEI_PER_NMR for p in points],
                                  palette.accent, fill=True, name="at stake")
        self.returns_plot.getPlotItem().setLabel("bottom", "round")
        self.returns_plot.getPlotItem().setLabel("left", "%")
        self.stake_plot.getPlotItem().setLabel("left", "NMR")
        self._caption()

    def point_counts(self) -> dict[str, int]:
        """How many points each chart holds (one per RoundSettled event)."""
        return {
            "index": _line_count(self.index_item),
            "returns": _bar_count(self.returns_item),
            "at_stake": _line_count(self.at_stake_item),
            "not_staked": _line_count(self.not_staked_item),
        }

    def refresh_theme(self) -> None:
        for plot in (self.index_plot, self.returns_plot, self.stake_plot):
            style_plot(plot)
        if self._history is not None:
            self.show_history(self._history)


def curve_settings(item: pg.PlotDataItem) -> dict[str, Any]:
    """The speed-relevant options of a line (the benchmark records them)."""
    opts = item.opts
    return {"clipToView": opts.get("clipToView"), "autoDownsample": opts.get("autoDownsample"),
            "downsampleMethod": opts.get("downsampleMethod"), "antialias": opts.get("antialias")}


__all__ = ["BIG_SERIES", "ScoresChart", "VaultCharts", "curve_settings", "line", "new_plot",
           "style_plot"]
