"""The fee ladder editor: tiers (from what stake, fixed fee a year, profit share), added and
removed freely, each value checked against the factory's bounds as it is typed, with a live
step chart of both fees against the staker's stake.

    editor = FeeLadderEditor()
    editor.set_tiers([TierTerms(0, 200, 2000), TierTerms(1_000 * NMR, 150, 1500)])
    editor.tiers()        # list[TierTerms], or None while a value is refused
    editor.problems()     # [Problem(field, reason, row)], shown under the table
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pyqtgraph as pg
from PySide6.QtWidgets import QLabel, QWidget

from numerbay_desktop.core.errors import InvalidInput
from numerbay_desktop.services.models import CommitmentOption, TierTerms
from numerbay_desktop.services.vault_admin import (
    MAX_TIERS,
    NMR,
    Problem,
    nmr_to_wei,
    percent_to_bps,
    schedule_problems,
)
from numerbay_desktop.ui.owner_terms_table import TermsTable
from numerbay_desktop.ui.theme import current_palette

TIER_FIELDS = ("tiers", "min_stake", "fixed_fee_bps", "profit_share_bps")
CHART_HEIGHT = 170


def format_nmr(wei: int) -> str:
    if wei % NMR == 0:
        return f"{wei // NMR:,}"
    return f"{Decimal(wei) / NMR:,f}".rstrip("0").rstrip(".")


def format_pct(bps: int) -> str:
    return f"{Decimal(bps) / 100:f}".rstrip("0").rstrip(".") if bps % 100 else str(bps // 100)


def _pct(text: str, what: str) -> int:
    return percent_to_bps(text, what)


def _nmr(text: str, what: str) -> int:
    return nmr_to_wei(text, what)


def tier_text(tier: TierTerms) -> str:
    return (f"from {format_nmr(tier.min_stake)} NMR: {format_pct(tier.fixed_fee_bps)} % a "
            f"year, {format_pct(tier.profit_share_bps)} % of profit")


def step_points(tiers: Sequence[TierTerms], attribute: str) -> tuple[list[float], list[float]]:
    """The step line of one fee against the stake (NMR): flat within a tier, a step at each
    tier's minimum, running on past the last tier by half its span."""
    if not tiers:
        return [], []
    mins = [t.min_stake / NMR for t in tiers]
    end = mins[-1] * 1.5 if mins[-1] > 0 else 1_000.0
    xs: list[float] = []
    ys: list[float] = []
    for i, tier in enumerate(tiers):
        value = getattr(tier, attribute) / 100
        stop = mins[i + 1] if i + 1 < len(mins) else end
        xs += [mins[i], stop]
        ys += [value, value]
    return xs, ys


class FeeLadderEditor(TermsTable):
    COLUMNS = (
        ("min_stake", "From stake (NMR)", _nmr, format_nmr),
        ("fixed_fee_bps", "Fixed fee (% a year)", _pct, format_pct),
        ("profit_share_bps", "Profit share (%)", _pct, format_pct),
    )
    MAX_ROWS = MAX_TIERS
    ADD_TEXT = "Add tier"
    FIRST_ROW_LOCKED = "min_stake"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        palette = current_palette()
        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(CHART_HEIGHT)
        self.plot.setBackground(palette.surface)
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=False, y=True, alpha=0.15)
        self.plot.setMouseEnabled(x=False, y=False)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(palette.border))
            axis.setTextPen(pg.mkPen(palette.text_muted))
        item.setLabel("bottom", "Staker's stake (NMR)", color=palette.text_muted)
        item.setLabel("left", "%", color=palette.text_muted)
        legend = item.addLegend(offset=(-8, 4))
        legend.setLabelTextColor(palette.text_muted)
        self.fixed_line = pg.PlotDataItem([], [], pen=pg.mkPen(palette.accent, width=2.4),
                                          name="Fixed fee (% a year)")
        self.profit_line = pg.PlotDataItem([], [], pen=pg.mkPen(palette.warning, width=2.4),
                                           name="Profit share (%)")
        self.plot.addItem(self.fixed_line)
        self.plot.addItem(self.profit_line)
        self.chart_note = QLabel("Larger stakes pay the terms of the highest tier they reach; "
                                 "commitment discounts apply on top.")
        self.chart_note.setProperty("role", "faint")
        self.chart_note.setWordWrap(True)
        self.layout_.addWidget(self.plot)
        self.layout_.addWidget(self.chart_note)
        self.table.setMinimumHeight(140)

    # -- rows -------------------------------------------------------------------------------
    def set_tiers(self, tiers: Sequence[TierTerms]) -> None:
        self.set_rows([[t.min_stake, t.fixed_fee_bps, t.profit_share_bps] for t in tiers])

    def tiers(self) -> list[TierTerms] | None:
        return self.values()

    def suggested_row(self, last: list[str] | None) -> list[str]:
        """A new tier above the last: twice its minimum (or 1,000 NMR), the same fees."""
        if last is None:
            return ["0", "2", "20"]
        try:
            previous = nmr_to_wei(last[0], "")
        except InvalidInput:
            previous = 0
        start = previous * 2 if previous else 1_000 * NMR
        return [format_nmr(start), last[1], last[2]]

    def build_rows(self, rows: list[list[int]]) -> list[Any]:
        return [TierTerms(*row) for row in rows]

    def problems_of(self, values: list[Any]) -> list[Problem]:
        found = schedule_problems(values, [CommitmentOption(0, 0)])
        return [p for p in found if p.field in TIER_FIELDS]

    def rows_changed(self, rows: list[list[int]] | None) -> None:
        """Redraw the chart; a refused ladder is not drawn (its steps would mislead)."""
        tiers = self.build_rows(rows) if rows and not self.problems() else []
        self.fixed_line.setData(*step_points(tiers, "fixed_fee_bps"))
        self.profit_line.setData(*step_points(tiers, "profit_share_bps"))
        top = max([t.profit_share_bps for t in tiers] + [t.fixed_fee_bps for t in tiers] + [100])
        self.plot.getPlotItem().setYRange(0, top / 100 * 1.35, padding=0)
        self.chart_note.setText(
            "Larger stakes pay the terms of the highest tier they reach; commitment discounts "
            "apply on top." if tiers or not rows else
            "The chart returns once every value above is accepted.")

    def chart_points(self) -> tuple[tuple[list[float], list[float]], tuple[list[float],
                                                                           list[float]]]:
        """What the chart draws now: (fixed fee line, profit share line) as (x, y)."""
        fixed = self.fixed_line.getData()
        profit = self.profit_line.getData()
        return ((list(fixed[0] if fixed[0] is not None else []),
                 list(fixed[1] if fixed[1] is not None else [])),
                (list(profit[0] if profit[0] is not None else []),
                 list(profit[1] if profit[1] is not None else [])))
